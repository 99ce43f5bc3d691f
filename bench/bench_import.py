"""Import + clustering throughput and the brief's time on a real week, by hand (not a test).

    .venv/bin/python bench/bench_import.py [--shared ../shared]

Prints articles/s for import (with and without clustering), the brief's wall time for the
GDELT week 2025-W17, and peak RSS of this process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.store import Store

GDELT = "data/gdelt-artlist-2025-04-21/analysis_gdelt_chunks/chunks"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    args = parser.parse_args()
    files = sorted((args.shared / GDELT).glob("*.csv"))
    if not files:
        print(f"no GDELT files under {args.shared / GDELT}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "bench.db")
        with Store(settings.db) as store:
            t0 = time.perf_counter()
            summary = pipeline.import_paths(store, files, settings.imports)
            t1 = time.perf_counter()
            clustered = pipeline.update_stories(store, settings)
            t2 = time.perf_counter()
            window = pipeline.parse_window("2025-W17")
            brief = pipeline.make_brief(store, settings, window, "mainstream")
            t3 = time.perf_counter()
    print(f"records read          {summary.read:>10,}")
    print(f"import only           {summary.read / (t1 - t0):>10,.0f} records/s ({t1 - t0:.1f} s)")
    print(f"dedup + clustering    {clustered / (t2 - t1):>10,.0f} articles/s ({t2 - t1:.1f} s)")
    print(f"import + clustering   {summary.read / (t2 - t0):>10,.0f} articles/s")
    print(
        f"brief 2025-W17        {t3 - t2:>10.2f} s ({len(brief.missed)} missed, {len(brief.dominant)} dominant)"
    )
    print(f"peak RSS              {peak_rss_mb():>10,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
