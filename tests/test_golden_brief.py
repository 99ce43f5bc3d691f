"""The demo week's brief, byte for byte, in each format: any change to what it says shows here.

The golden files are tests/fixtures/golden/demo-2025-W15.{md,html,json}. After a change that is
meant to alter the brief, regenerate them and read the diff before committing it:

    BELOWTHEFOLD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_brief.py

The brief is built with the pattern extractor (the `ner` extra changes the names, on purpose),
a fixed clock; the HTML includes its charts (inline SVG drawn by brief/svg.py, the same bytes on
every machine, where a matplotlib PNG differed with its version and fonts).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.brief import build_brief, render
from belowthefold.brief.entities import pattern_entities
from belowthefold.config import Settings
from belowthefold.demo import write_demo_corpus
from belowthefold.models import Brief
from belowthefold.store import Store

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
WEEK = "2025-W15"
NOW = datetime(2025, 4, 14, 6, 0, tzinfo=UTC)
UPDATE = os.environ.get("BELOWTHEFOLD_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory) -> Brief:
    tmp = tmp_path_factory.mktemp("golden")
    files = write_demo_corpus(tmp)
    settings = Settings(db=tmp / "demo.db")
    with Store(settings.db) as store:
        pipeline.import_paths(store, [files.corpus], settings.imports, files.sources)
        pipeline.update_stories(store, settings)
        window = pipeline.parse_window(WEEK)
        inputs = pipeline.brief_inputs(store, settings, window, "mainstream", None, NOW)
    return build_brief(inputs, settings.rank, pattern_entities())


def _rendered(brief: Brief, fmt: str) -> str:
    return render(brief, fmt)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_demo_brief_matches_its_golden_file(brief: Brief, fmt: str) -> None:
    path = GOLDEN / f"demo-{WEEK}.{fmt}"
    text = _rendered(brief, fmt)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with BELOWTHEFOLD_UPDATE_GOLDEN=1"
    golden = path.read_text(encoding="utf-8")
    if text != golden:
        pairs = zip(text, golden, strict=False)
        at = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(text), len(golden)))
        pytest.fail(
            f"the {fmt} brief changed at character {at}: now {text[at - 60 : at + 60]!r}, golden "
            f"{golden[at - 60 : at + 60]!r}. If the change is meant, regenerate and read the diff: "
            "BELOWTHEFOLD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_brief.py"
        )
