"""Attention: top-three pressure, concentration, story coverage and dominant storylines."""

from __future__ import annotations

import math

import pytest

from _placed import WEEK, Builder, tariff_week
from belowthefold.attention import (
    concentration,
    daily_pressure,
    dominant_storylines,
    story_coverage,
)
from belowthefold.config import RankOptions


def _day_with_storylines(
    b: Builder, sizes: list[int], day: int = 2, group: str = "mainstream"
) -> None:
    for i, size in enumerate(sizes):
        for k in range(size):
            b.add(f"line {i} item {k}", day, f"Outlet {k}", group, f"s{i}-{k}", f"line-{i}")


def test_pressure_is_the_top_three_storyline_share() -> None:
    b = Builder()
    _day_with_storylines(b, [5, 3, 2, 1, 1])
    points = daily_pressure(b.articles, WEEK.days(), ["mainstream"])
    busy = next(p for p in points if p.articles)
    assert busy.value == pytest.approx(10 / 12)
    assert busy.articles == 12 and busy.attention == pytest.approx(12.0)
    assert busy.top_storylines == ("line-0", "line-1", "line-2")


def test_days_without_articles_get_zero_not_a_gap() -> None:
    b = Builder()
    _day_with_storylines(b, [2, 1])
    points = daily_pressure(b.articles, WEEK.days(), ["mainstream", "foreign"])
    assert len(points) == 2 * 7
    empty = [p for p in points if p.articles == 0]
    assert len(empty) == 13 and all(p.value == 0 for p in empty)


def test_weights_count_as_attention() -> None:
    """Hours on a front page, not article counts, decide the share when the input knows them."""
    b = Builder()
    b.add("big", 1, "BBC", "mainstream", "s1", weight=9.0)
    for i in range(4):
        b.add(f"small {i}", 1, "BBC", "mainstream", f"t{i}", weight=0.25)
    (point,) = [p for p in daily_pressure(b.articles, WEEK.days()) if p.articles]
    assert point.value == pytest.approx((9.0 + 0.5) / 10.0)


def test_unclustered_articles_are_their_own_storylines() -> None:
    b = Builder()
    for i in range(6):
        b.add(f"item {i}", 3, "BBC", "mainstream", None)
    (point,) = [p for p in daily_pressure(b.articles, WEEK.days()) if p.articles]
    assert point.value == pytest.approx(0.5)
    assert point.concentration == pytest.approx(0.0)


def test_concentration_bounds() -> None:
    assert concentration([1.0]) == 1.0
    assert concentration([0.25] * 4) == pytest.approx(0.0)
    skewed = concentration([0.9, 0.05, 0.05])
    assert 0.0 < skewed < 1.0
    expected = 1 - (-(0.9 * math.log(0.9) + 2 * 0.05 * math.log(0.05)) / math.log(3))
    assert skewed == pytest.approx(expected)
    assert concentration([]) == 0.0


def test_story_coverage_counts_outlets_groups_and_pickups() -> None:
    b = Builder()
    first = b.add("Quake hits", 2, "Reuters", "wire", "quake")
    b.add("Quake hits", 2, "Yahoo", "other", "quake", original=first.id)
    b.add("Quake hits", 3, "Al Jazeera", "foreign", "quake")
    b.add("Quake hits again", 3, "Al Jazeera", "foreign", "quake")
    (cov,) = story_coverage(b.articles)
    assert cov.outlets == 3 and cov.groups == 3
    assert cov.pickups == 1 and cov.originals == 3
    assert cov.by_group["foreign"].articles == 2 and cov.by_group["foreign"].outlets == 1
    assert len(cov.days) == 2
    assert cov.headline == "Quake hits"


def test_headline_prefers_the_original_over_an_earlier_pickup() -> None:
    b = Builder()
    orig = b.add("Original report", 2, "Reuters", "wire", "s", hour=10)
    b.add("Rewritten pickup", 2, "Yahoo", "other", "s", original=orig.id, hour=8)
    assert story_coverage(b.articles)[0].headline == "Original report"


def test_dominant_storylines_see_the_flood_whole() -> None:
    """Eighteen tariff stories, one storyline: it dominates even though no single story does."""
    b = Builder()
    tariff_week(b)
    b.add("Quake hits", 2, "Reuters", "wire", "quake")
    dominant = dominant_storylines(b.articles, "mainstream", RankOptions())
    assert [d.storyline_id for d in dominant] == ["tariffs"]
    assert dominant[0].share == pytest.approx(0.75)
    assert dominant[0].peak_day is not None and dominant[0].peak_share == pytest.approx(0.75)
    assert all(a.group == "mainstream" for a in dominant[0].articles)


def test_a_single_article_never_dominates() -> None:
    b = Builder()
    b.add("Lone story", 2, "BBC", "mainstream", "lone")
    assert dominant_storylines(b.articles, "mainstream", RankOptions()) == []
    assert dominant_storylines(b.articles, "nobody", RankOptions()) == []


def test_story_coverage_beyond_a_group_keeps_only_stories_with_outside_articles() -> None:
    b = Builder()
    b.add("Quake hits", 2, "Reuters", "wire", "quake")
    b.add("Quake hits", 2, "BBC", "mainstream", "quake")
    b.add("Local fair opens", 2, "BBC", "mainstream", "fair")
    b.add("Local fair opens", 3, "CNN", "mainstream", "fair")
    b.add("Port strike", 3, "Al Jazeera", "foreign", "strike")
    every = story_coverage(b.articles, named=False)
    beyond = story_coverage(b.articles, named=False, beyond="mainstream")
    assert beyond == [s for s in every if any(g != "mainstream" for g in s.by_group)]
    assert {s.story_id for s in beyond} == {"quake", "strike"}
