"""Load test for `belowthefold serve` (not a test): 2,000 requests from 10 concurrent clients on
loopback while `belowthefold import` writes to the same database in another process.

    .venv/bin/python bench/bench_web.py [--requests 2000] [--clients 10] [--articles 4000]
    .venv/bin/python bench/bench_web.py --db /tmp/copy100k.db --week 2030-W03 --articles 0 \
        --each 200 --pressure 'from=2029-12-24&to=2030-01-20'

The first week page is timed on its own (from a fresh server: the brief built, or read back if
kept), then the mix draws a page kind uniformly per request; --each then loads every kind alone.

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
    kind: str
    path: str
    status: int
    seconds: float
    error: str | None


@dataclass(frozen=True)
class Archive:
    """What the mix asks of an archive given with --db: a second audience, a common and a
    rare search word, and the pressure query."""

    audience: str
    common: str
    rare: str
    pressure: str


@dataclass(frozen=True)
class Load:
    results: list[Result]
    elapsed: float


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


def first_answer(base: str, path: str, timeout: float = 300) -> float:
    """Seconds until `path` answers 200 (a brief not built yet answers 503 + Retry-After; the
    bench asks again every 0.1 s, as a patient reader would)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        r = httpx.get(base + path, timeout=timeout)
        if r.status_code == 200:
            return time.perf_counter() - t0
        if r.status_code != 503:
            raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:200]}")
        time.sleep(0.1)
    raise SystemExit(f"{path}: no answer in {timeout:.0f}s")


def kinds(base: str, week: str, archive: Archive | None) -> dict[str, list[str]]:
    """Every page kind, each with its paths: week pages and briefs, pressure, stories, search,
    sources, the API. The fixture's mix by default; an archive's own week, words and groups
    with --db."""
    brief = httpx.get(f"{base}/api/weeks/{week}/brief", timeout=300).json()
    stories = [m["story_id"] for m in brief["missed"]] + [
        d["articles"][0]["story_id"] for d in brief["dominant"]
    ]
    a = archive or Archive(
        audience="regional",
        common="cholera",
        rare="dam+collapse",
        pressure=f"from=2025-03-31&to=2025-04-06&group={brief['audience']}",
    )
    out = {
        "week page": [f"/weeks/{week}"],
        "week page, 2nd audience": [f"/weeks/{week}?audience={a.audience}"],
        "brief page": [f"/weeks/{week}/brief"],
        "api brief": [f"/api/weeks/{week}/brief"],
        "api pressure": [f"/api/pressure?{a.pressure}"],
        "stories export": [f"/weeks/{week}/export/stories.json"],
        "story page": [f"/stories/{s}" for s in stories],
        "api story": [f"/api/stories/{s}" for s in stories],
        "search, common word": [f"/search?q={a.common}"],
        "search, rare word": [f"/search?q={a.rare}"],
        "api search": [f"/api/search?q={a.common}"],
        "sources": ["/sources"],
        "api sources": ["/api/sources"],
        "feed": [f"/feeds/missed.atom?week={week}&weeks=1"],
        "openapi": ["/openapi.json"],
        "static": ["/static/style.css"],
    }
    return out


def client_loop(base: str, mix: dict[str, list[str]], n: int, seed: int) -> list[Result]:
    """n requests, each of a kind drawn uniformly, then one of its paths."""
    rnd = random.Random(seed)
    names = sorted(mix)
    out: list[Result] = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(n):
            kind = rnd.choice(names)
            path = rnd.choice(mix[kind])
            t0 = time.perf_counter()
            try:
                r = c.get(path)
                err = None
                if r.status_code >= 400:
                    err = f"HTTP {r.status_code}: {r.text[:120]}"
                elif "database is locked" in r.text:
                    err = "database is locked"
                out.append(Result(kind, path, r.status_code, time.perf_counter() - t0, err))
            except httpx.HTTPError as exc:
                out.append(Result(kind, path, 0, time.perf_counter() - t0, repr(exc)))
    return out


def load(base: str, mix: dict[str, list[str]], requests: int, clients: int) -> Load:
    per = max(1, requests // clients)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client_loop, base, mix, per, i) for i in range(clients)]
        results = [r for f in futures for r in f.result()]
    return Load(results, time.perf_counter() - t0)


def pct(secs: list[float], q: float) -> float:
    s = sorted(secs)
    return s[int(q * (len(s) - 1))]


def report_each(base: str, mix: dict[str, list[str]], requests: int, clients: int) -> int:
    """Each kind alone under `clients` clients: its own requests/s, p50, p95, errors."""
    print(f"each page kind alone, {requests} requests, {clients} clients:")
    print("| page | req/s | p50 ms | p95 ms | errors |")
    print("|---|---|---|---|---|")
    errors = 0
    for kind in mix:
        run = load(base, {kind: mix[kind]}, requests, clients)
        secs = [r.seconds for r in run.results]
        bad = [r for r in run.results if r.error]
        errors += len(bad)
        print(
            f"| {kind} | {len(secs) / run.elapsed:.0f} | {pct(secs, 0.5) * 1000:.0f} | "
            f"{pct(secs, 0.95) * 1000:.0f} | {len(bad)} |",
            flush=True,
        )
        for e in bad[:3]:
            print(f"  {e.path}: {e.error}")
    return errors


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
    ap.add_argument(
        "--articles", type=int, default=2000, help="articles per import run (0: no importer)"
    )
    ap.add_argument(
        "--db", type=Path, help="serve this archive (a copy you made: the importer writes to it)"
    )
    ap.add_argument("--week", default=WEEK, help="the week the mix asks for (with --db)")
    ap.add_argument("--audience", default="foreign", help="a second audience (with --db)")
    ap.add_argument("--common", default="trump", help="a common search word (with --db)")
    ap.add_argument("--rare", default="kashmir", help="a rare search word (with --db)")
    ap.add_argument("--pressure", default="", help="the /api/pressure query (with --db)")
    ap.add_argument(
        "--each", type=int, default=0, help="then each page kind alone, this many requests"
    )
    ap.add_argument("--config", type=Path, help="a settings file for the server")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = args.db or work / "bench.db"
        env = {**os.environ, "BELOWTHEFOLD_DB": str(db)}
        cli = [*CLI, "--config", str(args.config)] if args.config else CLI
        archive = None
        if args.db is None:
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
        else:
            archive = Archive(args.audience, args.common, args.rare, args.pressure)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env)
        try:
            wait_up(base, server)
            first = first_answer(base, f"/weeks/{args.week}")
            again = first_answer(base, f"/weeks/{args.week}")
            print(
                f"first week page (the brief built or read back): {first:.2f}s, again {again:.3f}s"
            )
            mix = kinds(base, args.week, archive)
            for kind, where in mix.items():  # each kind's first answer, cold (waits out a 503)
                print(f"  first {kind}: {first_answer(base, where[0]) * 1000:.0f} ms", flush=True)
            stop = threading.Event()
            log: list[str] = []
            imp = threading.Thread(target=importer, args=(db, work, args.articles, stop, log))
            if args.articles:
                imp.start()
                time.sleep(0.5)  # let the first import start writing
            run = load(base, mix, args.requests, args.clients)
            each_errors = report_each(base, mix, args.each, args.clients) if args.each else 0
            stop.set()
            if args.articles:
                imp.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    results, elapsed = run.results, run.elapsed
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
    by_kind: dict[str, list[float]] = {}
    for r in results:
        by_kind.setdefault(r.kind, []).append(r.seconds)
    for kind, secs in sorted(by_kind.items(), key=lambda kv: -pct(kv[1], 0.95)):
        print(
            f"  {kind}: n={len(secs)} p50 {pct(secs, 0.5) * 1000:.0f} ms, "
            f"p95 {pct(secs, 0.95) * 1000:.0f} ms"
        )
    print(f"errors: {len(errors)}")
    for e in errors[:10]:
        print(f"  {e.path}: {e.error}")
    print(f"imports during the run: {len(log)}")
    for line in log:
        print(f"  {line}")
    failed = errors or each_errors or any("exit 0" not in line for line in log)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
