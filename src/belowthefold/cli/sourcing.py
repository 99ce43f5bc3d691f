"""Live-source verbs: sources add/import-opml/export-opml/add-catalog/check/health."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from belowthefold import pipeline
from belowthefold.cli.app import CommandFailed, TableFormatOpt, UsageError, get
from belowthefold.cli.core import sources_app
from belowthefold.errors import InputError
from belowthefold.fetch.opml import feeds_to_sources, parse_opml, sources_to_opml

GroupOpt = Annotated[str, typer.Option("--group", "-g", help="The group these sources count in.")]


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
    from belowthefold.fetch import Fetcher

    with Fetcher(c.settings.fetch) as fetcher, c.store() as store:
        source = pipeline.add_source_from_url(
            store, fetcher, url, group, name=name, frontpage=frontpage, fulltext=fulltext
        )
    c.out.print(f"added {source.name} ({group}): {source.feeds[0]}")


@sources_app.command("import-opml")
def sources_import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file exported from a feed reader.")],
    group: Annotated[
        str | None,
        typer.Option(
            "--group", "-g", help="Put every feed in this group (default: its category outline)."
        ),
    ] = None,
) -> None:
    """Add every feed of an OPML file as a source, grouped by its category outline."""
    c = get(ctx)
    try:
        feeds = parse_opml(file.read_bytes())
    except OSError as exc:
        raise CommandFailed(f"cannot read {file}: {exc}") from exc
    except InputError as exc:
        raise CommandFailed(f"{file}: {exc}") from exc
    try:
        new = feeds_to_sources(feeds, group)
    except InputError as exc:
        raise UsageError(f"{file}: {exc}") from exc
    with c.store() as store:
        pipeline.save_sources(store, new)
    into = f"group {group}" if group else "groups " + ", ".join(sorted({s.group for s in new}))
    c.out.print(f"imported {len(new)} sources ({len(feeds)} feeds) into {into}")


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
    """Add the default catalog of world and security news feeds (wire, mainstream, ...)."""
    c = get(ctx)
    catalog = pipeline.load_catalog()
    unknown = sorted(set(groups or ()) - {s.group for s in catalog})
    if unknown:
        known = ", ".join(sorted({s.group for s in catalog}))
        raise UsageError(f"--group {', '.join(unknown)}: not in the catalog; its groups: {known}")
    chosen = [s for s in catalog if not groups or s.group in groups]
    with c.store() as store:
        pipeline.save_sources(store, chosen)
    c.out.print(
        f"added {len(chosen)} catalog sources; check them with `belowthefold sources check`"
    )


@sources_app.command("check")
def sources_check(ctx: typer.Context) -> None:
    """Try every feed live (nothing is stored) and report which answer as feeds."""
    c = get(ctx)
    table = Table("source", "group", "feed", "result", title="Feed check")
    from belowthefold.fetch import Fetcher

    with Fetcher(c.settings.fetch) as fetcher, c.store() as store:
        checks = pipeline.check_sources(store, fetcher)
    for s, check in checks:
        if check.ok:
            result = f"[green]ok[/green] {check.entries} entries"
        elif check.error_kind == "not_feed":
            result = "[red]not a feed[/red]"
        else:
            result = f"[red]{check.error_kind}[/red] {check.error}"[:120]
        table.add_row(s.name, s.group, check.url, result)
    c.out.print(table)
    bad = sum(1 for _, check in checks if not check.ok)
    if bad:
        raise CommandFailed(f"{bad} feed(s) did not answer as feeds")


@sources_app.command("health")
def sources_health(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", help="Window for articles/day and errors.", min=1)
    ] = 7,
    fmt: TableFormatOpt = "table",
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
