"""Core verbs: import, sources, articles, stories, pressure, brief, demo."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import webbrowser
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from belowthefold import pipeline
from belowthefold.cli.app import CommandFailed, Context, app, get
from belowthefold.cli.progress import progress_bars
from belowthefold.config import ImportOptions
from belowthefold.ingest import FORMATS
from belowthefold.models import PlacedArticle, Window
from belowthefold.store import Store

sources_app = typer.Typer(
    help="List sources with their groups and article counts (subcommands manage them).",
    invoke_without_command=True,
)
app.add_typer(sources_app, name="sources")

WeekOpt = Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2025-W14.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, e.g. 2025-03-28.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (inclusive).")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


def _window(week: str | None, start: str | None, end: str | None) -> Window:
    return pipeline.parse_window(week, start, end)


def _placed(c: Context, window: Window) -> list[PlacedArticle]:
    """The window's articles, after clustering anything new (so listings never lag imports)."""
    with c.store() as store:
        pipeline.update_stories(store, c.settings)
        lo, hi = pipeline.window_bounds(window)
        return store.articles.placed(lo, hi)


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="JSONL, CSV, GDELT ArtList CSV, or a front-page folder.")
    ],
    sources: Annotated[
        Path | None, typer.Option("--sources", help="Sources TOML: outlets and groups.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "auto",
    no_stories: Annotated[bool, typer.Option("--no-stories", help="Skip clustering now.")] = False,
) -> None:
    """Import news files; bad records are recorded with file and line and skipped."""
    c = get(ctx)
    if fmt not in FORMATS:
        raise CommandFailed(f"--format must be one of {', '.join(FORMATS)}")
    options = ImportOptions(**{**c.settings.imports.__dict__, "format": fmt})
    started = time.perf_counter()
    with c.store() as store, progress_bars(c.err) as progress:
        summary = pipeline.import_paths(store, files, options, sources, progress)
        clustered = 0 if no_stories else pipeline.update_stories(store, c.settings, progress)
    elapsed = time.perf_counter() - started
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
        raise CommandFailed(f"{summary.skipped} record(s) skipped; the rest were imported")


@app.command("errors")
def errors(ctx: typer.Context, limit: Annotated[int, typer.Option(help="How many.")] = 50) -> None:
    """Show the latest recorded input errors (file and line, what was wrong)."""
    c = get(ctx)
    with c.store() as store:
        for e in store.runs.errors(limit=limit):
            c.out.print(f"{e.where()}: {e.message}", highlight=False, markup=False)


@sources_app.callback()
def sources_list(ctx: typer.Context, fmt: FormatOpt = "table") -> None:
    """List sources, groups and article counts, with live health once fetched."""
    if ctx.invoked_subcommand is not None:
        return
    c = get(ctx)
    with c.store() as store:
        rows = store.sources.counts()
        health = {h.source: h for h in store.feeds.health()}
    if fmt == "json":
        data = []
        for s, g, n, f, la in rows:
            h = health.get(s) if s else None
            data.append(
                {
                    "source": s,
                    "group": g,
                    "articles": n,
                    "first": f,
                    "last": la,
                    "last_success": h.last_success.isoformat() if h and h.last_success else None,
                    "articles_per_day": round(h.articles_per_day, 2) if h else None,
                    "errors": h.errors if h else 0,
                    "last_error": h.last_error if h else None,
                }
            )
        c.out.print_json(json.dumps(data))
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
    for s, g, n, f, la in rows:
        h = health.get(s) if s else None
        ok = h.last_success.strftime("%Y-%m-%d %H:%M") if h and h.last_success else ""
        per_day = f"{h.articles_per_day:.1f}" if h and h.feeds else ""
        err = (h.last_error or "")[:60] if h else ""
        table.add_row(s or "(unmatched)", g, str(n), f or "", la or "", ok, per_day, err)
    c.out.print(table)
    if not rows:
        c.out.print("no sources yet: `belowthefold import FILE --sources sources.toml`")


def _print_jsonl(c: Context, records: list[dict[str, object]]) -> None:
    for r in records:
        sys.stdout.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")


@app.command("articles")
def articles(
    ctx: typer.Context,
    week: WeekOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or jsonl.")] = "table",
) -> None:
    """Every article in the window with its story, storyline and group."""
    c = get(ctx)
    window = _window(week, start, end)
    items = _placed(c, window)
    if fmt == "jsonl":
        _print_jsonl(
            c,
            [
                {
                    "id": a.id,
                    "published": a.published.isoformat(),
                    "title": a.title,
                    "url": a.url,
                    "outlet": a.outlet,
                    "source": a.source,
                    "group": a.group,
                    "story_id": a.story_id,
                    "storyline_id": a.storyline_id,
                    "original_id": a.original_id,
                }
                for a in items
            ],
        )
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
    fmt: FormatOpt = "table",
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 40,
) -> None:
    """Stories and storylines in the window, largest first."""
    from belowthefold.stories.naming import story_name, storyline_name

    c = get(ctx)
    window = _window(week, start, end)
    items = _placed(c, window)
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
        """A storyline's name in the window, by the rule the brief and web use too."""
        return storyline_name(line_items[line])

    def story_headline(sid: str) -> str:
        return story_name(story_items[sid])

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
        c.out.print_json(
            json.dumps({"window": window.label, "stories": stories_json, "storylines": sagas})
        )
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
    fmt: FormatOpt = "table",
) -> None:
    """Daily news pressure per group: top-three storyline share and concentration."""
    from belowthefold.attention import daily_pressure, measured
    from belowthefold.brief.jsondoc import pressure_dict

    c = get(ctx)
    window = _window(week, start, end)
    items = _placed(c, window)
    groups = [group] if group else None
    points = daily_pressure(items, window.days(), groups)
    if fmt == "json":
        c.out.print_json(json.dumps([pressure_dict(p) for p in points]))
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
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the pressure chart (PNG).")
    ] = None,
    min_outlets: Annotated[
        int | None,
        typer.Option("--min-outlets", help="Outlets a story needs to count (default 2)."),
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", help="How many missed headlines to list (default 10).")
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
    if fmt not in ("md", "html", "json"):
        raise CommandFailed("--format must be md, html or json")
    window = _window(week, start, end)
    with c.store() as store, progress_bars(c.err) as progress:
        result = pipeline.make_brief(
            store,
            c.settings,
            window,
            audience or c.settings.rank.audience,
            versus,
            progress=progress,
            record=True,
        )
    text = render(result, fmt)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        c.err.print(f"wrote {output} ({len(result.missed)} missed headlines)")
    if chart is not None:
        render_chart_png(result, chart)
        c.err.print(f"wrote {chart}")


@app.command("demo")
def demo(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the brief.")
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
    output.write_text(render(result, "html"), encoding="utf-8")
    top = result.dominant[0].headline if result.dominant else "nothing"
    c.out.print(
        f"demo: {summary.inserted} articles imported; {window.label}: dominated by “{top}”; "
        f"{len(result.missed)} missed headlines -> {output}"
    )
    if open_browser:
        webbrowser.open(output.resolve().as_uri())


def pipeline_store(path: Path) -> Store:
    return Store(path)
