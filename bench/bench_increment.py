"""A later import's clustering time on a built archive (a benchmark, not a test).

    .venv/bin/python bench/bench_increment.py --archive 100000 [--increment 2000]
        [--representation tfidf] [--db archive.db] [--runs 2]

Builds (or reuses, with --db) an archive of replayed real titles (bench_clustering's pool, 5,000
a day) clustered through `pipeline.update_stories`, then times, on a fresh copy for each run, the
insertion of the next `--increment` articles and their clustering, and separately a backfill of
as many articles dated a month before the archive, and the later import after the first one (which
goes on from the clusterer state the first kept, where an archive built by an older version had
none to keep). Prints one JSON line: seconds per run (wall, and `_cpu_s`: the process's user + sys,
what to compare on a shared machine) and peak RSS. The later import's cost should not grow with
the archive.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clustering import load_pool, replay_slice

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.models import Article
from belowthefold.sources import SourceIndex
from belowthefold.store import Store


def _unique(batch: list[Article]) -> list[Article]:
    """A replayed copy needs its own URL too: URLs are unique in the store."""
    return [
        a if a.url is None or "#" not in a.id else replace(a, url=f"{a.url}#{a.id}") for a in batch
    ]


def _settings(db: Path, representation: str) -> Settings:
    s = Settings(db=db)
    return replace(s, cluster=replace(s.cluster, representation=representation))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archive", type=int, default=100_000)
    ap.add_argument("--increment", type=int, default=2000)
    ap.add_argument("--representation", default="tfidf")
    ap.add_argument("--db", type=Path, help="reuse (or build here) the archive database")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument(
        "--sources", type=Path, help="a sources file that groups the archive (for briefs on it)"
    )
    ap.add_argument(
        "--insert-only",
        action="store_true",
        help="build the archive without clustering it (for bench/replicate_archive.py), then stop",
    )
    args = ap.parse_args()
    pool = load_pool()
    resolve = SourceIndex.build([]).resolve
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "archive.db"
        build_s = None
        if not db.exists():
            t = time.perf_counter()
            with Store(db) as store:
                for lo in range(0, args.archive, 5000):
                    hi = min(args.archive, lo + 5000)
                    store.articles.insert_batch(
                        _unique(replay_slice(pool, lo, hi, 5000)), resolve, 0
                    )
                if args.sources:
                    pipeline.apply_sources(store, args.sources)
                if args.insert_only:
                    return 0
                pipeline.update_stories(store, _settings(db, args.representation))
            build_s = round(time.perf_counter() - t, 1)
        later: list[float] = []
        following: list[float] = []
        backfill: list[float] = []
        cpu: dict[str, list[float]] = {"later": [], "next_later": [], "backfill": []}
        n, k = args.archive, args.increment
        month = timedelta(days=30)
        for run in range(args.runs):
            for kind, out in (("later", later), ("backfill", backfill)):
                copy = Path(tmp) / f"run{run}-{kind}.db"
                shutil.copy(db, copy)
                if kind == "later":
                    batch = replay_slice(pool, n, n + k, 5000)
                else:
                    batch = [
                        replace(a, id=f"old-{a.id}", url=None, published=a.published - month)
                        for a in replay_slice(pool, 0, k, 5000)
                    ]
                with Store(copy) as store:  # migrations (if any) run here, outside the timing
                    t, c = time.perf_counter(), time.process_time()
                    store.articles.insert_batch(_unique(batch), resolve, 0)
                    pipeline.update_stories(store, _settings(copy, args.representation))
                    out.append(round(time.perf_counter() - t, 2))
                    cpu[kind].append(round(time.process_time() - c, 2))
                    if kind == "later":  # the import after it goes on from the run's kept state
                        t, c = time.perf_counter(), time.process_time()
                        store.articles.insert_batch(
                            _unique(replay_slice(pool, n + k, n + 2 * k, 5000)), resolve, 0
                        )
                        pipeline.update_stories(store, _settings(copy, args.representation))
                        following.append(round(time.perf_counter() - t, 2))
                        cpu["next_later"].append(round(time.process_time() - c, 2))
                copy.unlink()
    print(
        json.dumps(
            {
                "archive": n,
                "increment": k,
                "representation": args.representation,
                "build_s": build_s,
                "later_import_s": later,
                "next_later_import_s": following,
                "backfill_s": backfill,
                **{f"{kind}_cpu_s": v for kind, v in cpu.items()},
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
