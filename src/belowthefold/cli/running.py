"""`run`: fetch every source, update stories, write this week's brief, in one verb."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from belowthefold import pipeline
from belowthefold.cli.app import BriefFormatOpt, app, get, output_file, write_text
from belowthefold.cli.core import CLI_WINDOW, audience_of
from belowthefold.cli.fetching import fail_if_any_failed, fetch_and_report
from belowthefold.cli.progress import progress_bars


@app.command("run")
def run(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week (default: this week).")
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="The audience's group.")
    ] = None,
    fmt: BriefFormatOpt = "html",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the brief.", callback=output_file),
    ] = None,
) -> None:
    """Fetch every source, update stories, write this week's brief."""
    from belowthefold.brief import render

    c = get(ctx)
    window = pipeline.parse_window(week, names=CLI_WINDOW)  # default: this ISO week
    out = output or Path(f"brief-{window.label}.{fmt}")
    with c.store() as store:
        if not store.sources.all():
            # First run on a new database: start from the shipped catalog rather than nothing.
            catalog = pipeline.load_catalog()
            pipeline.save_sources(store, catalog)
            c.err.print(
                f"no sources yet: using the shipped catalog ({len(catalog)} sources); "
                "change it with `belowthefold sources ...`"
            )
        chosen = audience_of(c, store, audience)
        report = fetch_and_report(c, store)
        with progress_bars(c.err) as progress:
            result = pipeline.make_brief(
                store,
                c.settings,
                window,
                chosen,
                progress=progress,
                record=True,
            )
    write_text(out, render(result, fmt))
    c.out.print(f"wrote {out} ({len(result.missed)} missed headlines)")
    fail_if_any_failed(report, " (the brief is written)")
