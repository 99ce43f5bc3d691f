"""Time and peak memory of building a week's brief on a stored database (a benchmark, not a test).

    .venv/bin/python bench/bench_brief.py --db gdelt.db --from 2025-04-21 --to 2025-04-28 \
        [--audience mainstream] [--runs 3]

Build the database first (e.g. `belowthefold --db gdelt.db import ../shared/data/gdelt-artlist-2025-04-21
--format gdelt --sources examples/gdelt-week.sources.toml`): this measures the read and the
ranking, not the import. Prints one JSON line: seconds for reading the window (median), for the
brief (median), articles in the window, articles/s through the brief, missed listed, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from belowthefold import pipeline
from belowthefold.brief import build_brief
from belowthefold.config import Settings
from belowthefold.store import Store


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--from", dest="start", required=True)
    p.add_argument("--to", dest="end", required=True)
    p.add_argument("--audience", default="mainstream")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    settings = Settings(db=args.db)
    window = pipeline.parse_window(start=args.start, end=args.end)
    reads, builds, listed, n = [], [], 0, 0
    with Store(settings.db) as store:
        pipeline.update_stories(store, settings)
        for _ in range(args.runs):
            t = time.perf_counter()
            inputs = pipeline.brief_inputs(store, settings, window, args.audience)
            reads.append(time.perf_counter() - t)
            t = time.perf_counter()
            brief = build_brief(inputs, settings.rank)
            builds.append(time.perf_counter() - t)
            listed, n = len(brief.missed), len(inputs.articles)
    build = statistics.median(builds)
    print(
        json.dumps(
            {
                "articles": n,
                "read_s": round(statistics.median(reads), 2),
                "brief_s": round(build, 2),
                "articles_per_s": round(n / build) if build else None,
                "missed": listed,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
