"""Database verbs: `db copy SRC DST`, moving an archive from one store to another."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from belowthefold.cli.app import UsageError, app, get
from belowthefold.config import db_target
from belowthefold.store import Store
from belowthefold.store.copy import TableCopy, copy_store
from belowthefold.store.pg import redact

db_app = typer.Typer(help="Move an archive between databases.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("copy")
def copy(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(help="The archive: a SQLite file or a postgresql:// URL.")],
    dst: Annotated[
        str, typer.Argument(help="Where to: a postgresql:// URL (or another SQLite file).")
    ],
    batch: Annotated[
        int, typer.Option("--batch", help="Rows per transaction in the destination.", min=1)
    ] = 5000,
) -> None:
    """Copy every article and what was derived from it (stories, storylines, duplicates,
    vectors, sources, runs, fetch records, front pages) into another database.

    Idempotent: a killed copy resumes when run again, a finished one adds nothing; rows
    already in DST are kept. The full-text index and the derived-aggregate cache are rebuilt
    by DST itself (docs/deploy.md)."""
    c = get(ctx)
    source, target = db_target(src), db_target(dst)
    if isinstance(source, Path) and not source.is_file():
        raise UsageError(f"{src}: no such SQLite file")
    if str(source) == str(target):
        raise UsageError("SRC and DST are the same database")

    def said(one: TableCopy) -> None:
        c.err.print(f"{one.table}: {one.read} rows read, {one.added} added", highlight=False)

    with Store(source) as a, Store(target) as b:
        done = copy_store(a.conn, b.conn, batch, said)
    where = redact(dst) if isinstance(target, str) else dst
    c.out.print(
        f"copied {sum(t.added for t in done)} rows ({sum(t.read for t in done)} read) "
        f"from {src} to {where}",
        highlight=False,
        markup=False,
    )
