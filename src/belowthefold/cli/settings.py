"""`belowthefold config`: the effective settings and where each came from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.table import Table

from belowthefold.cli.app import TableFormatOpt, app, get
from belowthefold.config import describe_settings, settings_file


@app.command("config")
def config(ctx: typer.Context, fmt: TableFormatOpt = "table") -> None:
    """Print every setting's effective value and its origin (default, file, env or --db)."""
    c = get(ctx)
    root = ctx.find_root()
    given: Path | None = root.params.get("config")
    db: Path | None = root.params.get("db")
    env = dict(os.environ)
    rows = describe_settings(given, env, db)
    assert rows[0][1] == c.settings.db  # the same loading as every other verb
    source = settings_file(given, env)
    if fmt == "json":
        doc = {
            "settings_file": str(source) if source else None,
            "settings": [
                {"name": k, "value": v if isinstance(v, (int, float, bool)) else str(v), "from": o}
                for k, v, o in rows
            ],
        }
        c.out.print_json(json.dumps(doc))
        return
    table = Table(title="Settings")
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for name, value, origin in rows:
        shown = ", ".join(value) if isinstance(value, tuple) else str(value)
        table.add_row(name, shown, origin)
    c.out.print(table)
    c.err.print(f"settings file: {source or 'none (defaults and environment only)'}")
