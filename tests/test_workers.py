"""Fetch workers sharing one store (`watch --worker`): leases, rounds, politeness across workers.

The lease rules are checked in process on both backends; then three real worker processes
(the real CLI) share 300 feeds on 10 loopback hosts, one is killed with -9 mid-round, and the
store must end as a single `fetch` leaves it, each feed fetched once but what the dead worker
had in flight, and no host ever serving two requests at once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import ClusterOptions, Settings
from belowthefold.fetch import Fetcher
from belowthefold.models import Source
from belowthefold.store import Store
from belowthefold.store.core_tx import transaction
from belowthefold.store.leases import Task
from belowthefold.workers import WorkerOptions, WorkerReport, round_tasks, work_round
from cli_support import REPO, run_cli
from fetchserver import FAST, Route, Served, rss, send, serve

pytestmark = pytest.mark.both_backends

DATE = "Tue, 01 Apr 2025 08:00:00 GMT"
TASKS = [Task(f"s{i}", "feed", f"http://h{i % 2}.example/f{i}.xml") for i in range(4)]


# -- the lease rules, in process ------------------------------------------------------------


def test_a_host_goes_to_one_worker_until_its_lease_expires(store: Store) -> None:
    r = store.leases.open_round(TASKS, 0.0, now=100.0)
    assert (r.number, store.leases.due(r.number)) == (1, 4)
    a = store.leases.take("a", r.number, 1, lease_s=10.0, now=100.0)
    b = store.leases.take("b", r.number, 5, lease_s=10.0, now=100.0)
    assert len(a) == 1 and len(b) == 1 and a[0].host != b[0].host
    assert [t.host for t in a[0].tasks] == [a[0].host] * 2
    assert store.leases.take("c", r.number, 5, lease_s=10.0, now=109.9) == []
    assert store.leases.renew("a", [a[0].host], until=130.0) == set()
    # b died: its host comes free when its lease expires, a's (renewed) does not.
    c = store.leases.take("c", r.number, 5, lease_s=10.0, now=110.0)
    assert [h.host for h in c] == [b[0].host]
    assert store.leases.renew("b", [b[0].host], until=140.0) == {b[0].host}


def test_taking_skips_locked_hosts_and_never_waits_for_a_writer(
    db_target: Path | str, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: BEGIN IMMEDIATE serialises taking")
    with Store(db_target) as a, Store(db_target) as b:
        r = a.leases.open_round(TASKS, 0.0, now=100.0)
        with transaction(a.conn):  # a writer (the advisory lock) that also locks one host row
            a.conn.execute(
                "SELECT host FROM fetch_hosts WHERE host = ? FOR UPDATE", (TASKS[0].host,)
            )
            started = time.monotonic()
            got = b.leases.take("b", r.number, 5, lease_s=10.0, now=100.0)
            assert time.monotonic() - started < 2.0  # lock_timeout is 30 s: it did not wait
        assert [h.host for h in got] == [TASKS[1].host]


def test_a_round_is_joined_until_done_and_released_hosts_wait_the_delay(store: Store) -> None:
    r = store.leases.open_round(TASKS, 0.0, now=100.0)
    assert store.leases.open_round(TASKS, 0.0, now=101.0) == r  # tasks due: join it
    (lease,) = store.leases.take("a", r.number, 1, lease_s=10.0, now=100.0)
    store.leases.release("a", {lease.host: 105.0})
    assert store.leases.take("b", r.number, 5, 10.0, now=104.0)[0].host != lease.host
    assert [h.host for h in store.leases.take("b", r.number, 5, 10.0, now=105.0)] == [lease.host]
    # watch's rounds start `every_s` apart, done or not.
    assert store.leases.open_round(TASKS, 60.0, now=159.0).number == 1
    assert store.leases.open_round(TASKS, 60.0, now=160.0).number == 2


def test_a_removed_source_leaves_the_round(store: Store) -> None:
    r = store.leases.open_round(TASKS, 0.0, now=100.0)
    store.leases.open_round(TASKS[:1], 0.0, now=100.0)
    assert store.leases.due(r.number) == 1


def _feed(name: str) -> bytes:
    return rss([(f"{name} item {i}", f"http://news.example/{name}/{i}", DATE) for i in range(2)])


def _static(body: bytes) -> Route:
    return lambda h: send(h, body)


def test_two_workers_in_process_fetch_each_feed_once(store: Store) -> None:
    routes: dict[str, Route] = {f"/f{i}.xml": _static(_feed(f"f{i}")) for i in range(6)}
    with serve(routes) as srv:
        sources = [Source(f"S{i}", "mainstream", (), (srv.url(f"/f{i}.xml"),)) for i in range(6)]
        pipeline.save_sources(store, sources)
        assert len(round_tasks(sources)) == 6
        with Fetcher(FAST) as fetcher:
            first = work_round(store, FAST, WorkerOptions("a", poll_s=0.01), fetcher)
            second = work_round(store, FAST, WorkerOptions("b", poll_s=0.01), fetcher)
        assert (first.round.number, first.fetch.feeds, first.fetch.inserted) == (1, 6, 12)
        # every_s 0 and the round done: the second worker opens round 2 and fetches again.
        assert (second.round.number, second.fetch.feeds, second.fetch.inserted) == (2, 6, 0)
        assert Counter(p for p, _ in srv.requests if p != "/robots.txt") == {
            f"/f{i}.xml": 2 for i in range(6)
        }
    assert store.leases.due(2) == 0 and store.leases.holders() == {}


def test_the_next_worker_on_a_host_waits_its_robots_crawl_delay(store: Store) -> None:
    # Worker a reads robots.txt (Crawl-delay: 1) and fetches the host's two feeds a second
    # apart; worker b, in the next round, has not read it, yet waits the second too, since a
    # gave the host back free only a crawl delay after its last request.
    seen: list[tuple[str, float]] = []

    def timed(body: bytes) -> Route:
        def route(h: BaseHTTPRequestHandler) -> None:
            seen.append((h.path, time.monotonic()))
            send(h, body)

        return route

    robots = b"User-agent: *\nCrawl-delay: 1\n"
    routes: dict[str, Route] = {f"/f{i}.xml": timed(_feed(f"f{i}")) for i in range(2)}
    routes["/robots.txt"] = timed(robots)
    with serve(routes) as srv:
        sources = [Source(f"S{i}", "mainstream", (), (srv.url(f"/f{i}.xml"),)) for i in range(2)]
        pipeline.save_sources(store, sources)
        with Fetcher(FAST) as a_fetcher, Fetcher(FAST) as b_fetcher:
            work_round(store, FAST, WorkerOptions("a", poll_s=0.01), a_fetcher)
            work_round(store, FAST, WorkerOptions("b", poll_s=0.01), b_fetcher)
    assert [p for p, _ in seen] == ["/robots.txt", "/f0.xml", "/f1.xml"] * 2
    times = [t for _, t in seen]
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert min(gaps) >= 0.95, gaps  # robots.txt counts as a request


_PAGE = (
    "<html lang='en'><head><title>Dyke</title></head><body><article><h1>New dyke</h1>"
    + "".join(
        f"<p>The new dyke protects the city from storm surges, part {i}. Work on section {i} "
        "took three years and cost a great deal of money.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
).encode()


@contextmanager
def _fulltext_farm(
    db_target: Path | str,
) -> Iterator[tuple[Served, list[int], list[str]]]:
    """Two full-text sources on two feed hosts, every article page on a third host, which
    counts its requests in flight (the peak) and serves each slowly."""
    inflight = [0, 0]  # now, peak
    guard = threading.Lock()

    def page(h: BaseHTTPRequestHandler) -> None:
        with guard:
            inflight[0] += 1
            inflight[1] = max(inflight)
        time.sleep(0.08)
        with guard:
            inflight[0] -= 1
        send(h, _PAGE, "text/html; charset=utf-8")

    with serve() as pages, serve() as a, serve() as b:
        urls = [pages.url(f"/a/{i}") for i in range(6)]
        for i in range(6):
            pages.routes[f"/a/{i}"] = page
        for host, name, mine in ((a, "A", urls[:3]), (b, "B", urls[3:])):
            body = rss([(f"{name} story {i}", u, DATE) for i, u in enumerate(mine)])
            host.routes["/f.xml"] = _static(body)
        sources = [
            Source(n, "wire", (), (h.url("/f.xml"),), fulltext=True)
            for n, h in (("A", a), ("B", b))
        ]
        with Store(db_target) as store:
            pipeline.save_sources(store, sources)
        yield pages, inflight, urls


def _workers_at_once(db_target: Path | str, worker: WorkerOptions, n: int) -> list[object]:
    """`n` workers, each its own store connection and Fetcher (as processes have), at once."""
    start = threading.Barrier(n)
    done: list[object] = []

    def work(i: int) -> None:
        opts = replace(FAST, concurrency=1)
        with Store(db_target) as store, Fetcher(opts) as fetcher:
            start.wait()
            done.append(work_round(store, opts, replace(worker, holder=f"w{i}"), fetcher))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return done


def test_article_pages_on_a_host_no_worker_leased_take_turns_across_workers(
    db_target: Path | str,
) -> None:
    # Each worker leases one feed host; the pages are on a host neither leased, so they hold
    # its lease for each request: never two at once there, and every page is fetched.
    with _fulltext_farm(db_target) as (pages, inflight, urls):
        done = _workers_at_once(db_target, WorkerOptions("w", poll_s=0.01), 2)
        assert len(done) == 2
        assert sorted(p for p, _ in pages.requests if p.startswith("/a/")) == [
            f"/a/{i}" for i in range(6)
        ]
    assert inflight[1] == 1
    with Store(db_target) as store:
        stored = [store.articles.get(u) for u in urls]
        assert all(a is not None and "storm surges" in a.text for a in stored), [
            a and a.text[:80] for a in stored
        ]
        assert store.leases.holders() == {}


def test_a_page_host_another_worker_keeps_is_given_up_and_the_summary_kept(
    db_target: Path | str,
) -> None:
    with _fulltext_farm(db_target) as (pages, _inflight, urls):
        with Store(db_target) as store:
            assert store.leases.hold("elsewhere", pages.base, 600.0, time.time())
        worker = WorkerOptions("w", poll_s=0.01, host_wait_s=0.2)
        (report,) = _workers_at_once(db_target, worker, 1)
        assert not [p for p, _ in pages.requests if p.startswith("/a/")]
    assert isinstance(report, WorkerReport)
    with Store(db_target) as store:
        stored = [store.articles.get(u) for u in urls]
        assert all(a is not None and "storm surges" not in a.text for a in stored)
        pages_failed = [
            f for f in store.feeds.fetches(report.fetch.run_id) if f.kind == "page" and f.failed
        ]
        assert {f.error_kind for f in pages_failed} == {"host_busy"} and len(pages_failed) == 6


def test_a_worker_fetches_every_source_so_source_is_a_usage_error(db_target: Path | str) -> None:
    Store(db_target).close()
    res = run_cli("--db", str(db_target), "watch", "--worker", "--source", "x", timeout=120)
    assert res.returncode == 2 and "drop --source" in res.stderr


def test_workers_shows_the_round_the_hosts_each_worker_holds_and_who_clusters(
    store: Store, db_target: Path | str
) -> None:
    db = str(db_target)
    empty = run_cli("--db", db, "workers", timeout=120)
    assert empty.returncode == 0 and "no round yet" in empty.stdout
    now = time.time()
    r = store.leases.open_round(TASKS, 0.0, now=now)
    held = store.leases.take("box-a:41:aa", r.number, 1, lease_s=60.0, now=now)
    with transaction(store.conn):
        store.conn.execute(
            "UPDATE fetch_tasks SET done_round=? WHERE url=?", (r.number, TASKS[0].url)
        )
    with store.claims.hold("cluster"):
        out = run_cli("--db", db, "workers", "--format", "json", timeout=120)
        table = run_cli("--db", db, "workers", timeout=120)
    assert out.returncode == 0, out.stderr
    view = json.loads(out.stdout)
    assert (view["round"], view["tasks"], view["due"]) == (1, 4, 3)
    assert [(w["worker"], w["hosts"]) for w in view["workers"]] == [("box-a:41:aa", [held[0].host])]
    assert 50 < view["workers"][0]["lease_left_s"] <= 60
    assert f"pid {os.getpid()}" in view["clustering"]
    assert "round 1" in table.stdout and "1 of 4 tasks done, 3 due" in table.stdout
    assert "box-a:41:aa" in table.stdout and f"pid {os.getpid()}" in table.stdout
    assert store.leases.view().leases == {"box-a:41:aa": [(held[0].host, now + 60.0)]}  # read only


def test_the_web_shows_the_workers_as_the_cli_does(store: Store, db_target: Path | str) -> None:
    from datetime import UTC, datetime

    from starlette.testclient import TestClient

    from belowthefold.web import create_app

    at = 1_750_000_000.0
    clock = datetime.fromtimestamp(at, UTC)
    app = create_app(Settings(db=db_target), clock=lambda: clock)
    with TestClient(app) as client:
        empty = client.get("/workers")
        assert empty.status_code == 200 and "No round yet" in empty.text
        assert client.get("/api/workers").json()["round"] is None
        r = store.leases.open_round(TASKS, 0.0, now=at - 5)
        # A holder is whatever a worker calls itself (its host name): escaped like any text.
        held = store.leases.take("box-<b>:7:zz", r.number, 1, lease_s=60.0, now=at - 5)
        api = client.get("/api/workers")
        page = client.get("/workers")
    assert api.headers["cache-control"] == "no-store"
    data = api.json()
    assert (data["round"], data["tasks"], data["due"]) == (1, 4, 4)
    assert data["workers"] == [
        {"worker": "box-<b>:7:zz", "hosts": [held[0].host], "lease_left_s": 55.0}
    ]
    assert page.status_code == 200 and "0 of 4 tasks done, 4 due" in page.text
    assert "box-&lt;b&gt;:7:zz" in page.text and "box-<b>" not in page.text
    assert 'href="/workers" aria-current="page"' in page.text
    cli = json.loads(run_cli("--db", str(db_target), "workers", "--format", "json").stdout)
    # The same view: only the lease's time left moves (the CLI reads the real clock).
    assert {**cli, "workers": None} == {**data, "workers": None}
    assert [w["hosts"] for w in cli["workers"]] == [w["hosts"] for w in data["workers"]]


# -- workers cluster what they fetched when no other process is clustering ------------------

TFIDF = Settings(cluster=ClusterOptions(representation="tfidf"))


def _unassigned(db: Path | str) -> int:
    with Store(db) as s:
        return s.articles.count_unassigned()


def test_a_worker_clusters_when_the_claim_is_free_and_leaves_it_to_the_holder(
    store: Store, db_target: Path | str
) -> None:
    routes: dict[str, Route] = {f"/f{i}.xml": _static(_feed(f"f{i}")) for i in range(3)}
    with serve(routes) as srv:
        pipeline.save_sources(
            store, [Source(f"S{i}", "wire", (), (srv.url(f"/f{i}.xml"),)) for i in range(3)]
        )
        with Fetcher(FAST) as fetcher:
            work_round(store, FAST, WorkerOptions("a", poll_s=0.01), fetcher)
    assert store.articles.count_unassigned() == 6
    with Store(db_target) as other, other.claims.hold("cluster"):
        busy = pipeline.cluster_if_free(store, TFIDF)
        # Left to the holder at once, naming it; nothing assigned, nothing waited for.
        assert busy.clustered == 0 and busy.held_by is not None and "pid" in busy.held_by
        assert store.articles.count_unassigned() == 6
    free = pipeline.cluster_if_free(store, TFIDF)
    assert free == pipeline.ClusterTurn(6) and store.articles.count_unassigned() == 0
    assert store.claims.holder("cluster") is None  # given back
    assert pipeline.cluster_if_free(store, TFIDF) == pipeline.ClusterTurn(0)


def test_fetch_as_a_worker_clusters_unless_told_not_to(db_target: Path | str) -> None:
    db = str(db_target)
    env = {"HF_HUB_OFFLINE": "1", "BELOWTHEFOLD_CLUSTER__REPRESENTATION": "tfidf"}
    fast = {
        f"BELOWTHEFOLD_FETCH__{k}": v
        for k, v in [("PER_HOST_DELAY_S", "0"), ("ALLOW_PRIVATE_ADDRESSES", "1"), ("RETRIES", "0")]
    }
    with serve({"/f.xml": _static(_feed("f"))}) as srv, Store(db) as s:
        pipeline.save_sources(s, [Source("S", "wire", (), (srv.url("/f.xml"),))])
        plain = run_cli("--db", db, "fetch", env={**env, **fast}, timeout=300)
        assert plain.returncode == 0, plain.stderr
        assert _unassigned(db) == 2 and "clustered" not in plain.stdout  # off without --worker
        off = run_cli(
            "--db", db, "fetch", "--worker", "--no-cluster", env={**env, **fast}, timeout=300
        )
        assert off.returncode == 0, off.stderr
        assert _unassigned(db) == 2 and "clustered" not in off.stdout
        srv.routes["/f.xml"] = _static(_feed("g"))
        on = run_cli("--db", db, "fetch", "--worker", env={**env, **fast}, timeout=300)
        assert on.returncode == 0, on.stderr
        assert "clustered 4 new articles" in on.stdout and _unassigned(db) == 0


# -- three worker processes, one killed -----------------------------------------------------

HOSTS = 10
FEEDS_PER_HOST = 30
DELAY_S = 0.06  # each feed answers this late, so overlapping requests would show


@dataclass
class HostLog:
    """What one loopback host saw: requests per path, most requests at once."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: int = 0
    most: int = 0
    paths: Counter[str] = field(default_factory=Counter)

    def clear(self) -> None:
        with self.lock:
            self.now, self.most, self.paths = 0, 0, Counter()


def _route(log: HostLog, body: bytes, path: str) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        with log.lock:
            log.now += 1
            log.most = max(log.most, log.now)
            log.paths[path] += 1
        try:
            time.sleep(DELAY_S)
            send(h, body)
        finally:
            with log.lock:
                log.now -= 1

    return route


@contextmanager
def _farm() -> Iterator[tuple[list[Served], list[HostLog], list[Source]]]:
    """10 servers on 127.0.0.2-11, 30 feeds each, one source per feed."""
    with ExitStack() as stack:
        servers, logs, sources = [], [], []
        for h in range(HOSTS):
            log = HostLog()
            srv = stack.enter_context(serve({}, host=f"127.0.0.{h + 2}"))
            for f in range(FEEDS_PER_HOST):
                path = f"/feed{f}.xml"
                name = f"h{h}f{f}"
                items = [(f"{name} story {i}", f"{srv.base}/a/{name}/{i}", DATE) for i in range(2)]
                srv.routes[path] = _route(log, rss(items, name), path)
                sources.append(Source(f"Outlet {name}", "mainstream", (), (srv.url(path),)))
            servers.append(srv)
            logs.append(log)
        yield servers, logs, sources


def _env() -> dict[str, str]:
    fetch = {
        "PER_HOST_DELAY_S": "0",
        "ALLOW_PRIVATE_ADDRESSES": "1",
        "TIMEOUT_S": "5",
        "DEADLINE_S": "10",
        "RETRIES": "0",
        "CONCURRENCY": "4",
        "WORKER_LEASE_S": "3",  # renewed every 1 s: room for a live worker on a loaded machine
        "WORKER_POLL_S": "0.2",
    }
    src = str(REPO / "src")
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else src,
        "HF_HUB_OFFLINE": "1",
        "BELOWTHEFOLD_CLUSTER__REPRESENTATION": "tfidf",  # the workers cluster after the round
        **{f"BELOWTHEFOLD_FETCH__{k}": v for k, v in fetch.items()},
    }


def _cli(db: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "belowthefold", "--db", db, *args],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _articles(db: str) -> list[tuple[str, str, str, str]]:
    with Store(db) as s:
        rows = s.conn.execute("SELECT id, url, title, source FROM articles ORDER BY id").fetchall()
    return [tuple(r) for r in rows]


def _stories(db: str) -> set[frozenset[str]]:
    """The archive's stories as sets of article ids: ids may differ, the grouping may not."""
    with Store(db) as s:
        rows = s.conn.execute("SELECT story_id, article_id FROM assignments").fetchall()
    by: dict[str, set[str]] = {}
    for story, article in rows:
        by.setdefault(str(story), set()).add(str(article))
    return {frozenset(v) for v in by.values()}


def _feed_records(db: str) -> Counter[str]:
    with Store(db) as s:
        rows = s.conn.execute("SELECT url FROM fetches WHERE kind='feed'").fetchall()
    return Counter(str(r[0]) for r in rows)


@pytest.mark.slow
def test_three_workers_one_killed_fetch_what_one_fetch_does(new_db: object) -> None:
    make = new_db
    single, shared = make("single"), make("shared")  # type: ignore[operator]
    with _farm() as (servers, logs, sources):
        feeds = [u for s in sources for u in s.feeds]
        for db in (single, shared):
            with Store(db) as s:
                pipeline.save_sources(s, sources)
        ref = _cli(single, "fetch")
        _, err = ref.communicate(timeout=120)
        assert ref.returncode == 0, err
        for log in logs:
            log.clear()

        started = time.monotonic()
        procs = [_cli(shared, "watch", "--worker", "--times", "1", "--every", "1h") for _ in "abc"]
        total = len(feeds)
        while sum(sum(log.paths.values()) for log in logs) < total // 3:
            assert time.monotonic() - started < 90, "the workers never got going"
            time.sleep(0.02)
        with Store(shared) as s:
            held = Counter(h.split(":")[1] for h in s.leases.holders().values())
        victim = max(procs, key=lambda p: held.get(str(p.pid), 0))
        os.kill(victim.pid, signal.SIGKILL)
        victim.communicate(timeout=30)
        with Store(shared) as s:
            dead = {
                h for h, who in s.leases.holders().items() if who.split(":")[1] == str(victim.pid)
            }
        outputs = [p.communicate(timeout=120) for p in procs if p is not victim]
        elapsed = time.monotonic() - started
        for p, (_, e) in zip([p for p in procs if p is not victim], outputs, strict=True):
            assert p.returncode == 0, e

    assert dead, "the killed worker held no host: it was not killed mid-round"
    assert _articles(shared) == _articles(single)
    assert len(_articles(single)) == total * 2
    # One stored fetch per feed: nothing lost, nothing stored twice.
    assert _feed_records(shared) == dict.fromkeys(feeds, 1)
    # On the wire: once per feed, but what the dead worker had in flight on its hosts.
    requests: Counter[str] = Counter()
    for srv, log in zip(servers, logs, strict=True):
        requests.update({srv.url(p): n for p, n in log.paths.items()})
    again = {u: n for u, n in requests.items() if n > 1}
    assert set(requests) == set(feeds)
    assert all(n == 2 for n in again.values()), again
    assert {u.split("/feed")[0] for u in again} <= dead
    assert len(again) <= len(dead) * 2
    assert max(log.most for log in logs) == 1
    # Whoever found the clustering claim free clustered the round, once: the same stories as
    # one `stories` over the single fetch's archive.
    clustered = [re.findall(r"clustered (\d+) new articles", out) for out, _ in outputs]
    assert sum(int(n) for found in clustered for n in found) == total * 2
    assert run_cli("--db", single, "stories", "--format", "json", env=_env()).returncode == 0
    assert _unassigned(shared) == 0 and _stories(shared) == _stories(single)
    print(
        f"\n{total} feeds on {HOSTS} hosts, 3 workers, one killed holding {len(dead)} hosts: "
        f"{len(again)} feeds fetched twice, {elapsed:.1f}s; the single fetch's articles: "
        f"{len(_articles(single))}"
    )
