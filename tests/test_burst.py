"""Bursting title terms: a sudden flood word bursts, an everyday word never does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from belowthefold.config import ClusterOptions
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer
from belowthefold.stories.burst import DAY, BurstTracker

T0 = datetime(2025, 3, 1, tzinfo=UTC).timestamp()


def test_flood_word_bursts_and_everyday_word_does_not() -> None:
    tracker = BurstTracker(ClusterOptions())
    common, flood, other = 1, 2, 3
    for day in range(30):
        for i in range(20):
            feats = [common] if i % 4 == 0 else [other + day * 100 + i]
            if day >= 27 and i < 8:
                feats.append(flood)
            tracker.observe(feats, T0 + day * DAY + i * 60)
    now = T0 + 29 * DAY + 3600
    burst = [k for _, k in tracker.bursting([common, flood], now)]
    assert burst == [flood]


def test_nothing_bursts_before_there_is_a_background() -> None:
    tracker = BurstTracker(ClusterOptions())
    for i in range(50):
        tracker.observe([7], T0 + i * 600)
    assert tracker.bursting([7], T0 + 50 * 600) == []


def _a(i: int, day: float, title: str) -> Article:
    return Article(
        id=f"a{i}",
        title=title,
        published=datetime.fromtimestamp(T0 + day * DAY, UTC) + timedelta(minutes=i % 50),
    )


def test_flood_headlines_sharing_one_word_gather_into_one_storyline() -> None:
    """After three weeks of ordinary news, a death and its funeral: different events, one saga."""
    arts = []
    topics = ["harbour", "railway", "budget", "hospital", "election", "museum", "football", "storm"]
    n = 0
    for day in range(21):
        for j, t in enumerate(topics):
            n += 1
            arts.append(_a(n, day + j / 10, f"Council debates {t} plan number {day * 10 + j}"))
    flood = [
        "Pope Francis dies aged 88",
        "World leaders pay tribute to the Pope",
        "Crowds gather in St Peter's Square after Pope's death",
        "Pope's funeral set for Saturday",
        "How the Pope changed the Catholic Church",
        "Argentina mourns its Pope",
        "Pope lies in state as thousands queue",
        "Cardinals prepare to choose the next Pope",
        "Trump and Zelensky meet at Pope funeral",
        "Pope buried in Rome basilica",
        "Who could be the next Pope?",
        "Pope's last Easter blessing remembered",
    ]
    for i, title in enumerate(flood):  # each event reported by three outlets, as floods are
        for variant in (title, f"{title}, reports say", f"Live: {title}"):
            n += 1
            arts.append(_a(n, 21 + i / 5, variant))
    arts.sort(key=lambda a: a.published)
    ids = set(flood)

    def lines(on: bool) -> set[str]:
        c = StoryClusterer(replace(ClusterOptions(), burst_linking=on))
        got = {a.title: c.add(a) for a in arts}
        return {got[t].storyline_id for t in ids}

    assert len(ids) == 12

    assert len(lines(True)) < len(lines(False))
    assert len(lines(True)) <= 3
