"""Bounded memory on a large JSONL import, by hand (not a test).

    .venv/bin/python bench/bench_import_large.py [--records 500000]

Writes a synthetic JSONL file of the given number of records (~450 bytes each, a few broken
lines among them), imports it without clustering into a fresh database, and prints records/s
and peak RSS, so the claim "a 2 GB file streams in bounded memory" is a number, not a hope.
Peak RSS should not grow with --records.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.store import Store


def write_file(path: Path, n: int) -> int:
    lead = "Officials said on Tuesday that the measure would take effect next month. " * 4
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i % 100_000 == 99_999:
                fh.write('{"title": "broken line", "published": \n')
                continue
            rec = {
                "title": f"Item {i} about topic {i % 977}",
                "published": f"2025-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
                "url": f"https://outlet{i % 50}.example/news/{i}",
                "outlet": f"Outlet {i % 50}",
                "text": lead,
            }
            fh.write(json.dumps(rec) + "\n")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "big.jsonl"
        size = write_file(src, args.records)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        settings = Settings(db=Path(tmp) / "big.db")
        t0 = time.perf_counter()
        with Store(settings.db) as store:
            summary = pipeline.import_paths(store, [src], settings.imports)
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file                {size / 2**20:>10,.0f} MiB, {args.records:,} lines")
    print(f"imported            {summary.inserted:>10,} new, {summary.skipped} skipped")
    print(f"speed               {summary.read / elapsed:>10,.0f} records/s ({elapsed:.1f} s)")
    print(f"peak RSS            {peak:>10,.0f} MiB (before import: {rss_before:,.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
