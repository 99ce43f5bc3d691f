"""Backfill on Dask against the single-process import, on the GDELT week (docs/deploy.md).

    PYTHONPATH=src python bench/bench_backfill.py [DATA_DIR] [--workers 1 2]

Times `import` + `stories` in this process, then `backfill` + `stories` on a LocalCluster of
1 and 2 single-threaded worker processes (cluster start not counted; the workers' model load
is), and reports docs/s, each worker's peak RSS, and the B-cubed F1 of the backfill's story
assignments against the import's (1.0 means the same partition).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from belowthefold import pipeline
from belowthefold.backfill import BackfillOptions, backfill_paths
from belowthefold.config import Settings
from belowthefold.evaluate.clustering import bcubed
from belowthefold.store import Store

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/data/gdelt-artlist-2025-04-21"


def _stories(db: Path) -> dict[str, str]:
    with Store(db) as store:
        lo, _ = pipeline.window_bounds(pipeline.parse_window(start="1900-01-01", end="1900-01-01"))
        _, hi = pipeline.window_bounds(pipeline.parse_window(start="2199-12-30", end="2199-12-30"))
        return {a.id: a.story_id or "" for a in store.articles.placed(lo, hi)}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


class _Sampler(threading.Thread):
    """Each worker's peak RSS, sampled every half second: a forked worker's ru_maxrss starts at
    its parent's high-water mark, so it cannot say what the worker itself used."""

    def __init__(self, client: Any) -> None:
        super().__init__(daemon=True)
        self.client, self.peaks, self.stop = client, dict[str, float](), threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for worker, mb in self.client.run(_rss_mb).items():
                self.peaks[worker] = max(self.peaks.get(worker, 0.0), mb)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    settings = Settings()
    tmp = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    db = tmp / "import.db"
    t0 = time.perf_counter()
    with Store(db) as store:
        summary = pipeline.import_paths(store, [args.data], settings.imports)
        pipeline.update_stories(store, settings)
    single_s = time.perf_counter() - t0
    n = summary.read
    print(f"records {n}, articles {summary.inserted}")
    print(
        f"import + stories (1 process): {single_s:.1f} s, {n / single_s:.0f} docs/s, "
        f"this process's peak RSS {_peak_rss_mb():.0f} MB"
    )
    single = _stories(db)
    for workers in args.workers:
        bdb = tmp / f"backfill-{workers}.db"
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,  # type: ignore[no-untyped-call]
        ):
            sampler = _Sampler(client)
            sampler.start()
            t0 = time.perf_counter()
            with Store(bdb) as store:
                backfill_paths(
                    store,
                    [args.data],
                    settings,
                    BackfillOptions(scheduler=cluster.scheduler_address),
                )
                parallel_s = time.perf_counter() - t0
                pipeline.update_stories(store, settings)
            total_s = time.perf_counter() - t0
            sampler.stop.set()
            sampler.join()
            peaks = sampler.peaks
        got = _stories(bdb)
        ids = sorted(single)
        prf = bcubed([got.get(i, "?" + i) for i in ids], [single[i] for i in ids])
        print(
            f"backfill {workers} worker(s): parallel part {parallel_s:.1f} s "
            f"({n / parallel_s:.0f} docs/s), with stories {total_s:.1f} s ({n / total_s:.0f} docs/s); "
            f"worker peak RSS {', '.join(f'{v:.0f}' for v in peaks.values())} MB; "
            f"B-cubed F1 vs import {prf.f1:.4f} (P {prf.precision:.4f} R {prf.recall:.4f}); "
            f"same articles: {sorted(got) == ids}"
        )


if __name__ == "__main__":
    main()
