"""The demo corpus through the whole pipeline: the brief names pickups by whose story they copied."""

from __future__ import annotations

from pathlib import Path

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.demo import write_demo_corpus
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
