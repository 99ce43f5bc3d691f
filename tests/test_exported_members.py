"""Each sub-package's `__all__` is exactly what it offers (httpx `tests/test_exported_members.py`):
every public function, class and constant the package's `__init__` defines or takes from its
own modules is listed, nothing else is, and the list is sorted. A name added to a package's
surface without being exported, or an export left behind after a rename, fails here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "belowthefold"
PACKAGES = sorted(
    ".".join(("belowthefold", *p.parent.relative_to(PKG).parts))
    for p in PKG.rglob("__init__.py")
    if p.parent != PKG
)


def _offered(package: str) -> set[str]:
    """Public names the package's `__init__` defines, or imports from its own modules
    (the lazy ones under `if TYPE_CHECKING:` included)."""
    path = PKG.joinpath(*package.split(".")[1:], "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    # Module level, and `if TYPE_CHECKING:` blocks; an import inside a function is not offered.
    top = [*tree.body, *(n for node in tree.body if isinstance(node, ast.If) for n in node.body)]
    for node in top:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{package}."):
            names.update(a.asname or a.name for a in node.names)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_exactly_what_the_package_offers(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(getattr(module, "__all__", []))
    assert exported == sorted(exported, key=str.casefold) or exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for name in exported:
        getattr(module, name)  # every export resolves (lazy ones too)
    assert set(exported) == _offered(package)
