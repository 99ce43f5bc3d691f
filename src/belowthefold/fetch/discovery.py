"""Finding and checking feeds live: a page's URL to its feed, a feed URL to whether it answers.

Used when a person adds or checks sources; nothing here stores anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from belowthefold.errors import FetchError
from belowthefold.fetch.feeds import discover_feeds, parse_feed
from belowthefold.fetch.runner import FEED_ACCEPT
from belowthefold.fetch.transport import Fetcher


@dataclass(frozen=True)
class FoundFeed:
    """A URL that answered as a feed, and the feed's own title."""

    url: str
    title: str


@dataclass(frozen=True)
class FeedCheck:
    """One live try of one feed URL: how many entries it gave, or what went wrong."""

    url: str
    entries: int = 0
    error_kind: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_kind is None


def find_feed(fetcher: Fetcher, url: str) -> FoundFeed:
    """The feed at `url`, or the first feed the page at `url` announces that answers as one.

    Raises FetchError when `url` itself cannot be fetched or no feed is found.
    """
    try:
        res = fetcher.get(url, None, FEED_ACCEPT)
    except FetchError as exc:
        raise FetchError(exc.kind, f"{url}: {exc.kind}: {exc}", exc.status) from exc
    parsed = parse_feed(res.body, res.url, res.headers)
    if parsed.usable and not parsed.looks_like_html:
        return FoundFeed(res.url, parsed.title)
    candidates = discover_feeds(res.body, res.url)
    for candidate in candidates:
        try:
            found = fetcher.get(candidate, None, FEED_ACCEPT)
        except FetchError:
            continue
        feed = parse_feed(found.body, found.url, found.headers)
        if feed.usable and not feed.looks_like_html:
            return FoundFeed(found.url, feed.title)
    named = (
        f" (it names {', '.join(candidates)}, none of which answered as a feed)"
        if candidates
        else ""
    )
    raise FetchError("not_feed", f"{url}: no feed found on the page{named}")


def check_feed(fetcher: Fetcher, url: str) -> FeedCheck:
    """Fetch `url` once and say whether it answers as a feed (never raises for the feed's fault)."""
    try:
        res = fetcher.get(url, None, FEED_ACCEPT)
    except FetchError as exc:
        return FeedCheck(url, error_kind=exc.kind, error=str(exc))
    parsed = parse_feed(res.body, res.url, res.headers)
    if parsed.usable and not parsed.looks_like_html:
        return FeedCheck(url, entries=len(parsed.entries))
    return FeedCheck(url, error_kind="not_feed", error="not a feed")
