"""`eval raise-floor`: tighten pinned quality floors after an improvement; never loosen one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from belowthefold.cli.app import CommandFailed, eval_app, get


@eval_app.command("raise-floor")
def raise_floor(
    ctx: typer.Context,
    gate: Annotated[str, typer.Argument(help="The gate, e.g. extraction or missed-gold-week.")],
    values: Annotated[list[str], typer.Argument(help="METRIC=VALUE pairs, e.g. f1=0.93 p@5=0.8.")],
    floors: Annotated[Path, typer.Option("--floors", help="The baseline file.")] = Path(
        "tests/floors.toml"
    ),
    shared: Annotated[
        Path, typer.Option("--shared", help="The shared data folder the gates' data lives in.")
    ] = Path("../shared"),
    new_data: Annotated[
        bool,
        typer.Option(
            "--new-data", help="The data changed: pin its digest, every floor measured again."
        ),
    ] = False,
) -> None:
    """Raise a gate's floors (lower a ceiling) to measured values; refuses to loosen any, and
    refuses when the gate's data is not what its floors were measured on (unless --new-data)."""
    from belowthefold.evaluate.gate import raise_floors

    c = get(ctx)
    measured: dict[str, float] = {}
    for item in values:
        metric, sep, number = item.partition("=")
        try:
            measured[metric.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep or not metric.strip():
            raise CommandFailed(f"not METRIC=VALUE: {item!r}", code=2)
    repo = floors.resolve().parent.parent  # tests/floors.toml sits one folder below the repo
    changes = raise_floors(floors, gate, measured, shared, repo, new_data=new_data)
    for line in changes or [f"{gate}: nothing to raise (the floors already are there)"]:
        c.out.print(line, highlight=False)
