"""Experiment (issue 11): fit the clusterer's time knobs on a dated proxy of the NeuS probe.

The probe splits are undated (evaluate/proxy.py says how they are dated here: stories in a
topical chain, three a day, each story's reports spread after the first by an exponential delay
of mean 0.25, 0.5 or 1 day). Option variants are scored by B-cubed F1 on the proxy of one split,
averaged over the three spreads, so a knob is chosen for the family of spreads, not one.

    PYTHONPATH=src python scripts/dated_proxy.py SPLIT VARIANTS.json [VARIANTS.json ...]

SPLIT is train, val or test (the proxy) or real (the undated probe splits, AllSides, devweek).
Each VARIANTS is a JSON object of ClusterOptions overrides or a list of them. USE v3 vectors are
encoded once into --cache (default /tmp/btf-probe-usem3.pkl, outside the repository).
Figures and the decision: docs/clustering.md ("A dated probe proxy").
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.evaluate.clustering import (
    GoldArticle,
    cross_language_half,
    evaluate,
    read_gold,
    story_halves,
)
from belowthefold.evaluate.proxy import ProxyOptions, dated
from belowthefold.stories import StoryClusterer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ROOT = SHARED / "clustering-data" / "allsides-neus-2021"
SETS = {
    "train": ROOT / "neus_probe" / "train.source",
    "val": ROOT / "neus_probe" / "val.source",
    "test": ROOT / "neus_probe" / "test.source",
    "allsides": ROOT / "roundups-2021-04-20_2021-07-31.jsonl",
    "devweek": SHARED / "data" / "devweek-2025w17",
}
SPREADS = (0.25, 0.5, 1.0)


def load(cache: Path) -> dict[str, tuple[list[GoldArticle], Any]]:
    """Every set with its USE v3 vectors (encoded once, kept in `cache`)."""
    if cache.exists():
        return dict(pickle.loads(cache.read_bytes()))  # a cache this script wrote
    enc = StoryClusterer(ClusterOptions())
    sets = {}
    for name, path in SETS.items():
        gold = read_gold(path)
        sets[name] = (gold, enc.encode([g.article for g in gold]))
    cache.write_bytes(pickle.dumps(sets))
    return sets


def score(name: str, gold: list[GoldArticle], vecs: Any, o: ClusterOptions) -> dict[str, float]:
    r = evaluate(gold, o, vectors=vecs)
    out = {"f1": r.bcubed.f1, "p": r.bcubed.precision, "r": r.bcubed.recall, "pw": r.pairwise.f1}
    if name == "devweek" and r.cross_language is not None:
        labels = [g.story for g in gold]
        langs = [g.article.lang or "" for g in gold]
        held = cross_language_half(r.predicted, labels, langs, story_halves(labels), "report")
        out["xR"] = r.cross_language.recall
        out["xP"] = r.cross_language.precision
        out["xR_held"] = held.recall if held else 0.0
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("split", choices=("train", "val", "test", "real"))
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--chain-k", type=int, default=ProxyOptions().chain_k)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/btf-probe-usem3.pkl"))
    args = ap.parse_args()
    sets = load(args.cache)
    if args.split == "real":
        streams = {n: sets[n] for n in ("test", "val", "train", "allsides", "devweek")}
    else:
        streams = {
            f"{args.split}@{s}": dated(
                *sets[args.split], ProxyOptions(chain_k=args.chain_k, spread_days=s)
            )
            for s in SPREADS
        }
    variants: list[dict[str, Any]] = []
    for v in args.variants:
        got = json.loads(v)
        variants += got if isinstance(got, list) else [got]
    for v in variants:
        o = replace(ClusterOptions(), **v)
        t0, c0 = time.perf_counter(), time.process_time()
        res = {n: score(n, g, x, o) for n, (g, x) in streams.items()}
        cells = "  ".join(
            f"{n} {r['f1']:.4f} ({r['p']:.3f}/{r['r']:.3f} pw {r['pw']:.3f})"
            + (f" x {r['xP']:.3f}/{r['xR']:.3f} held {r['xR_held']:.3f}" if "xR" in r else "")
            for n, r in res.items()
        )
        mean = sum(r["f1"] for r in res.values()) / len(res)
        took = f"{time.perf_counter() - t0:.0f}s wall {time.process_time() - c0:.0f}s cpu"
        print(f"{json.dumps(v)}  mean {mean:.4f}  {cells}  [{took}]", flush=True)


if __name__ == "__main__":
    main()
