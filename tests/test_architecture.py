"""The import rules of STYLE.md: data flows one way; only `store` touches the database.

Checked by parsing every module's imports, so a violation fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "belowthefold"

# Stage order: a module may import its own stage and earlier ones, never later ones.
# `fetch` is live ingestion: it calls `extract` for full text and returns what it fetched.
STAGES = [
    "lazy",  # a package's lazily imported names (PEP 562): no stage, imports nothing of ours
    "models",
    "errors",
    "config",
    "sources",
    "language",
    "ingest",
    "extract",
    "fetch",
    "dedup",
    "stories",
    "attention",
    "rank",
    "brief",
]
# Above the stages: the application services that run them against the store (the derived
# aggregates and the kept briefs the pipeline reads first), the evaluations that call those
# services, the demo data set, then the web app (the CLI sits above them all).
ORDER = [
    *STAGES,
    "aggregates",
    "kept",
    "pipeline",
    "workers",
    "worker_view",
    "backfill",
    "evaluate",
    "demo",
    "web",
]
# What the store may build on: it stores models and raises the package's errors, nothing else.
STORE_MAY_IMPORT = {"models", "errors", "store"}


def _modules() -> list[tuple[str, set[str]]]:
    out = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).with_suffix("")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                # `from belowthefold import pipeline` imports belowthefold.pipeline: say so.
                names.update(f"{node.module}.{a.name}" for a in node.names)
        out.append((".".join(rel.parts), names))
    return out


MODULES = _modules()


def _top(module: str) -> str:
    return module.split(".")[0]


def test_only_store_touches_sqlite() -> None:
    offenders = [m for m, names in MODULES if "sqlite3" in names and _top(m) != "store"]
    assert not offenders, f"only belowthefold.store may import sqlite3: {offenders}"


@pytest.mark.parametrize("edge", ["cli", "web"])
def test_nothing_imports_the_edges(edge: str) -> None:
    offenders = [
        m
        for m, names in MODULES
        if _top(m) not in (edge, "cli", "__main__")
        and any(n.startswith(f"belowthefold.{edge}") for n in names)
    ]
    assert not offenders, f"nothing below the edges may import belowthefold.{edge}: {offenders}"


def test_stages_never_import_later_stages() -> None:
    offenders = []
    for m, names in MODULES:
        if _top(m) not in ORDER:
            continue
        mine = ORDER.index(_top(m))
        for n in names:
            parts = n.split(".")
            later = len(parts) > 1 and parts[1] in ORDER and ORDER.index(parts[1]) > mine
            if parts[0] == "belowthefold" and later:
                offenders.append(f"{m} -> {n}")
    assert not offenders, f"data flows one way; these import a later stage: {offenders}"


def test_the_order_names_every_module() -> None:
    """A new top-level module must take its place in the order (or be an edge), not slip past."""
    unplaced = {_top(m) for m, _ in MODULES} - {*ORDER, "store", "cli", "__init__", "__main__"}
    assert not unplaced, f"add these to ORDER in tests/test_architecture.py: {sorted(unplaced)}"


def test_the_store_imports_only_models_and_errors() -> None:
    offenders = [
        f"{m} -> {n}"
        for m, names in MODULES
        if _top(m) == "store"
        for n in names
        if n.startswith("belowthefold.") and _part(n) not in STORE_MAY_IMPORT
    ]
    assert not offenders, f"the store builds on models and errors only: {offenders}"


def _part(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_stages_never_import_the_store() -> None:
    offenders = [
        m
        for m, names in MODULES
        if _top(m) in STAGES and any(n.startswith("belowthefold.store") for n in names)
    ]
    assert not offenders, (
        f"stages take and return dataclasses; only pipeline/cli/web use the store: {offenders}"
    )
