"""Import/fetch runs and the per-record errors they met."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from belowthefold.models import RecordError
from belowthefold.store.core_tx import transaction


def _now() -> str:
    return datetime.now(UTC).isoformat()


class RunRepo:
    """Each import or fetch is a run; its bad records are kept with origin and line."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def begin(self, kind: str, detail: str = "") -> int:
        with transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO runs(kind, detail, started_at) VALUES (?, ?, ?)",
                (kind, detail, _now()),
            )
        return int(cur.lastrowid or 0)

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
                "UPDATE runs SET finished_at=?, read=?, inserted=?, unchanged=?, errors=? WHERE id=?",
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

    def recent(self, limit: int = 20) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
