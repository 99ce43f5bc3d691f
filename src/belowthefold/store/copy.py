"""Copy one store into another (`belowthefold db copy`): a SQLite archive into PostgreSQL.

Table by table in the order their references need, each in batches of one transaction, with
`INSERT ... ON CONFLICT DO NOTHING`: a copy killed at any point is resumed by running it again,
and a second run over a finished copy adds nothing. Rows already in the destination are kept
as they are (a re-run resumes; it does not bring changed rows up to date).

Copied with their ids (runs, fetches, front-page snapshots keep theirs, so the rows naming
them stay right; PostgreSQL's id sequences are moved past them after). Not copied, each for a
reason: the full-text index (the destination's triggers build it from the articles), `derived`
and `day_stamps` (a cache and its version stamps: the destination's triggers stamp the days
it receives, and the cache is recomputed on first read), `row_counts` (the destination's
triggers count the rows it receives), `claims` and the fetch workers'
rounds and leases (state of running processes, not of the archive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from belowthefold.errors import StoreError
from belowthefold.store.core_tx import Connection, transaction

# Referenced tables before the tables referring to them.
TABLES = (
    "sources",
    "source_domains",
    "settings",
    "runs",
    "record_errors",
    "articles",
    "storylines",
    "stories",
    "assignments",
    "duplicates",
    "dedup_done",
    "feeds",
    "fetches",
    "sightings",
    "frontpage_snapshots",
    "frontpage_items",
    "frontpage_time",
    "missed_history",
    "article_vectors",
)
SKIPPED = frozenset(
    {"derived", "day_stamps", "row_counts", "claims", "fetch_rounds", "fetch_hosts", "fetch_tasks"}
)
SERIAL_IDS = ("runs", "record_errors", "fetches", "frontpage_snapshots")


@dataclass(frozen=True)
class TableCopy:
    """One table's copy: rows read from the source, rows the destination gained."""

    table: str
    read: int
    added: int


def tables(conn: Connection) -> set[str]:
    """The store's own tables (not SQLite's, not the full-text index's)."""
    if conn.dialect == "postgresql":
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
    else:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    names = {str(r[0]) for r in rows}
    return {
        n for n in names if not n.startswith(("sqlite_", "articles_fts")) and n != "schema_version"
    }


def columns(conn: Connection, table: str) -> list[str]:
    if conn.dialect == "postgresql":
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [str(r[0]) for r in rows]
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _shared_columns(src: Connection, dst: Connection, table: str) -> list[str]:
    """The source's columns, every one of which the destination must have; PostgreSQL's
    stand-in `rowid` and the settings' bytes column are the destination's own."""
    have = columns(src, table)
    want = set(columns(dst, table))
    own = {"rowid", "blob"}
    missing = [c for c in have if c not in want and c not in own]
    if missing:
        raise StoreError(f"copy {table}: the destination has no column {', '.join(missing)}")
    return [c for c in have if c not in own]


def _settings_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, str | None, bytes | None]]:
    """Settings as (key, text, bytes): SQLite keeps either in `value`, PostgreSQL bytes in `blob`."""
    out: list[tuple[Any, str | None, bytes | None]] = []
    for key, value, *blob in rows:
        data = blob[0] if blob and blob[0] is not None else value
        if isinstance(data, bytes | bytearray | memoryview):
            out.append((key, None, bytes(data)))
        else:
            out.append((key, value, None))
    return out


def _copy_settings(src: Connection, dst: Connection) -> TableCopy:
    extra = ", blob" if src.dialect == "postgresql" else ""
    rows = [tuple(r) for r in src.execute(f"SELECT key, value{extra} FROM settings").fetchall()]
    before = _count(dst, "settings")
    with transaction(dst):
        for key, text, data in _settings_rows(rows):
            if dst.dialect == "postgresql":
                dst.execute(
                    "INSERT INTO settings(key, value, blob) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                    (key, text, data),
                )
            else:
                dst.execute(
                    "INSERT INTO settings(key, value) VALUES (?,?) ON CONFLICT DO NOTHING",
                    (key, text if data is None else data),
                )
    return TableCopy("settings", len(rows), _count(dst, "settings") - before)


def copy_table(src: Connection, dst: Connection, table: str, batch: int) -> TableCopy:
    """One table in batches of `batch` rows, each batch one destination transaction."""
    if table == "settings":
        return _copy_settings(src, dst)
    cols = _shared_columns(src, dst, table)
    names = ", ".join(cols)
    insert = (
        f"INSERT INTO {table}({names}) VALUES ({', '.join('?' * len(cols))}) ON CONFLICT DO NOTHING"
    )
    before = _count(dst, table)
    read = 0
    cur = src.execute(f"SELECT {names} FROM {table}")
    while rows := cur.fetchmany(batch):
        with transaction(dst):
            dst.executemany(insert, [tuple(r) for r in rows])
        read += len(rows)
    return TableCopy(table, read, _count(dst, table) - before)


def _advance_ids(dst: Connection) -> None:
    """PostgreSQL: each id sequence past the copied ids (SQLite's AUTOINCREMENT follows itself)."""
    if dst.dialect != "postgresql":
        return
    with transaction(dst):
        for table in SERIAL_IDS:
            dst.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table} "
                "HAVING MAX(id) IS NOT NULL"
            )


def copy_store(
    src: Connection,
    dst: Connection,
    batch: int = 5000,
    progress: Callable[[TableCopy], None] | None = None,
) -> list[TableCopy]:
    """Every archive table of `src` into `dst` (both migrated to the same schema version)."""
    unknown = tables(src) - set(TABLES) - SKIPPED
    if unknown:  # a new table must say whether it is copied: never silently left behind
        raise StoreError(f"copy: no rule for the tables {', '.join(sorted(unknown))}")
    done = []
    for table in TABLES:
        one = copy_table(src, dst, table, max(1, batch))
        done.append(one)
        if progress is not None:
            progress(one)
    _advance_ids(dst)
    return done
