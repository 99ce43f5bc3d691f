"""Core verbs: import, sources, articles, stories, pressure, brief, demo."""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
import webbrowser
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from belowthefold import pipeline
from belowthefold.cli.app import (
    BriefFormatOpt,
    Context,
    TableFormatOpt,
    UsageError,
    app,
    get,
    output_file,
    partial_or_failed,
    print_json,
    write_text,
)
from belowthefold.cli.progress import progress_bars
from belowthefold.config import ImportOptions
from belowthefold.ingest import InputFormat
from belowthefold.models import ImportSummary, PlacedArticle, Window
from belowthefold.store import Store

sources_app = typer.Typer(
    help="List sources with their groups and article counts (subcommands manage them).",
    invoke_without_command=True,
)
app.add_typer(sources_app, name="sources")

WeekOpt = Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2025-W14.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, e.g. 2025-03-28.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (inclusive).")]
# Window errors in the CLI's words: its flags.
CLI_WINDOW = pipeline.WindowNames(week="--week", start="--from", end="--to")


def _window(week: str | None, start: str | None, end: str | None) -> Window:
    return pipeline.parse_window(week, start, end, names=CLI_WINDOW)


def _placed(c: Context, window: Window) -> list[PlacedArticle]:
    """The window's articles, after clustering anything new (so listings never lag imports)."""
    with c.store() as store:
        pipeline.update_stories(store, c.settings)
        lo, hi = pipeline.window_bounds(window)
        return store.articles.placed(lo, hi)


def _lookup(store: Store, name: str) -> tuple[bool, list[str]]:
    """Whether `name` is a group here, and, when it is not, the known groups (of the sources
    and the articles). A stored source's group answers without the articles: their distinct
    groups are a scan of the archive (0.35 s of every brief at 1M articles)."""
    sources = store.sources.all()
    if any(s.group == name for s in sources):
        return True, []
    known = sorted({*store.articles.groups(), *(s.group for s in sources)})
    return name in known, known


def known_group(store: Store, name: str, option: str) -> str:
    """`name` if the database knows the group (from its sources or articles), else a usage error
    listing the known ones: an unknown name used to give an empty brief or rows of 0.00."""
    found, known = _lookup(store, name)
    if found:
        return name
    listed = ", ".join(known) if known else "none yet (import or fetch first)"
    raise UsageError(f"{option} {name!r} is not a known group; known groups: {listed}")


def audience_of(c: Context, store: Store, given: str | None) -> str:
    """The audience group: a name given with --audience must be known; the configured default
    (rank.audience) is used as it is, with a note when this database has no such group."""
    if given is not None:
        return known_group(store, given, "--audience")
    default = c.settings.rank.audience
    found, known = _lookup(store, default)
    if known and not found:
        c.err.print(
            f"[yellow]note:[/yellow] the default audience {default!r} is no group here "
            f"(groups: {', '.join(known)}); choose one with --audience",
            highlight=False,
        )
    return default


# The options `import` and `backfill` share, defined once.
SourcesOption = Annotated[
    Path | None, typer.Option("--sources", help="Sources TOML: outlets and groups.")
]
InputFormatOption = Annotated[
    InputFormat, typer.Option("--format", help="Input format (auto: from the name and first line).")
]
NoStoriesOption = Annotated[bool, typer.Option("--no-stories", help="Skip clustering now.")]


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="JSONL, CSV, GDELT ArtList CSV, or a front-page folder.")
    ],
    sources: SourcesOption = None,
    fmt: InputFormatOption = "auto",
    no_stories: NoStoriesOption = False,
) -> None:
    """Import news files; bad records are recorded with file and line and skipped."""
    c = get(ctx)
    options = ImportOptions(**{**c.settings.imports.__dict__, "format": fmt})
    started = time.perf_counter()
    with c.store() as store, progress_bars(c.err) as progress:
        summary = pipeline.import_paths(store, files, options, sources, progress)
        clustered = 0 if no_stories else pipeline.update_stories(store, c.settings, progress)
    report_import(c, summary, clustered, time.perf_counter() - started)


def report_import(c: Context, summary: ImportSummary, clustered: int, elapsed: float) -> None:
    """The skipped records, one summary line, and the exit code: one rule for import and backfill."""
    for e in summary.errors[:20]:
        c.err.print(
            f"[yellow]skipped[/yellow] {e.where()}: {e.message}", highlight=False, markup=True
        )
    if summary.skipped > 20:
        c.err.print(f"... and {summary.skipped - 20} more (see `belowthefold errors`)")
    rate = summary.read / elapsed if elapsed > 0 else 0.0
    c.out.print(
        f"imported {summary.inserted} new, {summary.unchanged} already stored, "
        f"{summary.skipped} skipped, {clustered} clustered ({rate:,.0f} records/s)"
    )
    if summary.skipped:
        raise partial_or_failed(
            f"{summary.skipped} record(s) skipped; the rest were imported"
            if summary.read > summary.skipped
            else f"all {summary.skipped} record(s) skipped; nothing was imported",
            summary.read - summary.skipped,
        )


@app.command("errors")
def errors(
    ctx: typer.Context, limit: Annotated[int, typer.Option(help="How many.", min=1)] = 50
) -> None:
    """Show the latest recorded input errors (file and line, what was wrong)."""
    c = get(ctx)
    with c.store() as store:
        for e in store.runs.errors(limit=limit):
            c.out.print(f"{e.where()}: {e.message}", highlight=False, markup=False)


@sources_app.callback()
def sources_list(ctx: typer.Context, fmt: TableFormatOpt = "table") -> None:
    """List sources, groups and article counts, with live health once fetched."""
    if ctx.invoked_subcommand is not None:
        return
    c = get(ctx)
    with c.store() as store:
        rows = store.sources.counts()
        health = {h.source: h for h in store.feeds.health()}
    if fmt == "json":
        data = []
        for r in rows:
            h = health.get(r.source) if r.source else None
            data.append(
                {
                    "source": r.source,
                    "group": r.group,
                    "articles": r.articles,
                    "first": r.first_day,
                    "last": r.last_day,
                    "last_success": h.last_success.isoformat() if h and h.last_success else None,
                    "articles_per_day": round(h.articles_per_day, 2) if h else None,
                    "errors": h.errors if h else 0,
                    "last_error": h.last_error if h else None,
                }
            )
        print_json(c, data)
        return
    table = Table(
        "source",
        "group",
        "articles",
        "first",
        "last",
        "last success",
        "per day",
        "last error",
        title="Sources",
    )
    for r in rows:
        h = health.get(r.source) if r.source else None
        ok = h.last_success.strftime("%Y-%m-%d %H:%M") if h and h.last_success else ""
        per_day = f"{h.articles_per_day:.1f}" if h and h.feeds else ""
        err = (h.last_error or "")[:60] if h else ""
        first, last = r.first_day or "", r.last_day or ""
        table.add_row(
            r.source or "(unmatched)", r.group, str(r.articles), first, last, ok, per_day, err
        )
    c.out.print(table)
    if not rows:
        c.out.print("no sources yet: `belowthefold import FILE --sources sources.toml`")


def _print_jsonl(records: list[dict[str, object]]) -> None:
    for r in records:
        sys.stdout.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")


def _print_csv(records: list[dict[str, object]], columns: tuple[str, ...]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in records:  # a list (a day's top storylines) is one cell, space-separated
        writer.writerow(
            {k: " ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()}
        )


@app.command("articles")
def articles(
    ctx: typer.Context,
    week: WeekOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: Annotated[
        Literal["table", "json", "jsonl", "csv"],
        typer.Option("--format", "-f", help="Output format."),
    ] = "table",
) -> None:
    """Every article in the window with its story, storyline and group."""
    c = get(ctx)
    window = _window(week, start, end)
    items = _placed(c, window)
    from belowthefold.brief.jsondoc import ARTICLE_FIELDS, article_dict

    records = [article_dict(a) for a in items] if fmt != "table" else []
    if fmt == "jsonl":
        _print_jsonl(records)
        return
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
        return
    if fmt == "csv":
        _print_csv(records, ARTICLE_FIELDS)
        return
    table = Table(
        "published", "group", "outlet", "story", "title", title=f"Articles {window.label}"
    )
    for a in items:
        table.add_row(
            a.published.strftime("%Y-%m-%d %H:%M"), a.group, a.outlet, a.story_id or "", a.title
        )
    c.out.print(table)


@app.command("stories")
def stories(
    ctx: typer.Context,
    week: WeekOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: TableFormatOpt = "table",
    limit: Annotated[int, typer.Option(help="Rows to show.", min=1)] = 40,
    audience: Annotated[
        str | None,
        typer.Option("--audience", help="The audience's group: names are in its language."),
    ] = None,
) -> None:
    """Stories and storylines in the window, largest first, named in the audience's language."""
    from belowthefold.attention import audience_language, storyline_headline
    from belowthefold.stories.naming import story_name

    c = get(ctx)
    window = _window(week, start, end)
    with c.store() as store:
        chosen = audience_of(c, store, audience)
    items = _placed(c, window)
    lang = audience_language(items, chosen)
    by_story: dict[str, list[str]] = {}
    story_line: dict[str, str] = {}
    lines: Counter[str] = Counter()
    line_stories: dict[str, set[str]] = {}
    for a in items:
        sid = a.story_id or a.id
        line = a.storyline_id or sid
        by_story.setdefault(sid, []).append(a.title)
        story_line[sid] = line
        lines[line] += 1
        line_stories.setdefault(line, set()).add(sid)
    ranked = sorted(by_story.items(), key=lambda kv: -len(kv[1]))

    line_items: dict[str, list[PlacedArticle]] = {}
    story_items: dict[str, list[PlacedArticle]] = {}
    for a in items:
        line_items.setdefault(a.storyline_id or a.story_id or a.id, []).append(a)
        story_items.setdefault(a.story_id or a.id, []).append(a)

    def line_headline(line: str) -> str:
        """A storyline's name in the window, by the rule and from the pool (all the window's
        items of the storyline) the brief and web use too."""
        return storyline_headline(line_items[line], lang)

    def story_headline(sid: str) -> str:
        return story_name(story_items[sid], lang)

    sagas = [
        {
            "storyline_id": sl,
            "articles": n,
            "stories": len(line_stories[sl]),
            "headline": line_headline(sl),
        }
        for sl, n in lines.most_common()
    ]
    if fmt == "json":
        stories_json = [
            {
                "story_id": s,
                "storyline_id": story_line[s],
                "articles": len(t),
                "headline": story_headline(s),
            }
            for s, t in ranked
        ]
        print_json(c, {"window": window.label, "stories": stories_json, "storylines": sagas})
        return
    saga_table = Table(
        "storyline", "articles", "stories", "headline", title=f"Storylines {window.label}"
    )
    for row in sagas[: max(5, limit // 4)]:
        saga_table.add_row(
            str(row["storyline_id"]),
            str(row["articles"]),
            str(row["stories"]),
            str(row["headline"]),
        )
    c.out.print(saga_table)
    table = Table("storyline", "story", "articles", "headline", title=f"Stories {window.label}")
    for sid, titles in ranked[:limit]:
        table.add_row(story_line[sid], sid, str(len(titles)), story_headline(sid))
    c.out.print(table)
    c.out.print(f"{len(by_story)} stories in {len(lines)} storylines, {len(items)} articles")


@app.command("pressure")
def pressure(
    ctx: typer.Context,
    start: FromOpt = None,
    end: ToOpt = None,
    week: WeekOpt = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this group.")] = None,
    fmt: Annotated[
        Literal["table", "json", "csv"], typer.Option("--format", "-f", help="Output format.")
    ] = "table",
) -> None:
    """Daily news pressure per group: top-three storyline share and concentration."""
    from belowthefold import aggregates
    from belowthefold.attention import measured
    from belowthefold.brief.points import pressure_dict

    c = get(ctx)
    window = _window(week, start, end)
    with c.store() as store:
        if group is not None:
            known_group(store, group, "--group")
        pipeline.update_stories(store, c.settings)
        # Per-day points kept by data stamp: only days changed since the last reading are read.
        points = aggregates.pressure(store, window.days(), [group] if group else None)
    if fmt == "json":
        print_json(c, [pressure_dict(p) for p in points])
        return
    if fmt == "csv":
        rows = [pressure_dict(p) for p in points]
        _print_csv(rows, tuple(rows[0]) if rows else ("day", "group"))
        return
    table = Table(
        "date",
        "group",
        "pressure",
        "concentration",
        "articles",
        title=f"News pressure {window.label}",
    )
    for p in points:
        live = measured(p)  # a day without data is a dash, never a calm 0.00
        table.add_row(
            p.day.isoformat(),
            p.group,
            f"{p.value:.2f}" if live else "–",
            f"{p.concentration:.2f}" if live else "–",
            str(p.articles),
        )
    c.out.print(table)


@app.command("brief")
def brief(
    ctx: typer.Context,
    week: WeekOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="The audience's group.")
    ] = None,
    versus: Annotated[
        str | None, typer.Option("--versus", help="Compare with a second audience group.")
    ] = None,
    fmt: BriefFormatOpt = "md",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout.", callback=output_file),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help="Also write the pressure chart (PNG; needs the charts extra).",
            callback=output_file,
        ),
    ] = None,
    min_outlets: Annotated[
        int | None,
        typer.Option("--min-outlets", help="Outlets a story needs to count (default 2).", min=1),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option("--top", help="How many missed headlines to list (default 10).", min=1),
    ] = None,
) -> None:
    """The window's brief: what dominated, how hard it pressed, the headlines that were missed."""
    from belowthefold.brief import render, render_chart_png

    c = get(ctx)
    rank = c.settings.rank
    if min_outlets is not None:
        rank = replace(rank, min_outlets=min_outlets)
    if top is not None:
        rank = replace(rank, top_n=top)
    c = replace(c, settings=replace(c.settings, rank=rank))
    window = _window(week, start, end)
    with c.store() as store, progress_bars(c.err) as progress:
        chosen = audience_of(c, store, audience)
        if versus is not None:
            known_group(store, versus, "--versus")
        result = pipeline.make_brief(
            store,
            c.settings,
            window,
            chosen,
            versus,
            progress=progress,
            record=True,
        )
    text = render(result, fmt)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_text(output, text)
        c.err.print(f"wrote {output} ({len(result.missed)} missed headlines)")
    if chart is not None:
        render_chart_png(result, chart)
        c.err.print(f"wrote {chart}")


@app.command("demo")
def demo(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Where to write the brief.", callback=output_file),
    ] = Path("brief.html"),
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the brief in a browser.")
    ] = False,
) -> None:
    """Write the built-in sample corpus, import it into a temporary database, write brief.html."""
    from belowthefold.brief import render
    from belowthefold.config import Settings
    from belowthefold.demo import write_demo_corpus

    c = get(ctx)
    with tempfile.TemporaryDirectory(prefix="belowthefold-demo-") as tmp:
        files = write_demo_corpus(Path(tmp))
        settings = Settings(**{**c.settings.__dict__, "db": Path(tmp) / "demo.db"})
        gold = json.loads(files.gold.read_text(encoding="utf-8"))["window"]
        label = str(gold.get("label", ""))
        window = (
            pipeline.parse_window(label)
            if "-W" in label
            else pipeline.parse_window(start=gold["start"], end=gold["end"])
        )
        with pipeline_store(settings.db) as store, progress_bars(c.err) as progress:
            summary = pipeline.import_paths(
                store, [files.corpus], settings.imports, files.sources, progress
            )
            result = pipeline.make_brief(store, settings, window, "mainstream", progress=progress)
    write_text(output, render(result, "html"))
    top = result.dominant[0].headline if result.dominant else "nothing"
    c.out.print(
        f"demo: {summary.inserted} articles imported; {window.label}: dominated by “{top}”; "
        f"{len(result.missed)} missed headlines -> {output}"
    )
    if open_browser:
        webbrowser.open(output.resolve().as_uri())


def pipeline_store(path: Path | str) -> Store:
    return Store(path)
