"""Live sources: polite HTTP, feeds, OPML, front pages, and the run that fetches them all.

`transport` talks HTTP, `feeds` turns bodies into entries, `opml` reads and writes source lists,
`discovery` finds and checks feeds live, `runner` fetches many sources at once and returns what
each fetch gave; `pipeline.fetch_sources` stores it. Nothing here touches the store.
"""

from __future__ import annotations

from belowthefold.fetch.feeds import ParsedFeed, discover_feeds, parse_feed
from belowthefold.fetch.runner import FetchOutcome, FetchReport, FetchRunner, SourceReport
from belowthefold.fetch.transport import Fetcher, HttpResult, SystemClock, Validators

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
