"""A fetch run against a real local server into a real SQLite file: store, dedup, sightings, dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import FetchOptions
from belowthefold.fetch import Fetcher
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import FAST, file_route, send, serve

pytestmark = pytest.mark.both_backends

FIX = Path(__file__).parent / "fixtures" / "feeds"


def _run(store: Store, sources: list[Source], options: FetchOptions = FAST):  # type: ignore[no-untyped-def]
    with Fetcher(options) as fetcher:
        return pipeline.fetch_sources(store, options, sources, fetcher)


def test_feeds_of_every_format_are_stored_once_with_sightings(store: Store) -> None:
    routes = {
        "/rss.xml": file_route(FIX / "rss20.xml", "application/rss+xml"),
        "/atom.xml": file_route(FIX / "atom.xml", "application/atom+xml"),
        "/feed.json": file_route(FIX / "jsonfeed.json", "application/feed+json"),
        "/rdf.xml": file_route(FIX / "rss10.rdf", "application/rdf+xml"),
    }
    with serve(routes) as srv:
        sources = [
            Source("Harbour Gazette", "mainstream", ("harbour.example",), (srv.url("/rss.xml"),)),
            Source(
                "Coast Watch",
                "specialist",
                ("coastwatch.example",),
                (srv.url("/atom.xml"), srv.url("/rdf.xml")),
            ),
            Source("Delta Daily", "foreign", ("delta.example",), (srv.url("/feed.json"),)),
        ]
        store.sources.replace_all(sources)
        report = _run(store, sources)
    assert not report.failed, [s.line() for s in report.failed]
    # rss: 3 usable (1 skipped), atom: 2 (one is the rss ferry story), json: 2, rdf: 1
    assert report.entries == 8
    assert store.articles.count() == 7
    ferry = store.articles.get("https://harbour.example/news/ferry-strike")
    assert ferry is not None
    feeds = {f for f, *_ in store.feeds.sightings(ferry.id)}
    assert len(feeds) == 2
    # tracking parameter gone; HTML stripped from the summary; date converted to UTC
    brk = store.articles.get("https://harbour.example/news/breakwater")
    assert brk is not None and brk.published == datetime(2025, 4, 7, 7, 30, tzinfo=UTC)
    assert brk.text == "The breakwater will be built in 2026." and brk.lang == "en"
    # no link: the guid makes the id; no date: first-seen time, and it says so
    cod = [
        a
        for a in (store.articles.get(i) for i in _ids(store))
        if a and a.title.startswith("Fishing")
    ]
    assert cod and cod[0].published_estimated and cod[0].url is None
    future = store.articles.get("https://delta.example/a/far-future")
    assert future is not None and future.published_estimated and future.published.year < 2099
    rss_fetch = next(f for f in store.feeds.fetches(report.run_id) if f.url.endswith("/rss.xml"))
    assert rss_fetch.skipped == 1 and "without a title" in (rss_fetch.warning or "")


def _ids(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT id FROM articles")]


def test_conditional_get_second_fetch_sends_validators_and_stores_nothing(store: Store) -> None:
    body = (FIX / "rss20.xml").read_bytes()

    def feed(h):  # type: ignore[no-untyped-def]
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.send_header("ETag", '"v1"')
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        send(h, body, headers={"ETag": '"v1"', "Last-Modified": "Mon, 07 Apr 2025 10:00:00 GMT"})

    with serve({"/rss.xml": feed}) as srv:
        src = [Source("H", "mainstream", (), (srv.url("/rss.xml"),))]
        first = _run(store, src)
        count = store.articles.count()
        second = _run(store, src)
        hits = srv.hits("/rss.xml")
    assert first.inserted == 3 and count == 3
    assert second.inserted == 0 and second.sources[0].not_modified == 1
    assert store.articles.count() == count
    assert hits[1]["if-none-match"] == '"v1"'
    assert hits[1]["if-modified-since"] == "Mon, 07 Apr 2025 10:00:00 GMT"


def test_refetch_of_changed_feed_adds_only_new_items_and_counts_sightings(store: Store) -> None:
    from fetchserver import rss

    items = [("One", "https://x.example/1", "Mon, 07 Apr 2025 09:00:00 GMT")]
    state = {"items": items}
    with serve({"/f": lambda h: send(h, rss(state["items"]))}) as srv:
        src = [Source("X", "wires", ("x.example",), (srv.url("/f"),))]
        _run(store, src)
        state["items"] = [*items, ("Two", "https://x.example/2", "Mon, 07 Apr 2025 10:00:00 GMT")]
        again = _run(store, src)
    assert again.inserted == 1 and store.articles.count() == 2
    ((_feed, _source, _first, _last, times),) = store.feeds.sightings("https://x.example/1")
    assert times == 2
    one = store.articles.get("https://x.example/1")
    assert one is not None
    placed = store.articles.placed(
        datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 4, 30, tzinfo=UTC)
    )
    assert {p.source for p in placed} == {"X"} and {p.group for p in placed} == {"wires"}


def test_fulltext_pages_are_extracted_and_failures_keep_the_summary(store: Store) -> None:
    from fetchserver import rss

    article = (
        "<html lang='de'><head><title>Deich</title></head><body><nav>Menu Home About</nav>"
        "<article><h1>Neuer Deich</h1>" + "<p>Der neue Deich schützt die Stadt vor Sturmfluten. "
        "Die Arbeiten dauerten drei Jahre und kosteten viel Geld.</p>" * 6 + "</article>"
        "<footer>Impressum</footer></body></html>"
    ).encode()
    feed = rss(
        [
            ("Deich fertig", "{base}/a/1", "Mon, 07 Apr 2025 09:00:00 GMT"),
            ("Kaputte Seite", "{base}/a/2", "Mon, 07 Apr 2025 09:00:00 GMT"),
        ]
    )
    with serve() as srv:
        srv.routes["/f"] = lambda h: send(h, feed.replace(b"{base}", srv.base.encode()))
        srv.routes["/a/1"] = lambda h: send(h, article, "text/html; charset=utf-8")
        srv.routes["/a/2"] = lambda h: send(h, b"<html><body></body></html>", "text/html")
        src = [Source("D", "foreign", (), (srv.url("/f"),), fulltext=True)]
        report = _run(store, src)
        pages_before = len(srv.hits("/a/1"))
        _run(store, src)
        pages_after = len(srv.hits("/a/1"))
    good = store.articles.get(f"{srv.base}/a/1")
    bad = store.articles.get(f"{srv.base}/a/2")
    assert good is not None and "Sturmfluten" in good.text and good.lang == "de"
    assert bad is not None and bad.text == "Summary of Kaputte Seite"
    page_errors = [f for f in store.feeds.fetches(report.run_id) if f.kind == "page" and f.failed]
    assert [f.error_kind for f in page_errors] == ["extract"]
    assert not report.failed and report.sources[0].page_errors == 1
    assert pages_before == pages_after == 1  # known articles are not fetched again


def test_front_page_snapshots_record_order_and_weight_time_on_page(store: Store) -> None:
    from fetchserver import rss

    class Clock:
        def __init__(self) -> None:
            self.t = datetime(2025, 4, 7, 8, 0, tzinfo=UTC)

        def now(self) -> datetime:
            return self.t

        def monotonic(self) -> float:
            return self.t.timestamp()

        def sleep(self, seconds: float) -> None:
            return None

    clock = Clock()
    feed = rss(
        [
            (f"Story {i}", f"https://fp.example/s/{i}", "Mon, 07 Apr 2025 07:00:00 GMT")
            for i in range(1, 4)
        ]
    )
    page = {"html": b""}
    with serve() as srv:
        srv.routes["/f"] = lambda h: send(h, feed)
        srv.routes["/"] = lambda h: send(h, page["html"], "text/html")
        src = [
            Source("FP", "mainstream", ("fp.example",), (srv.url("/f"),), frontpage=srv.url("/"))
        ]
        options = replace(FAST, frontpage_max_gap_h=6.0)
        fetcher = Fetcher(options, clock=clock)
        page["html"] = (
            b'<a href="https://fp.example/s/2?utm_source=x">2</a><a href="/about">x</a>'
            b'<a href="https://fp.example/s/1">1</a>'
        )
        pipeline.fetch_sources(store, options, src, fetcher)
        clock.t = clock.t.replace(hour=11)  # three hours later
        page["html"] = (
            b'<a href="https://fp.example/s/1">1</a><a href="https://fp.example/s/3">3</a>'
        )
        pipeline.fetch_sources(store, options, src, fetcher)
        fetcher.close()
    snaps = store.feeds.snapshot_items("FP")
    assert snaps == [
        ["https://fp.example/s/2", "https://fp.example/s/1"],
        ["https://fp.example/s/1", "https://fp.example/s/3"],
    ]
    w = {i: store.articles.get(f"https://fp.example/s/{i}").weight for i in (1, 2, 3)}  # type: ignore[union-attr]
    assert w[1] == 1.0 + 3 / 24 and w[2] == 1.0 and w[3] == 1.0
