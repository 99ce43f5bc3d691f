"""Derived aggregates (per-day pressure, the coverage model's archive weeks) equal a recomputation.

They are kept in the store by data stamp (`belowthefold.aggregates`); a write to a day raises
its stamp through triggers, whatever code path writes. Each test compares with the direct
computation from the placed articles, before and after the kinds of writes that change a day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from belowthefold import aggregates, pipeline
from belowthefold.attention import daily_pressure
from belowthefold.brief import build_brief
from belowthefold.brief.entities import pattern_entities
from belowthefold.config import Settings
from belowthefold.models import Article, Assignment, PlacedArticle, PressurePoint
from belowthefold.rank.model import fit_coverage_model
from belowthefold.store import Store
from gold_week import clustered_gold_week

pytestmark = pytest.mark.both_backends

WEEK = pipeline.parse_window("2025-W23")
NOW = datetime(2025, 6, 9, 6, 0, tzinfo=UTC)
DAYS = [WEEK.start - timedelta(days=28) + timedelta(days=i) for i in range(35)]


@pytest.fixture
def built(db_target: Path | str) -> Iterator[tuple[Store, Settings]]:
    with clustered_gold_week(db_target) as made:
        yield made


def _direct(
    store: Store, days: Sequence[date], groups: list[str] | None = None
) -> list[PressurePoint]:
    lo = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return daily_pressure(store.articles.placed(lo, hi), days, groups)


def _no_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("read articles although the aggregate was fresh")

    monkeypatch.setattr(store.articles, "placed", refuse)


def test_pressure_from_the_aggregate_equals_the_recomputation(
    built: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = built
    direct = _direct(store, DAYS)
    assert {p.group for p in direct} >= {"mainstream", "wire"} and any(p.value for p in direct)
    assert aggregates.pressure(store, DAYS) == direct
    assert aggregates.pressure(store, DAYS, ["wire"]) == _direct(store, DAYS, ["wire"])
    with monkeypatch.context() as m:
        _no_reads(store, m)
        assert aggregates.pressure(store, DAYS) == direct  # the second reading is stored values


def test_every_kind_of_write_makes_its_day_stale(
    built: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = built
    aggregates.pressure(store, DAYS)
    day = WEEK.start + timedelta(days=2)
    versions = store.derived.day_versions(day, day)
    placed = _day_articles(store, day)
    # A storyline merge moves a day's articles into another storyline (an UPDATE of assignments).
    a, b = placed[0], next(x for x in placed if x.storyline_id != placed[0].storyline_id)
    assert a.storyline_id and b.storyline_id
    store.stories.save([], merges=[(b.storyline_id, a.storyline_id)])
    assert store.derived.day_versions(day, day) != versions
    assert aggregates.pressure(store, DAYS) == _direct(store, DAYS)
    # A regrouping (an UPDATE of articles) changes whole days of several groups.
    store.articles.regroup(lambda art: (None, "wire" if art.title < "M" else "other"))
    assert aggregates.pressure(store, DAYS) == _direct(store, DAYS)
    # A new article, then its assignment and its pickup link, each raise the day's version.
    new = Article(
        id="late-1",
        title=b.title,
        published=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9),
        outlet="Late Post",
        group="mainstream",
    )
    before = store.derived.day_versions(day, day)[day]
    store.articles.insert_batch([new], lambda art: (None, "mainstream"), 0)
    after_insert = store.derived.day_versions(day, day)[day]
    pipeline.update_stories(store, settings)
    after_assign = store.derived.day_versions(day, day)[day]
    assert before < after_insert < after_assign
    assert aggregates.pressure(store, DAYS) == _direct(store, DAYS)
    direct = _direct(store, DAYS)
    with monkeypatch.context() as m:
        _no_reads(store, m)
        assert aggregates.pressure(store, DAYS) == direct


def _day_articles(store: Store, day: date) -> list[PlacedArticle]:
    lo = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return store.articles.placed(lo, lo + timedelta(days=1))


def test_a_brief_from_the_aggregates_equals_one_from_the_weeks_articles(
    built: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = built
    inputs = pipeline.brief_inputs(store, settings, WEEK, "mainstream", "wire", NOW)
    lo = datetime.combine(WEEK.start - timedelta(weeks=4), datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(WEEK.start, datetime.min.time(), tzinfo=UTC)
    plain = replace(
        inputs, archive={}, context_pressure={}, context=tuple(store.articles.placed(lo, hi))
    )
    assert fit_coverage_model(plain, settings.rank).archive_rows > 0  # the archive is in play
    names = pattern_entities()
    expected = build_brief(plain, settings.rank, names)
    assert build_brief(inputs, settings.rank, names) == expected
    with monkeypatch.context() as m:  # read again: the weeks before come from the store alone
        calls: list[tuple[datetime, datetime]] = []
        original = store.articles.placed

        def counted(start: datetime, end: datetime) -> list[PlacedArticle]:
            calls.append((start, end))
            return original(start, end)

        m.setattr(store.articles, "placed", counted)
        again = pipeline.brief_inputs(store, settings, WEEK, "mainstream", "wire", NOW)
        assert calls == [pipeline.window_bounds(WEEK)]
    assert build_brief(again, settings.rank, names) == expected


def test_another_rank_setting_is_not_read_from_a_value_made_under_the_old_one(
    built: tuple[Store, Settings],
) -> None:
    store, settings = built
    one = aggregates.archive_weeks(store, WEEK, "mainstream", settings.rank, 4)
    strict = replace(settings.rank, match_similarity=0.99)
    two = aggregates.archive_weeks(store, WEEK, "mainstream", strict, 4)
    store.derived.clear()
    assert aggregates.archive_weeks(store, WEEK, "mainstream", strict, 4) == two
    assert one != two


def test_clear_loses_nothing(built: tuple[Store, Settings]) -> None:
    store, _ = built
    first = aggregates.pressure(store, DAYS)
    assert store.derived.clear() > 0
    assert aggregates.pressure(store, DAYS) == first


def test_assignment_rows_written_directly_raise_the_stamp(built: tuple[Store, Settings]) -> None:
    store, _ = built
    day = WEEK.start
    a = _day_articles(store, day)[0]
    before = store.derived.span_stamp(day, day)
    article = Article(id=a.id, title=a.title, published=a.published)
    store.stories.save([(article, Assignment(a.id, "s-new", "l-new", 1.0))])
    assert store.derived.span_stamp(day, day) != before


def test_a_regrouping_move_or_fold_on_an_old_day_is_never_served_stale(
    built: tuple[Store, Settings],
) -> None:
    """The daily regrouping moves stories between storylines and folds storylines, days after
    their articles came: the weeks before a brief and their pressure points must follow."""
    store, settings = built
    rank = settings.rank
    weeks = aggregates.archive_weeks(store, WEEK, "mainstream", rank, 4)
    days = aggregates.context_days(WEEK, 4)
    points = aggregates.pressure(store, days, ["mainstream"])
    old = WEEK.start - timedelta(days=9)  # in the second week before the brief
    own = [a for a in _day_articles(store, old) if a.group == "mainstream" and a.story_id]
    stories = sorted({a.story_id for a in own if a.story_id})
    assert len(stories) >= 4
    # A regrouping puts the day's stories in one storyline (moves), then folds another in.
    target = "sl-regrouped"
    store.stories.save([], moves=[(s, target) for s in stories])
    other = next(
        a.storyline_id
        for a in _day_articles(store, old - timedelta(days=1))
        if a.storyline_id and a.storyline_id != target
    )
    store.stories.save([], merges=[(other, target)])
    moved_weeks = aggregates.archive_weeks(store, WEEK, "mainstream", rank, 4)
    moved_points = aggregates.pressure(store, days, ["mainstream"])
    assert moved_points != points and moved_weeks != weeks  # the writes changed what they hold
    store.derived.clear()
    assert aggregates.archive_weeks(store, WEEK, "mainstream", rank, 4) == moved_weeks
    assert aggregates.pressure(store, days, ["mainstream"]) == moved_points
    assert moved_points == _direct(store, days, ["mainstream"])
