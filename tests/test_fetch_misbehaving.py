"""Misbehaving servers: every case ends in bounded time and memory with the right recorded error."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import FetchOptions
from belowthefold.errors import FetchError
from belowthefold.fetch import Fetcher
from belowthefold.fetch.transport import SystemClock
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import Served, rss, send, serve

OPTS = FetchOptions(
    allow_private_addresses=True,  # the misbehaving server is on 127.0.0.1
    per_host_delay_s=0.0,
    timeout_s=2.0,
    deadline_s=1.5,
    backoff_s=0.01,
    retries=2,
    max_bytes=1_000_000,
    max_redirects=4,
    max_retry_after_s=5.0,
)
FEED = rss([("Item", "https://ok.example/1", "Mon, 07 Apr 2025 09:00:00 GMT")])


def slow_drip(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    for _ in range(600):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.05)


def header_drip(h: BaseHTTPRequestHandler) -> None:
    """Slowloris in reverse: the headers themselves arrive a byte at a time, forever."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(600):
        h.wfile.write(b"X")
        h.wfile.flush()
        time.sleep(0.05)


def endless(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Connection", "close")
    h.end_headers()
    chunk = b"<rss>" + b"x" * 65536
    for _ in range(100_000):
        h.wfile.write(chunk)


BOMB = gzip.compress(b"\0" * 200_000_000, compresslevel=9)


def gzip_bomb(h: BaseHTTPRequestHandler) -> None:
    send(h, BOMB, headers={"Content-Encoding": "gzip"})


def redirect(to: str):  # type: ignore[no-untyped-def]
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", to)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def status(code: int, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return lambda h: send(h, b"nope", "text/plain", code, headers)


def flaky(codes: list[int]):  # type: ignore[no-untyped-def]
    """Answers each code in turn, then the feed."""
    left = list(codes)

    def route(h: BaseHTTPRequestHandler) -> None:
        if left:
            send(h, b"busy", "text/plain", left.pop(0), {"Retry-After": "1"})
        else:
            send(h, FEED)

    return route


LATIN1 = rss(
    [
        (
            "Caf\u00e9 cr\u00e8me f\u00fcr alle",
            "https://ok.example/latin",
            "Mon, 07 Apr 2025 09:00:00 GMT",
        )
    ]
)


def routes() -> dict[str, object]:
    return {
        "/drip": slow_drip,
        "/header-drip": header_drip,
        "/endless": endless,
        "/bomb": gzip_bomb,
        "/loop-a": redirect("/loop-b"),
        "/loop-b": redirect("/loop-a"),
        "/chain-0": redirect("/chain-1"),
        "/chain-1": redirect("/chain-2"),
        "/chain-2": redirect("/chain-3"),
        "/chain-3": redirect("/chain-4"),
        "/chain-4": redirect("/chain-5"),
        "/chain-5": redirect("/chain-6"),
        "/rate-long": status(429, {"Retry-After": "3600"}),
        "/rate-short": flaky([429]),
        "/err500": status(500),
        "/flaky500": flaky([500, 503]),
        "/missing": status(404),
        "/text-plain": lambda h: send(h, FEED, "text/plain"),
        "/wrong-charset": lambda h: send(
            h,
            LATIN1.decode().replace('encoding="utf-8"', "").encode("latin-1"),
            "application/rss+xml; charset=utf-8",
        ),
        "/no-charset": lambda h: send(
            h,
            LATIN1.decode().replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("latin-1"),
            "application/xml",
        ),
        "/html": lambda h: send(
            h,
            b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" '
            b'href="/real.xml"></head><body>Home</body></html>',
            "text/html",
        ),
        "/garbage": lambda h: send(h, b"\x00\x01\x02 this is not xml at all {[", "application/xml"),
        "/big-length": lambda h: send(h, b"x" * 2_000_000),
        "/robots.txt": lambda h: send(h, b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/private/feed.xml": lambda h: send(h, FEED),
    }


@pytest.fixture(scope="module")
def srv() -> Iterator[Served]:
    with serve(routes()) as s:  # type: ignore[arg-type]
        yield s


def _fail(srv: Served, path: str, options: FetchOptions = OPTS) -> tuple[FetchError, float]:
    with Fetcher(options) as f:
        t0 = time.monotonic()
        with pytest.raises(FetchError) as info:
            f.get(srv.url(path))
        return info.value, time.monotonic() - t0


def test_slow_drip_hits_the_total_deadline(srv: Served) -> None:
    err, took = _fail(srv, "/drip")
    assert err.kind == "timeout" and took < OPTS.deadline_s + 1.5


def test_slow_drip_of_headers_hits_the_total_deadline(srv: Served) -> None:
    err, took = _fail(srv, "/header-drip")
    assert err.kind == "timeout" and took < OPTS.deadline_s + 1.5


def test_endless_body_stops_at_the_size_cap(srv: Served) -> None:
    tracemalloc.start()
    err, took = _fail(srv, "/endless")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert err.kind == "too_large" and took < 5
    assert peak < 10 * OPTS.max_bytes


def test_gzip_bomb_stops_at_the_cap_after_decompression(srv: Served) -> None:
    assert len(BOMB) < OPTS.max_bytes  # small on the wire, 200 MB inflated
    tracemalloc.start()
    err, took = _fail(srv, "/bomb")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert err.kind == "too_large" and "decompression" in str(err) and took < 5
    assert peak < 10 * OPTS.max_bytes


def test_content_length_over_the_cap_is_refused_before_reading(srv: Served) -> None:
    err, _ = _fail(srv, "/big-length")
    assert err.kind == "too_large"


def test_redirect_loop_and_long_chain(srv: Served) -> None:
    loop, _ = _fail(srv, "/loop-a")
    chain, _ = _fail(srv, "/chain-0")
    assert loop.kind == "redirects" and "loop" in str(loop)
    assert chain.kind == "redirects"


def test_429_retry_after_is_honoured_or_refused_above_the_cap(srv: Served) -> None:
    class Recording(SystemClock):
        def __init__(self) -> None:
            self.slept: list[float] = []

        def sleep(self, seconds: float) -> None:
            self.slept.append(seconds)

    clock = Recording()
    with Fetcher(OPTS, clock=clock) as f:
        ok = f.get(srv.url("/rate-short"))
        assert ok.status == 200 and 1.0 in clock.slept
        t0 = time.monotonic()
        with pytest.raises(FetchError) as info:
            f.get(srv.url("/rate-long"))
    assert info.value.kind == "rate_limited" and info.value.status == 429
    assert time.monotonic() - t0 < 1  # 3600 s is over the cap: give up now, do not hang


def test_5xx_are_retried_with_backoff_then_recorded(srv: Served) -> None:
    before = len(srv.hits("/err500"))
    err, _ = _fail(srv, "/err500")
    assert err.kind == "http" and err.status == 500
    assert len(srv.hits("/err500")) - before == OPTS.retries + 1
    with Fetcher(replace(OPTS, max_retry_after_s=0.0)) as f, pytest.raises(FetchError):
        f.get(srv.url("/flaky500"))  # 500, then 503 with Retry-After 1 > cap 0: refused
    with Fetcher(OPTS) as f:
        assert f.get(srv.url("/flaky500")).status == 200  # the next try finds it healthy


def test_connection_refused_is_a_connect_error() -> None:
    with Fetcher(OPTS) as f, pytest.raises(FetchError) as info:
        f.get("http://127.0.0.1:9/feed.xml")
    assert info.value.kind == "connect"


def test_robots_disallow_is_honoured_without_touching_the_path(srv: Served) -> None:
    err, _ = _fail(srv, "/private/feed.xml")
    assert err.kind == "robots"
    assert srv.hits("/private/feed.xml") == []
    with Fetcher(replace(OPTS, respect_robots=False)) as f:
        assert f.get(srv.url("/private/feed.xml")).status == 200


def test_per_host_politeness_spaces_requests(srv: Served) -> None:
    with Fetcher(replace(OPTS, per_host_delay_s=0.3)) as f:
        t0 = time.monotonic()
        for _ in range(3):
            f.get(srv.url("/text-plain"))
        assert time.monotonic() - t0 >= 0.6
        assert "belowthefold" in srv.hits("/text-plain")[-1]["user-agent"]


EXPECTED = {
    "/drip": "timeout",
    "/header-drip": "timeout",
    "/endless": "too_large",
    "/bomb": "too_large",
    "/loop-a": "redirects",
    "/rate-long": "rate_limited",
    "/err500": "http",
    "/missing": "http",
    "/html": "not_feed",
    "/garbage": "parse",
    "/private/feed.xml": "robots",
    "/text-plain": None,
    "/wrong-charset": None,
    "/no-charset": None,
}


def test_a_run_records_each_failure_as_data_and_goes_on(srv: Served, tmp_path: Path) -> None:
    sources = [Source(f"S{i}", "g", (), (srv.url(p),)) for i, p in enumerate(EXPECTED)]
    t0 = time.monotonic()
    with Store(tmp_path / "m.db") as store, Fetcher(replace(OPTS, concurrency=16)) as f:
        store.sources.replace_all(sources)
        report = pipeline.fetch_sources(store, f.options, sources, f)
        got = {
            r.url.removeprefix(srv.base): r.error_kind for r in store.feeds.fetches(report.run_id)
        }
        titles = {a for (a,) in store.conn.execute("SELECT title FROM articles")}
        health = {h.source: h for h in store.feeds.health()}
    assert time.monotonic() - t0 < 15
    assert got == EXPECTED
    assert "Café crème für alle" in titles
    assert len(report.failed) == sum(1 for v in EXPECTED.values() if v)
    html_line = next(s for s in report.failed if s.source == "S8").line()
    assert "not_feed" in html_line and "/real.xml" in html_line
    by_path = {p: health[f"S{i}"] for i, p in enumerate(EXPECTED)}
    assert by_path["/err500"].errors == 1 and by_path["/err500"].last_success is None
    assert by_path["/err500"].last_error == "http: HTTP 500"
    assert by_path["/text-plain"].last_success is not None and by_path["/text-plain"].errors == 0
    assert by_path["/text-plain"].articles_per_day == round(1 / 7, 2)
