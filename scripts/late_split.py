"""Experiment (issue 11): score clusterer variants on AllSides and devweek, each split in two.

AllSides by the day of each story's first report (a1: before 2021-06-06, fit; a2: from then
on, held out); devweek by `story_halves` ("fit"; "report" held out), with its cross-language
recall per half. How the late tier was chosen from this: docs/clustering.md ("Late reports").

    PYTHONPATH=src python scripts/late_split.py '{"late_threshold": 0}' '{}' [...]

Each argument is a JSON object of ClusterOptions overrides. ../shared must sit beside the repo.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.evaluate.clustering import (
    GoldArticle,
    bcubed,
    cross_language_half,
    evaluate,
    read_gold,
    story_halves,
)
from belowthefold.stories import StoryClusterer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ALLSIDES = SHARED / "clustering-data/allsides-neus-2021/roundups-2021-04-20_2021-07-31.jsonl"
DEVWEEK = SHARED / "data/devweek-2025w17"
CUT = "2021-06-06"


def allsides_halves() -> tuple[list[GoldArticle], list[GoldArticle]]:
    """AllSides' stories before and from CUT, each story on the side of its first report."""
    gold = read_gold(ALLSIDES)
    first: dict[str, str] = {}
    for g in gold:
        first[g.story] = min(first.get(g.story, "9"), g.article.published.isoformat())
    return (
        [g for g in gold if first[g.story] < CUT],
        [g for g in gold if first[g.story] >= CUT],
    )


def score(streams: dict[str, tuple[list[GoldArticle], Any]], o: ClusterOptions) -> str:
    cells = []
    for name, (gold, vecs) in streams.items():
        r = evaluate(gold, o, vectors=vecs)
        if name != "devweek":
            b = r.bcubed
            cells.append(f"{name} {b.f1:.4f} ({b.precision:.3f}/{b.recall:.3f})")
            continue
        labels = [g.story for g in gold]
        langs = [g.article.lang or "" for g in gold]
        halves = story_halves(labels)
        for half in ("fit", "report"):
            keep = [halves[s] == half for s in labels]
            b = bcubed(
                [p for p, k in zip(r.predicted, keep, strict=True) if k],
                [s for s, k in zip(labels, keep, strict=True) if k],
            )
            x = cross_language_half(r.predicted, labels, langs, halves, half)
            cells.append(
                f"dev_{half} {b.f1:.4f} ({b.precision:.3f}/{b.recall:.3f} xR {x.recall if x else 0:.3f})"
            )
    return "  ".join(cells)


def main() -> None:
    a1, a2 = allsides_halves()
    encoder = StoryClusterer(ClusterOptions())
    streams = {
        n: (g, encoder.encode([x.article for x in g]))
        for n, g in (("a1", a1), ("a2", a2), ("devweek", read_gold(DEVWEEK)))
    }
    for arg in sys.argv[1:]:
        variant = json.loads(arg)
        t0 = time.process_time()
        cells = score(streams, replace(ClusterOptions(), **variant))
        print(f"{json.dumps(variant)}  {cells}  [{time.process_time() - t0:.0f}s cpu]", flush=True)


if __name__ == "__main__":
    main()
