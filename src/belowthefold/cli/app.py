"""The Typer application, its global options and the edge where errors become one red line."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import typer
import typer.core
import typer.main
from rich.console import Console

from belowthefold import __version__
from belowthefold.config import Settings, load_settings
from belowthefold.errors import BelowTheFoldError
from belowthefold.errors import CommandFailed as CommandFailed  # where the verbs import it
from belowthefold.models import BriefFormat
from belowthefold.store import Store

app = typer.Typer(
    name="belowthefold",
    help="Find the headlines that were missed: news pressure, crowded-out stories, a weekly brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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


# Exit codes, documented in the README: cron tells a run that did most of its work (some records
# skipped, some sources down) from one that did nothing.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # click's convention: a bad option or value, nothing was done
EXIT_PARTIAL = 3


class PartialSuccess(CommandFailed):
    """The command did its work, but some records were skipped or some sources failed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_PARTIAL)


class UsageError(CommandFailed):
    """A value that parses but makes no sense (an unknown group, a zero interval): exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def partial_or_failed(message: str, succeeded: int) -> CommandFailed:
    """PartialSuccess when anything succeeded, else a plain failure: one rule for every verb."""
    return PartialSuccess(message) if succeeded else CommandFailed(message)


# One --format vocabulary across verbs; each verb takes the names it can write, click refuses the
# rest (exit 2) instead of a silent table.
OUTPUT_FORMATS = ("table", "json", "jsonl", "csv", "md", "html")
TableFormatOpt = Annotated[
    Literal["table", "json"], typer.Option("--format", "-f", help="Output format.")
]
BriefFormatOpt = Annotated[BriefFormat, typer.Option("--format", "-f", help="Output format.")]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database file, or a postgresql://user@host/dbname URL "
        "(env BELOWTHEFOLD_DB; default a file in ~/.local/share).",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"belowthefold {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: DbOption = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (default ./belowthefold.toml, else "
            "$XDG_CONFIG_HOME/belowthefold/belowthefold.toml).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
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


def output_file(path: Path | None) -> Path | None:
    """An `-o FILE` callback: refused before any work when it names a folder or a missing one.

    A folder used to fail at the end with IsADirectoryError, and a missing folder was created
    silently (a typo became a new directory tree).
    """
    if path is None:
        return None
    if path.is_dir():
        raise UsageError(f"-o {path} is a folder; give a file name, e.g. {path / 'brief.html'}")
    if not path.parent.is_dir():
        raise UsageError(f"-o {path}: no such folder {path.parent} (create it first)")
    return path


def write_text(path: Path, text: str) -> None:
    """Write an output file; an OS refusal (permissions, a full disk) is one red line."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandFailed(f"cannot write {path}: {exc.strerror or exc}") from exc


class _ConventionalArgument(typer.core.TyperArgument):
    """An argument shown as click shows one: `FILES...`, no Python type, no braces."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return str(self.metavar) + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"


def _metavar(param: Any) -> str:
    """TEXT, N, NUMBER, PATH or [a|b|c], from typer's type descriptor (or click's type)."""
    desc = getattr(param, "type_descriptor", None)
    choices = getattr(desc, "choices", None) or getattr(
        getattr(param, "type", None), "choices", None
    )
    if choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
    annotation = getattr(desc, "annotation", None)
    args = get_args(annotation)
    if args and get_origin(annotation) is not None:
        annotation = next((a for a in args if a is not type(None)), annotation)
    if getattr(desc, "is_path", False) or annotation is Path:
        return "PATH"
    if annotation is int:
        return "N"
    return "NUMBER" if annotation is float else "TEXT"


def conventional_help(command: Any) -> Any:
    """Help in click's conventions: flags without a value, `--week TEXT`, `FILES...`.

    typer 0.29 prints Python types instead (`--open <bool>`, `<list[Path]>`); this sets each
    parameter's metavar once, on the built command tree, before it parses anything.
    """
    for param in command.params:
        if isinstance(param, typer.core.TyperArgument) and param.metavar is None:
            param.metavar = str(param.name).upper()
            param.__class__ = _ConventionalArgument
        elif (
            isinstance(param, typer.core.TyperOption)
            and param.metavar is None
            and not (param.is_flag or param.count)
        ):
            param.metavar = _metavar(param)
    for sub in getattr(command, "commands", {}).values():
        conventional_help(sub)
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI; errors of ours become one red line and a non-zero exit."""
    import belowthefold.cli  # noqa: F401  (registers every command module)

    args = hoist_global_options(sys.argv[1:] if argv is None else argv)
    err = Console(stderr=True, soft_wrap=True)
    command = conventional_help(typer.main.get_command(app))
    try:
        result = command.main(args=args, prog_name="belowthefold", standalone_mode=False)
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
    except OSError as exc:
        # A file the command reads or writes refused (permissions, a full disk): one line too.
        where = f" {exc.filename}" if exc.filename else ""
        err.print(f"[red]error:[/red]{where}: {exc.strerror or exc}", highlight=False)
        return EXIT_FAILURE
    except Exception as exc:
        # Usage errors (unknown option, bad value) come from the click that typer vendors;
        # they know how to print themselves and their exit code.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return int(result) if isinstance(result, int) else 0


def print_json(c: Context, data: object) -> None:
    """JSON as rich prints it (indent 2, non-ASCII kept), highlighted only on a terminal: the
    highlighter took longer than the rest of `pressure` over four weeks, and 14 of the 16 s of
    a week's `stories --format json` at 100k articles."""
    if c.out.is_terminal:
        c.out.print_json(json.dumps(data))
    else:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
