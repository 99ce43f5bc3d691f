"""The demo corpus through the whole pipeline: the brief names pickups by whose story they copied."""

from __future__ import annotations

import re
from pathlib import Path

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.demo import write_demo_corpus
from belowthefold.models import Brief
from belowthefold.store import Store


def test_demo_brief_counts_originals_and_pickups_of_the_wire_story(tmp_path: Path) -> None:
    files = write_demo_corpus(tmp_path)
    settings = Settings(db=tmp_path / "demo.db")
    with Store(settings.db) as store:
        pipeline.import_paths(store, [files.corpus], settings.imports, files.sources)
        brief = pipeline.make_brief(
            store, settings, pipeline.parse_window("2025-W15"), "mainstream"
        )
    reasons = [r for m in brief.missed for r in m.reasons]
    assert any("2 pickups of the Allied Press Wire story" in r for r in reasons), reasons
    frigate = next(m for m in brief.missed if "Karesh" in m.headline)
    assert frigate.coverage.get("mainstream", 0) == 0
    assert brief.dominant and "tariff" in brief.dominant[0].headline.lower()


def test_the_quiet_week_reads_quieter_and_the_flood_week_displaced_variety(tmp_path: Path) -> None:
    """What the README says of the demo: W14 well below the tariff week, which crowded out most
    of the everyday variety mainstream showed the week before."""
    files = write_demo_corpus(tmp_path)
    settings = Settings(db=tmp_path / "demo.db")
    with Store(settings.db) as store:
        pipeline.import_paths(store, [files.corpus], settings.imports, files.sources)
        quiet, flood = (
            pipeline.make_brief(store, settings, pipeline.parse_window(w), "mainstream")
            for w in ("2025-W14", "2025-W15")
        )

    def mon_to_sat(brief: Brief) -> list[float]:
        return [p.value for p in brief.pressure if p.group == "mainstream" and p.day.weekday() < 6]

    assert max(mon_to_sat(quiet)) < 0.65 < 0.85 < min(mon_to_sat(flood))
    (note,) = [n for n in flood.notes if "displaced" in n]
    displaced = re.search(r"displaced (\d+)% of its usual variety", note)
    assert displaced is not None and int(displaced.group(1)) >= 50, note
