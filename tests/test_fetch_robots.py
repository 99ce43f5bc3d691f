"""robots.txt read by RFC 9309 against a real server: the cases the stdlib parser got wrong.

urllib.robotparser takes the first matching line, not the longest, and knows neither `*` nor
`$`: it refused `/news/` under `Disallow: /` + `Allow: /news/` and allowed `/x.pdf` under
`Disallow: /*.pdf$`. A 5xx robots.txt means "crawl nothing there" for now (RFC 9309 2.3.1.4).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from belowthefold.config import FetchOptions
from belowthefold.errors import FetchError
from belowthefold.fetch import Fetcher
from fetchserver import rss, send, serve

OPTS = FetchOptions(
    allow_private_addresses=True,  # the server is on 127.0.0.1
    per_host_delay_s=0.0,
    timeout_s=2.0,
    deadline_s=2.0,
    backoff_s=0.01,
    retries=0,
)
FEED = rss([("Item", "https://ok.example/1", "Mon, 07 Apr 2025 09:00:00 GMT")])
ROBOTS = b"""User-agent: *
Disallow: /
Allow: /news/
Disallow: /news/private/
Disallow: /*.pdf$
Allow: /docs/*.html$

User-agent: otherbot
Allow: /
"""

# path -> allowed for our User-Agent, by the longest matching rule
CASES = {
    "/news/feed.xml": True,  # Allow: /news/ is longer than Disallow: /
    "/news/private/feed.xml": False,  # the longer Disallow wins back
    "/other/feed.xml": False,
    "/news/report.pdf": False,  # /*.pdf$ (longer than /news/)
    "/news/report.pdf.xml": True,  # $ anchors: not a .pdf
    "/docs/page.html": True,
    "/docs/page.html?x=1": False,  # $ anchors before the query as well
}


@pytest.mark.parametrize(("path", "allowed"), CASES.items())
def test_robots_by_rfc_9309(path: str, allowed: bool) -> None:
    routes = {"/robots.txt": lambda h: send(h, ROBOTS, "text/plain")}
    with serve({**routes, path.split("?")[0]: lambda h: send(h, FEED)}) as srv, Fetcher(OPTS) as f:
        if allowed:
            assert f.get(srv.url(path)).status == 200
        else:
            with pytest.raises(FetchError) as info:
                f.get(srv.url(path))
            assert info.value.kind == "robots"
            assert srv.hits(path.split("?")[0]) == []


def test_robots_5xx_means_fetch_nothing_there_for_now() -> None:
    routes = {
        "/robots.txt": lambda h: send(h, b"down", "text/plain", 503),
        "/feed.xml": lambda h: send(h, FEED),
    }
    with serve(routes) as srv, Fetcher(OPTS) as f:
        with pytest.raises(FetchError) as info:
            f.get(srv.url("/feed.xml"))
        assert info.value.kind == "robots" and "robots.txt answered HTTP 503" in str(info.value)
        assert srv.hits("/feed.xml") == []
    with serve(routes) as srv, Fetcher(replace(OPTS, respect_robots=False)) as f:
        assert f.get(srv.url("/feed.xml")).status == 200


def test_robots_4xx_allows_everything() -> None:
    routes = {
        "/robots.txt": lambda h: send(h, b"gone", "text/plain", 404),
        "/feed.xml": lambda h: send(h, FEED),
    }
    with serve(routes) as srv, Fetcher(OPTS) as f:
        assert f.get(srv.url("/feed.xml")).status == 200
