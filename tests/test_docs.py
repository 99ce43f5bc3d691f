"""Every CLI command is documented in the README (as datasette's test_docs does for its settings)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import typer.main

import belowthefold.cli  # noqa: F401  (registers the commands)
from belowthefold.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_group(group)
    names: list[str] = []
    for name, cmd in click_group.commands.items():
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


ROOT = Path(__file__).resolve().parents[1]


def test_readme_links_work_on_pypi() -> None:
    """PyPI renders the README away from the repository: a relative link there is a dead link."""
    relative = [m for m in re.findall(r"\]\(([^)]+)\)", README) if not m.startswith("https://")]
    assert not relative, relative


def test_package_metadata_for_an_index() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(project["urls"])
    assert project["keywords"] and "Typing :: Typed" in project["classifiers"]
    (httpx,) = [d for d in project["dependencies"] if d.startswith("httpx")]
    assert "<1" in httpx  # the deadline code reaches a private attribute of httpx 0.x


def test_changelog_and_contributing() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for what in ("scripts/check.sh", "belowthefold eval", "bench/", "CHANGELOG.md"):
        assert what in contributing, what


def test_the_sdist_carries_what_its_tests_need() -> None:
    """setuptools ships tests/test_*.py by default but not conftest, helpers or fixtures: an
    sdist whose tests cannot run. MANIFEST.in grafts the whole folder (checked by building one:
    `python -m build --sdist`, then pytest in the unpacked folder)."""
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "graft tests" in manifest
    assert any(line.startswith("include") and "CHANGELOG.md" in line for line in manifest)


def test_torch_is_a_range_the_cpu_build_satisfies() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    (torch,) = [d for d in extras["transformers"] if d.startswith("torch")]
    assert "==" not in torch and ">=" in torch and "<3" in torch
