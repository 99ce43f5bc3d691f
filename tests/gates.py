"""The quality floors, read from tests/floors.toml: a floor test measures, then asks here.

The floors file pins every floor with the digest of its data; a test on changed data fails
saying so, rather than passing or failing against numbers measured on something else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from belowthefold.evaluate.gate import Gate, check_data, load_gates
from cli_support import SHARED

REPO = Path(__file__).resolve().parents[1]
FLOORS = Path(__file__).parent / "floors.toml"
GATES = load_gates(FLOORS)


def gate(name: str) -> Gate:
    """The named gate, its data checked against the digest it was measured on."""
    found = GATES[name]
    check_data(found, SHARED, REPO)
    return found


def assert_holds(name: str, measured: Mapping[str, float], detail: object = None) -> None:
    """Fail, saying which floors `measured` misses (and `detail`, what to look at), if any."""
    problems = gate(name).problems(measured)
    assert not problems, "; ".join(problems) + (f" ({detail})" if detail is not None else "")
