"""In real Chromium: the app opens on the latest week with data, gaps are drawn as gaps, a group
has one colour on every page, storyline pages, and export downloads that parse.

The server's clock is months after the fixture's data, as on a user's machine with last
year's imports, so the landing test can fail.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from belowthefold.config import Settings
from browser_support import BROWSER_MARKS, browser, page, serve
from web_support import WEEK, build_db, stories_of_storyline

__all__ = ["browser", "page"]  # fixtures shared from browser_support

pytestmark = BROWSER_MARKS
LATER = datetime(2026, 1, 7, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_db(tmp_path_factory.mktemp("browser-views") / "web.db")


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with serve(settings, lambda: LATER) as url:
        yield url


def test_landing_opens_on_the_latest_week_with_articles(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/")
    assert (page.locator("#week-label").text_content() or "").startswith(WEEK)
    assert page.locator(".note.empty").count() == 0
    assert page.locator("#missed li.missed").count() >= 2
    assert page.locator("#week-select").input_value() == WEEK
    page.select_option("#week-select", "2025-W13")  # app.js submits on change
    page.wait_for_url("**/weeks/2025-W13?audience=mainstream")
    assert (page.locator("#week-label").text_content() or "").startswith("2025-W13")


_SERIES = """svg => [...svg.querySelectorAll('polyline.series')].map(l => ({
    group: l.dataset.group, days: l.dataset.days.split(' '), stroke: l.getAttribute('stroke')}))"""
_POINTS = """svg => [...svg.querySelectorAll('circle.point')].map(c => ({
    group: c.dataset.group, day: c.dataset.day,
    x: c.getBoundingClientRect().x + c.getBoundingClientRect().width / 2}))"""


def test_gaps_are_drawn_as_gaps(page: Any, base_url: str) -> None:
    """Regional outlets published on Wednesday and Thursday only; specialists on alternate days."""
    page.goto(f"{base_url}/weeks/{WEEK}")
    svg = page.locator("#pressure svg.line-chart")
    series, points = svg.evaluate(_SERIES), svg.evaluate(_POINTS)
    regional = [s["days"] for s in series if s["group"] == "regional"]
    assert regional == [["2025-04-02", "2025-04-03"]]
    assert sorted(p["day"] for p in points if p["group"] == "regional") == regional[0]
    specialist = sorted(p["day"] for p in points if p["group"] == "specialist")
    assert specialist == ["2025-04-02", "2025-04-04", "2025-04-06"]
    assert not [s for s in series if s["group"] == "specialist"]  # no line bridges a gap
    mainstream = [s["days"] for s in series if s["group"] == "mainstream"]
    assert len(mainstream) == 1 and len(mainstream[0]) == 7
    # The line runs from its first point's centre to its last: nothing runs on to a zero.
    line_box = page.locator('#pressure polyline[data-group="regional"]').bounding_box()
    xs = [p["x"] for p in points if p["group"] == "regional"]
    assert abs(line_box["x"] - min(xs)) < 3 and abs(line_box["x"] + line_box["width"] - max(xs)) < 3
    assert "group-days without data" in (page.locator("#pressure .explain").text_content() or "")


def test_legend_is_below_the_plot_and_not_cut(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    plot = page.locator("#pressure rect.plot-area").bounding_box()
    chart = page.locator("#pressure svg.line-chart").bounding_box()
    items = page.locator("#pressure .legend-item")
    assert items.count() == 4
    for i in range(items.count()):
        box = items.nth(i).bounding_box()
        assert box["y"] >= plot["y"] + plot["height"]  # under the plot: it covers no line
        assert box["x"] + box["width"] <= chart["x"] + chart["width"] + 0.5
    names = page.locator("#pressure .legend-item text").all_text_contents()
    assert sorted(names) == ["mainstream", "regional", "specialist", "wire"]


def _week_colours(page: Any) -> dict[str, str]:
    """Each group's colour in the week chart's legend; every line and solid point agrees."""
    legend, drawn = page.locator("#pressure svg").evaluate(
        """svg => [
            [...svg.querySelectorAll('.legend-item')].map(g =>
                [g.dataset.group, getComputedStyle(g.querySelector('rect')).fill]),
            [...svg.querySelectorAll('polyline.series')].map(e =>
                [e.dataset.group, getComputedStyle(e).stroke]).concat(
            [...svg.querySelectorAll('circle.point:not(.weak)')].map(e =>
                [e.dataset.group, getComputedStyle(e).fill]))]"""
    )
    colours = dict(legend)
    assert drawn and all(colours[g] == c for g, c in drawn)
    return colours


def _bar_colours(page: Any) -> dict[str, str]:
    return dict(
        page.locator("#timeline svg").evaluate(
            """svg => [...svg.querySelectorAll('rect.bar')]
                .map(e => [e.dataset.group, getComputedStyle(e).fill])"""
        )
    )


def test_a_group_has_the_same_colour_on_every_page(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    week = _week_colours(page)
    assert len(set(week.values())) == len(week) == 4  # one colour per group, all different
    bars = page.locator("#missed").evaluate(
        """el => [...el.querySelectorAll('svg.coverage-bar rect.segment')]
            .map(e => [e.dataset.group, getComputedStyle(e).fill])"""
    )
    assert len(bars) >= 4 and all(week[g] == c for g, c in bars)
    page.locator("#missed .story-link").first.click()
    page.wait_for_url("**/stories/**")
    story = _bar_colours(page)
    assert len(story) >= 2 and {g: week[g] for g in story} == story
    page.click("#storyline-link")
    page.wait_for_url("**/storylines/**")
    line = _bar_colours(page)
    assert line and {g: week[g] for g in line} == line


def test_storyline_page_from_the_dominant_list(
    page: Any, base_url: str, settings: Settings
) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    item = page.locator("#dominant li").first
    storyline = item.get_attribute("data-storyline-id")
    item.locator("a.storyline-link").click()
    page.wait_for_url(f"**/storylines/{storyline}?week=*")
    # Named by the one naming rule over the storyline's items in the brief's week (the link
    # carries it; stories.naming): a headline of the saga, here the tariff war.
    headline = page.locator("#storyline-headline").text_content() or ""
    assert "tariff" in headline.lower(), headline
    # Every story the store files under the storyline, once (the fixture's tariff flood repeats
    # one lead for two weeks, so since the late tier it is one story: docs/clustering.md).
    rows = page.locator("#stories tr.story-row").evaluate_all(
        "rows => rows.map(r => r.dataset.storyId)"
    )
    stored = stories_of_storyline(settings, storyline)
    assert rows and len(rows) == len(set(rows)) and set(rows) == stored
    assert page.locator("#timeline svg.bar-chart rect.bar").count() >= 7
    page.locator("#stories .story-link").first.click()
    page.wait_for_url("**/stories/**")
    assert "tariff" in (page.locator("#story-headline").text_content() or "").lower()


def _download(page: Any, selector: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_export_downloads_parse_and_match_the_page(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    shown = page.eval_on_selector_all("#missed li.missed", "els => els.map(e => e.dataset.storyId)")
    name, text = _download(page, 'a.export[data-kind="missed"][data-format="csv"]')
    assert name.endswith("-missed.csv")
    assert [r["story_id"] for r in csv.DictReader(io.StringIO(text))] == shown
    name, text = _download(page, 'a.export[data-kind="missed"][data-format="json"]')
    assert [r["story_id"] for r in json.loads(text)["rows"]] == shown
    _, text = _download(page, 'a.export[data-kind="pressure"][data-format="csv"]')
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 28 and sum(1 for r in rows if r["value"] == "") == 9
    _, text = _download(page, 'a.export[data-kind="stories"][data-format="json"]')
    assert sum(r["articles"] for r in json.loads(text)["rows"]) == 96


def test_brief_page_keeps_the_navigation_and_sources_take_a_week(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/weeks/{WEEK}")
    page.click("#brief-html")
    page.wait_for_url("**/brief?**")
    assert page.locator("header.top nav a").count() >= 4
    page.click('header.top nav a[href="/sources"]')
    page.wait_for_url("**/sources")
    page.select_option("#sources-week", "2025-W13")
    page.wait_for_url("**/sources?week=2025-W13**")
    assert "24 Mar – 30 Mar 2025" in (page.locator("#sources-span").text_content() or "")
    assert not page.console_errors


def test_search_filters_by_group(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/search?q=dam+collapse")
    everything = page.locator("#results li.result").count()
    page.select_option("#filter-group", "wire")
    page.click("#search-filters button[type=submit]")
    page.wait_for_url("**group=wire**")
    groups = page.locator("#results li.result .meta").all_text_contents()
    assert groups and all(" · wire · " in g for g in groups)
    assert len(groups) < everything
