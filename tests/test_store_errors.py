"""SQLite errors at run time (a locked database, a full disk) leave the store as StoreError,
which every edge turns into one message; never a bare sqlite3 traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from belowthefold.errors import BelowTheFoldError, StoreError
from belowthefold.models import Source
from belowthefold.store import Store


def test_a_database_locked_by_another_writer_is_a_store_error(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    Store(db).close()  # created and migrated
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with Store(db, busy_timeout_s=0.05) as store:
            assert store.sources.all() == []  # reading still works (WAL)
            with pytest.raises(StoreError, match=r"locked\.db: database is locked") as info:
                store.runs.begin("import", "x")
            assert isinstance(info.value, BelowTheFoldError)
            assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_full_disk_is_a_store_error_and_the_batch_is_rolled_back(tmp_path: Path) -> None:
    with Store(tmp_path / "full.db") as store:
        store.sources.replace_all([Source("kept", "g", ("kept.example",))])
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL
        many = [
            Source(f"s{i}", "g", (f"d{i}.example",), (f"https://d{i}.example/rss",))
            for i in range(5000)
        ]
        with pytest.raises(StoreError, match="full"):
            store.sources.replace_all(many)
        assert [s.name for s in store.sources.all()] == ["kept"]  # the open batch only is lost


def test_a_postgresql_server_that_does_not_answer_is_one_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open database") as info:
        Store("postgresql://someone:s3cret@127.0.0.1:1/none?connect_timeout=2")
    assert "s3cret" not in str(info.value)  # the URL is named without its password


def test_a_postgresql_writer_waits_for_another_then_a_store_error(pg_server: str) -> None:
    """The writers' advisory lock (store/pg.py) times out as SQLite's busy timeout does."""
    import psycopg

    from belowthefold.store.pg import WRITER_LOCK
    from pg_support import fresh_schema

    with fresh_schema(pg_server) as url:
        Store(url).close()
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("BEGIN")
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (WRITER_LOCK,)
            )
            with Store(url, busy_timeout_s=0.05) as store:
                assert store.sources.all() == []  # reading still works
                with pytest.raises(StoreError, match="lock timeout"):
                    store.runs.begin("import", "x")
                assert store.runs.recent() == []  # nothing half-written
            other.execute("ROLLBACK")


def test_postgresql_stores_in_two_schemas_never_wait_for_each_other(pg_server: str) -> None:
    """Advisory locks are per database: the writers' lock is taken per schema (per store)."""
    from pg_support import fresh_schema

    with (
        fresh_schema(pg_server) as one,
        fresh_schema(pg_server) as two,
        Store(one) as a,
        Store(two, busy_timeout_s=0.05) as b,
    ):
        a.conn.execute("BEGIN IMMEDIATE")
        b.runs.begin("import", "another archive")  # not blocked by a's open write
        a.conn.execute("ROLLBACK")
