"""Live sources: polite HTTP, feeds, OPML, front pages, and the run that fetches them all.

`transport` talks HTTP, `feeds` turns bodies into entries, `opml` reads and writes source lists,
`discovery` finds and checks feeds live, `runner` fetches many sources at once and returns what
each fetch gave; `pipeline.fetch_sources` stores it. Nothing here touches the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from belowthefold.lazy import lazy_getattr

if TYPE_CHECKING:
    from belowthefold.fetch.feeds import ParsedFeed, discover_feeds, parse_feed
    from belowthefold.fetch.runner import FetchOutcome, FetchReport, FetchRunner, SourceReport
    from belowthefold.fetch.transport import Fetcher, HttpResult, SystemClock, Validators

# Loaded on first use: the HTTP stack (httpx, feedparser) is not what `--help`, `sources` or an
# OPML export needs, and `belowthefold.fetch.opml` must be importable without it.
_HOME = {
    "ParsedFeed": "feeds",
    "discover_feeds": "feeds",
    "parse_feed": "feeds",
    "FetchOutcome": "runner",
    "FetchReport": "runner",
    "FetchRunner": "runner",
    "SourceReport": "runner",
    "Fetcher": "transport",
    "HttpResult": "transport",
    "SystemClock": "transport",
    "Validators": "transport",
}


__getattr__ = lazy_getattr(__name__, _HOME)


__all__ = [
    "FetchOutcome",
    "FetchReport",
    "FetchRunner",
    "Fetcher",
    "HttpResult",
    "ParsedFeed",
    "SourceReport",
    "SystemClock",
    "Validators",
    "discover_feeds",
    "parse_feed",
]
