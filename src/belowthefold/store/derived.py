"""Derived aggregates kept by data stamp: what a brief or `pressure` would otherwise recompute.

Each day has a version (`day_stamps`) that triggers raise in the writing transaction on every
change to the day's placed articles (migration 12). A derived value is stored with the stamp of
the days it was computed from and is valid while that stamp stands; a reader computes what is
missing or stale and stores it. Nothing here is primary data: `clear()` loses no information.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from belowthefold.store.core_tx import Connection, rows_in, transaction


class DerivedRepo:
    """day_stamps (written by triggers only) and derived (kind, key) -> (stamp, value)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def day_versions(self, first: date, last: date) -> dict[date, int]:
        """Each day's version in [first, last]; a day never written has none (version 0)."""
        rows = self.conn.execute(
            "SELECT day, version FROM day_stamps WHERE day >= ? AND day <= ?",
            (first.isoformat(), last.isoformat()),
        )
        return {date.fromisoformat(r[0]): int(r[1]) for r in rows}

    def span_stamp(self, first: date, last: date) -> str:
        """The stamp of the days [first, last]: it changes whenever any of them changes.

        Versions only rise and rows are never deleted, so the count and sum of the versions
        move on every write to the span.
        """
        r = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(version), 0) FROM day_stamps WHERE day >= ? AND day <= ?",
            (first.isoformat(), last.isoformat()),
        ).fetchone()
        return f"{int(r[0])}:{int(r[1])}"

    def get(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Stored (stamp, value) per key of `kind`; keys never stored are absent."""
        sql = "SELECT key, stamp, value FROM derived WHERE kind = ? AND key IN ({marks})"
        return {r[0]: (r[1], r[2]) for r in rows_in(self.conn, sql, keys, [kind])}

    def put(self, kind: str, values: Mapping[str, tuple[str, str]]) -> None:
        """Store (stamp, value) per key of `kind` in one transaction."""
        if not values:
            return
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT INTO derived(kind, key, stamp, value) VALUES (?,?,?,?) "
                "ON CONFLICT(kind, key) DO UPDATE SET stamp = excluded.stamp, value = excluded.value",
                [(kind, k, stamp, value) for k, (stamp, value) in values.items()],
            )

    def clear(self, kinds: Iterable[str] = ()) -> int:
        """Forget the derived values (of `kinds`, or all): they are rebuilt when next read."""
        chosen = list(kinds)
        with transaction(self.conn):
            if chosen:
                marks = ",".join("?" * len(chosen))
                cur = self.conn.execute(f"DELETE FROM derived WHERE kind IN ({marks})", chosen)
            else:
                cur = self.conn.execute("DELETE FROM derived")
        return max(cur.rowcount, 0)
