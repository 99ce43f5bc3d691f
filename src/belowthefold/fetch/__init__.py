"""Live sources: polite HTTP, feeds, OPML, front pages, and the run that stores what they give.

`transport` talks HTTP, `feeds` turns bodies into entries, `opml` reads and writes source lists,
`runner` orchestrates one fetch run against the store.
"""

from __future__ import annotations

from belowthefold.fetch.feeds import ParsedFeed, discover_feeds, parse_feed
from belowthefold.fetch.runner import FetchReport, FetchRunner, SourceReport
from belowthefold.fetch.transport import Fetcher, HttpResult, SystemClock, Validators

__all__ = [
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
