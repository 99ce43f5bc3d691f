"""The dated probe proxy (evaluate/proxy.py): undated labelled stories made into a dated stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from belowthefold.evaluate.clustering import GoldArticle
from belowthefold.evaluate.proxy import ProxyOptions, chain_order, dated
from belowthefold.models import Article

T0 = datetime(2021, 1, 1, tzinfo=UTC)


def _gold(stories: int, per_story: int = 3) -> tuple[list[GoldArticle], np.ndarray]:
    """`stories` undated stories (one second apart, as read_probe_gold dates them); story k's
    vectors point along axis k % 4, so stories k and k + 4 are topical neighbours."""
    gold: list[GoldArticle] = []
    vecs: list[np.ndarray] = []
    for k in range(stories):
        for j in range(per_story):
            i = len(gold)
            art = Article(id=f"s{k}-{j}", title=f"t{k} {j}", published=T0 + timedelta(seconds=i))
            gold.append(GoldArticle(art, f"s{k}"))
            v = np.zeros(4)
            v[k % 4] = 1.0
            vecs.append(v)
    return gold, np.array(vecs)


def test_every_story_once_in_the_chain_and_neighbours_by_topic() -> None:
    gold, vecs = _gold(8)
    order = chain_order(gold, vecs, ProxyOptions(chain_k=20))
    assert sorted(order) == sorted({g.story for g in gold})
    # With every unvisited story in view, the next story shares the current one's axis when any is left.
    axis = {f"s{k}": k % 4 for k in range(8)}
    assert axis[order[0]] == axis[order[1]]


def test_stories_get_days_by_their_chain_place_and_reports_follow_the_first() -> None:
    gold, vecs = _gold(9)
    o = ProxyOptions(per_day=3, spread_days=1.0)
    out, out_vecs = dated(gold, vecs, o)
    order = chain_order(gold, vecs, o)
    assert len(out) == len(gold) and out_vecs.shape == vecs.shape
    assert [g.article.published for g in out] == sorted(g.article.published for g in out)
    for place, story in enumerate(order):
        times = sorted(g.article.published for g in out if g.story == story)
        first = times[0]
        assert (first - T0.replace(hour=0)).days == place // 3  # the story breaks on its day
        assert 6 <= first.hour < 18
        assert all(t > first for t in times[1:])  # the others follow after a delay
    # The vectors follow their articles.
    for g, v in zip(out, out_vecs, strict=True):
        assert v[int(g.story[1:]) % 4] == 1.0


def test_reports_spread_by_the_mean_delay() -> None:
    gold, vecs = _gold(300, per_story=4)

    def mean_delay(spread: float) -> float:
        out, _ = dated(gold, vecs, ProxyOptions(spread_days=spread))
        delays = []
        for s in {g.story for g in out}:
            t = sorted(g.article.published for g in out if g.story == s)
            delays += [(x - t[0]).total_seconds() / 86400 for x in t[1:]]
        return float(np.mean(delays))

    # The followers' delays after the first report are exponential with mean spread_days.
    assert 0.8 < mean_delay(1.0) < 1.2
    assert 1.6 < mean_delay(2.0) < 2.4
    same_day, _ = dated(gold, vecs, ProxyOptions(spread_days=0.0))
    for s in {g.story for g in same_day}:
        assert len({g.article.published for g in same_day if g.story == s}) == 1


def test_deterministic_for_a_seed() -> None:
    gold, vecs = _gold(12)
    a, _ = dated(gold, vecs, ProxyOptions(seed=3))
    b, _ = dated(gold, vecs, ProxyOptions(seed=3))
    c, _ = dated(gold, vecs, ProxyOptions(seed=4))
    assert [g.article for g in a] == [g.article for g in b]
    assert [g.article for g in a] != [g.article for g in c]
