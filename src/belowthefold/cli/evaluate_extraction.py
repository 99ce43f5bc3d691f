"""`eval extraction`: full-text extraction quality on labelled pages (P, R, F1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from belowthefold.cli.app import CommandFailed, TableFormatOpt, eval_app, get


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
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N pages.", min=1)
    ] = None,
    min_f1: Annotated[float | None, typer.Option("--min-f1", help="Fail below this F1.")] = None,
    fmt: TableFormatOpt = "table",
) -> None:
    """Full-text extraction quality: snippets that must / must not appear (P, R, F1)."""
    from belowthefold.evaluate.extraction import score_extraction

    c = get(ctx)
    root = data
    if not (root / "evaldata.json").is_file():
        raise CommandFailed(f"no evaldata.json in {root} (pass --data)")
    score = score_extraction(root, c.settings.fetch, limit)
    if fmt == "json":
        c.out.print_json(json.dumps(score.as_dict()))
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
