"""The PostgreSQL connection (psycopg 3) behind the same small interface as the SQLite one.

Repositories call `execute` / `executemany` with SQLite's SQL and read rows by name or index;
this connection rewrites each distinct text once (`pg_sql.to_postgres`), turns every driver
error into StoreError, and serialises writers as SQLite's BEGIN IMMEDIATE does: a transaction
takes one advisory lock first, so every invariant the store keeps under one writer (counts
derived in the writing transaction, claims taken by a read then a write) holds unchanged with
many processes on many machines. Readers never wait for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from belowthefold.errors import StoreError
from belowthefold.store.pg_sql import to_postgres

# The advisory lock every write transaction takes: this constant ("btf" in ASCII) and the
# schema's name, since advisory locks are per database and each schema is a store of its own
# (the tests make one per test; a deployment may keep several archives in one database).
WRITER_LOCK = 0x627466


class PgRow(tuple[Any, ...]):
    """A row readable by index, by column name and as a tuple, as sqlite3.Row is."""

    _index: dict[str, int] = {}  # noqa: RUF012 (each result's subclass sets its own)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


class _RowClasses:
    """psycopg's row factory: one PgRow subclass per column list, made once per connection
    (rows stay plain tuples underneath: cheap)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, ...], type[PgRow]] = {}

    def __call__(self, cursor: Any) -> Any:
        desc = cursor.description
        if desc is None:
            return tuple
        names = tuple(d.name for d in desc)
        cls = self._made.get(names)
        if cls is None:
            index: dict[str, int] = {}
            for i, n in enumerate(names):
                index.setdefault(n, i)  # a duplicated name reads its first column, as SQLite
            cls = self._made[names] = type("PgRow", (PgRow,), {"_index": index})
        return cls


class PgCursor:
    """One statement's result: iteration, fetchone/fetchall/fetchmany, rowcount, lastrowid."""

    def __init__(self, cur: Any, where: str, lastrowid: int | None = None) -> None:
        self._cur = cur
        self.where = where
        self.lastrowid = lastrowid

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    def _guard(self, fn: Any, *args: Any) -> Any:
        import psycopg

        try:
            return fn(*args)
        except psycopg.Error as exc:
            raise StoreError(f"database {self.where}: {exc}") from exc

    def fetchone(self) -> Any:
        if self._cur.description is None:
            return None
        return self._guard(self._cur.fetchone)

    def fetchall(self) -> list[Any]:
        if self._cur.description is None:
            return []
        return list(self._guard(self._cur.fetchall))

    def fetchmany(self, size: int = 1) -> list[Any]:
        if self._cur.description is None:
            return []
        return list(self._guard(self._cur.fetchmany, size))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """A psycopg connection in autocommit mode; `transaction()` issues BEGIN/COMMIT itself."""

    dialect = "postgresql"

    def __init__(self, url: str, where: str, busy_timeout_s: float = 30.0) -> None:
        """`busy_timeout_s`: how long a writer waits for another one (SQLite's busy timeout:
        PostgreSQL's lock_timeout), then StoreError."""
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError(
                f"cannot open database {where}: PostgreSQL needs psycopg "
                "(pip install 'belowthefold[postgresql]')"
            ) from exc

        self.where = where
        self._sql: dict[tuple[str, bool], str] = {}  # SQLite text -> PostgreSQL text
        try:
            self._conn = psycopg.connect(url, autocommit=True, row_factory=_RowClasses())
            self._conn.execute(f"SET lock_timeout = {max(1, int(busy_timeout_s * 1000))}")
        except psycopg.Error as exc:
            raise StoreError(f"cannot open database {where}: {exc}") from exc

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self._conn.info.transaction_status != TransactionStatus.IDLE)

    def _text(self, sql: str, single: bool) -> str:
        text = self._sql.get((sql, single))
        if text is None:
            text = self._sql[(sql, single)] = to_postgres(sql, single)
        return text

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> PgCursor:
        import psycopg

        text = self._text(sql, True)
        try:
            cur = self._conn.execute(text, tuple(parameters))
            if text == "BEGIN":
                self._lock_writers()
            lastrowid = None
            if text.endswith(" RETURNING id"):
                row = cur.fetchone()
                lastrowid = None if row is None else int(row[0])
        except psycopg.Error as exc:
            raise StoreError(f"database {self.where}: {exc}") from exc
        return PgCursor(cur, self.where, lastrowid)

    def _lock_writers(self) -> None:
        """The writers' lock of this schema, right after BEGIN; not had in time, no transaction
        is left open (a failed BEGIN IMMEDIATE leaves none either)."""
        import psycopg

        try:
            self._conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (WRITER_LOCK,)
            )
        except psycopg.Error:
            self._conn.execute("ROLLBACK")
            raise

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> PgCursor:
        import psycopg

        text = self._text(sql, False)
        rows = [tuple(p) for p in parameters]
        cur = self._conn.cursor()
        try:
            if rows:
                cur.executemany(text, rows)
        except psycopg.Error as exc:
            raise StoreError(f"database {self.where}: {exc}") from exc
        return PgCursor(cur, self.where)

    def close(self) -> None:
        self._conn.close()


def is_url(target: object) -> bool:
    """Whether a --db value names a PostgreSQL server rather than a SQLite file."""
    return str(target).startswith(("postgresql:", "postgres:"))


def redact(url: str) -> str:
    """The URL for messages: a password is never printed."""
    import re

    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)
