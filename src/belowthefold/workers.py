"""Fetch workers: N processes on N machines share each round's fetching through the store.

`work_round` joins (or opens) the store's current round and, until no task of it is due,
leases free hosts (store/leases.py) up to `concurrency` at a time, fetches each leased host's
due tasks in a thread of its own (one request at a time per host: the host lease spans the
workers, the Fetcher's gate the threads), stores each fetch with its task marked done in the
same transaction, and gives the host back. A worker with nothing free to take while tasks are
still due (leased by others) looks again every `poll_s`: when a killed worker's leases
expire, whoever looks next takes its hosts and fetches what it left undone.

While it works, a worker renews its leases a third of `lease_s` apart, so only a dead or
frozen worker loses a host; one that finds a host lost (taken after its lease expired) stops
fetching there after the request in hand.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field

from belowthefold.config import FetchOptions
from belowthefold.errors import FetchError, StoreError
from belowthefold.fetch import FetchReport, FetchRunner, SourceReport, Validators
from belowthefold.fetch.transport import Fetcher
from belowthefold.language import LanguageIdentifier
from belowthefold.models import FetchRecord, Source
from belowthefold.pipeline import save_outcome, sources_to_fetch, stored_rules
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.store.leases import HostLease, LeaseMark, Round, Task


def worker_id() -> str:
    """host:pid:random, unique across machines and across restarts of one pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class WorkerOptions:
    """Who this worker is and how it shares: `every_s` 0 is one round (`fetch --worker`)."""

    holder: str
    every_s: float = 0.0
    lease_s: float = 120.0
    poll_s: float = 1.0
    # How long a request to a host another worker holds (an article page there) waits for it
    # before it is given up as `host_busy` (the article keeps its feed summary).
    host_wait_s: float = 30.0


@dataclass(frozen=True)
class WorkerReport:
    """What one worker did in one round: the round, its fetches, the host turns it took."""

    round: Round
    fetch: FetchReport
    turns: int


def round_tasks(sources: Sequence[Source]) -> list[Task]:
    """Every task of a round: each source's feeds, then its front page (as `FetchRunner.run`)."""
    feeds = [Task(s.name, "feed", url) for s in sources for url in s.feeds]
    pages = [Task(s.name, "frontpage", s.frontpage) for s in sources if s.frontpage]
    return feeds + pages


@dataclass
class _Held:
    """A host this worker holds, and whether it learnt it lost it."""

    lease: HostLease
    lost: threading.Event = field(default_factory=threading.Event)


class _Turns:
    """The Fetcher's seam (HostTurns) that keeps a worker's requests to hosts it did not lease
    polite across workers: article pages of a full-text feed often live on another host (the
    feed on feeds.example.com, the pages on www.example.com), which other workers may be
    fetching. Before such a request the worker holds that host's lease, waiting while another
    worker has it (at most `host_wait_s`), and gives it back with the host's pause after. A
    host the worker leased for its tasks needs nothing more: its per-host gate orders its own
    threads, and it gives the host back only once their request there is over."""

    def __init__(self, shift: _Shift) -> None:
        self.shift = shift

    def begin(self, host: str) -> bool:
        s = self.shift
        give_up = s.clock.monotonic() + s.worker.host_wait_s
        while True:
            with s.lock:
                if host in s.held:
                    return False
                if s.store.leases.hold(s.worker.holder, host, s.worker.lease_s, s.now()):
                    return True
            if s.clock.monotonic() >= give_up:
                raise FetchError(
                    "host_busy",
                    f"{host} stayed leased to another worker for {s.worker.host_wait_s:.0f}s; "
                    "not asked this round",
                )
            s.clock.sleep(s.worker.poll_s)

    def end(self, host: str, taken: bool, pause: float) -> None:
        if taken:
            s = self.shift
            with s.lock:
                s.store.leases.release(s.worker.holder, {host: s.now() + pause})


class _Shift:
    """One worker's round: the store (behind one lock, the threads share it), the runner, the
    hosts it holds and what was fetched."""

    def __init__(
        self,
        store: Store,
        options: FetchOptions,
        worker: WorkerOptions,
        fetcher: Fetcher,
        languages: LanguageIdentifier | None,
        round_: Round,
    ) -> None:
        self.store = store
        self.options = options
        self.worker = worker
        self.base = fetcher
        self.runner = FetchRunner(options, fetcher.sharing(_Turns(self)), languages=languages)
        self.round = round_
        self.clock = self.runner.clock
        self.lock = threading.Lock()
        self.held: set[str] = set()  # hosts leased for their tasks, under `lock`
        self.sources = {s.name: s for s in sources_to_fetch(store)}
        self.index = SourceIndex.build(list(self.sources.values()), stored_rules(store))
        self.results: dict[str, list[FetchRecord]] = {}
        self.run_id = store.runs.begin("fetch", f"worker {worker.holder}, round {round_.number}")
        self.turns = 0

    def now(self) -> float:
        return self.clock.now().timestamp()

    def known(self, urls: Sequence[str]) -> set[str]:
        with self.lock:
            return self.store.feeds.known_urls(urls)

    # -- the loop ---------------------------------------------------------------------------

    def work(self) -> None:
        """Take, fetch, give back, until no task of the round is due; Ctrl-C gives back too."""
        slots = max(1, self.options.concurrency)
        beat_s = max(0.05, self.worker.lease_s / 3)
        pool = ThreadPoolExecutor(max_workers=slots)
        running: dict[Future[None], _Held] = {}
        last_beat = self.clock.monotonic()
        try:
            while True:
                if running and self.clock.monotonic() - last_beat >= beat_s:
                    self._renew(list(running.values()))
                    last_beat = self.clock.monotonic()
                for held in self._take(slots - len(running)):
                    running[pool.submit(self._fetch_host, held)] = held
                if not running:
                    with self.lock:
                        due = self.store.leases.due(self.round.number)
                    if not due:
                        break
                    self.clock.sleep(self.worker.poll_s)
                    continue
                done, _ = wait(
                    running, timeout=min(self.worker.poll_s, beat_s), return_when=FIRST_COMPLETED
                )
                finished = [running.pop(f) for f in done]
                for f in done:
                    f.result()
                self._release(finished)
        except BaseException:
            self.runner.fetcher.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            with suppress(StoreError):  # the leases expire anyway
                self._release(list(running.values()))
            raise
        pool.shutdown(wait=True)

    def _take(self, free: int) -> list[_Held]:
        if free <= 0:
            return []
        with self.lock:
            leases = self.store.leases.take(
                self.worker.holder, self.round.number, free, self.worker.lease_s, self.now()
            )
            self.held.update(lease.host for lease in leases)
        self.turns += len(leases)
        return [_Held(lease) for lease in leases]

    def _renew(self, items: Sequence[_Held]) -> None:
        until = self.now() + self.worker.lease_s
        with self.lock:
            lost = self.store.leases.renew(self.worker.holder, [h.lease.host for h in items], until)
        for h in items:
            if h.lease.host in lost:
                h.lost.set()

    def _release(self, finished: Sequence[_Held]) -> None:
        if not finished:
            return
        hosts = sorted({h.lease.host for h in finished})
        with ExitStack() as waits:  # no request of this worker still out on them
            for host in hosts:
                waits.enter_context(self.base.host_lock(host))
            now = self.now()
            free_at = {host: now + self.base.delay_for(host) for host in hosts}
            with self.lock:
                self.held.difference_update(hosts)
                self.store.leases.release(self.worker.holder, free_at)

    # -- one host ---------------------------------------------------------------------------

    def _fetch_host(self, held: _Held) -> None:
        """The host's due tasks in order, each stored with its task marked done."""
        for task in held.lease.tasks:
            if held.lost.is_set():
                return
            source = self._source(task)
            if source is None:
                continue
            validators = None
            if task.kind == "feed":
                with self.lock:
                    state = self.store.feeds.state(task.url)
                if state is not None:
                    validators = Validators(state.etag, state.last_modified)
            outcomes = self.runner.fetch_one(source, task.kind, task.url, validators, self.known)
            for i, outcome in enumerate(outcomes):
                mark = None
                if i == 0:  # the task's own fetch; article pages follow it
                    until = self.now() + self.worker.lease_s
                    mark = LeaseMark(task, self.round.number, self.worker.holder, until)
                with self.lock:
                    saved = save_outcome(
                        self.store, self.options, self.run_id, outcome, self.index, mark
                    )
                    self.results.setdefault(source.name, []).append(saved)

    def _source(self, task: Task) -> Source | None:
        """The task's source, re-read once if it was added after this round started; a task
        of a source removed since is dropped."""
        with self.lock:
            if task.source not in self.sources:
                self.sources = {s.name: s for s in sources_to_fetch(self.store)}
                if task.source not in self.sources:
                    self.store.leases.forget(task)
                    return None
            return self.sources[task.source]

    def report(self, elapsed_s: float) -> FetchReport:
        reports = tuple(
            SourceReport(s.name, s.group, tuple(self.results[s.name]))
            for s in self.sources.values()
            if s.name in self.results
        )
        with self.lock:
            self.store.runs.finish(
                self.run_id,
                sum(r.entries for r in reports),
                sum(r.inserted for r in reports),
                sum(r.not_modified for r in reports),
                sum(len(r.failures) for r in reports),
            )
        return FetchReport(self.run_id, reports, elapsed_s)


def work_round(
    store: Store,
    options: FetchOptions,
    worker: WorkerOptions,
    fetcher: Fetcher | None = None,
    languages: LanguageIdentifier | None = None,
) -> WorkerReport:
    """Join the store's current round (or open the next, by `worker.every_s`) and fetch
    with the other workers until every task of it is done."""
    with ExitStack() as owned:
        if fetcher is None:
            fetcher = owned.enter_context(Fetcher(options))
        start = fetcher.clock.monotonic()
        tasks = round_tasks(sources_to_fetch(store))
        round_ = store.leases.open_round(tasks, worker.every_s, fetcher.clock.now().timestamp())
        shift = _Shift(store, options, worker, fetcher, languages, round_)
        shift.work()
        report = shift.report(fetcher.clock.monotonic() - start)
    return WorkerReport(round_, report, shift.turns)
