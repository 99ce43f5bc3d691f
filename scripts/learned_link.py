"""Experiment (issue 11): a learned link decision instead of the hand-set story threshold.

Streams NeuS probe *train* through the clusterer teacher-forced (each article joins its gold
story), records features of every (article, candidate story) pair the clusterer would score —
sparse average-link and centroid similarity, shared terms, dense average-link and centroid
cosine, time decay, story size, active stories, margin to the best candidate — and fits
logistic regression and gradient boosting (scikit-learn). It then clusters probe *val* with
"join the most probable candidate if p >= t" and prints B-cubed per model and t, beside the
hand-set default. Results and the decision are in docs/clustering.md ("A learned link
decision"). Usage: python scripts/learned_link.py [../shared]
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from belowthefold.config import ClusterOptions
from belowthefold.evaluate.clustering import GoldArticle, bcubed, evaluate, read_gold
from belowthefold.stories import StoryClusterer, story_id_for
from belowthefold.stories import clusterer as cl


def features(
    c: StoryClusterer, gid: str, vec: dict[int, float], dense: Any, when: float, best: float
) -> list[float]:
    g = c.stories.groups[gid]
    s0, shared = c.stories.similarity(g, vec, 0.0)
    s1, _ = c.stories.similarity(g, vec, 1.0)
    has = dense is not None and g.dense is not None
    d0 = cl._dense_link(g, dense, 0.0) if has else 0.0
    d1 = cl._dense_link(g, dense, 1.0) if has else 0.0
    dec = c._decay(when - g.anchor(c.options.decay_anchor))
    n = math.log10(max(len(c.stories.groups), 1))
    return [
        s0 * dec,
        s1 * dec,
        math.log1p(shared),
        d0 * dec,
        d1 * dec,
        dec,
        math.log(g.size),
        n,
        s0 * dec - best,
        s0 * d0,
    ]


def scored(
    c: StoryClusterer, vec: dict[int, float], dense: Any, when: float
) -> tuple[list[str], list[list[float]]]:
    o, idx = c.options, c.stories
    n = len(idx.groups)
    cap = max(50, int(o.common_term_share * n)) if n > 200 else n + 1
    found = c._with_dense(
        idx, idx.candidates(vec, cap, o.max_candidates, o.centroid_alpha, 0), dense
    )
    best = max((idx.similarity(idx.groups[g], vec, 0.0)[0] for g in found), default=0.0)
    return found, [features(c, g, vec, dense, when, best) for g in found]


def pairs(gold: list[GoldArticle], o: ClusterOptions) -> tuple[Any, Any]:
    c = StoryClusterer(o)
    vectors = c.encode([g.article for g in gold])
    xs, ys = [], []
    for i, g in enumerate(gold):
        vec, dense, when, _ = c._prepare(g.article, None if vectors is None else vectors[i])
        found, rows = scored(c, vec, dense, when)
        xs += rows
        ys += [gid == g.story for gid in found]
        c._feed(g.story, "sl-" + g.story, vec, dense, when, g.article.lang)
    return np.array(xs), np.array(ys)


def cluster(gold: list[GoldArticle], o: ClusterOptions, model: Any, t: float) -> Any:
    c = StoryClusterer(o)
    vectors = c.encode([g.article for g in gold])
    predicted = []
    for i, g in enumerate(gold):
        vec, dense, when, _ = c._prepare(g.article, None if vectors is None else vectors[i])
        found, rows = scored(c, vec, dense, when)
        sid = story_id_for(g.article.id)
        if found:
            p = model.predict_proba(np.array(rows))[:, 1]
            if p.max() >= t:
                sid = found[int(p.argmax())]
        c._feed(sid, "sl", vec, dense, when, g.article.lang)
        predicted.append(sid)
    return bcubed(predicted, [g.story for g in gold])


def main(shared: Path) -> None:
    probe = shared / "clustering-data" / "allsides-neus-2021" / "neus_probe"
    o = ClusterOptions()
    train, val = read_gold(probe / "train.source"), read_gold(probe / "val.source")
    x, y = pairs(train, o)
    print(f"probe train: {len(y)} pairs, {y.mean():.3f} positive")
    print(f"hand-set default  val B3 F1 {evaluate(val, o).bcubed.f1:.3f}")
    models = {
        "logistic": LogisticRegression(max_iter=2000),
        "boosting": HistGradientBoostingClassifier(max_iter=200),
    }
    for name, model in models.items():
        model.fit(x, y)
        for t in (0.03, 0.05, 0.1, 0.2, 0.3, 0.5):
            r = cluster(val, o, model, t)
            print(f"{name:9s} t={t:<4}  val B3 P {r.precision:.3f} R {r.recall:.3f} F1 {r.f1:.3f}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1].parent / "shared"
    )
