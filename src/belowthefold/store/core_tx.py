"""Transactions shared by every repository, and the connection that speaks StoreError."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeAlias

from belowthefold.errors import StoreError

# A row read by index or by column name: sqlite3.Row, or store/pg.py's PgRow.
Row: TypeAlias = Any


class Cursor(Protocol):
    """What the repositories read from a statement, on either backend."""

    @property
    def rowcount(self) -> int: ...
    @property
    def lastrowid(self) -> int | None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = 1) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The store's connection as the repositories use it: SQLite's (`StoreConnection`) or
    PostgreSQL's (`store/pg.py`), both speaking SQLite's SQL and raising StoreError.

    `dialect` names the backend for the few places that branch (full-text search, settings).
    """

    where: str

    @property
    def dialect(self) -> str: ...
    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Any = (), /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor: ...
    def close(self) -> None: ...


def _wrapped(exc: sqlite3.Error, where: str) -> StoreError:
    return StoreError(f"database {where}: {exc}")


class StoreCursor(sqlite3.Cursor):
    """A cursor whose SQLite errors at run time (locked, disk full, corrupt) are StoreErrors,
    so every edge turns them into its one message instead of a traceback.

    Row-by-row iteration is left to the C cursor (a Python hop per row costs big reads); a
    statement's first step, where locks and full disks show, runs inside `execute`.
    """

    where = "?"

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise _wrapped(exc, self.where) from exc
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> StoreCursor:
        try:
            super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            raise _wrapped(exc, self.where) from exc
        return self

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise _wrapped(exc, self.where) from exc

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.Error as exc:
            raise _wrapped(exc, self.where) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise _wrapped(exc, self.where) from exc


class StoreConnection(sqlite3.Connection):
    """The store's connection (`sqlite3.connect(factory=...)`): every statement runs on a
    StoreCursor; `where` names the database file in the messages."""

    where = "?"
    dialect = "sqlite"

    def _cursor(self) -> StoreCursor:
        cur = StoreCursor(self)
        cur.row_factory = self.row_factory  # as Connection.cursor() would
        cur.where = self.where
        return cur

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        return self._cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> StoreCursor:
        return self._cursor().executemany(sql, parameters)


@contextmanager
def transaction(conn: Connection, *, writers: bool = True) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception, so a crash loses only the open batch.

    (On PostgreSQL, BEGIN and the writers' advisory lock: one writer at a time, as here.
    `writers=False` leaves the lock out there, for a transaction that locks its own rows,
    `FOR UPDATE SKIP LOCKED`, instead of queueing behind every writer: store/leases.py.)
    """
    if writers or conn.dialect != "postgresql":
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite rolls back itself on some errors (a full disk)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


IN_CHUNK = 500  # keys per `IN (...)` list: well under SQLite's variable limit on both backends


def rows_in(
    conn: Connection, sql: str, keys: Sequence[Any], before: Sequence[Any] = ()
) -> Iterator[Row]:
    """The rows of `sql` for every key, one statement per chunk of keys: `sql` holds `{marks}`
    where the chunk's placeholders go, and `before` are the parameters ahead of them. One
    definition of the chunking every look-up by many ids needs."""
    for i in range(0, len(keys), IN_CHUNK):
        chunk = list(keys[i : i + IN_CHUNK])
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), [*before, *chunk])
