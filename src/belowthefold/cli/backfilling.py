"""`backfill`: import an archive with the per-file work (parse, language, encode) on Dask."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from belowthefold.cli.app import app, get
from belowthefold.cli.core import (
    InputFormatOption,
    NoStoriesOption,
    SourcesOption,
    report_import,
)
from belowthefold.cli.progress import progress_bars
from belowthefold.config import ImportOptions


@app.command("backfill")
def backfill(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="JSONL, CSV or GDELT ArtList files, or folders of them.")
    ],
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes of the local cluster.")
    ] = 2,
    sources: SourcesOption = None,
    fmt: InputFormatOption = "auto",
    no_stories: NoStoriesOption = False,
) -> None:
    """Import files in parallel on Dask (one file per task); same articles, errors and stories
    as `import`, only faster on several cores or machines. Needs `belowthefold[backfill]`."""
    from belowthefold.backfill import BackfillOptions, backfill_paths
    from belowthefold.pipeline import update_stories

    c = get(ctx)
    imports = ImportOptions(**{**c.settings.imports.__dict__, "format": fmt})
    options = BackfillOptions(scheduler=scheduler, workers=workers)
    started = time.perf_counter()
    with c.store() as store, progress_bars(c.err) as progress:
        summary = backfill_paths(store, files, c.settings, options, imports, sources, progress)
        clustered = 0 if no_stories else update_stories(store, c.settings, progress)
    report_import(c, summary, clustered, time.perf_counter() - started)
