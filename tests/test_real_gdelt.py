"""Import of the real GDELT ArtList files from ../shared: counts, errors, idempotency, a brief."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_support import SHARED
from cli_support import run_cli as run

GDELT = "data/gdelt-artlist-2025-04-21/analysis_gdelt_chunks/chunks"
# 14,766 rows; 4 have no title; 100 rows repeat another row's URL with an explicit default
# port (":443"), i.e. the same page twice, so canonical URLs store 14,662 articles.
ROWS, UNTITLED, SAME_PAGE = 14_766, 4, 100


@pytest.fixture(scope="module")
def gdelt_db(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = SHARED / GDELT
    if not folder.is_dir():
        pytest.skip(
            f"real GDELT files absent at {folder} (../shared is only beside the repo in CI)"
        )
    files = sorted(str(p) for p in folder.glob("*.csv"))
    assert len(files) == 148
    db = tmp_path_factory.mktemp("gdelt") / "gdelt.db"
    return db, run("--db", str(db), "import", *files)


@pytest.mark.slow
def test_gdelt_import_counts_and_reports_the_untitled(
    gdelt_db: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, first = gdelt_db
    assert first.returncode == 3  # 4 skipped records: a partial success, not a clean run
    stored = ROWS - UNTITLED - SAME_PAGE
    assert f"imported {stored} new, {SAME_PAGE} already stored, {UNTITLED} skipped" in first.stdout
    assert first.stderr.count(": no title") == UNTITLED
    assert "articles_chunk_030_20250428181812.csv:7: no title" in first.stderr.replace("\n", "")


@pytest.mark.slow
def test_gdelt_reimport_adds_none(gdelt_db: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    db, _ = gdelt_db
    files = sorted(str(p) for p in (SHARED / GDELT).glob("*.csv"))[:20]
    again = run("--db", str(db), "import", *files)
    assert "imported 0 new" in again.stdout


@pytest.mark.slow
def test_gdelt_week_brief_runs(
    gdelt_db: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    db, _ = gdelt_db
    out = tmp_path / "brief.json"
    result = run("--db", str(db), "brief", "--week", "2025-W17", "--format", "json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["week"] == "2025-W17" and doc["start"] == "2025-04-21"
    assert len(doc["pressure"]) >= 7
