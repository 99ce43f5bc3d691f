"""`belowthefold eval clustering` and `eval dedup`: quality of the story and syndication stages."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from belowthefold.cli.app import CommandFailed, TableFormatOpt, eval_app, get
from belowthefold.evaluate import GOLD_FORMATS
from belowthefold.stories import REPRESENTATIONS

if TYPE_CHECKING:
    from belowthefold.evaluate.clustering import ClusteringReport


def _table(reports: list[tuple[str, ClusteringReport]]) -> Table:
    """One row per measure, one column per gold file: readable at 80 columns and in a log
    (fourteen columns side by side were cut to a few characters each)."""
    t = Table(title="Story clustering")
    t.add_column("measure", no_wrap=True)
    for name, _ in reports:
        t.add_column(name, overflow="fold", justify="right")

    def cross(r: ClusteringReport, measure: str) -> str:
        x = r.cross_language
        return "-" if x is None else f"{getattr(x, measure):.3f}"

    rows: list[tuple[str, list[str]]] = [
        ("representation", [r.representation for _, r in reports]),
        ("articles", [str(r.articles) for _, r in reports]),
        ("gold stories", [str(r.gold_stories) for _, r in reports]),
        ("predicted stories", [str(r.predicted_stories) for _, r in reports]),
        ("B³ precision", [f"{r.bcubed.precision:.3f}" for _, r in reports]),
        ("B³ recall", [f"{r.bcubed.recall:.3f}" for _, r in reports]),
        ("B³ F1", [f"{r.bcubed.f1:.3f}" for _, r in reports]),
        ("pairwise precision", [f"{r.pairwise.precision:.3f}" for _, r in reports]),
        ("pairwise recall", [f"{r.pairwise.recall:.3f}" for _, r in reports]),
        ("pairwise F1", [f"{r.pairwise.f1:.3f}" for _, r in reports]),
        (
            "cross-language precision",
            [cross(r, "precision") for _, r in reports],
        ),
        (
            "cross-language recall",
            [cross(r, "recall") for _, r in reports],
        ),
        ("articles/s", [f"{r.docs_per_s:,.0f}" for _, r in reports]),
    ]
    for label, values in rows:
        t.add_row(label, *values)
    return t


@eval_app.command("clustering")
def clustering(
    ctx: typer.Context,
    gold: Annotated[
        list[Path],
        typer.Option(
            "--gold",
            help="Gold file(s): JSONL with a `story` field, "
            "an AllSides roundups file, a NeuS probe .source file, or a folder of "
            "articles.jsonl + labels.json (devweek-2025w17).",
        ),
    ],
    representation: Annotated[
        str | None, typer.Option("--representation", help=f"One of {', '.join(REPRESENTATIONS)}.")
    ] = None,
    gold_format: Annotated[
        str, typer.Option("--gold-format", help=f"auto or one of {', '.join(GOLD_FORMATS)}.")
    ] = "auto",
    fmt: TableFormatOpt = "table",
    min_bcubed_f1: Annotated[
        float | None, typer.Option("--min-bcubed-f1", help="Exit non-zero below this B-cubed F1.")
    ] = None,
) -> None:
    """Stream gold-labelled articles through the story clusterer; print B-cubed and pairwise P/R/F1."""
    from belowthefold.evaluate.clustering import evaluate, read_gold

    c = get(ctx)
    if representation is not None and representation not in REPRESENTATIONS:
        raise CommandFailed(f"--representation must be one of {', '.join(REPRESENTATIONS)}")
    options = c.settings.cluster
    if representation:
        options = replace(options, representation=representation)
    reports = [(path.name, evaluate(read_gold(path, gold_format), options)) for path in gold]
    if fmt == "json":
        c.out.print_json(json.dumps([{"gold": n, **r.as_dict()} for n, r in reports]))
    elif fmt == "table":
        c.out.print(_table(reports))
    else:
        raise CommandFailed("--format must be table or json")
    if min_bcubed_f1 is not None:
        low = [(n, r.bcubed.f1) for n, r in reports if r.bcubed.f1 < min_bcubed_f1]
        if low:
            worst = ", ".join(f"{n}: {f:.3f}" for n, f in low)
            raise CommandFailed(f"B-cubed F1 below {min_bcubed_f1}: {worst}")


@eval_app.command("dedup")
def dedup(
    ctx: typer.Context,
    editorials: Annotated[
        Path,
        typer.Option(
            "--editorials", help="Folder of full-text markdown articles to build pickups from."
        ),
    ],
    seed: Annotated[int, typer.Option("--seed", help="Seed for the built edits.")] = 0,
    fmt: TableFormatOpt = "table",
    min_f1: Annotated[
        float | None, typer.Option("--min-f1", help="Exit non-zero below this F1.")
    ] = None,
) -> None:
    """Precision and recall of pickup links on syndicated copies built from real full texts."""
    from belowthefold.evaluate.dedup import evaluate_dedup

    c = get(ctx)
    if not editorials.is_dir():
        raise CommandFailed(f"no such folder: {editorials}")
    report = evaluate_dedup(editorials, c.settings.dedup, seed=seed)
    data = report.as_dict()
    if fmt == "json":
        c.out.print_json(json.dumps(data))
    elif fmt == "table":
        t = Table(title="Syndication dedup")
        for key in data:
            t.add_column(key)
        t.add_row(*(str(v) for v in data.values()))
        c.out.print(t)
    else:
        raise CommandFailed("--format must be table or json")
    if min_f1 is not None and report.f1 < min_f1:
        raise CommandFailed(f"dedup F1 {report.f1:.3f} below {min_f1}")
