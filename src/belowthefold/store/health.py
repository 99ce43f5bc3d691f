"""Per-source completeness over a window, for the brief's appendix.

"Missed" must never be an artefact of a dead feed: the brief shows, per source, how many
articles it had in the window, on how many days it had none, and what went wrong fetching it.
"""

from __future__ import annotations

from datetime import datetime

from belowthefold.models import SourceHealth
from belowthefold.store.articles import iso
from belowthefold.store.core_tx import Connection


class HealthRepo:
    """Reads articles and fetch records; writes nothing."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def window(self, start: datetime, end: datetime, n_days: int) -> list[SourceHealth]:
        """One row per stored source over [start, end).

        The window's articles are counted in one grouped pass over its published range (one
        COUNT per source was 3.2 s of a 4.9 s brief with 267 sources); fetch errors are few
        and indexed by (source, at).
        """
        lo, hi = iso(start), iso(end)
        counts: dict[str, tuple[int, int]] = {
            r[0]: (int(r[1]), int(r[2]))
            for r in self.conn.execute(
                "SELECT source, COUNT(*), COUNT(DISTINCT day) FROM articles "
                "WHERE published>=? AND published<? AND source IS NOT NULL GROUP BY source",
                (lo, hi),
            )
        }
        out: list[SourceHealth] = []
        for s in self.conn.execute("SELECT name, grp FROM sources ORDER BY grp, name").fetchall():
            a = counts.get(s[0], (0, 0))
            e = self.conn.execute(
                "SELECT COUNT(*), MAX(at) FROM fetches WHERE source=? AND at>=? AND at<? "
                "AND error_kind IS NOT NULL",
                (s[0], lo, hi),
            ).fetchone()
            last = None
            if e[0]:
                row = self.conn.execute(
                    "SELECT error_kind, error FROM fetches WHERE source=? AND at=? "
                    "AND error_kind IS NOT NULL LIMIT 1",
                    (s[0], e[1]),
                ).fetchone()
                last = f"{row[0]}: {row[1]}" if row else None
            out.append(
                SourceHealth(
                    source=s[0],
                    group=s[1],
                    articles=int(a[0]),
                    days_without=max(0, n_days - int(a[1])),
                    errors=int(e[0]),
                    last_error=last,
                )
            )
        return out
