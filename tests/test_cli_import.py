"""The real CLI, run as a process against a real SQLite file or PostgreSQL database: import,
idempotency, bad lines, --db."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from cli_support import run_cli

pytestmark = pytest.mark.both_backends

run = partial(run_cli, timeout=300)

NewDb = Callable[[str], str]
FIX = Path(__file__).parent / "fixtures" / "import"


def test_import_then_reimport_is_idempotent(new_db: NewDb) -> None:
    db = new_db("a")
    first = run(
        "--db", db, "import", str(FIX / "week.jsonl"), "--sources", str(FIX / "sources.toml")
    )
    assert first.returncode == 0, first.stderr
    assert "imported 5 new, 0 already stored, 0 skipped" in first.stdout
    second = run("import", str(FIX / "week.jsonl"), "--db", db)  # --db after the verb
    assert second.returncode == 0, second.stderr
    assert "imported 0 new, 5 already stored, 0 skipped" in second.stdout


def test_bad_lines_exit_partial_with_a_summary(new_db: NewDb) -> None:
    db = new_db("b")
    result = run("--db", db, "import", str(FIX / "bad.jsonl"))
    assert result.returncode == 3  # partial success: some records imported, some skipped
    assert "imported 2 new" in result.stdout and "5 skipped" in result.stdout
    assert "bad.jsonl:2: broken JSON" in result.stderr
    assert "5 record(s) skipped" in result.stderr
    listed = run("--db", db, "errors")
    assert "bad.jsonl:4: impossible date" in listed.stdout


def test_sources_are_stored_and_listed_with_counts(new_db: NewDb) -> None:
    db = new_db("c")
    run(
        "--db",
        db,
        "import",
        str(FIX / "week.jsonl"),
        str(FIX / "week.csv"),
        "--sources",
        str(FIX / "sources.toml"),
    )
    listed = run("--db", db, "sources", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {(r["source"], r["group"]): r["articles"] for r in json.loads(listed.stdout)}
    assert rows[("Daily Courier", "mainstream")] == 2
    assert rows[("Wire Service", "wire")] == 1
    assert rows[("Ministry Press Office", "official")] == 2
    assert rows[(None, "specialist")] == 1  # the record's own group wins
    assert rows[(None, "other")] == 1


def test_db_from_environment(new_db: NewDb) -> None:
    db = new_db("env")
    result = run("import", str(FIX / "week.jsonl"), env={"BELOWTHEFOLD_DB": db})
    assert result.returncode == 0, result.stderr
    again = run("import", str(FIX / "week.jsonl"), "--db", db)
    assert "imported 0 new, 5 already stored" in again.stdout, again.stderr


def test_articles_jsonl_has_story_and_group(new_db: NewDb) -> None:
    db = new_db("d")
    run("--db", db, "import", str(FIX / "week.jsonl"), "--sources", str(FIX / "sources.toml"))
    out = run("--db", db, "articles", "--week", "2025-W14", "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 5
    assert all(r["story_id"] and r["storyline_id"] and r["group"] for r in records)
    assert {r["group"] for r in records} == {
        "mainstream",
        "wire",
        "official",
        "specialist",
        "other",
    }


def test_missing_file_is_one_clear_line(new_db: NewDb) -> None:
    result = run("--db", new_db("e"), "import", str(FIX / "nope.jsonl"))
    assert result.returncode == 1
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_week_is_one_clear_line(new_db: NewDb) -> None:
    result = run("--db", new_db("f"), "stories", "--week", "2025-W99")
    assert result.returncode == 1 and "no such ISO week" in result.stderr
    assert "2025 has 52 ISO weeks" in result.stderr


def test_usage_errors_are_one_message_not_a_traceback(new_db: NewDb) -> None:
    result = run("--db", new_db("g"), "brief", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr and "Traceback" not in result.stderr


def test_stories_lists_stories_and_storylines(new_db: NewDb) -> None:
    db = new_db("h")
    run("--db", db, "import", str(FIX / "week.jsonl"), "--sources", str(FIX / "sources.toml"))
    out = run("--db", db, "stories", "--week", "2025-W14", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert sum(s["articles"] for s in doc["stories"]) == 5
    assert sum(line["articles"] for line in doc["storylines"]) == 5
    assert all(line["stories"] >= 1 and line["headline"] for line in doc["storylines"])
    assert {s["storyline_id"] for s in doc["stories"]} == {
        x["storyline_id"] for x in doc["storylines"]
    }
