"""Names a package exports but imports on first use, so the CLI starts without the numerical stack.

`belowthefold --help` must not load numpy, scipy or httpx (tests/test_startup.py), yet
`from belowthefold.rank import rank_missed` should keep working. Each such package lists where
its names live and takes its module `__getattr__` (PEP 562) from here: one rule, one message for
a name that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports `package.homes[name]` on first use."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return __getattr__
