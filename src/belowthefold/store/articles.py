"""Articles: idempotent batch inserts, regrouping, and the placed view downstream stages read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime

from belowthefold.models import Article, PlacedArticle
from belowthefold.store.core_tx import Connection, Row, rows_in, transaction

Resolver = Callable[[Article], tuple[str | None, str]]


def iso(dt: datetime) -> str:
    """UTC ISO text that sorts correctly as a string: always a four-digit year.

    (`strftime('%Y')` writes year 1 as '1', which neither sorts nor parses back.)
    """
    d = dt.astimezone(UTC)
    return f"{d.year:04d}-{d:%m-%dT%H:%M:%S}+00:00"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def row_to_article(r: Row) -> Article:
    return Article(
        id=r["id"],
        title=r["title"],
        published=parse_iso(r["published"]),
        url=r["url"],
        text=r["text"],
        outlet=r["outlet"],
        domain=r["domain"],
        lang=r["lang"],
        group=r["record_group"],
        weight=float(r["weight"]),
        extra=json.loads(r["extra"] or "{}"),
        published_estimated=bool(r["published_estimated"]),
    )


# A headline's best place on a fetched front page (the page time table; one row per source).
_PAGE_POSITION = (
    "(SELECT MIN(f.best_position) FROM frontpage_time f WHERE f.article_id = a.id) AS page_position"
)

_PLACED_SQL = (
    "SELECT a.id, a.title, a.published, a.url, a.outlet, a.source, a.grp, a.weight, a.text, a.lang, "
    "a.extra, " + _PAGE_POSITION + ", s.story_id, s.storyline_id, d.original_id FROM articles a "
    "LEFT JOIN assignments s ON s.article_id = a.id "
    "LEFT JOIN duplicates d ON d.article_id = a.id "
)

# A story's articles are found from its assignments (the story index), never by walking the
# articles: with `articles` first the planner scanned the whole archive by `published` for
# each chunk (0.59 s for 500 stories at 100k, 0.05 s this way). Only assigned articles match
# `story_id IN (...)`, so the inner join keeps the same rows.
_BY_STORY_SQL = (
    "SELECT a.id, a.title, a.published, a.url, a.outlet, a.source, a.grp, a.weight, a.text, a.lang, "
    "a.extra, " + _PAGE_POSITION + ", s.story_id, s.storyline_id, d.original_id FROM assignments s "
    "JOIN articles a ON a.id = s.article_id "
    "LEFT JOIN duplicates d ON d.article_id = a.id "
)


def row_to_placed(r: Row) -> PlacedArticle:
    """A row of `_PLACED_SQL` or `_BY_STORY_SQL` (the same columns, in this order).

    Read by position, not by name: a week's brief reads 35,000 rows, and fifteen lookups by
    column name per row were half the cost of making its articles (0.26 -> 0.14 s at 100k)."""
    (
        id_,
        title,
        published,
        url,
        outlet,
        source,
        group,
        weight,
        text,
        lang,
        extra,
        page_position,
        story_id,
        storyline_id,
        original_id,
    ) = r
    return PlacedArticle(
        id=id_,
        title=title,
        published=parse_iso(published),
        url=url,
        outlet=outlet,
        source=source,
        group=group,
        weight=float(weight),
        story_id=story_id,
        storyline_id=storyline_id,
        original_id=original_id,
        text=text,
        lang=lang,
        position=_position(page_position, extra),
    )


def _position(page_position: int | None, extra: str | None) -> int | None:
    """The best page place: a fetched front page's, else an imported snapshot's `best_position`.

    The extra JSON is parsed only where it names one (feeds' rows never do), so a week of feed
    articles pays nothing for it."""
    if page_position is not None:
        return int(page_position)
    extra = extra or ""
    if "best_position" not in extra:
        return None
    value = json.loads(extra).get("best_position")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def insert_articles(
    conn: Connection,
    articles: Sequence[Article],
    resolve: Resolver,
    run_id: int | None,
    now: datetime,
) -> int:
    """INSERT OR IGNORE articles inside the caller's transaction; returns how many were new.

    Shared by file imports and live fetches, so both store an article the same way.
    """
    rows = []
    for a in articles:
        source, grp = resolve(a)
        rows.append(
            (
                a.id,
                a.title,
                iso(a.published),
                a.published.astimezone(UTC).date().isoformat(),
                a.url,
                a.text,
                a.outlet,
                a.domain,
                a.lang,
                a.group,
                a.weight,
                json.dumps(dict(a.extra), ensure_ascii=False, default=str),
                int(a.published_estimated),
                source,
                grp,
                run_id,
                iso(now),
            )
        )
    # rowcount sums direct changes only (total_changes would count trigger writes too).
    cur = conn.executemany(
        "INSERT OR IGNORE INTO articles(id, title, published, day, url, text, outlet, domain, "
        "lang, record_group, weight, extra, published_estimated, source, grp, run_id, "
        "inserted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    return max(cur.rowcount, 0)


class ArticleRepo:
    """The article table; inserts are idempotent on id and on canonical URL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def insert_batch(self, articles: Sequence[Article], resolve: Resolver, run_id: int) -> int:
        """Insert new articles in one transaction; returns how many were new."""
        with transaction(self.conn):
            return insert_articles(self.conn, articles, resolve, run_id, datetime.now(UTC))

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are stored: a batch's new articles are the rest (INSERT OR IGNORE)."""
        return {
            r[0] for r in rows_in(self.conn, "SELECT id FROM articles WHERE id IN ({marks})", ids)
        }

    def regroup(self, resolve: Resolver, batch: int = 5000) -> int:
        """Recompute every article's source and group after the sources file changed."""
        changed = 0
        ids = [r[0] for r in self.conn.execute("SELECT id FROM articles").fetchall()]
        for i in range(0, len(ids), batch):
            chunk = ids[i : i + batch]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT * FROM articles WHERE id IN ({marks})", chunk
            ).fetchall()
            updates = []
            for r in rows:
                source, grp = resolve(row_to_article(r))
                if source != r["source"] or grp != r["grp"]:
                    updates.append((source, grp, r["id"]))
            if updates:
                with transaction(self.conn):
                    self.conn.executemany("UPDATE articles SET source=?, grp=? WHERE id=?", updates)
                changed += len(updates)
        return changed

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def get(self, article_id: str) -> Article | None:
        r = self.conn.execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        return None if r is None else row_to_article(r)

    def placed(self, start: datetime, end: datetime) -> list[PlacedArticle]:
        """Every article published in [start, end), with group, story, storyline and pickup link."""
        rows = self.conn.execute(
            _PLACED_SQL + "WHERE a.published >= ? AND a.published < ? ORDER BY a.published, a.id",
            (iso(start), iso(end)),
        ).fetchall()
        return [row_to_placed(r) for r in rows]

    def placed_by_story(self, story_ids: Sequence[str]) -> list[PlacedArticle]:
        sql = _BY_STORY_SQL + "WHERE s.story_id IN ({marks}) ORDER BY a.published, a.id"
        return [row_to_placed(r) for r in rows_in(self.conn, sql, story_ids)]

    def unassigned(
        self, batch: int = 2000, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Article]:
        """Articles not yet in a story, oldest first, streamed in batches (bounded memory).

        `since` and `until` (`unassigned_span()`) bound the walk: it starts at the oldest
        unassigned article instead of the archive's first, and ends at the newest instead of
        reading on to the archive's end to find none left, which for a backfill before a 1M
        archive was a scan of the whole archive (7.5 of a 2,000-article backfill's 9 s CPU).
        """
        last = (iso(since) if since is not None else "", "")
        cond, bound = ("", ()) if until is None else (" AND a.published <= ?", (iso(until),))
        while True:
            rows = self.conn.execute(
                "SELECT a.* FROM articles a LEFT JOIN assignments s ON s.article_id = a.id "
                f"WHERE s.article_id IS NULL AND (a.published, a.id) > (?, ?){cond} "
                "ORDER BY a.published, a.id LIMIT ?",
                (last[0], last[1], *bound, batch),
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield row_to_article(r)
            last = (rows[-1]["published"], rows[-1]["id"])

    def count_unassigned(self) -> int:
        """Articles not in a story yet, from the counts triggers keep (every brief asks).

        An assignment's article_id is its primary key and a foreign key to articles (enforced),
        so the assignments are a subset of the articles, each once: the difference of the two
        counts is exact. Counting both tables took 0.07 s a call at 1M articles (the join 0.3 s).
        """
        r = self.conn.execute(
            "SELECT (SELECT n FROM row_counts WHERE name = 'articles') - "
            "(SELECT n FROM row_counts WHERE name = 'assignments')"
        ).fetchone()
        return int(r[0])

    def unassigned_span(self) -> tuple[datetime, datetime] | None:
        """The oldest and newest unassigned articles' times, found from the newest rows back.

        Unassigned articles are nearly always the last inserted: walking rowids down and stopping
        after the `count_unassigned()` of them reads the increment, not the archive (a backfill
        of old articles inserted last is found the same way). Exact whatever the order.
        """
        pending = self.count_unassigned()
        if pending <= 0:
            return None
        r = self.conn.execute(
            "SELECT MIN(published), MAX(published) FROM (SELECT a.published FROM articles a "
            "WHERE NOT EXISTS (SELECT 1 FROM assignments s WHERE s.article_id = a.id) "
            "ORDER BY a.rowid DESC LIMIT ?) AS recent",
            (pending,),
        ).fetchone()
        return None if r[0] is None else (parse_iso(r[0]), parse_iso(r[1]))

    def groups(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT grp FROM articles ORDER BY grp")]

    def languages(self, start: date, end: date, group: str | None = None) -> dict[str, int]:
        """Articles per language code over the days [start, end], of one group or of all: what
        `attention.language_of` picks the audience's language from where a page has no window's
        articles loaded (a story's page). The (day, grp) index answers it."""
        sql = (
            "SELECT lang, COUNT(*) AS n FROM articles WHERE day >= ? AND day <= ? "
            "AND lang IS NOT NULL AND lang <> ''"
        )
        params: tuple[str, ...] = (start.isoformat(), end.isoformat())
        if group is not None:
            sql += " AND grp = ?"
            params += (group,)
        rows = self.conn.execute(sql + " GROUP BY lang ORDER BY lang", params).fetchall()
        return {str(r["lang"]): int(r["n"]) for r in rows}
