"""Reading a brief never changes what later briefs say: only publishing verbs record history."""

from __future__ import annotations

from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.store import Store
from cli_support import run_cli

GOLD = Path(__file__).parent / "fixtures" / "gold" / "missed-2025-W23"
WEEK, NEXT = pipeline.parse_window("2025-W23"), pipeline.parse_window("2025-W24")


def test_building_a_brief_records_nothing_unless_asked(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "w23.db")
    with Store(settings.db) as store:
        pipeline.import_paths(
            store, [GOLD.with_suffix(".jsonl")], settings.imports, GOLD.with_suffix(".sources.toml")
        )
        for _ in range(2):
            assert pipeline.make_brief(store, settings, WEEK, "mainstream").missed
        assert store.briefs.history("mainstream", NEXT) == {}
        assert store.briefs.weeks("mainstream") == []
        pipeline.make_brief(store, settings, WEEK, "mainstream", record=True)
        assert store.briefs.history("mainstream", NEXT)


@pytest.mark.slow
def test_the_brief_verb_records_and_the_read_verbs_do_not(tmp_path: Path) -> None:
    db = str(tmp_path / "w23.db")
    src = str(GOLD.with_suffix(".sources.toml"))
    assert (
        run_cli("--db", db, "import", str(GOLD.with_suffix(".jsonl")), "--sources", src).returncode
        == 0
    )
    for verb in (["stories", "--week", "2025-W23"], ["pressure", "--week", "2025-W23"]):
        assert run_cli("--db", db, *verb).returncode == 0
    with Store(Path(db)) as store:
        assert store.briefs.weeks("mainstream") == []
    out = run_cli("--db", db, "brief", "--week", "2025-W23", "--format", "json")
    assert out.returncode == 0, out.stderr
    with Store(Path(db)) as store:
        assert store.briefs.weeks("mainstream")
