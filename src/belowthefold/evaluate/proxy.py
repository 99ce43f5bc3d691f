"""A dated stream made from undated labelled stories (the NeuS probe), to fit time knobs on.

The probe splits are AllSides roundups without dates: read as they are, every report of every
story arrives at once, so nothing about time decay or the window can be learnt from them. Real
streams spread one story's reports over days (a roundup gathers reports from the day an event
broke and the days after), and stories of related topics follow each other. The proxy gives the
probe both, using no label of the dated AllSides file:

* **Story days, in a topical chain.** `per_day` stories a day (AllSides' rate, about three
  roundups a day); each next story is the nearest (mean dense vector) of `k` random unvisited
  ones, so neighbouring days hold related stories (as `scripts/learned_link.py` first did).
* **Reports spread within a story.** One report, chosen by hash, breaks the story at a random
  hour of its day; every other report follows after an exponential delay of mean `spread_days`.
  Attention to a news event rises at once and decays roughly exponentially (Leskovec, Backstrom
  and Kleinberg 2009, "Meme-tracking and the dynamics of the news cycle"), and a follower's
  delay of mean one day puts half of the story's later reports within ~17 hours and one in ten
  past 2.3 days. The mean is not known for AllSides, so knobs fitted on the proxy are chosen
  over several spreads (docs/clustering.md, "A dated probe proxy"), not at one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import numpy as np

from belowthefold.evaluate.clustering import GoldArticle


@dataclass(frozen=True)
class ProxyOptions:
    """How the undated stories are dated: chain, rate and the spread of reports in a story."""

    per_day: int = 3
    chain_k: int = 20
    spread_days: float = 1.0
    seed: int = 0


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)


def chain_order(
    gold: Sequence[GoldArticle], vectors: Any, options: ProxyOptions = ProxyOptions()
) -> list[str]:
    """Gold story keys in a topical chain: each next one the nearest of `chain_k` random others."""
    by: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by.setdefault(g.story, []).append(i)
    keys = sorted(by, key=_hash)  # a 40-digit hex sorts as its integer
    mean = {k: np.asarray(vectors)[by[k]].mean(0) for k in keys}
    rng = np.random.default_rng(options.seed)
    left, order = keys[1:], keys[:1]
    while left:
        pick = rng.choice(len(left), size=min(options.chain_k, len(left)), replace=False)
        cur = mean[order[-1]]
        order.append(left.pop(max(pick, key=lambda p: float(mean[left[p]] @ cur))))
    return order


def dated(
    gold: Sequence[GoldArticle], vectors: Any, options: ProxyOptions = ProxyOptions()
) -> tuple[list[GoldArticle], Any]:
    """`gold` re-dated as a stream (chain days, spread reports), in published order, with vectors.

    The first gold article's date is day 0. `vectors` (one row per article, in `gold`'s order)
    orders the chain and is returned reordered to match; deterministic for a given seed.
    """
    order = chain_order(gold, vectors, options)
    day = {s: i // options.per_day for i, s in enumerate(order)}
    first: dict[str, str] = {}
    for g in gold:
        cur = first.get(g.story)
        if cur is None or _hash(g.article.id) < _hash(cur):
            first[g.story] = g.article.id
    rng = np.random.default_rng(options.seed + 1)
    base = min(g.article.published for g in gold).replace(hour=0, minute=0, second=0)
    breaks = {
        s: base + timedelta(days=d, hours=6 + 12 * float(rng.random())) for s, d in day.items()
    }
    rows = []
    for i, g in enumerate(gold):
        when = breaks[g.story]
        if g.article.id != first[g.story] and options.spread_days > 0:
            when += timedelta(days=float(rng.exponential(options.spread_days)))
        rows.append(
            (when, g.article.id, i, GoldArticle(replace(g.article, published=when), g.story))
        )
    rows.sort(key=lambda t: (t[0], t[1]))
    return [t[3] for t in rows], np.asarray(vectors)[[t[2] for t in rows]]
