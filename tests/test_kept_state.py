"""A later import goes on from the last run's kept clusterer state: the same as one single pass.

`update_stories` keeps the clusterer's and deduper's final state with the run's last batch
(`StoryRepo.kept_state`); the next run with only newer articles restores it instead of
re-warming from the last two weeks of the archive. These tests compare increments with a single
pass over the same articles, and check the cases where the state must not be used.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.models import Article
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.store.checkpoint import fingerprint, load_state
from belowthefold.store.core_tx import transaction

pytestmark = pytest.mark.both_backends

START = datetime(2025, 4, 1, tzinfo=UTC)


def _articles(n: int, offset_days: float = 0.0) -> list[Article]:
    """Titles from overlapping topic vocabularies (the clusterer makes real choices), with
    repeated titles among them (the deduper links pickups)."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(500)]
    topics = [rng.sample(words, 8) for _ in range(60)]
    out: list[Article] = []
    for i in range(n):
        topic = topics[min(int(rng.expovariate(0.08)), 59)]
        title = " ".join(rng.sample(topic, 4) + rng.sample(words, 2))
        if i % 17 == 0 and out:
            title = out[-1].title  # a pickup of the previous report
        when = START + timedelta(days=offset_days, minutes=25 * i + rng.randrange(3))
        out.append(
            Article(id=f"a{i}-{offset_days}", title=title, published=when, outlet=f"o{i % 9}")
        )
    return out


def _settings(db: Path) -> Settings:
    s = Settings(db=db)
    return replace(
        s,
        cluster=replace(s.cluster, representation="tfidf"),
        imports=replace(s.imports, batch_size=150),
    )


def _import(store: Store, articles: list[Article]) -> None:
    store.articles.insert_batch(articles, SourceIndex.build([]).resolve, 0)


def _clustering(store: Store) -> tuple[list[tuple[object, ...]], ...]:
    return tuple(
        [tuple(r) for r in store.conn.execute(sql).fetchall()]
        for sql in (
            "SELECT article_id, story_id, storyline_id, similarity FROM assignments ORDER BY 1",
            "SELECT id, storyline_id, articles, merged_into FROM stories ORDER BY id",
            "SELECT id, merged_into, stories FROM storylines ORDER BY id",
            "SELECT article_id, original_id FROM duplicates ORDER BY article_id",
        )
    )


def test_increments_from_the_kept_state_equal_a_single_pass(
    new_db: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = _articles(
        1500
    )  # ~26 days: longer than the storyline window, so warming would lose state
    parts = [articles[:600], articles[600:1100], articles[1100:1101], articles[1101:]]
    with Store(new_db("single")) as single:
        _import(single, articles)
        pipeline.update_stories(single, _settings(single.path))
        expected = _clustering(single)
    with Store(new_db("steps")) as steps:
        settings = _settings(steps.path)
        for i, part in enumerate(parts):
            _import(steps, part)
            if i:  # every run after the first goes on from the kept state, never re-warms
                assert steps.stories.kept_state() is not None
                with monkeypatch.context() as m:
                    m.setattr(steps.stories, "recent", _refuse)
                    pipeline.update_stories(steps, settings)
            else:
                pipeline.update_stories(steps, settings)
        assert _clustering(steps) == expected


def _refuse(*_: object) -> list[object]:
    raise AssertionError("re-warmed from the store although a kept state was usable")


def test_a_backfill_or_a_changed_archive_warms_from_the_store(
    new_db: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(new_db("a")) as store:
        settings = _settings(store.path)
        _import(store, _articles(400))
        pipeline.update_stories(store, settings)
        assert store.stories.kept_state() is not None
        # Older articles than the state's newest: a single pass would have read them first.
        _import(store, _articles(50, offset_days=-3))
        warmed: list[tuple[datetime, datetime | None]] = []
        original = store.stories.recent

        def recent(since: datetime, until: datetime | None = None) -> list[object]:
            warmed.append((since, until))
            return list(original(since, until))

        with monkeypatch.context() as m:
            m.setattr(store.stories, "recent", recent)
            pipeline.update_stories(store, settings)
        assert warmed
        # The backfill ended before the archive's newest article: no state of its weeks is kept.
        assert store.stories.kept_state() is None
        _import(store, _articles(30, offset_days=20))
        pipeline.update_stories(store, settings)
        assert store.stories.kept_state() is not None
        # An assignment written since by anything else makes the kept state unusable.
        store.conn.execute(
            "DELETE FROM assignments WHERE rowid = (SELECT MAX(rowid) FROM assignments)"
        )
        assert store.stories.kept_state() is None


def test_a_process_goes_on_from_the_state_it_holds_in_memory(
    new_db: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`watch` keeps its clusterer between rounds: the rounds neither unpickle the kept state
    nor re-warm, and end as one single pass does."""
    articles = _articles(1500)
    parts = [articles[:600], articles[600:1100], articles[1100:1101], articles[1101:]]
    with Store(new_db("single")) as single:
        _import(single, articles)
        pipeline.update_stories(single, _settings(single.path))
        expected = _clustering(single)
    memory = pipeline.ClusterMemory()
    with Store(new_db("rounds")) as rounds:
        settings = _settings(rounds.path)
        held: list[object] = []
        for i, part in enumerate(parts):
            _import(rounds, part)
            with monkeypatch.context() as m:
                if i:
                    m.setattr(rounds.stories, "recent", _refuse)
                    m.setattr(rounds.stories, "kept_state", _refuse)
                assert pipeline.cluster_if_free(rounds, settings, memory).clustered == len(part)
            assert memory.state is not None
            held.append(memory.state[0])
        assert all(c is held[0] for c in held)  # one clusterer all along
        assert _clustering(rounds) == expected


def test_memory_is_set_aside_once_another_process_clustered_or_for_a_backfill(
    new_db: Callable[[str], str],
) -> None:
    articles = _articles(900)
    with Store(new_db("single")) as single:
        _import(single, articles)
        pipeline.update_stories(single, _settings(single.path))
        expected = _clustering(single)
    memory = pipeline.ClusterMemory()
    db = new_db("shared")
    with Store(db) as mine, Store(db) as other:
        settings = _settings(mine.path)
        _import(mine, articles[:400])
        pipeline.update_stories(mine, settings, memory=memory)
        first = memory.state
        assert first is not None
        # Another process clusters the next part: the state in memory is behind the store's.
        _import(other, articles[400:700])
        pipeline.update_stories(other, settings)
        _import(mine, articles[700:])
        pipeline.update_stories(mine, settings, memory=memory)
        assert memory.state is not None and memory.state[0] is not first[0]
        assert _clustering(mine) == expected
        # Older articles than the state's newest: warmed from the store, memory forgotten.
        _import(mine, _articles(20, offset_days=-3))
        pipeline.update_stories(mine, settings, memory=memory)
        assert memory.state is None and mine.articles.count_unassigned() == 0


def test_a_state_kept_by_the_previous_format_is_rebuilt_not_used(
    new_db: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state pickled before its classes gained attributes (the Chinese fold, the day's
    claims) failed every later import with AttributeError; its format says so, and a state of
    another format warms from the store instead."""
    articles = _articles(900)
    with Store(new_db("old")) as store:
        settings = _settings(store.path)
        _import(store, articles[:500])
        pipeline.update_stories(store, settings)
        found = store.stories.kept_state()
        assert found is not None
        print_ = fingerprint(settings.cluster, settings.dedup)
        state = load_state(found[0], print_)
        assert state is not None
        clusterer, deduper = state
        del clusterer.tfidf.fold  # as the version before them pickled it
        del clusterer._day_claims, clusterer._shown
        body = pickle.dumps((clusterer, deduper), protocol=5)
        with transaction(store.conn):
            store.stories._put_bytes(
                "cluster_state", b"btf-cluster-state-1\n" + print_.encode() + b"\n" + body
            )
        _import(store, articles[500:])
        warmed: list[object] = []
        original = store.stories.recent

        def recent(since: datetime, until: datetime | None = None) -> list[object]:
            warmed.append(since)
            return list(original(since, until))

        with monkeypatch.context() as m:
            m.setattr(store.stories, "recent", recent)
            assert pipeline.update_stories(store, settings) == 400
        assert warmed and store.articles.count_unassigned() == 0
