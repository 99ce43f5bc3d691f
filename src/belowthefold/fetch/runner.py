"""One fetch run: every feed and front page of the sources, concurrently across hosts.

Network work runs in worker threads (the Fetcher keeps each host to one request at a time).
The runner never touches the store: `run` yields each task's outcomes (records, articles, a
front page's links) as it finishes and `pipeline.fetch_sources` saves each one before asking
for the next, so the front pages, fetched after every feed, link to this run's articles.
A source's failure is a record, never an exception out of `run`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime

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
from belowthefold.models import Article, FetchRecord, Progress, Source

# Which of these article URLs are stored already (their pages are not fetched again): a read
# the pipeline answers from the store, called from worker threads.
KnownUrls = Callable[[Sequence[str]], set[str]]
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class FetchOutcome:
    """One fetch, as the pipeline stores it: the record, the feed's articles, a page's links."""

    source: Source
    record: FetchRecord
    articles: tuple[Article, ...] = ()
    links: tuple[str, ...] = ()


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
    """Fetches sources; owns nothing global (fetcher, clock, languages passed in) and no store."""

    def __init__(
        self,
        options: FetchOptions,
        fetcher: Fetcher | None = None,
        clock: Clock | None = None,
        languages: LanguageIdentifier | None = None,
    ) -> None:
        self.options = options
        self.languages = languages or LanguageIdentifier()
        self.clock: Clock = clock or (fetcher.clock if fetcher else SystemClock())
        self.fetcher = fetcher or Fetcher(options, clock=self.clock)

    def run(
        self,
        sources: Sequence[Source],
        validators: Mapping[str, Validators],
        known: KnownUrls,
        progress: Progress | None = None,
    ) -> Generator[list[FetchOutcome], None, None]:
        """Every feed, then every front page: each task's outcomes as it finishes.

        `validators` are the feeds' stored ETag/Last-Modified, for conditional requests. The
        front pages start only once the consumer has taken every feed's outcomes.
        """
        bar = progress or Progress()
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
                    pool.submit(self.fetch_one, s, kind, url, validators.get(url), known): s
                    for s, kind, url in tasks
                }
                for fut in as_completed(futures):
                    yield fut.result()
                    bar.advance(futures[fut].name, 1)
        except BaseException:
            # Ctrl-C (or the consumer stopping): requests on the wire finish (each bounded), the
            # rest never start.
            self.fetcher.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def fetch_one(
        self,
        source: Source,
        kind: str,
        url: str,
        validators: Validators | None,
        known: KnownUrls,
    ) -> list[FetchOutcome]:
        """One task: a feed (`kind` 'feed', with its article pages if full text is on) or a
        front page; `run` schedules these, a fetch worker (belowthefold/workers.py) calls it
        for the tasks of the hosts it leased."""
        try:
            if kind == "feed":
                return self._feed(source, url, validators, known)
            return [self._frontpage(source, url)]
        except Exception as exc:  # a bug on one source must not end the run: record it as data
            record = FetchRecord(
                source.name,
                url,
                kind,
                self.clock.now(),
                error_kind="internal",
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
            return [FetchOutcome(source, record)]

    # -- feeds ------------------------------------------------------------------------------

    def _feed(
        self, source: Source, url: str, validators: Validators | None, known: KnownUrls
    ) -> list[FetchOutcome]:
        at = self.clock.now()
        base = FetchRecord(source.name, url, "feed", at)

        def only(record: FetchRecord) -> list[FetchOutcome]:
            return [FetchOutcome(source, record)]

        try:
            res = self.fetcher.get(url, validators, FEED_ACCEPT)
        except FetchError as exc:
            return only(replace(base, error_kind=exc.kind, error=str(exc), status=exc.status))
        base = replace(
            base, status=res.status, bytes=len(res.body), elapsed_ms=int(res.elapsed_s * 1000)
        )
        if res.not_modified:
            return only(replace(base, not_modified=True))
        parsed = parse_feed(res.body, res.url, res.headers)
        if not parsed.usable:
            if parsed.looks_like_html:
                found = discover_feeds(res.body, res.url)
                hint = f"; the page names feeds: {', '.join(found[:3])}" if found else ""
                err = (
                    f"got an HTML page ({res.content_type or 'no content type'}), not a feed{hint}"
                )
                return only(replace(base, error_kind="not_feed", error=err, skipped=parsed.skipped))
            return only(
                replace(
                    base,
                    error_kind="parse",
                    error=parsed.bozo or "no feed found in the body",
                    skipped=parsed.skipped,
                )
            )
        pages: list[FetchOutcome] = []
        articles = [entry_to_article(e, source, url, at) for e in parsed.entries]
        if source.fulltext or self.options.fulltext:
            articles, pages = self._fulltext(source, parsed.entries, articles, url, at, known)
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
        settled = tuple(self.languages.settle(a) for a in articles)
        return [FetchOutcome(source, record, settled), *pages]

    def _fulltext(
        self,
        source: Source,
        entries: Sequence[FeedEntry],
        articles: list[Article],
        feed_url: str,
        at: datetime,
        known_urls: KnownUrls,
    ) -> tuple[list[Article], list[FetchOutcome]]:
        """Replace summaries by the page's main text for articles we have not stored yet."""
        known = known_urls([a.url for a in articles if a.url])
        out: list[Article] = []
        records: list[FetchOutcome] = []
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
                failed = replace(
                    record, error_kind=exc.kind, error=str(exc), status=exc.status or record.status
                )
                records.append(FetchOutcome(source, failed))
                out.append(article)
                continue
            except ExtractError as exc:
                failed = replace(record, error_kind="extract", error=str(exc))
                records.append(FetchOutcome(source, failed))
                out.append(article)
                continue
            records.append(FetchOutcome(source, replace(record, entries=1)))
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

    def _frontpage(self, source: Source, url: str) -> FetchOutcome:
        at = self.clock.now()
        base = FetchRecord(source.name, url, "frontpage", at)
        try:
            res = self.fetcher.get(url, None, HTML_ACCEPT)
        except FetchError as exc:
            failed = replace(base, error_kind=exc.kind, error=str(exc), status=exc.status)
            return FetchOutcome(source, failed)
        links: list[str] = []
        for href in page_links(res.body, res.url):
            try:
                links.append(canonical_url(href))
            except InputError:
                continue
        record = replace(
            base, status=res.status, bytes=len(res.body), elapsed_ms=int(res.elapsed_s * 1000)
        )
        return FetchOutcome(source, record, links=tuple(links))
