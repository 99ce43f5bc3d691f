"""One quality gate: every pinned floor in one baseline file, each beside the digest of its data.

A floor is a number a stage must reach on labelled data (`min`: P@5 at least 0.6) or stay under
(`max`: at most 11 false alarms). The digest says which data the floor was measured on: when the
data changes the floor means nothing until it is measured again, so the check fails instead of
passing or failing by luck. `raise_floors` moves floors only the safe way (up for a `min`, down
for a `max`) and refuses, writing nothing, when asked to lower one; only new data (a new digest)
is pinned afresh, every floor restated.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from belowthefold.errors import EvalError

KINDS = ("min", "max")


@dataclass(frozen=True)
class Gate:
    """One evaluation's floors: the data they were measured on and the numbers it must hold."""

    name: str
    data: tuple[str, ...]  # "shared:PATH" (the shared data folder) or "repo:PATH"
    digest: str
    floors: Mapping[str, float]  # metric -> its floor (min) ...
    ceilings: Mapping[str, float]  # metric -> its ceiling (max)
    note: str = ""

    def problems(self, measured: Mapping[str, float]) -> list[str]:
        """Every floor `measured` misses, in words; empty when the gate passes."""
        out = []
        for metric, floor in sorted(self.floors.items()):
            got = measured.get(metric)
            if got is None:
                out.append(f"{self.name}: {metric} was not measured")
            elif got < floor:
                out.append(f"{self.name}: {metric} {got:.4g} is below its floor {floor:.4g}")
        for metric, ceiling in sorted(self.ceilings.items()):
            got = measured.get(metric)
            if got is None:
                out.append(f"{self.name}: {metric} was not measured")
            elif got > ceiling:
                out.append(f"{self.name}: {metric} {got:.4g} is above its ceiling {ceiling:.4g}")
        return out

    def paths(self, shared: Path, repo: Path) -> list[Path]:
        """The gate's data files and folders on this machine."""
        out = []
        for entry in self.data:
            root, _, rel = entry.partition(":")
            if root not in ("shared", "repo") or not rel:
                raise EvalError(f"{self.name}: data {entry!r} must be shared:PATH or repo:PATH")
            out.append((shared if root == "shared" else repo) / rel)
        return out


def digest_of(paths: list[Path]) -> str:
    """sha256 over files and folders (each folder's files by relative name, sorted, and bytes)."""
    h = hashlib.sha256()
    for path in paths:
        if not path.exists():
            raise EvalError(f"no data at {path}")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(f.relative_to(path).as_posix().encode() if path.is_dir() else f.name.encode())
            h.update(b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
    return f"sha256:{h.hexdigest()}"


def load_gates(path: Path) -> dict[str, Gate]:
    """The baseline file's gates by name."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EvalError(f"cannot read the floors in {path}: {exc}") from exc
    gates = {}
    for name, entry in doc.items():
        if not isinstance(entry, dict):
            raise EvalError(f"{path}: [{name}] must be a table")
        try:
            gates[name] = Gate(
                name=name,
                data=tuple(str(d) for d in entry["data"]),
                digest=str(entry["digest"]),
                floors={k: float(v) for k, v in entry.get("min", {}).items()},
                ceilings={k: float(v) for k, v in entry.get("max", {}).items()},
                note=str(entry.get("note", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"{path}: [{name}] is malformed: {exc}") from exc
    return gates


def check_data(gate: Gate, shared: Path, repo: Path) -> None:
    """Raise EvalError unless the data on this machine is what the floors were measured on."""
    found = digest_of(gate.paths(shared, repo))
    if found != gate.digest:
        raise EvalError(
            f"{gate.name}: its data ({', '.join(gate.data)}) changed: {found}, the floors were "
            f"measured on {gate.digest}; measure again and pin floors for the new data"
        )


def raise_floors(
    path: Path,
    name: str,
    measured: Mapping[str, float],
    shared: Path,
    repo: Path,
    *,
    new_data: bool = False,
) -> list[str]:
    """Move gate `name`'s floors to `measured` where that tightens them; refuse to loosen any.

    Every metric named must already be pinned, and the data must be the gate's (its digest).
    With `new_data` the data must instead have changed: the new digest is pinned with a value
    for every metric, up or down, since floors measured on other data say nothing about it.
    Returns what changed, in words; writes the file only when nothing was refused.
    """
    gates = load_gates(path)
    if name not in gates:
        raise EvalError(f"no gate [{name}] in {path}: one of {', '.join(sorted(gates))}")
    gate = gates[name]
    doc: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    entry = doc[name]
    changes: list[str] = []
    if new_data:
        found = digest_of(gate.paths(shared, repo))
        if found == gate.digest:
            raise EvalError(f"{name}: its data has not changed; raise floors without --new-data")
        missing = sorted({*gate.floors, *gate.ceilings} - set(measured))
        if missing:
            raise EvalError(f"{name}: new data needs every floor measured again: {missing}")
        entry["digest"] = found
        changes.append(f"{name}: data {gate.digest[:15]}... -> {found[:15]}...")
    else:
        check_data(gate, shared, repo)
    refused: list[str] = []
    for metric, value in sorted(measured.items()):
        if metric in gate.floors:
            old, kind = gate.floors[metric], "min"
            lower = value < old
        elif metric in gate.ceilings:
            old, kind = gate.ceilings[metric], "max"
            lower = value > old
        else:
            raise EvalError(f"{name}: {metric} has no floor to raise")
        if lower and not new_data:
            refused.append(f"{name}: {metric} {kind} {old:g} -> {value:g} would loosen the gate")
        elif value != old:
            entry[kind][metric] = value
            changes.append(f"{name}: {metric} {kind} {old:g} -> {value:g}")
    if refused:
        raise EvalError("refused, nothing written: " + "; ".join(refused))
    if changes:
        path.write_text(_HEADER + tomli_w.dumps(doc), encoding="utf-8")
    return changes


_HEADER = (
    "# Every quality floor of belowthefold, each with the digest of the data it was measured on.\n"
    "# Raise one with `belowthefold eval raise-floor`; it refuses to lower any (docs/method.md).\n"
)
