"""End to end in real Chromium: the week page, its chart, story links, search, audience switch, XSS.

Needs Debian's chromium at /usr/bin/chromium and Playwright from PyPI (never `playwright install`);
skipped, saying which is missing, where either is absent. Screenshots of failures go to
test-artifacts/.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web_support import SCRIPT_PAYLOAD, WEEK, build_db, fixed_clock

from belowthefold.config import Settings
from belowthefold.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="playwright is not installed (pip install playwright; never `playwright install`)",
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, in a thread."""
    import uvicorn

    settings: Settings = build_db(tmp_path_factory.mktemp("browser") / "web.db")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, clock=fixed_clock), log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page that records dialogs and CSP/console errors, and a screenshot if the test fails."""
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.dialogs = []
    pg.console_errors = []

    def on_dialog(dialog: Any) -> None:
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    failed_before = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed_before:
        _screenshot(pg, request.node.name)
    context.close()


def _screenshot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with contextlib.suppress(Exception):
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _api_missed(base_url: str, audience: str) -> list[str]:
    body = httpx.get(f"{base_url}/api/weeks/{WEEK}/brief", params={"audience": audience}).json()
    return [m["story_id"] for m in body["missed"]]


def _page_missed(pg: Any) -> list[str]:
    return list(
        pg.eval_on_selector_all("#missed li.missed", "els => els.map(e => e.dataset.storyId)")
    )


def test_week_page_chart_and_missed_list_match_the_api(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    chart = page.locator("#pressure svg.line-chart")
    assert chart.count() == 1 and chart.is_visible()
    assert page.locator("#pressure svg circle.point").count() >= 7
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    missed = _page_missed(page)
    assert missed and missed == _api_missed(base_url, "mainstream")
    assert page.locator("#dominant li").count() >= 1
    assert not page.dialogs
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e]


def test_payload_titles_render_as_text(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    headlines = page.locator("#missed .story-link").all_text_contents()
    assert any(SCRIPT_PAYLOAD in h for h in headlines)
    assert page.locator("#missed script").count() == 0
    assert page.locator("main img").count() == 0
    page.locator("#missed details").first.click()
    page.goto(f"{base_url}/search?q=dam+collapse")
    assert page.locator("#results li").count() >= 3
    assert page.locator("main img, main svg[onload]").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_follow_a_story_link(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    first = page.locator("#missed .story-link").first
    headline = first.text_content()
    first.click()
    page.wait_for_url("**/stories/**")
    assert page.locator("#story-headline").text_content() == headline
    assert page.locator("#timeline svg.bar-chart rect.bar").count() >= 1
    assert page.locator("#articles li.article").count() >= 3
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h and h.strip().lower().startswith("javascript:")]
    assert page.dialogs == []


def test_search_from_the_header(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    page.fill("#search-q", "cholera delta")
    page.press("#search-q", "Enter")
    page.wait_for_url("**/search?q=cholera*")
    assert page.locator("#results li.result").count() >= 4
    assert page.locator("#results mark").count() >= 1
    page.locator("#results .story-link").first.click()
    page.wait_for_url("**/stories/**")
    assert "Cholera" in (page.locator("#story-headline").text_content() or "")


def test_switch_audience_and_move_between_weeks(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    page.select_option("#audience", "regional")  # app.js submits on change
    page.wait_for_url("**audience=regional*")
    assert _page_missed(page) == _api_missed(base_url, "regional")
    assert _page_missed(page) != _api_missed(base_url, "mainstream")
    page.click("#next-week")
    page.wait_for_url("**/weeks/2025-W15?audience=regional")
    assert "2025-W15" in (page.locator("#week-label").text_content() or "")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**/weeks/{WEEK}?audience=regional")
    assert page.dialogs == []
