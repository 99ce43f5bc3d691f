"""End to end in real Chromium: the week page, its chart, story links, search, audience switch, XSS.

Needs Debian's chromium at /usr/bin/chromium and Playwright from PyPI (never `playwright install`);
skipped, saying which is missing, where either is absent. Screenshots of failures go to
test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from belowthefold.config import Settings
from browser_support import BROWSER_MARKS, browser, page, serve
from web_support import SCRIPT_PAYLOAD, WEEK, build_db, fixed_clock

__all__ = ["browser", "page"]  # fixtures shared from browser_support

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings: Settings = build_db(tmp_path_factory.mktemp("browser") / "web.db")
    with serve(settings, fixed_clock) as url:
        yield url


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
