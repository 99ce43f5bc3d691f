"""Live-fetching state: feed validators, per-fetch records (errors are data), sightings, front pages.

Each feed fetch is saved in one transaction (articles, sightings, the fetch record and the feed's
new state together), so a run killed at any point leaves the store as after some whole fetches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from belowthefold.models import Article, FetchRecord
from belowthefold.store.articles import insert_articles, iso, parse_iso
from belowthefold.store.core_tx import Connection, rows_in, transaction
from belowthefold.store.leases import LeaseMark, mark_done

Resolver = Callable[[Article], tuple[str | None, str]]


@dataclass(frozen=True)
class FeedState:
    """What we remember about one feed URL between runs."""

    url: str
    etag: str | None
    last_modified: str | None
    last_success: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class FeedHealth:
    """A source's live health for `belowthefold sources`: last success, volume, last error."""

    source: str
    feeds: int
    last_success: datetime | None
    articles_per_day: float
    errors: int
    last_error: str | None
    last_error_at: datetime | None


def _opt_dt(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


class FeedRepo:
    """Feed state, fetch records, sightings and front-page snapshots."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- reading ----------------------------------------------------------------------------

    def state(self, url: str) -> FeedState | None:
        r = self.conn.execute("SELECT * FROM feeds WHERE url=?", (url,)).fetchone()
        if r is None:
            return None
        return FeedState(
            r["url"], r["etag"], r["last_modified"], _opt_dt(r["last_success"]), r["last_error"]
        )

    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """Which of these canonical URLs are stored already (so their pages are not fetched again)."""
        sql = "SELECT url FROM articles WHERE url IN ({marks})"
        return {r[0] for r in rows_in(self.conn, sql, list(dict.fromkeys(urls)))}

    def fetches(self, run_id: int | None = None, failed_only: bool = False) -> list[FetchRecord]:
        sql = "SELECT * FROM fetches"
        where: list[str] = []
        args: list[object] = []
        if run_id is not None:
            where.append("run_id=?")
            args.append(run_id)
        if failed_only:
            where.append("error_kind IS NOT NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [
            FetchRecord(
                source=r["source"],
                url=r["url"],
                kind=r["kind"],
                at=parse_iso(r["at"]),
                status=r["status"],
                not_modified=bool(r["not_modified"]),
                entries=r["entries"],
                inserted=r["inserted"],
                skipped=r["skipped"],
                error_kind=r["error_kind"],
                error=r["error"],
                warning=r["warning"],
                bytes=r["bytes"],
                elapsed_ms=r["elapsed_ms"],
            )
            for r in rows
        ]

    def sightings(self, article_id: str) -> list[tuple[str, str, datetime, datetime, int]]:
        """(feed, source, first seen, last seen, times) for one article."""
        rows = self.conn.execute(
            "SELECT * FROM sightings WHERE article_id=? ORDER BY first_seen", (article_id,)
        ).fetchall()
        return [
            (
                r["feed"],
                r["source"],
                parse_iso(r["first_seen"]),
                parse_iso(r["last_seen"]),
                int(r["times"]),
            )
            for r in rows
        ]

    def snapshot_items(self, source: str) -> list[list[str]]:
        """Article ids on each front-page snapshot of a source, oldest first, in page order."""
        snaps = self.conn.execute(
            "SELECT id FROM frontpage_snapshots WHERE source=? ORDER BY taken_at, id", (source,)
        ).fetchall()
        return [
            [
                r[0]
                for r in self.conn.execute(
                    "SELECT article_id FROM frontpage_items WHERE snapshot_id=? ORDER BY position",
                    (s[0],),
                )
            ]
            for s in snaps
        ]

    # -- writing ----------------------------------------------------------------------------

    def save_fetch(
        self,
        run_id: int | None,
        record: FetchRecord,
        articles: Sequence[Article] = (),
        resolve: Resolver | None = None,
        mark: LeaseMark | None = None,
    ) -> FetchRecord:
        """Store one fetch and what it found in one transaction; returns the record with `inserted`.

        `mark`: a worker's leased task, marked done in the same transaction (store/leases.py)."""
        inserted = 0
        with transaction(self.conn):
            if mark is not None:
                mark_done(self.conn, mark)
            if articles:
                assert resolve is not None
                inserted = self._insert_articles(articles, resolve, run_id, record.at)
                self._sight(articles, record)
            saved = FetchRecord(**{**record.__dict__, "inserted": inserted})
            self._insert_fetch(run_id, saved)
            if record.kind in ("feed", "frontpage"):
                self._update_feed(saved)
        return saved

    def _insert_articles(
        self, articles: Sequence[Article], resolve: Resolver, run_id: int | None, now: datetime
    ) -> int:
        return insert_articles(self.conn, articles, resolve, run_id, now)

    def _stored_id(self, a: Article) -> str | None:
        # The same page may be stored under another id (imported with its own id): find it by URL.
        r = self.conn.execute("SELECT id FROM articles WHERE id=?", (a.id,)).fetchone()
        if r is None and a.url:
            r = self.conn.execute("SELECT id FROM articles WHERE url=?", (a.url,)).fetchone()
        return None if r is None else str(r[0])

    def _sight(self, articles: Sequence[Article], record: FetchRecord) -> None:
        at = iso(record.at)
        for a in articles:
            stored = self._stored_id(a)
            if stored is None:
                continue
            self.conn.execute(
                "INSERT INTO sightings(article_id, feed, source, first_seen, last_seen, times) "
                "VALUES (?,?,?,?,?,1) ON CONFLICT(article_id, feed) DO UPDATE SET "
                "last_seen=excluded.last_seen, times=sightings.times+1",
                (stored, record.url, record.source, at, at),
            )

    def _insert_fetch(self, run_id: int | None, r: FetchRecord) -> None:
        self.conn.execute(
            "INSERT INTO fetches(run_id, source, url, kind, at, status, not_modified, entries, "
            "inserted, skipped, error_kind, error, warning, bytes, elapsed_ms) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                r.source,
                r.url,
                r.kind,
                iso(r.at),
                r.status,
                int(r.not_modified),
                r.entries,
                r.inserted,
                r.skipped,
                r.error_kind,
                (r.error or None) and r.error[:1000],
                (r.warning or None) and r.warning[:1000],
                r.bytes,
                r.elapsed_ms,
            ),
        )

    def _update_feed(self, r: FetchRecord) -> None:
        at = iso(r.at)
        self.conn.execute(
            "INSERT INTO feeds(url, source, last_fetch) VALUES (?,?,?) "
            "ON CONFLICT(url) DO UPDATE SET source=excluded.source, last_fetch=excluded.last_fetch",
            (r.url, r.source, at),
        )
        if r.failed:
            self.conn.execute(
                "UPDATE feeds SET last_status=?, last_error=?, last_error_kind=?, last_error_at=?, "
                "failures=failures+1 WHERE url=?",
                (r.status, f"{r.error_kind}: {r.error or ''}"[:1000], r.error_kind, at, r.url),
            )
        else:
            self.conn.execute(
                "UPDATE feeds SET last_status=?, last_success=?, failures=0, "
                "etag=COALESCE(?, etag), last_modified=COALESCE(?, last_modified) WHERE url=?",
                (r.status, at, r.etag, r.last_modified, r.url),
            )

    def save_frontpage(
        self,
        run_id: int | None,
        record: FetchRecord,
        links: Sequence[str],
        max_gap_h: float,
        mark: LeaseMark | None = None,
    ) -> tuple[int, int]:
        """Snapshot a front page: which stored articles it links to, in order; update their weight.

        Weight = 1 + days on the front page, where each snapshot adds the time since the source's
        previous snapshot (capped at `max_gap_h`, so a missed day of fetching is not counted as
        a day on the page) to every article that was on both.
        """
        ordered = list(dict.fromkeys(links))
        sql = "SELECT id, url FROM articles WHERE url IN ({marks})"
        by_url: dict[str, str] = {r["url"]: r["id"] for r in rows_in(self.conn, sql, ordered)}
        items = list(dict.fromkeys(by_url[u] for u in ordered if u in by_url))
        at = iso(record.at)
        with transaction(self.conn):
            if mark is not None:
                mark_done(self.conn, mark)
            prev = self.conn.execute(
                "SELECT id, taken_at FROM frontpage_snapshots WHERE source=? ORDER BY taken_at DESC, "
                "id DESC LIMIT 1",
                (record.source,),
            ).fetchone()
            cur = self.conn.execute(
                "INSERT INTO frontpage_snapshots(run_id, source, url, taken_at, links, known) "
                "VALUES (?,?,?,?,?,?)",
                (run_id, record.source, record.url, at, len(ordered), len(items)),
            )
            snap = int(cur.lastrowid or 0)
            self.conn.executemany(
                "INSERT INTO frontpage_items(snapshot_id, position, article_id) VALUES (?,?,?)",
                [(snap, pos, aid) for pos, aid in enumerate(items, start=1)],
            )
            before: set[str] = set()
            gap_h = 0.0
            if prev is not None:
                gap_h = (record.at - parse_iso(prev["taken_at"])).total_seconds() / 3600.0
                gap_h = max(0.0, min(gap_h, max_gap_h))
                before = {
                    r[0]
                    for r in self.conn.execute(
                        "SELECT article_id FROM frontpage_items WHERE snapshot_id=?", (prev["id"],)
                    )
                }
            for pos, aid in enumerate(items, start=1):
                add = gap_h if aid in before else 0.0
                self.conn.execute(
                    "INSERT INTO frontpage_time(article_id, source, hours, best_position, first_seen, "
                    "last_seen) VALUES (?,?,?,?,?,?) ON CONFLICT(article_id, source) DO UPDATE SET "
                    "hours=frontpage_time.hours+excluded.hours, "
                    "best_position=MIN(frontpage_time.best_position, excluded.best_position),"
                    " last_seen=excluded.last_seen",
                    (aid, record.source, add, pos, at, at),
                )
                self.conn.execute(
                    "UPDATE articles SET weight = 1.0 + (SELECT SUM(hours) FROM frontpage_time "
                    "WHERE article_id=?) / 24.0 WHERE id=?",
                    (aid, aid),
                )
            saved = FetchRecord(**{**record.__dict__, "entries": len(items)})
            self._insert_fetch(run_id, saved)
            self._update_feed(saved)
        return len(ordered), len(items)

    # -- health -----------------------------------------------------------------------------

    def health(self, now: datetime | None = None, days: int = 7) -> list[FeedHealth]:
        """Per stored source: last success, articles first seen per day lately, errors, last error."""
        now = now or datetime.now(UTC)
        since = iso(now - timedelta(days=days))
        out: list[FeedHealth] = []
        for s in self.conn.execute("SELECT name FROM sources ORDER BY grp, name").fetchall():
            name = s[0]
            f = self.conn.execute(
                "SELECT COUNT(*) AS n, MAX(last_success) AS ok FROM feeds WHERE source=?", (name,)
            ).fetchone()
            seen = self.conn.execute(
                "SELECT COUNT(DISTINCT article_id) FROM sightings WHERE source=? AND first_seen>=?",
                (name, since),
            ).fetchone()[0]
            errs = self.conn.execute(
                "SELECT COUNT(*) FROM fetches WHERE source=? AND at>=? AND error_kind IS NOT NULL",
                (name, since),
            ).fetchone()[0]
            last = self.conn.execute(
                "SELECT error_kind, error, at FROM fetches WHERE source=? AND error_kind IS NOT NULL "
                "ORDER BY at DESC, id DESC LIMIT 1",
                (name,),
            ).fetchone()
            out.append(
                FeedHealth(
                    source=name,
                    feeds=int(f["n"]),
                    last_success=_opt_dt(f["ok"]),
                    articles_per_day=round(int(seen) / max(days, 1), 2),
                    errors=int(errs),
                    last_error=f"{last['error_kind']}: {last['error']}" if last else None,
                    last_error_at=_opt_dt(last["at"]) if last else None,
                )
            )
        return out
