"""A kept brief (belowthefold/kept.py) is served only while everything it was computed from stands.

Each test builds the brief directly (`brief_inputs` + `build_brief`) and compares it with what
`make_brief` gives, after the kinds of change that must make a kept brief stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from belowthefold import kept, pipeline
from belowthefold.brief import build_brief
from belowthefold.config import Settings
from belowthefold.models import Brief
from belowthefold.store import Store
from gold_week import clustered_gold_week

WEEK = pipeline.parse_window("2025-W23")
NOW = datetime(2025, 6, 9, 6, 0, tzinfo=UTC)


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    with clustered_gold_week(tmp_path / "w23.db") as made:
        yield made


def _direct(store: Store, settings: Settings, versus: str | None = None) -> Brief:
    inputs = pipeline.brief_inputs(store, settings, WEEK, "mainstream", versus, NOW)
    return build_brief(inputs, settings.rank)


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> Brief:
        raise AssertionError("ranked the window again although the kept brief was fresh")

    monkeypatch.setattr("belowthefold.brief.build.build_brief", refuse)


def test_a_second_brief_is_read_back_equal(
    built: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = built
    first = pipeline.make_brief(store, settings, WEEK, "mainstream", now=NOW)
    assert first == _direct(store, settings) and first.missed
    later = NOW + timedelta(hours=1)
    with monkeypatch.context() as m:
        _no_build(m)
        again = pipeline.make_brief(store, settings, WEEK, "mainstream", now=later)
    assert again == replace(first, generated_at=later)


def test_a_change_to_the_window_the_weeks_before_or_the_options_is_ranked_again(
    built: tuple[Store, Settings],
) -> None:
    store, settings = built
    pipeline.make_brief(store, settings, WEEK, "mainstream", now=NOW)
    # A storyline fold in the window (the daily regrouping's write).
    lo = datetime.combine(WEEK.start, datetime.min.time(), tzinfo=UTC)
    day = store.articles.placed(lo, lo + timedelta(days=1))
    a = next(x for x in day if x.group == "mainstream" and x.storyline_id)
    b = next(x for x in day if x.storyline_id and x.storyline_id != a.storyline_id)
    assert a.storyline_id and b.storyline_id
    store.stories.save([], merges=[(b.storyline_id, a.storyline_id)])
    assert pipeline.make_brief(store, settings, WEEK, "mainstream", now=NOW) == _direct(
        store, settings
    )
    # A regrouping of the weeks before (their articles change group).
    stamp = kept.stamp_of(store, settings, WEEK, "mainstream", None, pipeline.CONTEXT_WEEKS)
    store.articles.regroup(lambda art: (None, "wire" if art.title < "M" else "mainstream"))
    assert kept.stamp_of(store, settings, WEEK, "mainstream", None, 4) != stamp
    assert pipeline.make_brief(store, settings, WEEK, "mainstream", now=NOW) == _direct(
        store, settings
    )
    # Another ranking option, another audience to compare with.
    strict = replace(settings, rank=replace(settings.rank, top_n=2))
    brief = pipeline.make_brief(store, strict, WEEK, "mainstream", now=NOW)
    assert len(brief.missed) <= 2 and brief == _direct(store, strict)
    versus = pipeline.make_brief(store, settings, WEEK, "mainstream", "wire", now=NOW)
    assert versus == _direct(store, settings, "wire")


def test_the_missed_history_of_the_weeks_before_is_in_the_stamp(
    built: tuple[Store, Settings],
) -> None:
    store, settings = built
    earlier = pipeline.parse_window("2025-W22")
    before = kept.stamp_of(store, settings, WEEK, "mainstream", None, pipeline.CONTEXT_WEEKS)
    pipeline.make_brief(store, settings, earlier, "mainstream", now=NOW, record=True)
    after = kept.stamp_of(store, settings, WEEK, "mainstream", None, pipeline.CONTEXT_WEEKS)
    assert store.briefs.history("mainstream", WEEK) and after != before


class _Payload:
    """What a hostile writer of the store could leave: a pickle that runs code when loaded."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("touch PWNED",))


def test_a_kept_brief_that_is_not_only_models_is_never_loaded_and_the_brief_is_rebuilt(
    built: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64
    import pickle

    store, settings = built
    first = pipeline.make_brief(store, settings, WEEK, "mainstream", now=NOW)
    stamp = kept.stamp_of(store, settings, WEEK, "mainstream", None, pipeline.CONTEXT_WEEKS)
    key = kept.key_of(WEEK, "mainstream", None)
    poison = base64.b64encode(pickle.dumps(_Payload())).decode()
    store.derived.put(kept.KIND, {key: (stamp, poison)})
    monkeypatch.chdir(tmp_path)
    assert kept.read(store, WEEK, "mainstream", None, stamp) is None
    assert not (tmp_path / "PWNED").exists()
    assert pipeline.make_brief(store, settings, WEEK, "mainstream", now=NOW) == first
