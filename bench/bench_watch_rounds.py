"""`watch`'s clustering per round, with and without the clusterer kept in memory (a benchmark).

    .venv/bin/python bench/bench_watch_rounds.py --archive 20000 [--round 200] [--rounds 4]
        [--representation auto]

Builds an archive of replayed real titles (bench_clustering's pool, 5,000 a day), clustered
through `pipeline.update_stories`, then on two fresh copies runs `--rounds` rounds of `--round`
new articles each through `pipeline.cluster_if_free`, as `watch` does after each fetch: once
with one `ClusterMemory` across the rounds (what `watch` keeps), once without (each round
unpickles the kept state and, with the encoder on, loads it again). Prints one JSON line:
seconds per round (CPU and wall) each way, articles/s, peak RSS, and whether both ended with
the same assignments.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clustering import load_pool, replay_slice
from bench_increment import _settings, _unique

from belowthefold import pipeline
from belowthefold.sources import SourceIndex
from belowthefold.store import Store


def _digest(store: Store) -> str:
    rows = store.conn.execute(
        "SELECT article_id, story_id, storyline_id FROM assignments ORDER BY 1"
    ).fetchall()
    return hashlib.sha1(repr([tuple(r) for r in rows]).encode()).hexdigest()[:12]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archive", type=int, default=20_000)
    ap.add_argument("--round", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--representation", default="auto")
    args = ap.parse_args()
    pool = load_pool()
    resolve = SourceIndex.build([]).resolve
    out: dict[str, object] = {"archive": args.archive, "round": args.round}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        with Store(db) as store:
            for lo in range(0, args.archive, 5000):
                hi = min(args.archive, lo + 5000)
                store.articles.insert_batch(_unique(replay_slice(pool, lo, hi, 5000)), resolve, 0)
            pipeline.update_stories(store, _settings(db, args.representation))
        digests = {}
        for mode in ("memory", "none"):
            copy = Path(tmp) / f"{mode}.db"
            shutil.copy(db, copy)
            settings = _settings(copy, args.representation)
            memory = pipeline.ClusterMemory() if mode == "memory" else None
            cpu, wall = [], []
            with Store(copy) as store:
                for r in range(args.rounds):
                    lo = args.archive + r * args.round
                    batch = _unique(replay_slice(pool, lo, lo + args.round, 5000))
                    store.articles.insert_batch(batch, resolve, 0)
                    c, w = time.process_time(), time.perf_counter()
                    pipeline.cluster_if_free(store, settings, memory)
                    cpu.append(round(time.process_time() - c, 2))
                    wall.append(round(time.perf_counter() - w, 2))
                digests[mode] = _digest(store)
            out[mode] = {"cpu_s": cpu, "wall_s": wall}
        out["same_assignments"] = digests["memory"] == digests["none"]
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
