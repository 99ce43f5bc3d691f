"""One bad feed item is dropped and recorded; the rest of the feed is stored (real server, real DB)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from belowthefold import pipeline
from belowthefold.fetch import Fetcher
from belowthefold.fetch.feeds import FeedEntry, entry_to_article
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import FAST, file_route, serve

FIX = Path(__file__).parent / "fixtures" / "hostile"


def test_bad_items_in_rss_and_json_feeds_are_dropped_and_the_rest_stored(
    store: Store, tmp_path: Path
) -> None:
    feed_json = tmp_path / "feed.json"
    items = [
        {"id": "1", "url": "https://delta.example/a/1", "title": "lone \ud800 surrogate"},
        {"id": "2", "url": "https://delta.example/a/2", "title": "year one",
         "date_published": "0001-01-01T00:00:00Z"},
        {"id": "3", "url": "https://delta.example/a/3", "title": "Delta keeps this one",
         "date_published": "2025-04-01T00:00:00Z"},
    ]  # fmt: skip
    feed_json.write_text(
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "D", "items": items})
    )
    routes = {
        "/rss.xml": file_route(FIX / "surrogate-rss.xml", "application/rss+xml"),
        "/feed.json": file_route(feed_json, "application/feed+json"),
    }
    with serve(routes) as srv:
        sources = [
            Source("Harbour", "mainstream", ("harbour.example",), (srv.url("/rss.xml"),)),
            Source("Delta", "foreign", ("delta.example",), (srv.url("/feed.json"),)),
        ]
        store.sources.replace_all(sources)
        with Fetcher(FAST) as fetcher:
            report = pipeline.fetch_sources(store, FAST, sources, fetcher)
    assert not report.failed, [s.line() for s in report.failed]
    titles = sorted(r[0] for r in store.conn.execute("SELECT title FROM articles"))
    assert titles == ["Delta keeps this one", "Harbour keeps this one"]
    fetches = {f.url.rsplit("/", 1)[-1]: f for f in store.feeds.fetches(report.run_id)}
    for name in ("rss.xml", "feed.json"):
        fetch = fetches[name]
        assert fetch.skipped == 2 and "2 bad entries dropped" in (fetch.warning or ""), fetch
        assert "surrogate" in (fetch.warning or "") and "implausible date" in (fetch.warning or "")


def test_a_page_date_before_1900_becomes_the_first_seen_time() -> None:
    seen = datetime(2025, 4, 1, 8, tzinfo=UTC)
    entry = FeedEntry("Title", "https://a.example/1", None, None, "", None)
    source = Source("A", "g", ("a.example",), ("https://a.example/feed",))
    article = entry_to_article(
        entry, source, "https://a.example/feed", seen, published=datetime(1, 1, 1, tzinfo=UTC)
    )
    assert article.published == seen and article.published_estimated
