"""The Typer application, its global options and the edge where errors become one red line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from belowthefold.config import Settings, load_settings
from belowthefold.errors import BelowTheFoldError
from belowthefold.store import Store

app = typer.Typer(
    name="belowthefold",
    help="Find the headlines that were missed: news pressure, crowded-out stories, a weekly brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Measure each heuristic stage on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@dataclass
class Context:
    """What every command gets: settings loaded once, and consoles for output and messages."""

    settings: Settings
    out: Console
    err: Console

    def store(self) -> Store:
        return Store(self.settings.db)


class CommandFailed(Exception):
    """Raised by a command that did its work but must exit non-zero (e.g. skipped records)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file (env BELOWTHEFOLD_DB; default in ~/.local/share)."),
]


@app.callback()
def _root(
    ctx: typer.Context,
    db: DbOption = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings file (default ./belowthefold.toml).")
    ] = None,
) -> None:
    ctx.obj = Context(
        settings=load_settings(config, db=db),
        # soft_wrap: one message stays one line when piped (grep-able logs); tables still fit.
        out=Console(soft_wrap=True),
        err=Console(stderr=True, soft_wrap=True),
    )


def get(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """Accept `--db PATH` (and `--config PATH`) after the verb too, by moving them to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    args = list(argv)
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        if a in ("--db", "--config") and i + 1 < len(args):
            front.extend(args[i : i + 2])
            i += 2
            continue
        if a.startswith(("--db=", "--config=")):
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI; errors of ours become one red line and a non-zero exit."""
    import belowthefold.cli  # noqa: F401  (registers every command module)

    args = hoist_global_options(sys.argv[1:] if argv is None else argv)
    err = Console(stderr=True, soft_wrap=True)
    try:
        result = app(args=args, prog_name="belowthefold", standalone_mode=False)
    except CommandFailed as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return exc.code
    except BelowTheFoldError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    except typer.Abort:
        err.print("[red]aborted[/red]")
        return 130
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]")
        return 130
    except Exception as exc:
        # Usage errors (unknown option, bad value) come from the click that typer vendors;
        # they know how to print themselves and their exit code.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return int(result) if isinstance(result, int) else 0
