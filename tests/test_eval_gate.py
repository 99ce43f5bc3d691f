"""The one quality gate: tests/floors.toml is in step with its data, and its floors only rise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from belowthefold.cli import main
from belowthefold.errors import EvalError
from belowthefold.evaluate.gate import Gate, check_data, load_gates, raise_floors
from cli_support import SHARED
from gates import FLOORS, GATES, REPO

TESTS = Path(__file__).parent


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_gate_names_its_data_and_a_test_reads_it(name: str) -> None:
    gate = GATES[name]
    assert gate.floors or gate.ceilings, name
    family = name.split("-")[0]  # storyline-FLOOD and clustering-probe-SPLIT are parametrized
    read = [
        p.name
        for p in TESTS.glob("test_*.py")
        if f'"{name}"' in (text := p.read_text(encoding="utf-8")) or f'f"{family}-' in text
    ]
    assert read, f"no test reads the floors of [{name}]"
    if all(d.startswith("repo:") for d in gate.data) or SHARED.is_dir():
        check_data(gate, SHARED, REPO)  # the digest is the data's, here and now


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    """A baseline with one gate over a small data file, and that file (the repo is tmp_path)."""
    data = tmp_path / "week.jsonl"
    data.write_text('{"title": "t"}\n', encoding="utf-8")
    floors = tmp_path / "tests" / "floors.toml"
    floors.parent.mkdir()
    from belowthefold.evaluate.gate import digest_of

    floors.write_text(
        f'[week]\ndata = ["repo:week.jsonl"]\ndigest = "{digest_of([data])}"\n'
        '[week.min]\n"p@5" = 0.6\n[week.max]\nlisted = 11\n',
        encoding="utf-8",
    )
    return floors, data


def test_floors_rise_and_ceilings_fall(tmp_path: Path) -> None:
    floors, _ = _copy(tmp_path)
    changes = raise_floors(floors, "week", {"p@5": 0.8, "listed": 9}, SHARED, tmp_path)
    assert changes == ["week: listed max 11 -> 9", "week: p@5 min 0.6 -> 0.8"]
    gate = load_gates(floors)["week"]
    assert gate.floors == {"p@5": 0.8} and gate.ceilings == {"listed": 9}
    assert gate.problems({"p@5": 0.79, "listed": 9}) == ["week: p@5 0.79 is below its floor 0.8"]


def test_lowering_a_floor_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    floors, _ = _copy(tmp_path)
    before = floors.read_text(encoding="utf-8")
    for measured in ({"p@5": 0.5}, {"listed": 12}, {"p@5": 0.9, "listed": 12}):
        with pytest.raises(EvalError, match="would loosen the gate"):
            raise_floors(floors, "week", measured, SHARED, tmp_path)
    assert floors.read_text(encoding="utf-8") == before
    with pytest.raises(EvalError, match="no floor to raise"):
        raise_floors(floors, "week", {"r@10": 0.9}, SHARED, tmp_path)


def test_changed_data_fails_the_gate_until_measured_again(tmp_path: Path) -> None:
    floors, data = _copy(tmp_path)
    data.write_text('{"title": "another"}\n', encoding="utf-8")
    gate: Gate = load_gates(floors)["week"]
    with pytest.raises(EvalError, match="changed"):
        check_data(gate, SHARED, tmp_path)
    with pytest.raises(EvalError, match="changed"):
        raise_floors(floors, "week", {"p@5": 0.9}, SHARED, tmp_path)
    with pytest.raises(EvalError, match="every floor measured again"):
        raise_floors(floors, "week", {"p@5": 0.5}, SHARED, tmp_path, new_data=True)
    changes = raise_floors(
        floors, "week", {"p@5": 0.5, "listed": 11}, SHARED, tmp_path, new_data=True
    )
    assert changes[1:] == ["week: p@5 min 0.6 -> 0.5"]  # new data: pinned afresh, down too
    check_data(load_gates(floors)["week"], SHARED, tmp_path)  # the new digest is pinned
    with pytest.raises(EvalError, match="has not changed"):
        raise_floors(floors, "week", {"p@5": 0.4, "listed": 11}, SHARED, tmp_path, new_data=True)


def test_the_raise_floor_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    floors, _ = _copy(tmp_path)
    args = ["--db", str(tmp_path / "x.db"), "eval", "raise-floor", "--floors", str(floors)]
    assert main([*args, "week", "p@5=0.7"]) == 0
    assert "p@5 min 0.6 -> 0.7" in capsys.readouterr().out
    assert main([*args, "week", "p@5=0.65"]) != 0
    assert "would loosen the gate" in capsys.readouterr().err
    assert main([*args, "week", "p@5"]) == 2
    assert load_gates(floors)["week"].floors == {"p@5": 0.7}


def test_the_real_baseline_parses_and_copies(tmp_path: Path) -> None:
    copy = tmp_path / "floors.toml"
    shutil.copy(FLOORS, copy)
    assert load_gates(copy) == GATES
