"""The web app's guards: escaping, link schemes, headers, read-only default, admin and private feeds."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import feedparser
import pytest
from starlette.testclient import TestClient

from belowthefold.config import Settings
from belowthefold.store import Store
from belowthefold.web import create_app
from belowthefold.web.security import feed_url_problem, is_public_address, safe_href, token_matches
from web_support import (
    IMG_PAYLOAD,
    JS_ARTICLE_ID,
    JS_URL,
    SCRIPT_PAYLOAD,
    SVG_PAYLOAD,
    WEEK,
    build_db,
    fixed_clock,
    story_of,
)

TOKEN = "s3cret-token-for-tests"
PAYLOADS = (SCRIPT_PAYLOAD, IMG_PAYLOAD, SVG_PAYLOAD, "<img src=x", "<svg onload")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_db(tmp_path_factory.mktemp("websec") / "web.db")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=fixed_clock)) as c:
        yield c


def _fake_resolver(table: dict[str, Sequence[str]]) -> object:
    def resolve(host: str) -> Sequence[str]:
        if host not in table:
            raise OSError("name not known")
        return table[host]

    return resolve


@pytest.fixture
def admin(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An admin app on its own copy of the data, with a resolver seam instead of DNS."""
    own = build_db(tmp_path_factory.mktemp("admin") / "admin.db")
    resolve = _fake_resolver(
        {
            "feeds.example": ["93.184.216.34"],
            "intranet.example": ["10.1.2.3"],
            "mixed.example": ["93.184.216.34", "127.0.0.1"],
        }
    )
    app = create_app(own, admin_token=TOKEN, clock=fixed_clock, resolve=resolve)  # type: ignore[arg-type]
    with TestClient(app) as c:
        yield c


def _pages(settings: Settings) -> list[str]:
    dam = story_of(settings, JS_ARTICLE_ID)
    return [
        f"/weeks/{WEEK}",
        f"/stories/{dam}",
        "/sources",
        "/search?q=dam+collapse",
        f"/weeks/{WEEK}/brief",
        "/search?q=" + SCRIPT_PAYLOAD,
    ]


def test_payloads_never_reach_a_page_unescaped(client: TestClient, settings: Settings) -> None:
    for path in _pages(settings):
        r = client.get(path)
        assert r.status_code == 200, path
        for payload in PAYLOADS:
            assert payload not in r.text, (path, payload)
    week = client.get(f"/weeks/{WEEK}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Dam collapse" in week
    story = client.get(_pages(settings)[1]).text
    assert "&#34;&gt;&lt;svg onload=alert(3)&gt;" in story


def test_no_javascript_or_data_links_anywhere(client: TestClient, settings: Settings) -> None:
    for path in _pages(settings):
        hrefs = re.findall(r'href="([^"]*)"', client.get(path).text)
        assert hrefs, path
        for href in hrefs:
            assert not href.lower().lstrip().startswith(("javascript:", "data:", "vbscript:")), href
    story = client.get(_pages(settings)[1]).text
    assert JS_URL in story  # shown, as text
    assert f'href="{JS_URL}"' not in story


def test_no_inline_script_and_security_headers(client: TestClient, settings: Settings) -> None:
    for path in [*_pages(settings), "/api/docs", "/api/search?q=x", "/openapi.json", "/nope"]:
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        if "text/html" in r.headers["content-type"] and not path.endswith("/brief"):
            for tag in re.findall(r"<script\b[^>]*>", r.text):
                assert "src=" in tag, (path, tag)


def test_atom_feed_carries_payloads_as_text(client: TestClient) -> None:
    r = client.get("/feeds/missed.atom", params={"week": WEEK})
    assert b"<script>" not in r.content and b"<img " not in r.content
    feed = feedparser.parse(r.content)
    assert not feed.bozo
    dam = [e for e in feed.entries if "Dam collapse" in e.title]
    assert dam and SCRIPT_PAYLOAD in dam[0].title
    for e in feed.entries:
        for link in e.links:
            assert link.href.startswith(("http://", "https://"))


def test_read_only_by_default(client: TestClient) -> None:
    form = {"name": "X", "group": "wire", "feed": "https://93.184.216.34/rss", "token": "anything"}
    assert client.post("/sources/add", data=form).status_code == 403
    assert (
        client.post("/sources/remove", data={"name": "Wire One", "token": "x"}).status_code == 403
    )
    assert (
        client.post(
            "/api/sources", json={"name": "X", "group": "g"}, headers={"X-Admin-Token": "x"}
        ).status_code
        == 403
    )
    assert client.delete("/api/sources/Wire One", headers={"X-Admin-Token": "x"}).status_code == 403
    assert "Add a source" not in client.get("/sources").text


def test_admin_needs_the_right_token(admin: TestClient) -> None:
    body = {"name": "New Wire", "group": "wire", "feed": "https://feeds.example/rss"}
    assert admin.post("/api/sources", json=body).status_code == 403
    assert (
        admin.post("/api/sources", json=body, headers={"X-Admin-Token": TOKEN + "x"}).status_code
        == 403
    )
    r = admin.post(
        "/api/sources",
        json={**body, "domains": ["newwire.example"]},
        headers={"X-Admin-Token": TOKEN},
    )
    assert r.status_code == 201
    names = {s["name"] for s in admin.get("/api/sources").json()["sources"]}
    assert "New Wire" in names
    r = admin.post(
        "/sources/remove", data={"name": "New Wire", "token": TOKEN}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/sources?")
    assert "New Wire" not in {s["name"] for s in admin.get("/api/sources").json()["sources"]}
    r = admin.post(
        "/sources/add",
        data={"name": "Form Wire", "group": "wire", "token": TOKEN},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Add a source" in admin.get("/sources").text
    assert (
        admin.delete("/api/sources/Form Wire", headers={"X-Admin-Token": TOKEN}).status_code == 200
    )
    assert (
        admin.delete("/api/sources/Form Wire", headers={"X-Admin-Token": TOKEN}).status_code == 404
    )


@pytest.mark.parametrize(
    "feed",
    [
        "http://127.0.0.1/rss",
        "http://localhost:8080/rss",
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/rss",
        "http://192.168.1.1/rss",
        "http://intranet.example/rss",
        "http://mixed.example/rss",
        "http://unknown.example/rss",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_private_or_odd_feed_urls_are_refused(admin: TestClient, feed: str) -> None:
    r = admin.post(
        "/api/sources",
        json={"name": "Evil", "group": "wire", "feed": feed},
        headers={"X-Admin-Token": TOKEN},
    )
    assert r.status_code == 400, feed
    assert "feed refused" in r.json()["error"]


def test_allow_private_lets_loopback_feeds_in(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    own = build_db(tmp_path_factory.mktemp("private") / "p.db")
    with TestClient(create_app(own, admin_token=TOKEN, allow_private=True)) as c:
        r = c.post(
            "/api/sources",
            json={"name": "Local", "group": "wire", "feed": "http://127.0.0.1:9/rss"},
            headers={"X-Admin-Token": TOKEN},
        )
        assert r.status_code == 201
    with Store(own.db) as store:
        assert any(s.name == "Local" for s in store.sources.all())


def test_safe_href() -> None:
    assert safe_href("https://example.com/a?b=1") == "https://example.com/a?b=1"
    for bad in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>",
        "vbscript:x",
        "//evil.example",
        "/relative",
        "http://",
        "",
        None,
        "https://exa\nmple.com",
    ):
        assert safe_href(bad) is None, bad


def test_token_and_addresses() -> None:
    assert token_matches("abc", "abc") and not token_matches("abc", "abd")
    assert (
        not token_matches(None, "x")
        and not token_matches("abc", None)
        and not token_matches("", "")
    )
    assert is_public_address("93.184.216.34")
    for a in (
        "127.0.0.1",
        "10.1.1.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.1.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "fc00::1",
        "not-an-ip",
    ):
        assert not is_public_address(a), a
    assert feed_url_problem("http://127.0.0.1/x", allow_private=True) is None
    assert feed_url_problem("http://127.0.0.1/x", allow_private=False) is not None


def test_errors_are_clean(client: TestClient) -> None:
    r = client.get("/api/pressure", params={"from": "2025-04-06", "to": "2025-03-01"})
    assert r.status_code == 400 and set(r.json()) == {"error", "status"}
    page = client.get("/weeks/2025-W99")
    assert page.status_code == 404 and "Traceback" not in page.text
    assert 'id="error-message"' in page.text


def test_host_header_limited_when_asked(settings: Settings) -> None:
    app = create_app(settings, allowed_hosts=("127.0.0.1", "localhost"))
    with TestClient(app, base_url="http://rebound.example") as c:
        assert c.get("/api/sources").status_code == 400
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/sources").status_code == 200


def test_serve_verb_runs_the_app_with_the_env_token(settings: Settings) -> None:
    """`belowthefold serve` end to end: loopback, token from BELOWTHEFOLD_ADMIN_TOKEN, Host check."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BELOWTHEFOLD_ADMIN_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "belowthefold",
            "--db",
            str(settings.db),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(base + "/api/sources", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["admin"] is True
        rebound = httpx.get(base + "/api/sources", headers={"Host": "evil.example"}, timeout=5)
        assert rebound.status_code == 400
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)  # reads and closes both pipes
    log = err.decode("utf-8", "replace")
    # the request log is on by default, one timestamped line per request (datasette's habit)
    assert re.search(
        r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* 127\.0\.0\.1:\d+ "GET /api/sources', log
    ), log
