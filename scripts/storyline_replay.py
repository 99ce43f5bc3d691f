"""Replay the real front pages through the clusterer and score the labelled floods, quickly.

`belowthefold eval storylines` encodes the stream with USE v3 on every run. This script encodes
it once into a cache file outside the repository. Replays after that take seconds to minutes,
so storyline variants can be compared on every flood (docs/clustering.md, "The day's new
stories").

    PYTHONPATH=src python scripts/storyline_replay.py '{"storyline_claim_new_bar": 0}' ends

The first argument holds ClusterOptions overrides, as JSON. The second says where to score:
`all` scores every flood on the stream cut at the last flood's end (the floors' horizon).
`ends` scores each flood on the stream cut at its own window's last day. A date scores the
floods ending by that day, on the stream cut there. `--cache PATH` sets where the vectors live
(default /tmp/btf-frontpages-usem3.pkl); delete the file after changing what the encoder reads.
"""

from __future__ import annotations

import argparse
import json
import pickle
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions, ImportOptions
from belowthefold.evaluate.clustering import follow
from belowthefold.evaluate.storylines import FloodLabels, read_labels, score_flood
from belowthefold.ingest import iter_file
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "fixtures" / "storylines"
FRONTPAGES = ROOT.parent / "shared" / "data" / "frontpages-bbc-nyt" / "output"


def stream(cache: Path, floods: list[FloodLabels]) -> tuple[list[Article], Any]:
    """The front pages up to the last flood's end, in published order, and their USE vectors."""
    if cache.exists():
        arts, vecs = pickle.loads(cache.read_bytes())  # a cache this script wrote
        return list(arts), vecs
    found = iter_file(FRONTPAGES, ImportOptions(format="frontpages"))
    last = max(f.end for f in floods)
    arts = sorted(
        (a for a in found if isinstance(a, Article) and a.published.date() <= last),
        key=lambda a: (a.published, a.id),
    )
    vecs = StoryClusterer(ClusterOptions(representation="auto")).encode(arts)
    cache.write_bytes(pickle.dumps((arts, vecs)))
    return arts, vecs


def replay(arts: list[Article], vecs: Any, options: ClusterOptions) -> dict[str, str]:
    """article id -> final storyline, as `evaluate.storylines.placements_of` streams them."""
    clusterer = StoryClusterer(options)
    story_of: dict[str, str] = {}
    line_of_story: dict[str, str] = {}
    redirect: dict[str, str] = {}
    for article, vector in zip(arts, vecs, strict=True):
        a = clusterer.add(article, vector)
        story_of[article.id] = a.story_id
        line_of_story[a.story_id] = a.storyline_id
        line_of_story.update(clusterer.take_moves())
        clusterer.take_story_merges()
        redirect.update(clusterer.take_merges())
    return {aid: follow(redirect, line_of_story[sid]) for aid, sid in story_of.items()}


def _cut(arts: list[Article], vecs: Any, end: date) -> tuple[list[Article], Any]:
    keep = [i for i, a in enumerate(arts) if a.published.date() <= end]
    return [arts[i] for i in keep], vecs[keep]


def _show(tag: str, flood: FloodLabels, arts: list[Article], line_of: dict[str, str]) -> None:
    r = score_flood(flood, arts, line_of)
    print(
        f"{tag:>10} {flood.name:24s} {flood.role:11s} P {r.precision:.3f} R {r.recall:.3f}"
        f"  B3 P {r.bcubed_precision:.3f} R {r.bcubed_recall:.3f}  main {r.main_size}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("overrides", nargs="?", default="{}", help="ClusterOptions fields, as JSON")
    ap.add_argument("where", nargs="?", default="all", help="all, ends, or a date (YYYY-MM-DD)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/btf-frontpages-usem3.pkl"))
    args = ap.parse_args()
    floods = [read_labels(p) for p in sorted(LABELS.glob("*.json"))]
    arts, vecs = stream(args.cache, floods)
    options = replace(ClusterOptions(representation="auto"), **json.loads(args.overrides))
    if args.where == "ends":
        for f in floods:
            some, some_vecs = _cut(arts, vecs, f.end)
            _show(str(f.end), f, some, replay(some, some_vecs, options))
        return
    end = max(f.end for f in floods) if args.where == "all" else date.fromisoformat(args.where)
    some, some_vecs = _cut(arts, vecs, end)
    line_of = replay(some, some_vecs, options)
    for f in floods:
        if f.end <= end:
            _show(args.where, f, some, line_of)


if __name__ == "__main__":
    main()
