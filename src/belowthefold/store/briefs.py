"""Missed-headline history: what each brief listed, so a story missed again says so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from belowthefold.models import Brief, Window
from belowthefold.store.core_tx import Connection, transaction

# A window counts as "the week before" when it starts within this many days of 7·k days earlier:
# columns do not always run Monday to Sunday.
_SLACK_DAYS = 3


class BriefRepo:
    """missed_history rows: (week, audience, story) with the rank and score it had."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, brief: Brief) -> None:
        """Replace the window's rows for the brief's audience (and its versus group) with its lists."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        lists = [(brief.audience, brief.missed)]
        if brief.versus:
            lists.append((brief.versus, brief.versus_missed))
        with transaction(self.conn):
            for audience, missed in lists:
                self.conn.execute(
                    "DELETE FROM missed_history WHERE week_start = ? AND week_end = ? AND audience = ?",
                    (brief.window.start.isoformat(), brief.window.end.isoformat(), audience),
                )
                self.conn.executemany(
                    "INSERT OR REPLACE INTO missed_history(week, week_start, week_end, audience, "
                    "story_id, storyline_id, rank, score, headline, recorded_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            brief.window.label,
                            brief.window.start.isoformat(),
                            brief.window.end.isoformat(),
                            audience,
                            m.story_id,
                            m.storyline_id,
                            m.rank,
                            m.score,
                            m.headline,
                            now,
                        )
                        for m in missed
                    ],
                )

    def history(self, audience: str, window: Window) -> Mapping[str, int]:
        """Per story: how many consecutive weeks right before `window` it was listed as missed."""
        rows = self.conn.execute(
            "SELECT story_id, week_start FROM missed_history WHERE audience = ? AND week_start < ?",
            (audience, window.start.isoformat()),
        ).fetchall()
        starts: dict[str, set[date]] = defaultdict(set)
        for r in rows:
            starts[r["story_id"]].add(date.fromisoformat(r["week_start"]))
        return {k: n for k, v in starts.items() if (n := _consecutive(v, window.start)) > 0}

    def weeks(self, audience: str) -> list[tuple[str, int]]:
        """Recorded windows for an audience with how many stories each listed (newest first)."""
        rows = self.conn.execute(
            "SELECT week, COUNT(*) AS n FROM missed_history WHERE audience = ? "
            "GROUP BY week_start, week_end, week ORDER BY week_start DESC",
            (audience,),
        ).fetchall()
        return [(r["week"], int(r["n"])) for r in rows]


def _consecutive(starts: set[date], start: date) -> int:
    n = 0
    while True:
        target = start - timedelta(days=7 * (n + 1))
        if not any(abs((s - target).days) <= _SLACK_DAYS for s in starts):
            return n
        n += 1
