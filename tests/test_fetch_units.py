"""Smaller pieces of live fetching: encodings, concurrency across hosts, discovery, OPML, Ctrl-C."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

import belowthefold.fetch
from belowthefold import pipeline
from belowthefold.config import FetchOptions
from belowthefold.errors import FetchError, InputError
from belowthefold.fetch import Fetcher, discover_feeds, parse_feed
from belowthefold.fetch.opml import feeds_to_sources, parse_opml, sources_to_opml
from belowthefold.fetch.transport import retry_after_seconds
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import rss, send, serve

FIX = Path(__file__).parent / "fixtures" / "feeds"
# The test server is on 127.0.0.1: these tests opt in to private addresses.
OPTS = FetchOptions(
    per_host_delay_s=0.0,
    timeout_s=5.0,
    deadline_s=5.0,
    backoff_s=0.01,
    allow_private_addresses=True,
)
FEED = rss([("Compressed", "https://z.example/1", "Mon, 07 Apr 2025 09:00:00 GMT")])


def test_public_surface_is_what_init_exports() -> None:
    for name in belowthefold.fetch.__all__:
        assert getattr(belowthefold.fetch, name) is not None


def _raw_deflate(data: bytes) -> bytes:
    z = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return z.compress(data) + z.flush()


def test_gzip_and_deflate_bodies_are_decoded() -> None:
    routes = {
        "/gz": lambda h: send(h, gzip.compress(FEED), headers={"Content-Encoding": "gzip"}),
        "/zl": lambda h: send(h, zlib.compress(FEED), headers={"Content-Encoding": "deflate"}),
        "/raw": lambda h: send(h, _raw_deflate(FEED), headers={"Content-Encoding": "deflate"}),
        "/br": lambda h: send(h, b"\x1b\x00\x00", headers={"Content-Encoding": "br"}),
    }
    with serve(routes) as srv, Fetcher(OPTS) as f:
        with pytest.raises(FetchError) as info:
            f.get(srv.url("/br"))
        assert info.value.kind == "http" and "Content-Encoding" in str(info.value)
        for path in ("/gz", "/zl", "/raw"):
            res = f.get(srv.url(path))
            assert res.body == FEED
            assert parse_feed(res.body, res.url, res.headers).entries[0].title == "Compressed"
        assert "gzip" in srv.hits("/gz")[0]["accept-encoding"]


def test_hosts_are_fetched_in_parallel_but_one_host_one_at_a_time(tmp_path: Path) -> None:
    """Asserted on the order of events, not on speed: the two hosts' requests overlap in time,
    one host's two requests never do (each handler holds its request open for 0.4 s)."""
    spans: dict[str, tuple[float, float]] = {}

    def slow(name: str):  # type: ignore[no-untyped-def]
        def handle(h):  # type: ignore[no-untyped-def]
            start = time.monotonic()
            time.sleep(0.4)
            spans[name] = (start, time.monotonic())  # before the reply: the client waits for it
            send(h, FEED)

        return handle

    def overlap(a: str, b: str) -> bool:
        return spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]

    with serve({"/a": slow("1a"), "/b": slow("1b")}) as one, serve({"/a": slow("2a")}) as two:
        opts = replace(OPTS, concurrency=4, respect_robots=False)
        with Store(tmp_path / "p.db") as store, Fetcher(opts) as f:
            pipeline.fetch_sources(
                store,
                opts,
                [Source("1", "g", (), (one.url("/a"),)), Source("2", "g", (), (two.url("/a"),))],
                f,
            )
            assert overlap("1a", "2a")  # two hosts at once
            pipeline.fetch_sources(
                store, opts, [Source("1", "g", (), (one.url("/a"), one.url("/b")))], f
            )
            assert not overlap("1a", "1b")  # one host, one request at a time


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2025, 4, 7, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Mon, 07 Apr 2025 12:01:00 GMT", now) == 60
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_autodiscovery_finds_alternate_feeds_in_page_order() -> None:
    found = discover_feeds((FIX / "page.html").read_bytes(), "https://harbour.example/news/")
    assert found == ["https://harbour.example/feed.xml", "https://harbour.example/atom.xml"]
    assert discover_feeds(b"<html><body>no feeds</body></html>", "https://x.example/") == []


def test_html_instead_of_a_feed_is_not_a_feed() -> None:
    parsed = parse_feed(
        (FIX / "page.html").read_bytes(), "https://h.example/", {"content-type": "text/html"}
    )
    assert not parsed.usable and parsed.looks_like_html


def test_opml_reads_nested_outlines_and_round_trips() -> None:
    feeds = parse_opml((FIX / "opml.xml").read_bytes())
    assert [f.name for f in feeds] == ["Harbour Gazette", "Coast Watch", "Delta Daily"]
    sources = feeds_to_sources(feeds, "mainstream")
    again = parse_opml(sources_to_opml(sources))
    assert {(f.name, f.feed) for f in again} == {(f.name, f.feed) for f in feeds}
    assert sources[0].domains == ("harbour.example",)


def test_opml_round_trip_keeps_groups() -> None:
    feeds = parse_opml((FIX / "opml.xml").read_bytes())
    assert [f.category for f in feeds] == ["News", "News", None]  # the folder outline
    with pytest.raises(InputError, match=r"1 feed\(s\) sit in no category outline \(Delta Daily\)"):
        feeds_to_sources(feeds)
    sources = [
        Source("Wire One", "wire", ("wire.example",), ("https://wire.example/rss",)),
        Source("Paper", "mainstream", ("paper.example",), ("https://paper.example/feed",)),
        Source("Ministry", "official", (), ("https://gov.example/a", "https://gov.example/b")),
    ]
    again = feeds_to_sources(parse_opml(sources_to_opml(sources)))
    assert {(s.name, s.group, s.feeds) for s in again} == {
        (s.name, s.group, s.feeds) for s in sources
    }
    assert {s.group for s in feeds_to_sources(feeds, "x")} == {"x"}  # --group overrides
    attr = b"""<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/f"
        category="/Region/Foreign,/Tags/x"/></body></opml>"""
    assert parse_opml(attr)[0].category == "Foreign"


def test_opml_refuses_entity_expansion_and_non_opml() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>'
    with pytest.raises(InputError):
        parse_opml(bomb)
    with pytest.raises(InputError):
        parse_opml(b"<rss/>")
    with pytest.raises(InputError):
        parse_opml(b"not xml")


def _fetches(db: Path) -> int:
    try:
        conn = sqlite3.connect(db)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM fetches").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_ctrl_c_stops_watch_cleanly_mid_fetch(tmp_path: Path) -> None:
    def slow(h):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        send(h, FEED)

    db = tmp_path / "w.db"
    with serve({f"/f{i}": slow for i in range(40)}) as srv:
        with Store(db) as store:
            store.sources.replace_all(
                [Source(f"S{i}", "g", (), (srv.url(f"/f{i}"),)) for i in range(40)]
            )
        env = {**os.environ, "BELOWTHEFOLD_FETCH__PER_HOST_DELAY_S": "0", "COLUMNS": "200"}
        env["BELOWTHEFOLD_FETCH__ALLOW_PRIVATE_ADDRESSES"] = "1"  # served on 127.0.0.1
        proc = subprocess.Popen(
            [sys.executable, "-m", "belowthefold", "--db", str(db), "watch", "--every", "1h"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait until the first fetch is under way (40 feeds x 0.3 s on one host = 12 s).
        limit = time.monotonic() + 60
        while time.monotonic() < limit and _fetches(db) < 2:
            time.sleep(0.1)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
        took = time.monotonic() - t0
    assert proc.returncode == 0, err
    assert "stopped after 0 fetches" in err and took < 3  # queued workers do not fetch on
    with Store(db) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.articles.count() == 1  # all feeds carry the same article
        assert 2 <= store.conn.execute("SELECT COUNT(*) FROM fetches").fetchone()[0] < 40


def test_robots_crawl_delay_is_honoured() -> None:
    routes = {
        "/robots.txt": lambda h: send(h, b"User-agent: *\nCrawl-delay: 1\n", "text/plain"),
        "/f": lambda h: send(h, FEED),
    }
    with serve(routes) as srv, Fetcher(OPTS) as f:
        t0 = time.monotonic()
        f.get(srv.url("/f"))
        f.get(srv.url("/f"))
        assert time.monotonic() - t0 >= 1.0
