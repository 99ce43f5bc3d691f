"""`belowthefold eval missed`: the missed list against a person's judgement, with CI floors."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from belowthefold.cli.app import CommandFailed, TableFormatOpt, eval_app, get
from belowthefold.store import Store

if TYPE_CHECKING:
    from belowthefold.evaluate.missed import MissedReport


def _table(r: MissedReport) -> Table:
    t = Table(title=f"Missed headlines, {r.audience}, {r.window}: P@5 {r.p_at_5:.2f} · "
                    f"P@10 {r.p_at_10:.2f} · R@10 {r.r_at_10:.2f} · dominant named: "
                    f"{'n/a' if r.dominant_named is None else ('yes' if r.dominant_named else 'no')}")  # fmt: skip
    for col in ("rank", "headline", "gold story", "judged not missed"):
        t.add_column(col)
    for h in r.hits:
        t.add_row(str(h.rank), h.headline[:70], h.gold or "–", h.not_missed or "")
    return t


def _floors(r: MissedReport, p5: float | None, p10: float | None, r10: float | None,
            dominant: bool) -> list[str]:  # fmt: skip
    out = []
    for name, value, floor in (
        ("P@5", r.p_at_5, p5),
        ("P@10", r.p_at_10, p10),
        ("R@10", r.r_at_10, r10),
    ):
        if floor is not None and value < floor:
            out.append(f"{name} {value:.2f} is below the floor {floor:.2f}")
    if dominant and r.dominant_named is not True:
        out.append("the dominant story was not named")
    return out


@eval_app.command("missed")
def missed(
    ctx: typer.Context,
    gold: Annotated[
        Path, typer.Option("--gold", help="Gold file (JSON): window, audience, missed stories.")
    ],
    input_: Annotated[
        list[Path] | None,
        typer.Option("--input", help="Import these files into a temporary database first."),
    ] = None,
    sources: Annotated[
        Path | None, typer.Option("--sources", help="Sources file for --input.")
    ] = None,
    fmt: TableFormatOpt = "table",
    min_p5: Annotated[
        float | None, typer.Option("--min-p5", help="Exit non-zero below this P@5.")
    ] = None,
    min_p10: Annotated[
        float | None, typer.Option("--min-p10", help="Exit non-zero below this P@10.")
    ] = None,
    min_r10: Annotated[
        float | None, typer.Option("--min-r10", help="Exit non-zero below this R@10.")
    ] = None,
    require_dominant: Annotated[
        bool,
        typer.Option(
            "--require-dominant", help="Exit non-zero unless the dominant story is named."
        ),
    ] = False,
) -> None:
    """Score the window's missed list: precision@5, precision@10, recall@10, dominant story named."""
    from belowthefold import pipeline
    from belowthefold.evaluate.missed import evaluate_store, load_gold

    c = get(ctx)
    spec = load_gold(gold)
    if input_:
        with (
            tempfile.TemporaryDirectory(prefix="belowthefold-eval-") as tmp,
            Store(Path(tmp) / "eval.db") as store,
        ):
            pipeline.import_paths(store, input_, c.settings.imports, sources)
            _, report = evaluate_store(store, c.settings, spec)
    else:
        with c.store() as store:
            _, report = evaluate_store(store, c.settings, spec)
    if fmt == "json":
        c.out.print_json(json.dumps(report.as_dict()))
    else:
        c.out.print(_table(report))
    failures = _floors(report, min_p5, min_p10, min_r10, require_dominant)
    if failures:
        raise CommandFailed("; ".join(failures))
