"""Every CLI command is documented in the README (as datasette's test_docs does for its settings)."""

from __future__ import annotations

from pathlib import Path

import typer.main

import belowthefold.cli  # noqa: F401  (registers the commands)
from belowthefold.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_group(group)
    names: list[str] = []
    for name, cmd in click_group.commands.items():  # type: ignore[attr-defined]
        names.append(f"{prefix}{name}")
        sub = getattr(cmd, "commands", None)
        if sub:
            names.extend(f"{prefix}{name} {s}" for s in sub)
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [c for c in _commands(app) if f"`{c}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:1500]
    assert "belowthefold demo" in head and "scripts/check.sh" in head
