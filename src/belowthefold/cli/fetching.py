"""Fetch verbs: `fetch` once, `watch` again and again; the fetch-and-report step `run` shares."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from belowthefold import pipeline
from belowthefold.cli.app import (
    CommandFailed,
    Context,
    TableFormatOpt,
    UsageError,
    app,
    get,
    partial_or_failed,
    print_json,
)
from belowthefold.cli.progress import progress_bars
from belowthefold.errors import BelowTheFoldError
from belowthefold.store import Store

if TYPE_CHECKING:
    from belowthefold.fetch import FetchReport

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str) -> float:
    """'15m', '1h30m', '90s', '2h' or plain seconds to seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise CommandFailed(f"not a duration: {text!r} (use e.g. 15m, 1h, 90s)")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return sum(float(n) * unit[u] for n, u in parts)


def fetch_and_report(
    c: Context,
    store: Store,
    only: Sequence[str] = (),
    *,
    prefix: str = "",
    verbosity: int = 0,
) -> FetchReport:
    """One fetch run of the stored sources (or `only` these names/groups), reported on the
    consoles; the caller decides what a failed source means for the exit code.

    `prefix` starts every line (watch's timestamp); verbosity -1 prints only failures, 1 also
    each source that answered."""
    check_only(store, only)
    sources = pipeline.sources_to_fetch(store, only)
    if not sources:
        raise CommandFailed(
            "no sources with feeds: add some with `belowthefold sources add URL --group G`, "
            "`sources import-opml FILE --group G` or `sources add-catalog`"
        )
    from belowthefold.fetch import Fetcher

    with Fetcher(c.settings.fetch) as fetcher, progress_bars(c.err) as progress:
        report = pipeline.fetch_sources(store, c.settings.fetch, sources, fetcher, progress)
    _print_sources(c, report, prefix, verbosity)
    if verbosity < 0:
        return report
    skipped = sum(s.skipped for s in report.sources)
    unusable = f"; {skipped} entries without a title or link/id skipped" if skipped else ""
    c.out.print(
        f"{prefix}fetched {report.feeds} feeds of {len(report.sources)} sources in "
        f"{report.elapsed_s:.1f}s: {report.inserted} new articles of {report.entries} entries; "
        f"{len(report.failed)} sources failed{unusable}",
        highlight=False,
    )
    return report


def _print_sources(c: Context, report: FetchReport, prefix: str, verbosity: int) -> None:
    """One line per failed source on stderr, and per fetched one too when verbose."""
    for s in report.sources:
        if s.failed:
            c.err.print(f"{prefix}[red]failed[/red] {s.line()}", highlight=False)
        elif verbosity > 0:
            c.err.print(f"{prefix}ok {s.line()}", highlight=False, markup=False)


def check_only(store: Store, only: Sequence[str]) -> None:
    """A usage error for a --source that names neither a source nor a group (it used to be
    "no sources with feeds", as if the database were empty)."""
    stored = store.sources.all()
    unknown = [o for o in only if o not in {s.name for s in stored} | {s.group for s in stored}]
    if unknown:
        groups = ", ".join(sorted({s.group for s in stored})) or "none yet"
        raise UsageError(
            f"--source {', '.join(unknown)}: no such source or group; groups: {groups}"
        )


def fail_if_any_failed(report: FetchReport, done: str = "") -> None:
    """Exit 3 when some sources failed (partial success), 1 when every one did."""
    if report.failed:
        raise partial_or_failed(
            f"{len(report.failed)} of {len(report.sources)} sources failed{done}",
            len(report.sources) - len(report.failed),
        )


SourceOpt = Annotated[
    list[str] | None,
    typer.Option("--source", "-s", help="Only these sources or groups (repeatable)."),
]


WorkerOpt = Annotated[
    bool,
    typer.Option(
        "--worker",
        help="Share the fetching with the other --worker processes on this database (any "
        "machine): each feed is fetched by one of them per round; hosts are leased, so a host "
        "gets one request at a time from all of them; a killed worker's hosts come free after "
        "[fetch] worker_lease_s (120 s). Fetches every stored source (no --source).",
    ),
]


ClusterOpt = Annotated[
    bool | None,
    typer.Option(
        "--cluster/--no-cluster",
        help="After each round, assign the new articles to stories, unless another process "
        "is clustering now (then it is left to that one). Default: on with --worker (workers on "
        "many machines keep the stories up to date between them), off without.",
    ),
]


def cluster_after_round(
    c: Context, store: Store, prefix: str = "", memory: pipeline.ClusterMemory | None = None
) -> None:
    """Cluster what the round stored when the clustering claim is free; one line either way.
    `watch` passes the clusterer it keeps between rounds (`memory`)."""
    turn = pipeline.cluster_if_free(store, c.settings, memory)
    if turn.held_by is not None:
        c.out.print(f"{prefix}clustering left to {turn.held_by}, who holds it", highlight=False)
    elif turn.clustered:
        c.out.print(f"{prefix}clustered {turn.clustered} new articles", highlight=False)


def worker_round(c: Context, store: Store, every_s: float, *, prefix: str = "") -> FetchReport:
    """One round as a fetch worker (belowthefold/workers.py), reported as `fetch` reports."""
    from belowthefold.fetch import Fetcher
    from belowthefold.workers import WorkerOptions, work_round, worker_id

    opts = c.settings.fetch
    worker = WorkerOptions(worker_id(), every_s, opts.worker_lease_s, opts.worker_poll_s)
    with Fetcher(opts) as fetcher:
        done = work_round(store, opts, worker, fetcher)
    report = done.fetch
    _print_sources(c, report, prefix, 0)
    c.out.print(
        f"{prefix}worker {worker.holder}, round {done.round.number}: fetched {report.feeds} "
        f"feeds of {len(report.sources)} sources in {report.elapsed_s:.1f}s ({done.turns} "
        f"host turns): {report.inserted} new articles of {report.entries} entries; "
        f"{len(report.failed)} sources failed",
        highlight=False,
    )
    return report


def _no_source_with_worker(worker: bool, only: Sequence[str]) -> None:
    if worker and only:
        raise UsageError(
            "--worker fetches every stored source (the workers share one list); drop --source"
        )


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    only: SourceOpt = None,
    worker: WorkerOpt = False,
    cluster: ClusterOpt = None,
) -> None:
    """Fetch every source's feeds (and front pages) once; exits non-zero if any source failed.

    With --worker: one round shared with the other workers (it joins the round under way, or
    starts the next once every feed of it is done)."""
    c = get(ctx)
    _no_source_with_worker(worker, only or ())
    with c.store() as store:
        report = worker_round(c, store, 0.0) if worker else fetch_and_report(c, store, only or ())
        if worker if cluster is None else cluster:
            cluster_after_round(c, store)
    fail_if_any_failed(report)


@app.command("watch")
def watch(
    ctx: typer.Context,
    every: Annotated[str, typer.Option("--every", help="Time between fetches, e.g. 15m.")] = "15m",
    times: Annotated[
        int | None, typer.Option("--times", help="Stop after this many fetches.", min=1)
    ] = None,
    only: SourceOpt = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also a line for each source that answered.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only failures; no summaries, no waiting line.")
    ] = False,
    worker: WorkerOpt = False,
    cluster: ClusterOpt = None,
) -> None:
    """Fetch again and again; one source's failure never stops it; Ctrl-C stops cleanly.

    Every line starts with its UTC time, so a log of a week of watching reads on its own.
    With --worker, run it on as many machines as you like against one database (PostgreSQL):
    rounds start --every apart, counted from the round's start, and the workers share each."""
    c = get(ctx)
    verbosity = 1 if verbose else -1 if quiet else 0
    _no_source_with_worker(worker, only or ())
    with c.store() as store:
        check_only(store, only or ())  # a typo would otherwise be retried forever
    interval = parse_duration(every)
    if interval <= 0:
        raise UsageError(f"--every {every}: the time between fetches must be above zero")
    clusters = worker if cluster is None else cluster
    if worker:
        _watch_as_worker(c, interval, times, quiet, clusters)
        return
    done = 0
    memory = pipeline.ClusterMemory()
    try:
        while times is None or done < times:
            started = time.monotonic()
            try:
                with c.store() as store:
                    fetch_and_report(
                        c, store, only or (), prefix=_stamp() + " ", verbosity=verbosity
                    )
                    if clusters:
                        cluster_after_round(c, store, _stamp() + " ", memory)
            except BelowTheFoldError as exc:  # CommandFailed included
                c.err.print(f"{_stamp()} [red]error:[/red] {exc} (watch goes on)", highlight=False)
            done += 1
            if times is not None and done >= times:
                break
            if not quiet:
                c.err.print(
                    f"{_stamp()} next fetch in {interval:.0f}s (Ctrl-C stops)", highlight=False
                )
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        c.err.print(f"{_stamp()} stopped after {done} fetches")


def _watch_as_worker(
    c: Context, interval: float, times: int | None, quiet: bool, clusters: bool
) -> None:
    """Rounds as a worker: each joined (or opened) round is worked until done (then clustered
    when `clusters` and no other process is clustering), then the worker waits for the next
    round's start (the current one's start + `interval`)."""
    done = 0
    memory = pipeline.ClusterMemory()  # the clusterer kept between rounds
    try:
        while times is None or done < times:
            next_at = time.time() + interval
            try:
                with c.store() as store:
                    worker_round(c, store, interval, prefix=_stamp() + " ")
                    if clusters:
                        cluster_after_round(c, store, _stamp() + " ", memory)
                    current = store.leases.current()
                if current is not None:
                    next_at = current.started + interval
            except BelowTheFoldError as exc:
                c.err.print(f"{_stamp()} [red]error:[/red] {exc} (watch goes on)", highlight=False)
            done += 1
            if times is not None and done >= times:
                break
            wait_s = max(0.0, next_at - time.time())
            if not quiet:
                c.err.print(
                    f"{_stamp()} next round in {wait_s:.0f}s (Ctrl-C stops)", highlight=False
                )
            time.sleep(wait_s)
    except KeyboardInterrupt:
        c.err.print(f"{_stamp()} stopped after {done} rounds")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@app.command("workers")
def workers(ctx: typer.Context, fmt: TableFormatOpt = "table") -> None:
    """What the fetch workers on this database are doing: the round under way, its tasks done
    and due, the hosts each worker holds and until when, and who is clustering. Reads only."""
    from belowthefold.worker_view import workers_status

    c = get(ctx)
    with c.store() as store:
        data = workers_status(store, time.time())
    if fmt == "json":
        print_json(c, data)
        return
    _print_workers(c, data)


def _print_workers(c: Context, data: dict[str, Any]) -> None:
    """The `workers` view as lines and a table, for a terminal."""
    if data["round"] is None:
        c.out.print("no round yet: start workers with `belowthefold watch --worker`")
        return
    done = data["tasks"] - data["due"]
    c.out.print(
        f"round {data['round']}, started {data['started']}: {done} of {data['tasks']} tasks done, "
        f"{data['due']} due",
        highlight=False,
    )
    if data["workers"]:
        table = Table("worker", "hosts held", "lease left (s)")
        for w in data["workers"]:
            table.add_row(w["worker"], ", ".join(w["hosts"]), f"{w['lease_left_s']:.0f}")
        c.out.print(table)
    else:
        c.out.print("no worker holds a host now")
    c.out.print(f"clustering: {data['clustering'] or 'nobody now'}", highlight=False)
    for r in data["recent_rounds"]:
        state = "running" if r["finished"] is None else f"{r['new_articles']} new articles"
        c.out.print(f"  run {r['run']}: {r['detail']} ({r['started']}): {state}", highlight=False)
