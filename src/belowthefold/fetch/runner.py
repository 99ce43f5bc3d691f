"""One fetch run: every feed and front page of the sources, concurrently across hosts.

Network work runs in worker threads (the Fetcher keeps each host to one request at a time);
every store call goes through one lock and each feed's outcome is saved in one transaction.
A source's failure is a record, never an exception out of `run`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from belowthefold.config import FetchOptions
from belowthefold.errors import ExtractError, FetchError, InputError
from belowthefold.extract import extract_page
from belowthefold.fetch.feeds import (
    FeedEntry,
    discover_feeds,
    entry_to_article,
    page_links,
    parse_feed,
)
from belowthefold.fetch.transport import Clock, Fetcher, SystemClock, Validators
from belowthefold.ingest.records import canonical_url
from belowthefold.language import LanguageIdentifier
from belowthefold.models import Article, Source
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.store.feeds import FetchRecord

T = TypeVar("T")
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class ProgressLike(Protocol):
    """The pipeline's progress callbacks (`pipeline.Progress` fits): one task per source."""

    def total(self, task: str, n: int | None) -> None: ...

    def advance(self, task: str, n: int = 1) -> None: ...


class _NoProgress:
    def total(self, task: str, n: int | None) -> None:
        return None

    def advance(self, task: str, n: int = 1) -> None:
        return None


@dataclass(frozen=True)
class SourceReport:
    """What one source's feeds and front page gave in this run."""

    source: str
    group: str
    fetches: tuple[FetchRecord, ...]

    @property
    def failures(self) -> tuple[FetchRecord, ...]:
        """Failed feed or front-page fetches (a failed article page keeps its feed summary)."""
        return tuple(f for f in self.fetches if f.failed and f.kind != "page")

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.fetches if f.kind == "feed")

    @property
    def entries(self) -> int:
        return sum(f.entries for f in self.fetches if f.kind == "feed")

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.fetches)

    @property
    def not_modified(self) -> int:
        return sum(1 for f in self.fetches if f.not_modified)

    @property
    def page_errors(self) -> int:
        return sum(1 for f in self.fetches if f.failed and f.kind == "page")

    def line(self) -> str:
        """One line for people: what failed and why, or what came in."""
        if self.failed:
            first = self.failures[0]
            status = f" HTTP {first.status}" if first.status else ""
            more = f" (+{len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
            return f"{self.source}: {first.error_kind}{status}: {first.error} [{first.url}]{more}"
        extra = f", {self.page_errors} pages kept their summary" if self.page_errors else ""
        return (
            f"{self.source}: {self.inserted} new of {self.entries} entries, "
            f"{self.not_modified} unchanged{extra}"
        )


@dataclass(frozen=True)
class FetchReport:
    """A whole run: per-source reports, in the order the sources were given."""

    run_id: int
    sources: tuple[SourceReport, ...]
    elapsed_s: float

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if s.failed)

    @property
    def inserted(self) -> int:
        return sum(s.inserted for s in self.sources)

    @property
    def entries(self) -> int:
        return sum(s.entries for s in self.sources)

    @property
    def feeds(self) -> int:
        return sum(1 for s in self.sources for f in s.fetches if f.kind == "feed")


class FetchRunner:
    """Fetches sources into the store; owns nothing global (fetcher, clock and store passed in)."""

    def __init__(
        self,
        store: Store,
        options: FetchOptions,
        fetcher: Fetcher | None = None,
        clock: Clock | None = None,
        languages: LanguageIdentifier | None = None,
    ) -> None:
        self.store = store
        self.options = options
        self.languages = languages or LanguageIdentifier()
        self.clock: Clock = clock or (fetcher.clock if fetcher else SystemClock())
        self.fetcher = fetcher or Fetcher(options, clock=self.clock)
        self._db = threading.Lock()

    def _locked(self, fn: Callable[[], T]) -> T:
        with self._db:
            return fn()

    def run(self, sources: Sequence[Source], progress: ProgressLike | None = None) -> FetchReport:
        """Fetch every feed, then every front page (so it can link to this run's new articles)."""
        bar: ProgressLike = progress or _NoProgress()
        start = self.clock.monotonic()
        run_id = self._locked(lambda: self.store.runs.begin("fetch", f"{len(sources)} sources"))
        index = SourceIndex.build([*self.store.sources.all(), *sources])
        results: dict[str, list[FetchRecord]] = {s.name: [] for s in sources}
        for s in sources:
            bar.total(s.name, len(s.feeds) + (1 if s.frontpage else 0))
        phases: list[list[tuple[Source, str, str]]] = [
            [(s, "feed", url) for s in sources for url in s.feeds],
            [(s, "frontpage", s.frontpage) for s in sources if s.frontpage],
        ]
        pool = ThreadPoolExecutor(max_workers=max(1, self.options.concurrency))
        try:
            for tasks in phases:
                futures = {
                    pool.submit(self._task, s, kind, url, run_id, index): s
                    for s, kind, url in tasks
                }
                for fut in as_completed(futures):
                    s = futures[fut]
                    results[s.name].extend(fut.result())
                    bar.advance(s.name, 1)
        except BaseException:
            # Ctrl-C: requests on the wire finish (each bounded, saved whole); the rest never start.
            self.fetcher.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        reports = tuple(SourceReport(s.name, s.group, tuple(results[s.name])) for s in sources)
        entries = sum(r.entries for r in reports)
        inserted = sum(r.inserted for r in reports)
        unchanged = sum(r.not_modified for r in reports)
        errors = sum(len(r.failures) for r in reports)
        self._locked(lambda: self.store.runs.finish(run_id, entries, inserted, unchanged, errors))
        return FetchReport(run_id, reports, self.clock.monotonic() - start)

    def _task(
        self, source: Source, kind: str, url: str, run_id: int, index: SourceIndex
    ) -> list[FetchRecord]:
        try:
            if kind == "feed":
                return self._feed(source, url, run_id, index)
            return [self._frontpage(source, url, run_id)]
        except Exception as exc:  # a bug on one source must not end the run: record it as data
            record = FetchRecord(
                source.name,
                url,
                kind,
                self.clock.now(),
                error_kind="internal",
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
            return [self._locked(lambda: self.store.feeds.save_fetch(run_id, record))]

    # -- feeds ------------------------------------------------------------------------------

    def _feed(self, source: Source, url: str, run_id: int, index: SourceIndex) -> list[FetchRecord]:
        at = self.clock.now()
        base = FetchRecord(source.name, url, "feed", at)
        state = self._locked(lambda: self.store.feeds.state(url))
        validators = Validators(state.etag, state.last_modified) if state else None
        try:
            res = self.fetcher.get(url, validators, FEED_ACCEPT)
        except FetchError as exc:
            return [
                self._save(
                    run_id, replace(base, error_kind=exc.kind, error=str(exc), status=exc.status)
                )
            ]
        base = replace(
            base, status=res.status, bytes=len(res.body), elapsed_ms=int(res.elapsed_s * 1000)
        )
        if res.not_modified:
            return [self._save(run_id, replace(base, not_modified=True))]
        parsed = parse_feed(res.body, res.url, res.headers)
        if not parsed.usable:
            if parsed.looks_like_html:
                found = discover_feeds(res.body, res.url)
                hint = f"; the page names feeds: {', '.join(found[:3])}" if found else ""
                err = (
                    f"got an HTML page ({res.content_type or 'no content type'}), not a feed{hint}"
                )
                return [
                    self._save(
                        run_id,
                        replace(base, error_kind="not_feed", error=err, skipped=parsed.skipped),
                    )
                ]
            return [
                self._save(
                    run_id,
                    replace(
                        base,
                        error_kind="parse",
                        error=parsed.bozo or "no feed found in the body",
                        skipped=parsed.skipped,
                    ),
                )
            ]
        pages: list[FetchRecord] = []
        articles = [entry_to_article(e, source, url, at) for e in parsed.entries]
        if source.fulltext or self.options.fulltext:
            articles, pages = self._fulltext(source, parsed.entries, articles, url, at, run_id)
        warning = parsed.bozo
        if parsed.skipped:
            note = f"{parsed.skipped} entries without a title or a link/id"
            warning = f"{warning}; {note}" if warning else note
        if parsed.dropped:  # bad items are left out and said here; the rest of the feed is stored
            note = f"{len(parsed.dropped)} bad entries dropped: {'; '.join(parsed.dropped[:5])}"
            warning = f"{warning}; {note}" if warning else note
        record = replace(
            base,
            entries=len(articles),
            skipped=parsed.skipped + len(parsed.dropped),
            warning=warning,
            etag=res.validators.etag,
            last_modified=res.validators.last_modified,
        )
        resolve = index.resolve
        articles = [self.languages.settle(a) for a in articles]
        saved = self._locked(lambda: self.store.feeds.save_fetch(run_id, record, articles, resolve))
        return [saved, *pages]

    def _fulltext(
        self,
        source: Source,
        entries: Sequence[FeedEntry],
        articles: list[Article],
        feed_url: str,
        at: datetime,
        run_id: int,
    ) -> tuple[list[Article], list[FetchRecord]]:
        """Replace summaries by the page's main text for articles we have not stored yet."""
        urls = [a.url for a in articles if a.url]
        known = self._locked(lambda: self.store.feeds.known_urls(urls))
        out: list[Article] = []
        records: list[FetchRecord] = []
        budget = self.options.max_pages_per_feed
        for entry, article in zip(entries, articles, strict=True):
            if not article.url or article.url in known or budget <= 0:
                out.append(article)
                continue
            budget -= 1
            record = FetchRecord(source.name, article.url, "page", self.clock.now())
            try:
                res = self.fetcher.get(article.url, None, HTML_ACCEPT)
                record = replace(
                    record,
                    status=res.status,
                    bytes=len(res.body),
                    elapsed_ms=int(res.elapsed_s * 1000),
                )
                page = extract_page(res.body, res.url, self.options)
            except FetchError as exc:
                records.append(
                    self._save(
                        run_id,
                        replace(
                            record,
                            error_kind=exc.kind,
                            error=str(exc),
                            status=exc.status or record.status,
                        ),
                    )
                )
                out.append(article)
                continue
            except ExtractError as exc:
                records.append(
                    self._save(run_id, replace(record, error_kind="extract", error=str(exc)))
                )
                out.append(article)
                continue
            records.append(self._save(run_id, replace(record, entries=1)))
            out.append(
                entry_to_article(
                    entry,
                    source,
                    feed_url,
                    at,
                    text=page.text,
                    published=page.published,
                    lang=page.lang,
                )
            )
        return out, records

    # -- front pages ------------------------------------------------------------------------

    def _frontpage(self, source: Source, url: str, run_id: int) -> FetchRecord:
        at = self.clock.now()
        base = FetchRecord(source.name, url, "frontpage", at)
        try:
            res = self.fetcher.get(url, None, HTML_ACCEPT)
        except FetchError as exc:
            return self._save(
                run_id, replace(base, error_kind=exc.kind, error=str(exc), status=exc.status)
            )
        links: list[str] = []
        for href in page_links(res.body, res.url):
            try:
                links.append(canonical_url(href))
            except InputError:
                continue
        record = replace(
            base, status=res.status, bytes=len(res.body), elapsed_ms=int(res.elapsed_s * 1000)
        )
        gap = self.options.frontpage_max_gap_h
        n_links, known = self._locked(
            lambda: self.store.feeds.save_frontpage(run_id, record, links, gap)
        )
        return replace(record, entries=known, warning=f"{n_links} links, {known} known articles")

    def _save(self, run_id: int, record: FetchRecord) -> FetchRecord:
        if record.error_kind == "cancelled":  # an interrupted run is not the source's failure
            return record
        return self._locked(lambda: self.store.feeds.save_fetch(run_id, record))
