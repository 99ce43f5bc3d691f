"""What the database holds, at a glance: story and storyline rows by id, articles per day (per
source too), recent runs, the weeks a story was missed, and a cheap stamp of the data (for
caching briefs). Read-only; the web pages and API are its readers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from belowthefold.errors import StoreError
from belowthefold.store.articles import parse_iso
from belowthefold.store.core_tx import Connection, Row


@dataclass(frozen=True)
class DayCount:
    """Articles one source (or unmatched group, source None) published on one UTC day."""

    day: date
    source: str | None
    group: str
    articles: int


@dataclass(frozen=True)
class StoryRow:
    """A story's stored row: its storyline, first headline, span and merge redirect."""

    id: str
    storyline_id: str
    headline: str
    storyline_headline: str
    first_published: datetime
    last_published: datetime
    articles: int
    merged_into: str | None


@dataclass(frozen=True)
class StorylineRow:
    """A storyline's stored row: its first headline and span."""

    id: str
    headline: str
    first_published: datetime
    last_published: datetime


def _story_row(r: Row) -> StoryRow:
    return StoryRow(
        id=r["id"],
        storyline_id=r["storyline_id"],
        headline=r["headline"],
        storyline_headline=r["line_headline"],
        first_published=parse_iso(r["first_published"]),
        last_published=parse_iso(r["last_published"]),
        articles=int(r["articles"]),
        merged_into=r["merged_into"],
    )


@dataclass(frozen=True)
class RunRow:
    """One import or fetch run, for the sources page's "last import" line."""

    id: int
    kind: str
    detail: str
    started_at: str
    finished_at: str | None
    inserted: int
    errors: int


class OverviewRepo:
    """The database at a glance, for browsing it; no writes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def daily_by_source(self, start: date, end: date) -> list[DayCount]:
        """Articles per day per source in [start, end], so a source's silent days show as gaps."""
        rows = self.conn.execute(
            "SELECT day, source, grp, COUNT(*) AS n FROM articles WHERE day >= ? AND day <= ? "
            "GROUP BY day, source, grp ORDER BY day",
            (start.isoformat(), end.isoformat()),
        ).fetchall()
        return [
            DayCount(date.fromisoformat(r["day"]), r["source"], r["grp"], int(r["n"])) for r in rows
        ]

    def story(self, story_id: str) -> StoryRow | None:
        r = self.conn.execute(
            "SELECT s.*, COALESCE(l.headline, s.headline) AS line_headline FROM stories s "
            "LEFT JOIN storylines l ON l.id = s.storyline_id WHERE s.id = ?",
            (story_id,),
        ).fetchone()
        return None if r is None else _story_row(r)

    def recent_runs(self, limit: int = 5) -> list[RunRow]:
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [
            RunRow(
                id=int(r["id"]),
                kind=r["kind"],
                detail=r["detail"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                inserted=int(r["inserted"]),
                errors=int(r["errors"]),
            )
            for r in rows
        ]

    def missed_weeks(self, story_id: str) -> list[tuple[str, str, int, float]]:
        """(week, audience, rank, score) for every brief that listed the story as missed.

        The table belongs to the ranking history (migration 5); before it exists, nothing.
        """
        try:
            rows = self.conn.execute(
                "SELECT week, audience, rank, score FROM missed_history WHERE story_id = ? "
                "ORDER BY week_start, audience",
                (story_id,),
            ).fetchall()
        except StoreError:
            return []
        return [(r["week"], r["audience"], int(r["rank"]), float(r["score"])) for r in rows]

    def latest_day(self, until: date | None = None) -> date | None:
        """The last day with articles, on or before `until` (a misdated article from the
        future must not decide which week the web opens on)."""
        if until is None:
            r = self.conn.execute("SELECT MAX(day) FROM articles").fetchone()
        else:
            r = self.conn.execute(
                "SELECT MAX(day) FROM articles WHERE day <= ?", (until.isoformat(),)
            ).fetchone()
        return None if r[0] is None else date.fromisoformat(r[0])

    def day_counts(self) -> list[tuple[date, int]]:
        """Articles per UTC day over the whole database (the week picker sums them by week)."""
        rows = self.conn.execute(
            "SELECT day, COUNT(*) AS n FROM articles GROUP BY day ORDER BY day"
        ).fetchall()
        return [(date.fromisoformat(r["day"]), int(r["n"])) for r in rows]

    def storyline(self, storyline_id: str) -> StorylineRow | None:
        r = self.conn.execute(
            "SELECT id, headline, first_published, last_published FROM storylines WHERE id = ?",
            (storyline_id,),
        ).fetchone()
        if r is None:
            return None
        return StorylineRow(
            id=r["id"],
            headline=r["headline"],
            first_published=parse_iso(r["first_published"]),
            last_published=parse_iso(r["last_published"]),
        )

    def storyline_stories(self, storyline_id: str) -> list[StoryRow]:
        """The storyline's current stories (merged-away ones redirect, so they are left out)."""
        rows = self.conn.execute(
            "SELECT s.*, COALESCE(l.headline, s.headline) AS line_headline FROM stories s "
            "LEFT JOIN storylines l ON l.id = s.storyline_id "
            "WHERE s.storyline_id = ? AND s.merged_into IS NULL "
            "ORDER BY s.articles DESC, s.first_published, s.id",
            (storyline_id,),
        ).fetchall()
        return [_story_row(r) for r in rows]

    def stamp(self) -> str:
        """Changes whenever articles, assignments, runs or sources change (cheap: index lookups)."""
        r = self.conn.execute(
            "SELECT (SELECT MAX(rowid) FROM articles), (SELECT MAX(rowid) FROM assignments), "
            "(SELECT MAX(rowid) FROM duplicates), (SELECT MAX(id) FROM runs), "
            "(SELECT group_concat(name || '=' || grp, ';') FROM sources)"
        ).fetchone()
        return "|".join("" if v is None else str(v) for v in r)
