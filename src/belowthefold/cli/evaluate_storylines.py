"""`belowthefold eval storylines`: is each labelled flood one storyline, and does it hold only the flood?"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from belowthefold.cli.app import CommandFailed, TableFormatOpt, eval_app, get
from belowthefold.config import ImportOptions
from belowthefold.ingest import FORMATS, iter_file
from belowthefold.models import Article
from belowthefold.stories import REPRESENTATIONS

if TYPE_CHECKING:
    from belowthefold.evaluate.storylines import FloodReport


def _table(reports: list[FloodReport]) -> Table:
    t = Table(title="Storylines of labelled floods (main storyline)")
    for col in ("flood", "role", "saga", "main", "P", "R", "B³ P", "B³ R", "storylines", "missing"):
        t.add_column(col)
    for r in reports:
        t.add_row(
            r.flood,
            r.role,
            str(r.found),
            str(r.main_size),
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
            f"{r.bcubed_precision:.3f}",
            f"{r.bcubed_recall:.3f}",
            str(r.storylines),
            str(len(r.missing_must)),
        )
    return t


@eval_app.command("storylines")
def storylines(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="The articles: a file or front-page folder.")],
    labels: Annotated[
        list[Path],
        typer.Option("--labels", help="Flood label file(s) (tests/fixtures/storylines)."),
    ],
    input_format: Annotated[
        str, typer.Option("--input-format", help=f"One of {', '.join(FORMATS)}.")
    ] = "auto",
    representation: Annotated[
        str | None, typer.Option("--representation", help=f"One of {', '.join(REPRESENTATIONS)}.")
    ] = None,
    fmt: TableFormatOpt = "table",
    show_unrelated: Annotated[
        bool, typer.Option("--show-unrelated", help="List the background headlines that joined.")
    ] = False,
    min_precision: Annotated[
        float | None, typer.Option("--min-precision", help="Exit non-zero below this precision.")
    ] = None,
    min_recall: Annotated[
        float | None, typer.Option("--min-recall", help="Exit non-zero below this recall.")
    ] = None,
) -> None:
    """Cluster the articles as `stories` would and score each flood's main storyline (P/R, B-cubed)."""
    from belowthefold.evaluate.storylines import evaluate_storylines, read_labels

    c = get(ctx)
    options = c.settings.cluster
    if representation is not None:
        if representation not in REPRESENTATIONS:
            raise CommandFailed(f"--representation must be one of {', '.join(REPRESENTATIONS)}")
        options = replace(options, representation=representation)
    floods = [read_labels(p) for p in labels]
    articles = [
        a for a in iter_file(source, ImportOptions(format=input_format)) if isinstance(a, Article)
    ]
    reports = evaluate_storylines(articles, floods, options)
    if fmt == "json":
        c.out.print_json(json.dumps([r.as_dict() for r in reports]))
    else:
        c.out.print(_table(reports))
        if show_unrelated:
            for r in reports:
                for title in r.missing_must:
                    c.out.print(f"{r.flood}: missing: {title}", markup=False, highlight=False)
                for title in r.unrelated:
                    c.out.print(f"{r.flood}: unrelated: {title}", markup=False, highlight=False)
    low = [
        f"{r.flood} P {r.precision:.3f} R {r.recall:.3f}"
        for r in reports
        if (min_precision is not None and r.precision < min_precision)
        or (min_recall is not None and r.recall < min_recall)
    ]
    if low:
        raise CommandFailed("below the floor: " + ", ".join(low))
