"""Live-source verbs: sources add/import-opml/export-opml/check/health/add-catalog, fetch, watch, run,
and `eval extraction`."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from belowthefold import pipeline
from belowthefold.cli.app import CommandFailed, Context, app, eval_app, get
from belowthefold.cli.core import sources_app
from belowthefold.cli.progress import progress_bars
from belowthefold.errors import BelowTheFoldError, FetchError, InputError
from belowthefold.fetch import Fetcher, FetchReport, FetchRunner
from belowthefold.fetch.feeds import discover_feeds, parse_feed
from belowthefold.fetch.opml import feeds_to_sources, parse_opml, sources_to_opml
from belowthefold.fetch.runner import FEED_ACCEPT
from belowthefold.models import Source
from belowthefold.sources import SourceIndex, dump_sources, host_of, parse_sources
from belowthefold.store import Store

GroupOpt = Annotated[str, typer.Option("--group", "-g", help="The group these sources count in.")]
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


def catalog_sources() -> list[Source]:
    """The default catalog shipped in the package."""
    text = resources.files("belowthefold").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    return parse_sources(text, "default catalog")


def _save_sources(store: Store, sources: Sequence[Source]) -> int:
    """Store the full list, keep the sources file text (and its rules) in step, regroup by it."""
    rules = pipeline.stored_rules(store)
    store.sources.replace_all(sources, dump_sources(sources, rules))
    return store.articles.regroup(SourceIndex.build(sources, rules).resolve)


def _merge(existing: Sequence[Source], new: Sequence[Source]) -> list[Source]:
    by_name = {s.name: s for s in existing}
    for s in new:
        old = by_name.get(s.name)
        if old is None:
            by_name[s.name] = s
        else:
            by_name[s.name] = Source(
                old.name,
                s.group,
                tuple(dict.fromkeys(old.domains + s.domains)),
                tuple(dict.fromkeys(old.feeds + s.feeds)),
                s.frontpage or old.frontpage,
                s.fulltext or old.fulltext,
            )
    return list(by_name.values())


# --- sources ---------------------------------------------------------------------------------


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A feed URL, or a page that names its feed.")],
    group: GroupOpt,
    name: Annotated[
        str | None, typer.Option("--name", help="Source name (default: feed title).")
    ] = None,
    fulltext: Annotated[
        bool, typer.Option("--fulltext", help="Fetch and extract each article page.")
    ] = False,
    frontpage: Annotated[
        str | None, typer.Option("--frontpage", help="Snapshot this page each fetch (attention).")
    ] = None,
) -> None:
    """Add a source: the URL is checked live and, if it is a page, its feed is discovered."""
    c = get(ctx)
    with Fetcher(c.settings.fetch) as fetcher:
        feed_url, title = _find_feed(fetcher, url)
    site = host_of(url)
    source = Source(
        name=name or title or site,
        group=group,
        domains=tuple(dict.fromkeys(d for d in (site, host_of(feed_url)) if d)),
        feeds=(feed_url,),
        frontpage=frontpage,
        fulltext=fulltext,
    )
    with c.store() as store:
        _save_sources(store, _merge(store.sources.all(), [source]))
    c.out.print(f"added {source.name} ({group}): {feed_url}")


def _find_feed(fetcher: Fetcher, url: str) -> tuple[str, str]:
    """(feed URL, feed title) for a feed URL or for a page that announces feeds."""
    try:
        res = fetcher.get(url, None, FEED_ACCEPT)
    except FetchError as exc:
        raise CommandFailed(f"{url}: {exc.kind}: {exc}") from exc
    parsed = parse_feed(res.body, res.url, res.headers)
    if parsed.usable and not parsed.looks_like_html:
        return res.url, parsed.title
    candidates = discover_feeds(res.body, res.url)
    for candidate in candidates:
        try:
            found = fetcher.get(candidate, None, FEED_ACCEPT)
        except FetchError:
            continue
        feed = parse_feed(found.body, found.url, found.headers)
        if feed.usable and not feed.looks_like_html:
            return found.url, feed.title
    named = (
        f" (it names {', '.join(candidates)}, none of which answered as a feed)"
        if candidates
        else ""
    )
    raise CommandFailed(f"{url}: no feed found on the page{named}")


@sources_app.command("import-opml")
def sources_import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file exported from a feed reader.")],
    group: GroupOpt,
) -> None:
    """Add every feed in an OPML file as a source of one group."""
    c = get(ctx)
    try:
        feeds = parse_opml(file.read_bytes())
    except OSError as exc:
        raise CommandFailed(f"cannot read {file}: {exc}") from exc
    except InputError as exc:
        raise CommandFailed(f"{file}: {exc}") from exc
    new = feeds_to_sources(feeds, group)
    with c.store() as store:
        _save_sources(store, _merge(store.sources.all(), new))
    c.out.print(f"imported {len(new)} sources ({len(feeds)} feeds) into group {group}")


@sources_app.command("export-opml")
def sources_export_opml(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not stdout.")
    ] = None,
) -> None:
    """Write the sources' feeds as OPML, one outline per group."""
    c = get(ctx)
    with c.store() as store:
        text = sources_to_opml(store.sources.all())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        c.err.print(f"wrote {output}")


@sources_app.command("add-catalog")
def sources_add_catalog(
    ctx: typer.Context,
    groups: Annotated[
        list[str] | None, typer.Option("--group", "-g", help="Only these groups (repeatable).")
    ] = None,
) -> None:
    """Add the default catalog of world and security news feeds (wires, mainstream, ...)."""
    c = get(ctx)
    chosen = [s for s in catalog_sources() if not groups or s.group in groups]
    with c.store() as store:
        _save_sources(store, _merge(store.sources.all(), chosen))
    c.out.print(
        f"added {len(chosen)} catalog sources; check them with `belowthefold sources check`"
    )


@sources_app.command("check")
def sources_check(ctx: typer.Context) -> None:
    """Try every feed live (nothing is stored) and report which answer as feeds."""
    c = get(ctx)
    with c.store() as store:
        sources = store.sources.all()
    table = Table("source", "group", "feed", "result", title="Feed check")
    bad = 0
    with Fetcher(c.settings.fetch) as fetcher:
        for s in sources:
            for url in s.feeds:
                try:
                    res = fetcher.get(url, None, FEED_ACCEPT)
                    parsed = parse_feed(res.body, res.url, res.headers)
                    if parsed.usable and not parsed.looks_like_html:
                        result = f"[green]ok[/green] {len(parsed.entries)} entries"
                    else:
                        bad += 1
                        result = "[red]not a feed[/red]"
                except FetchError as exc:
                    bad += 1
                    result = f"[red]{exc.kind}[/red] {exc}"[:120]
                table.add_row(s.name, s.group, url, result)
    c.out.print(table)
    if bad:
        raise CommandFailed(f"{bad} feed(s) did not answer as feeds")


@sources_app.command("health")
def sources_health(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="Window for articles/day and errors.")] = 7,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Per source: last successful fetch, articles per day lately, errors, last error."""
    c = get(ctx)
    with c.store() as store:
        rows = store.feeds.health(days=days)
    if fmt == "json":
        c.out.print_json(json.dumps([r.__dict__ for r in rows], default=str))
        return
    table = Table(
        "source",
        "feeds",
        "last success",
        "articles/day",
        "errors",
        "last error",
        title=f"Source health (last {days} days)",
    )
    for r in rows:
        ok = r.last_success.strftime("%Y-%m-%d %H:%M") if r.last_success else "never"
        table.add_row(
            r.source,
            str(r.feeds),
            ok,
            f"{r.articles_per_day:.1f}",
            str(r.errors),
            (r.last_error or "")[:80],
        )
    c.out.print(table)


# --- fetch, watch, run -----------------------------------------------------------------------


def _fetch(c: Context, store: Store, only: Sequence[str] = ()) -> FetchReport:
    sources = [s for s in store.sources.all() if (s.feeds or s.frontpage)]
    if only:
        sources = [s for s in sources if s.name in only or s.group in only]
    if not sources:
        raise CommandFailed(
            "no sources with feeds: add some with `belowthefold sources add URL --group G`, "
            "`sources import-opml FILE --group G` or `sources add-catalog`"
        )
    with Fetcher(c.settings.fetch) as fetcher, progress_bars(c.err) as progress:
        return FetchRunner(store, c.settings.fetch, fetcher).run(sources, progress)


def _report(c: Context, report: FetchReport) -> None:
    for s in report.failed:
        c.err.print(f"[red]failed[/red] {s.line()}", highlight=False)
    skipped = sum(s.skipped for s in report.sources)
    unusable = f"; {skipped} entries without a title or link/id skipped" if skipped else ""
    c.out.print(
        f"fetched {report.feeds} feeds of {len(report.sources)} sources in {report.elapsed_s:.1f}s: "
        f"{report.inserted} new articles of {report.entries} entries; "
        f"{len(report.failed)} sources failed{unusable}",
        highlight=False,
    )


SourceOpt = Annotated[
    list[str] | None,
    typer.Option("--source", "-s", help="Only these sources or groups (repeatable)."),
]


@app.command("fetch")
def fetch(ctx: typer.Context, only: SourceOpt = None) -> None:
    """Fetch every source's feeds (and front pages) once; exits non-zero if any source failed."""
    c = get(ctx)
    with c.store() as store:
        report = _fetch(c, store, only or ())
    _report(c, report)
    if report.failed:
        raise CommandFailed(f"{len(report.failed)} of {len(report.sources)} sources failed")


@app.command("watch")
def watch(
    ctx: typer.Context,
    every: Annotated[str, typer.Option("--every", help="Time between fetches, e.g. 15m.")] = "15m",
    times: Annotated[
        int | None, typer.Option("--times", help="Stop after this many fetches.")
    ] = None,
    only: SourceOpt = None,
) -> None:
    """Fetch again and again; one source's failure never stops it; Ctrl-C stops cleanly."""
    c = get(ctx)
    interval = parse_duration(every)
    done = 0
    try:
        while times is None or done < times:
            started = time.monotonic()
            try:
                with c.store() as store:
                    _report(c, _fetch(c, store, only or ()))
            except (BelowTheFoldError, CommandFailed) as exc:
                c.err.print(f"[red]error:[/red] {exc} (watch goes on)", highlight=False)
            done += 1
            if times is not None and done >= times:
                break
            now = datetime.now(UTC).strftime("%H:%M:%S")
            c.err.print(f"{now}: next fetch in {interval:.0f}s (Ctrl-C stops)", highlight=False)
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        c.err.print(f"stopped after {done} fetches")


@app.command("run")
def run(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week (default: this week).")
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="The audience's group.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the brief.")
    ] = None,
) -> None:
    """Fetch every source, update stories, write this week's brief."""
    from belowthefold.brief import render

    c = get(ctx)
    if fmt not in ("md", "html", "json"):
        raise CommandFailed("--format must be md, html or json")
    window = pipeline.parse_window(week or datetime.now(UTC).strftime("%G-W%V"))
    out = output or Path(f"brief-{window.label}.{fmt}")
    with c.store() as store:
        if not store.sources.all():
            # First run on a new database: start from the shipped catalog rather than nothing.
            catalog = catalog_sources()
            _save_sources(store, catalog)
            c.err.print(
                f"no sources yet: using the shipped catalog ({len(catalog)} sources); "
                "change it with `belowthefold sources ...`"
            )
        report = _fetch(c, store)
        _report(c, report)
        with progress_bars(c.err) as progress:
            result = pipeline.make_brief(
                store,
                c.settings,
                window,
                audience or c.settings.rank.audience,
                progress=progress,
                record=True,
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(result, fmt), encoding="utf-8")
    c.out.print(f"wrote {out} ({len(result.missed)} missed headlines)")
    if report.failed:
        raise CommandFailed(f"{len(report.failed)} of {len(report.sources)} sources failed")


# --- eval extraction -------------------------------------------------------------------------


@eval_app.command("extraction")
def eval_extraction(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="Folder with evaldata.json and the pages, e.g. "
            "../shared/data/html-trafilatura/tests.",
        ),
    ],
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N pages.")] = None,
    min_f1: Annotated[float | None, typer.Option("--min-f1", help="Fail below this F1.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Full-text extraction quality: snippets that must / must not appear (P, R, F1)."""
    from belowthefold.extract import score_extraction

    c = get(ctx)
    root = data
    if not (root / "evaldata.json").is_file():
        raise CommandFailed(f"no evaldata.json in {root} (pass --data)")
    score = score_extraction(root, c.settings.fetch, limit)
    if fmt == "json":
        c.out.print_json(
            json.dumps(
                {
                    **score.__dict__,
                    "precision": score.precision,
                    "recall": score.recall,
                    "f1": score.f1,
                }
            )
        )
    else:
        table = Table(
            "pages",
            "precision",
            "recall",
            "F1",
            "snippets found",
            "boilerplate kept",
            title="Extraction (trafilatura)",
        )
        table.add_row(
            str(score.pages),
            f"{score.precision:.3f}",
            f"{score.recall:.3f}",
            f"{score.f1:.3f}",
            f"{score.true_pos}/{score.true_pos + score.false_neg}",
            f"{score.false_pos}/{score.false_pos + score.true_neg}",
        )
        c.out.print(table)
    if min_f1 is not None and score.f1 < min_f1:
        raise CommandFailed(f"extraction F1 {score.f1:.3f} is below the floor {min_f1:.3f}")
