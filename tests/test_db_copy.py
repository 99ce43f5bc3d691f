"""`belowthefold db copy SRC DST`: a clustered SQLite archive into PostgreSQL (or another file),
every table equal after, a second copy adding nothing, search and new ids working in DST."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from belowthefold.errors import StoreError
from belowthefold.models import Article, FetchRecord
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.store.copy import SKIPPED, TABLES, columns, copy_store, tables
from cli_support import run_cli
from gold_week import clustered_gold_week

pytestmark = pytest.mark.both_backends


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview | bytearray) else value


def _rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    """A table's rows over the source's columns, in one order on both backends."""
    cols = [c for c in columns(store.conn, table) if c not in ("rowid", "blob")]
    if table == "settings":  # bytes sit in `blob` on PostgreSQL
        rows = store.stories._settings(
            *[r[0] for r in store.conn.execute("SELECT key FROM settings")]
        )
        return sorted(rows.items())
    got = store.conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
    return sorted((tuple(_plain(v) for v in r) for r in got), key=repr)


def _archive(path: Path) -> None:
    """The gold week clustered (TF-IDF), plus a fetch, a front page and a vector."""
    with clustered_gold_week(path) as (store, _):
        first = store.conn.execute("SELECT id, url FROM articles ORDER BY id LIMIT 1").fetchone()
        run = store.runs.begin("fetch", "test")
        at = datetime(2025, 6, 5, 12, tzinfo=UTC)
        feed = Article(
            "fetched-1", "A fetched zebracorn story", at, url="https://fetched.example/1"
        )
        store.feeds.save_fetch(
            run,
            FetchRecord("Fetched", "https://fetched.example/rss", "feed", at, status=200),
            [feed],
            SourceIndex.build([]).resolve,
        )
        store.feeds.save_frontpage(
            run,
            FetchRecord("Fetched", "https://fetched.example/", "frontpage", at, status=200),
            [first["url"], "https://fetched.example/1"],
            6.0,
        )
        store.vectors.put("test-encoder", {first["id"]: [0.5, -0.25, 1.0]})
        store.runs.finish(run, 1, 1, 0, 0)


def test_every_table_has_a_copy_rule(store: Store) -> None:
    assert tables(store.conn) == set(TABLES) | SKIPPED


def test_a_copy_equals_its_source_and_a_second_adds_nothing(
    tmp_path: Path, db_target: Path | str
) -> None:
    src = tmp_path / "archive.db"
    _archive(src)
    res = run_cli("db", "copy", str(src), str(db_target), "--batch", "100", timeout=300)
    assert res.returncode == 0, res.stderr
    assert "articles: " in res.stderr
    with Store(src) as a, Store(db_target) as b:
        for table in TABLES:
            assert _rows(b, table) == _rows(a, table), table
        assert a.articles.count() > 100 and _rows(b, "article_vectors")
        again = copy_store(a.conn, b.conn, batch=7)
        assert sum(t.added for t in again) == 0
        assert sum(t.read for t in again) == sum(len(_rows(a, t)) for t in TABLES)
        # The full-text index was built by DST; ids go on after the copied ones.
        assert [h.article_id for h in b.search.search("zebracorn")] == ["fetched-1"]
        last = int(a.conn.execute("SELECT MAX(id) FROM runs").fetchone()[0])
        assert b.runs.begin("fetch", "after the copy") == last + 1


def test_copy_refuses_a_missing_source_and_itself(tmp_path: Path) -> None:
    res = run_cli("db", "copy", str(tmp_path / "none.db"), str(tmp_path / "b.db"))
    assert res.returncode == 2 and "no such SQLite file" in res.stderr
    Store(tmp_path / "a.db").close()
    res = run_cli("db", "copy", str(tmp_path / "a.db"), str(tmp_path / "a.db"))
    assert res.returncode == 2 and "same database" in res.stderr


def test_a_table_without_a_rule_stops_the_copy(store: Store, tmp_path: Path) -> None:
    with Store(tmp_path / "src.db") as src:
        src.conn.execute("CREATE TABLE newer (x INTEGER)")
        with pytest.raises(StoreError, match="no rule for the tables newer"):
            copy_store(src.conn, store.conn)
