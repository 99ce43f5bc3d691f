"""Import/fetch runs and the per-record errors they met."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import UTC, datetime

from belowthefold.models import RecordError
from belowthefold.store.claims import alive
from belowthefold.store.core_tx import Connection, Row, transaction

# A run on another host cannot be checked for life; one silent this long is taken as dead.
FOREIGN_RUN_STALE_S = 24 * 3600


def _now() -> str:
    return datetime.now(UTC).isoformat()


class RunRepo:
    """Each import or fetch is a run; its bad records are kept with origin and line."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def begin(self, kind: str, detail: str = "") -> int:
        """Start a run, first marking runs whose process died (kill -9) as interrupted."""
        self.mark_interrupted()
        with transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO runs(kind, detail, started_at, host, pid, status) "
                "VALUES (?, ?, ?, ?, ?, 'running')",
                (kind, detail, _now(), socket.gethostname(), os.getpid()),
            )
        return int(cur.lastrowid or 0)

    def mark_interrupted(self) -> int:
        """Runs left 'running' by a process that is gone become 'interrupted'; returns how many."""
        host = socket.gethostname()
        now = datetime.now(UTC)
        dead = []
        for r in self.conn.execute(
            "SELECT id, host, pid, started_at FROM runs WHERE status = 'running'"
        ).fetchall():
            if r["host"] == host:
                gone = r["pid"] is None or not alive(int(r["pid"]))
            else:
                started = datetime.fromisoformat(r["started_at"])
                gone = (now - started).total_seconds() > FOREIGN_RUN_STALE_S
            if gone:
                dead.append((now.isoformat(), r["id"]))
        if dead:
            with transaction(self.conn):
                self.conn.executemany(
                    "UPDATE runs SET status = 'interrupted', finished_at = ? "
                    "WHERE id = ? AND status = 'running'",
                    dead,
                )
        return len(dead)

    def add_errors(self, run_id: int, errors: Sequence[RecordError]) -> None:
        if not errors:
            return
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT INTO record_errors(run_id, origin, line, message, raw) VALUES (?,?,?,?,?) "
                "ON CONFLICT(origin, line, message) DO UPDATE SET run_id=excluded.run_id",
                [(run_id, e.origin, e.line, e.message, e.raw[:2000]) for e in errors],
            )

    def finish(self, run_id: int, read: int, inserted: int, unchanged: int, errors: int) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE runs SET finished_at=?, read=?, inserted=?, unchanged=?, errors=?, "
                "status='done' WHERE id=?",
                (_now(), read, inserted, unchanged, errors, run_id),
            )

    def errors(self, run_id: int | None = None, limit: int = 1000) -> list[RecordError]:
        if run_id is None:
            rows = self.conn.execute(
                "SELECT * FROM record_errors ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT * FROM record_errors WHERE run_id=? ORDER BY id LIMIT ?", (run_id, limit)
            ).fetchall()
        return [RecordError(r["origin"], r["message"], r["line"], r["raw"]) for r in rows]

    def recent(self, limit: int = 20) -> list[Row]:
        return self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
