"""Load test for `belowthefold serve` (not a test): 2,000 requests from 10 concurrent clients on
loopback while `belowthefold import` writes to the same database in another process.

    .venv/bin/python bench/bench_web.py [--requests 2000] [--clients 10] [--articles 4000]

Prints requests/s, latency percentiles and errors; exits non-zero on any error (a non-2xx/3xx
answer, a connection failure or "database is locked" anywhere in a body).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "web"
CLI = [sys.executable, "-m", "belowthefold"]
WEEK = "2025-W14"


@dataclass(frozen=True)
class Result:
    path: str
    status: int
    seconds: float
    error: str | None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_import_file(path: Path, n: int, seed: int) -> None:
    """Synthetic articles in the fixture's week and the next, from the fixture's outlets."""
    rnd = random.Random(seed)
    outlets = [
        "Daily Planet",
        "Morning Ledger",
        "City Herald",
        "Wire One",
        "Global Wire",
        "Health Watch",
        "Water Journal",
        "Valley Gazette",
        "Northern Echo",
    ]
    topics = [
        "tariff war steel markets",
        "cholera outbreak delta camps",
        "dam collapse valley",
        "court surveillance law",
        "election campaign debate",
        "heatwave power grid",
        "strike rail workers pay",
        "central bank interest rates",
    ]
    start = datetime(2025, 3, 31, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            topic = rnd.choice(topics)
            when = start + timedelta(minutes=rnd.randrange(14 * 24 * 60))
            f.write(
                json.dumps(
                    {
                        "id": f"bench-{seed}-{i}",
                        "title": f"{topic.title()}: update {seed}-{i}",
                        "published": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "outlet": rnd.choice(outlets),
                        "text": f"Report on {topic}. " * 20,
                    }
                )
                + "\n"
            )


def wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/static/style.css", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def paths(base: str) -> list[str]:
    """A realistic mix: week pages and briefs for two audiences, stories, search, sources, API."""
    brief = httpx.get(f"{base}/api/weeks/{WEEK}/brief", timeout=120).json()
    stories = [m["story_id"] for m in brief["missed"]] + [
        d["articles"][0]["story_id"] for d in brief["dominant"]
    ]
    mix = [
        f"/weeks/{WEEK}",
        f"/weeks/{WEEK}?audience=regional",
        f"/api/weeks/{WEEK}/brief",
        "/search?q=cholera",
        "/api/search?q=dam+collapse",
        "/sources",
        "/api/pressure?from=2025-03-31&to=2025-04-06&group=mainstream",
        f"/feeds/missed.atom?week={WEEK}&weeks=1",
        "/static/style.css",
        "/openapi.json",
    ]
    mix += [f"/stories/{s}" for s in stories] + [f"/api/stories/{s}" for s in stories]
    return mix


def client_loop(base: str, mix: list[str], n: int, seed: int) -> list[Result]:
    rnd = random.Random(seed)
    out: list[Result] = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(n):
            path = rnd.choice(mix)
            t0 = time.perf_counter()
            try:
                r = c.get(path)
                err = None
                if r.status_code >= 400:
                    err = f"HTTP {r.status_code}: {r.text[:120]}"
                elif "database is locked" in r.text:
                    err = "database is locked"
                out.append(Result(path, r.status_code, time.perf_counter() - t0, err))
            except httpx.HTTPError as exc:
                out.append(Result(path, 0, time.perf_counter() - t0, repr(exc)))
    return out


def importer(db: Path, work: Path, articles: int, stop: threading.Event, log: list[str]) -> None:
    """Run `belowthefold import` of fresh files, one after another with a short pause, until the
    load test ends (a steady trickle, as `watch` or a scheduled import would write)."""
    env = {**os.environ, "BELOWTHEFOLD_DB": str(db)}
    seed = 0
    while not stop.is_set():
        seed += 1
        f = work / f"import-{seed}.jsonl"
        write_import_file(f, articles, seed)
        t0 = time.perf_counter()
        p = subprocess.run([*CLI, "import", str(f)], env=env, capture_output=True, text=True)
        log.append(
            f"import {seed}: {articles} articles, exit {p.returncode}, "
            f"{time.perf_counter() - t0:.1f}s {p.stderr.strip()[-200:]}"
        )
        stop.wait(1.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--articles", type=int, default=2000, help="articles per import run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "bench.db"
        env = {**os.environ, "BELOWTHEFOLD_DB": str(db)}
        subprocess.run(
            [
                *CLI,
                "import",
                str(FIXTURES / "week.jsonl"),
                "--sources",
                str(FIXTURES / "sources.toml"),
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env)
        try:
            wait_up(base, server)
            mix = paths(base)
            stop = threading.Event()
            log: list[str] = []
            imp = threading.Thread(target=importer, args=(db, work, args.articles, stop, log))
            imp.start()
            time.sleep(0.5)  # let the first import start writing
            per = args.requests // args.clients
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                futures = [pool.submit(client_loop, base, mix, per, i) for i in range(args.clients)]
                results = [r for f in futures for r in f.result()]
            elapsed = time.perf_counter() - t0
            stop.set()
            imp.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    lat = sorted(r.seconds for r in results)
    errors = [r for r in results if r.error]
    q = statistics.quantiles(lat, n=100)
    print(
        f"{len(results)} requests, {args.clients} clients, {elapsed:.1f}s: "
        f"{len(results) / elapsed:.0f} requests/s"
    )
    print(
        f"latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, "
        f"max {lat[-1] * 1000:.0f} ms"
    )
    by_path: dict[str, list[float]] = {}
    for r in results:
        by_path.setdefault(
            r.path.split("?")[0].rsplit("/", 1)[0] if "/stories/" in r.path else r.path, []
        ).append(r.seconds)
    slowest = sorted(by_path.items(), key=lambda kv: -sorted(kv[1])[int(0.95 * (len(kv[1]) - 1))])
    for path, secs in slowest[:6]:
        secs.sort()
        print(
            f"  {path}: n={len(secs)} p50 {secs[len(secs) // 2] * 1000:.0f} ms, "
            f"p95 {secs[int(0.95 * (len(secs) - 1))] * 1000:.0f} ms"
        )
    print(f"errors: {len(errors)}")
    for e in errors[:10]:
        print(f"  {e.path}: {e.error}")
    print(f"imports during the run: {len(log)}")
    for line in log:
        print(f"  {line}")
    return 1 if errors or any("exit 0" not in line for line in log) else 0


if __name__ == "__main__":
    sys.exit(main())
