"""Claims: one holder of a named job (clustering) across every process using the database.

A thread lock serialises one process only; two `stories` or `brief` processes clustering at
once assigned the same articles twice. A claim is a row taken inside BEGIN IMMEDIATE, so two
takers cannot both win. A holder killed with -9 leaves its row behind, so a claim is free again
when its process is gone (same host) or its heartbeat is older than `stale_s` (any host).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from belowthefold.errors import StoreError
from belowthefold.store.core_tx import Connection, Row, transaction

# A claim's advisory lock on PostgreSQL: this constant ("btc"), and the schema and claim names
# hashed, as the writers' lock keys each schema (store/pg.py).
CLAIM_LOCK = 0x627463
_LOCK_SQL = "?, hashtext(current_schema() || ':' || CAST(? AS text))"


@dataclass(frozen=True)
class ClaimOptions:
    """How long to wait for another holder, how often to look, and when a silent one is dead."""

    wait_s: float = 3600.0
    poll_s: float = 0.2
    stale_s: float = 300.0


@dataclass(frozen=True)
class Claim:
    """A held claim: `beat()` tells waiters the holder is alive (call it once per batch)."""

    name: str
    beat: Callable[[], None]


def alive(pid: int) -> bool:
    """Whether a process of this host still runs (a claim or run of a dead one is abandoned)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class ClaimRepo:
    """The claims table; `hold` is the only way in."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.host = socket.gethostname()

    def _try_take(self, name: str, token: str, stale_s: float) -> Row | None:
        """Take the claim if free or abandoned; return the current holder's row if not.

        On PostgreSQL the claim is a session advisory lock too: the server frees it the moment
        its holder's connection ends, so a holder killed on another machine is not waited for
        `stale_s` (its row is then only what it left behind). The row stays: it names the
        holder for people, and keeps threads sharing one connection (for which an advisory
        lock is re-entrant) apart.
        """
        locked = self.conn.dialect == "postgresql"
        if locked and not self._lock(name):
            return self._row(name) or self._placeholder(name)
        try:
            row = self._take_row(name, token, stale_s, locked)
        except BaseException:
            if locked:
                with suppress(StoreError):
                    self._unlock(name)
            raise
        if row is not None and locked:  # this process's other holder: not ours to take
            self._unlock(name)
        return row

    def _take_row(self, name: str, token: str, stale_s: float, locked: bool) -> Row | None:
        """Write our row unless a live holder's is there (with the lock held, only this
        process's own other holder can be alive); return that holder's row if so."""
        now = datetime.now(UTC)
        with transaction(self.conn):
            row = self._row(name)
            if row is not None:
                age = (now - datetime.fromisoformat(row["heartbeat"])).total_seconds()
                ours = row["host"] == self.host and int(row["pid"]) == os.getpid()
                gone = row["host"] == self.host and not alive(int(row["pid"]))
                if (ours or not locked) and not gone and age < stale_s:
                    return row
            self.conn.execute(
                "INSERT OR REPLACE INTO claims(name, token, host, pid, since, heartbeat) "
                "VALUES (?,?,?,?,?,?)",
                (name, token, self.host, os.getpid(), now.isoformat(), now.isoformat()),
            )
        return None

    def _row(self, name: str) -> Row | None:
        row: Row | None = self.conn.execute("SELECT * FROM claims WHERE name=?", (name,)).fetchone()
        return row

    def _placeholder(self, name: str) -> Row:
        """The row for a lock held by a holder that has not written its row yet."""
        now = datetime.now(UTC).isoformat()
        return {"name": name, "host": "another host", "pid": "?", "since": now, "heartbeat": now}

    def _lock(self, name: str) -> bool:
        found = self.conn.execute(
            f"SELECT pg_try_advisory_lock({_LOCK_SQL})", (CLAIM_LOCK, name)
        ).fetchone()
        return bool(found[0])

    def _unlock(self, name: str) -> None:
        self.conn.execute(f"SELECT pg_advisory_unlock({_LOCK_SQL})", (CLAIM_LOCK, name))

    def holder(self, name: str) -> str | None:
        """Who holds a claim, for people ('pid 123 on host since ...'), or None."""
        row = self.conn.execute("SELECT * FROM claims WHERE name=?", (name,)).fetchone()
        return None if row is None else f"pid {row['pid']} on {row['host']} since {row['since']}"

    def _beat(self, name: str, token: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE claims SET heartbeat=? WHERE name=? AND token=?",
                (datetime.now(UTC).isoformat(), name, token),
            )

    def _release(self, name: str, token: str) -> None:
        with transaction(self.conn):
            self.conn.execute("DELETE FROM claims WHERE name=? AND token=?", (name, token))
        if self.conn.dialect == "postgresql":
            self._unlock(name)

    @contextmanager
    def take(self, name: str, stale_s: float = ClaimOptions.stale_s) -> Iterator[Claim | None]:
        """Hold the claim for the block if it is free now, else yield None at once.

        For work any holder may do (a fetch worker clustering after its round): a busy claim
        means another process is doing it, so waiting would only queue the same work twice.
        """
        token = uuid.uuid4().hex
        if self._try_take(name, token, stale_s) is not None:
            yield None
            return
        try:
            yield Claim(name, lambda: self._beat(name, token))
        finally:
            self._release(name, token)

    @contextmanager
    def hold(self, name: str, options: ClaimOptions | None = None) -> Iterator[Claim]:
        """Wait until the claim is ours, hold it for the block, release it after.

        Raises StoreError naming the holder when it is still held after `wait_s`.
        """
        opts = options or ClaimOptions()
        token = uuid.uuid4().hex  # threads of one process exclude each other too
        deadline = time.monotonic() + opts.wait_s
        while (row := self._try_take(name, token, opts.stale_s)) is not None:
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"{name}: another process holds the database's {name} claim "
                    f"(pid {row['pid']} on {row['host']} since {row['since']}); try again later"
                )
            time.sleep(opts.poll_s)
        try:
            yield Claim(name, lambda: self._beat(name, token))
        finally:
            self._release(name, token)
