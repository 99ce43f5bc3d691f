"""The conventions users expect of a CLI: --version, --format choices, exit codes, one red line.

Most checks call the CLI's `main` in this process (what `python -m belowthefold` returns is
what `main` returns); one runs the real process to show the exit code cron sees.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import typer.main

import belowthefold
import belowthefold.cli  # (registers the commands)
from belowthefold.cli.app import (
    EXIT_FAILURE,
    EXIT_PARTIAL,
    EXIT_USAGE,
    OUTPUT_FORMATS,
    app,
    conventional_help,
    main,
)
from belowthefold.ingest import FORMATS
from cli_support import run_cli

FIX = Path(__file__).parent / "fixtures" / "import"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def week_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A database holding the five-article fixture week (groups mainstream, wire, ...)."""
    db = str(tmp_path / "week.db")
    code, _, err = _cli(
        capsys,
        "--db",
        db,
        "import",
        str(FIX / "week.jsonl"),
        "--sources",
        str(FIX / "sources.toml"),
    )
    assert code == 0, err
    return db


def _commands(command: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = [(prefix.strip(), command)]
    for name, sub in getattr(command, "commands", {}).items():
        out.extend(_commands(sub, f"{prefix} {name}"))
    return out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--version")
    assert code == 0 and out == f"belowthefold {belowthefold.__version__}\n"


def test_every_format_option_is_a_choice_from_one_vocabulary() -> None:
    tree = conventional_help(typer.main.get_command(app))
    seen = 0
    for name, command in _commands(tree):
        for param in command.params:
            if "--format" not in getattr(param, "opts", ()):
                continue
            seen += 1
            choices = set(param.type_descriptor.choices or ())
            allowed = set(FORMATS) if name in ("import", "backfill") else set(OUTPUT_FORMATS)
            assert choices and choices <= allowed, (name, choices)
    assert seen >= 10


def test_help_shows_flags_as_flags_and_no_python_types(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args in (("demo",), ("import",), ("eval", "clustering"), ("articles",), ()):
        code, out, _ = _cli(capsys, *args, "--help")
        assert code == 0
        assert "<" not in out and "list[" not in out, out
    code, out, _ = _cli(capsys, "demo", "--help")
    assert "--open " in out and "--open <bool>" not in out
    code, out, _ = _cli(capsys, "import", "--help")
    assert "import [OPTIONS] FILES..." in out
    assert "--format [auto|jsonl|csv|gdelt|frontpages]" in out


def test_formats_each_verb_cannot_write_are_refused(
    capsys: pytest.CaptureFixture[str], week_db: str
) -> None:
    code, out, err = _cli(capsys, "--db", week_db, "stories", "--format", "csv")
    assert code == EXIT_USAGE and "'csv' is not one of" in err and not out
    code, _, err = _cli(capsys, "--db", week_db, "brief", "--format", "table")
    assert code == EXIT_USAGE


def test_articles_json_and_csv_carry_weight_and_lang(
    capsys: pytest.CaptureFixture[str], week_db: str
) -> None:
    code, out, _ = _cli(capsys, "--db", week_db, "articles", "--week", "2025-W14", "-f", "json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 5 and all({"weight", "lang", "group"} <= set(r) for r in records)
    assert {r["weight"] for r in records} >= {1.0, 2.5}
    code, out, _ = _cli(capsys, "--db", week_db, "articles", "--week", "2025-W14", "-f", "jsonl")
    assert all("weight" in json.loads(line) for line in out.splitlines())
    code, out, _ = _cli(capsys, "--db", week_db, "articles", "--week", "2025-W14", "-f", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("id,published,title,") and len(lines) == 6
    assert "lang" in lines[0] and "weight" in lines[0]


def test_pressure_csv_is_csv(capsys: pytest.CaptureFixture[str], week_db: str) -> None:
    code, out, _ = _cli(capsys, "--db", week_db, "pressure", "--week", "2025-W14", "-f", "csv")
    lines = out.splitlines()
    assert (
        code == 0 and lines[0] == "date,group,value,concentration,articles,attention,top_storylines"
    )
    assert len(lines) == 1 + 7 * 5  # seven days of five groups
    assert "[" not in out  # a day's top storylines are one cell, not a Python list


def test_unknown_groups_are_refused_listing_the_known(
    capsys: pytest.CaptureFixture[str], week_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (
        ("brief", "--week", "2025-W14", "--audience", "mainstrem"),
        ("brief", "--week", "2025-W14", "--versus", "wires"),
        ("pressure", "--week", "2025-W14", "--group", "nope"),
    ):
        code, out, err = _cli(capsys, "--db", week_db, *args)
        assert code == EXIT_USAGE, args
        assert (
            "not a known group; known groups: mainstream, official, other, specialist, wire" in err
        )
        assert not out
    # the configured default is not refused, but named as absent (a GDELT-only database has none)
    monkeypatch.setenv("BELOWTHEFOLD_RANK__AUDIENCE", "regional")
    code, out, err = _cli(capsys, "--db", week_db, "brief", "--week", "2025-W14", "-f", "json")
    assert code == 0 and json.loads(out)["audience"] == "regional"
    assert "note: the default audience 'regional' is no group here (groups: mainstream," in err
    monkeypatch.delenv("BELOWTHEFOLD_RANK__AUDIENCE")
    code, _, err = _cli(capsys, "--db", week_db, "sources", "add-catalog", "--group", "wires")
    assert (
        code == EXIT_USAGE and "not in the catalog; its groups:" in err and err.endswith(" wire\n")
    )


def test_nonsense_numbers_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ("brief", "--top", "-3"),
        ("brief", "--min-outlets", "0"),
        ("serve", "--port", "80000"),
        ("watch", "--every", "0s"),
        ("watch", "--times", "0"),
        ("stories", "--limit", "0"),
        ("errors", "--limit", "-1"),
        ("sources", "health", "--days", "0"),
    ):
        code, _, err = _cli(capsys, *args)
        assert code == EXIT_USAGE, (args, err)
        assert "Traceback" not in err


def test_serve_on_a_busy_port_is_one_red_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("--db", str(tmp_path / "s.db"), "serve", "--port", str(port), timeout=60)
    assert result.returncode == EXIT_FAILURE  # uvicorn's own exit was 3: "partial success"
    assert (
        result.stderr.strip() == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert not (tmp_path / "s.db").exists()  # nothing opened before the port was checked


def test_bad_outputs_and_windows_are_one_red_line(
    capsys: pytest.CaptureFixture[str], week_db: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent-dir" / "x.md"
    cases = {
        ("brief", "--week", "2025-W14", "-o", str(tmp_path)): "is a folder",
        ("brief", "--week", "2025-W14", "-o", str(missing)): "no such folder",
        ("brief", "--week", "2025-W54"): "no such ISO week '2025-W54': 2025 has 52 ISO weeks",
        ("brief", "--from", "2025/04/03"): "--from '2025/04/03' is not a calendar date",
        ("pressure", "--to", "04-03-2025"): "--to '04-03-2025' is not a calendar date",
    }
    for args, expected in cases.items():
        code, out, err = _cli(capsys, "--db", week_db, *args)
        assert code in (EXIT_USAGE, EXIT_FAILURE), args
        assert err.count("\n") == 1 and err.startswith("error: ") and expected in err, err
        assert "Invalid" not in err and not out
    assert not missing.parent.exists()  # no silent mkdir


def test_exit_codes_tell_partial_success_from_failure(tmp_path: Path) -> None:
    bad_only = tmp_path / "bad.jsonl"
    bad_only.write_text('{"title": "no date"}\n[1, 2]\n', encoding="utf-8")
    partial = run_cli("--db", str(tmp_path / "p.db"), "import", str(FIX / "bad.jsonl"))
    failed = run_cli("--db", str(tmp_path / "f.db"), "import", str(bad_only))
    assert partial.returncode == EXIT_PARTIAL, partial.stderr
    assert failed.returncode == EXIT_FAILURE, failed.stderr
    assert "all 2 record(s) skipped; nothing was imported" in failed.stderr


def test_exit_codes_are_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in (EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL):
        assert f"| {code} |" in readme


def test_json_is_plain_off_a_terminal_and_highlighted_on_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Highlighting a week's JSON took 14 of a `stories --format json`'s 16 s: only a terminal
    gets it, and the text is the same either way."""
    import io

    from rich.console import Console

    from belowthefold.cli.app import Context, print_json
    from belowthefold.config import Settings

    data = {"window": "2025-W15", "stories": [{"headline": "Zürich – “quoted”", "n": 1}]}
    plain = Context(Settings(db=tmp_path / "x.db"), Console(soft_wrap=True), Console())
    print_json(plain, data)
    written = capsys.readouterr().out
    assert written == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    screen = io.StringIO()
    tty = Console(file=screen, force_terminal=True, soft_wrap=True, color_system="standard")
    print_json(Context(plain.settings, tty, Console()), data)
    assert "\x1b[" in screen.getvalue()
    assert json.loads(re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())) == data
