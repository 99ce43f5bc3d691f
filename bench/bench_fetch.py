"""Fetch throughput against local servers, by hand (not a test).

    .venv/bin/python bench/bench_fetch.py [--feeds 400] [--items 50] [--hosts 8] [--fulltext 0]

Serves generated RSS feeds from `--hosts` local servers (each port is its own host, so the
per-host politeness lock applies as it would on the internet, with the delay set to 0), runs one
fetch into a fresh SQLite file, then a second one (conditional GET: all 304), and prints feeds/s,
articles/s and peak memory (RSS of this process, and the Python heap peak).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from belowthefold import pipeline
from belowthefold.config import FetchOptions
from belowthefold.fetch import Fetcher
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import rss, send, serve

ARTICLE = (
    "<html lang='en'><head><title>Story</title></head><body><nav>Home News Sport</nav><article>"
    + "".join(
        f"<p>Paragraph {i} of a plausible news story about harbours, ferries and the weather "
        f"on the coast, long enough to be kept by the extractor.</p>"
        for i in range(12)
    )
    + "</article><footer>Contact</footer></body></html>"
).encode()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=400)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--fulltext", type=int, default=0, help="Sources with full text (pages).")
    parser.add_argument("--heap", action="store_true", help="Also trace the Python heap (slower).")
    args = parser.parse_args()

    if "--heap" in sys.argv:
        tracemalloc.start()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        servers = [stack.enter_context(serve()) for _ in range(args.hosts)]
        sources = []
        for k in range(args.feeds):
            srv = servers[k % args.hosts]
            items = [
                (
                    f"Story {k}-{i} about the harbour",
                    f"{srv.base}/a/{k}/{i}",
                    "Mon, 07 Apr 2025 09:00:00 GMT",
                )
                for i in range(args.items)
            ]
            body = rss(items)

            def route(h, b=body):  # type: ignore[no-untyped-def]
                if h.headers.get("If-None-Match") == '"same"':
                    h.send_response(304)
                    h.send_header("Content-Length", "0")
                    h.end_headers()
                    return
                send(h, b, headers={"ETag": '"same"'})

            srv.routes[f"/feed/{k}"] = route
            sources.append(
                Source(f"S{k}", "g", (), (srv.url(f"/feed/{k}"),), fulltext=k < args.fulltext)
            )
        for srv in servers:
            srv.routes["/a"] = lambda h: send(h, ARTICLE, "text/html; charset=utf-8")
            for k in range(min(args.fulltext, args.feeds)):
                for i in range(args.items):
                    srv.routes[f"/a/{k}/{i}"] = srv.routes["/a"]
        options = FetchOptions(per_host_delay_s=0.0, concurrency=args.concurrency)
        with Store(Path(tmp) / "bench.db") as store, Fetcher(options) as fetcher:
            t0 = time.perf_counter()
            first = pipeline.fetch_sources(store, options, sources, fetcher)
            t1 = time.perf_counter()
            second = pipeline.fetch_sources(store, options, sources, fetcher)
            t2 = time.perf_counter()
        _, heap_peak = tracemalloc.get_traced_memory()
    cold, warm = t1 - t0, t2 - t1
    print(
        f"feeds x items         {args.feeds} x {args.items} on {args.hosts} hosts, "
        f"concurrency {args.concurrency}, full text for {args.fulltext} sources"
    )
    print(
        f"first fetch           {args.feeds / cold:>8,.0f} feeds/s  {first.inserted / cold:>9,.0f} "
        f"articles/s  ({first.inserted:,} stored, {cold:.1f} s, {len(first.failed)} failed)"
    )
    print(
        f"second fetch (304s)   {args.feeds / warm:>8,.0f} feeds/s  ({second.inserted} new, "
        f"{warm:.1f} s)"
    )
    heap = f"   (Python heap peak {heap_peak / 2**20:,.0f} MB)" if args.heap else ""
    print(f"peak RSS              {peak_rss_mb():>8,.0f} MB{heap}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
