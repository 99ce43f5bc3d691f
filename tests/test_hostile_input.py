"""Hostile records never poison the database nor lose their batch: each is a recorded bad record.

`fixtures/hostile/*.jsonl` lines say what they expect (`"expect": "stored"` or `"bad: <words of
the message>"`); the records too big for a fixture (100k-deep nesting, 5,000-digit numbers,
6,000-row CSVs) are written by the tests.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold.config import ImportOptions
from belowthefold.errors import StoreError
from belowthefold.ingest import iter_file
from belowthefold.models import Article, RecordError
from belowthefold.pipeline import import_paths
from belowthefold.store import Store
from belowthefold.store.articles import iso
from belowthefold.store.core import _statements
from belowthefold.store.migrations import MIGRATIONS
from cli_support import run_cli

pytestmark = pytest.mark.both_backends

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
GOOD = '{"title": "good %d", "published": "2025-04-01T00:00:00Z"}\n'


def test_every_hostile_fixture_line_gets_the_outcome_it_names() -> None:
    path = HOSTILE / "hostile.jsonl"
    expected = [json.loads(line)["expect"] for line in path.read_text().splitlines()]
    got = list(iter_file(path, ImportOptions(detect_language=False)))
    assert len(got) == len(expected)
    for n, (want, item) in enumerate(zip(expected, got, strict=True), start=1):
        if want == "stored":
            assert isinstance(item, Article), (n, item)
        else:
            assert isinstance(item, RecordError), (n, item)
            assert item.line == n and want.removeprefix("bad: ") in item.message, (n, item)


def test_one_hostile_record_never_loses_its_batch_or_the_rest_of_the_file(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    hostile = [
        '{"title": "deep", "published": "2025-04-01", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"title": "big", "published": "2025-04-01", "n": ' + "9" * 5000 + "}",
        '{"title": "surrogate \\ud800", "published": "2025-04-01"}',
        '{"title": "weight", "published": "2025-04-01", "weight": {}}',
        '{"title": "year one", "published": "0001-01-01"}',
    ]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(30):
            fh.write(GOOD % i)
            if i % 6 == 5:
                fh.write(hostile[i // 6] + "\n")
    summary = import_paths(store, [path], ImportOptions(batch_size=2000, detect_language=False))
    assert summary.inserted == 30 and store.articles.count() == 30
    assert summary.skipped == 5
    assert [e.line for e in summary.errors] == [7, 14, 21, 28, 35]
    assert "nested too deeply" in summary.errors[0].message
    assert "JSON" in summary.errors[1].message
    assert len(store.runs.errors(summary.run_id)) == 5


def test_a_deeply_nested_snapshot_is_one_bad_file_not_a_crash(tmp_path: Path) -> None:
    day = tmp_path / "output" / "2025-04-01"
    day.mkdir(parents=True)
    (day / "08-00-00_headlines.json").write_text("[" * 100_000 + "]" * 100_000)
    good = [{"headline": "Ferry strike", "source": "BBC"}, {"headline": {"a": 1}, "source": "BBC"}]
    (day / "12-00-00_headlines.json").write_text(json.dumps(good))
    items = list(iter_file(tmp_path, ImportOptions(detect_language=False)))
    assert [i.title for i in items if isinstance(i, Article)] == ["Ferry strike"]
    assert [i.message for i in items if isinstance(i, RecordError)] == [
        "unreadable snapshot: JSON nested too deeply"
    ]


def test_iso_text_always_has_a_four_digit_year() -> None:
    assert iso(datetime(1, 1, 1, 12, tzinfo=UTC)) == "0001-01-01T12:00:00+00:00"
    assert iso(datetime(2025, 4, 1, 6, 5, 4, 999, tzinfo=UTC)) == "2025-04-01T06:05:04+00:00"


def test_the_database_refuses_an_unreadable_published_date(store: Store) -> None:
    with pytest.raises(StoreError, match="published date"):
        store.conn.execute(
            "INSERT INTO articles(id, title, published, day, inserted_at) "
            "VALUES ('x', 't', '1-01-01T12:00:00+00:00', '1-01-01', '2025-01-01')"
        )


def test_an_old_database_with_a_year_one_row_is_repaired_and_readable(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    for version, _name, sql in sorted(MIGRATIONS):
        if version <= 6:
            for statement in _statements(sql):
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 6")
    for ident, published in (
        ("bad", "1-01-01T12:00:00+00:00"),
        ("ok", "2025-04-01T12:00:00+00:00"),
    ):
        conn.execute(
            "INSERT INTO articles(id, title, published, day, inserted_at) VALUES (?, ?, ?, ?, ?)",
            (ident, f"title {ident}", published, published[:10], "2025-04-01"),
        )
    conn.close()
    with Store(db) as store:
        assert [a.id for a in store.articles.unassigned()] == ["ok"]
        errors = store.runs.errors()
        assert len(errors) == 1 and "article bad: unreadable published date" in errors[0].message
    assert run_cli("--db", str(db), "articles").returncode == 0


def test_cli_import_of_hostile_lines_exits_non_zero_with_one_summary_line(tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    result = run_cli("--db", db, "import", str(HOSTILE / "hostile.jsonl"), timeout=300)
    assert result.returncode == 3  # partial success
    assert "Traceback" not in result.stderr
    assert "12 record(s) skipped; the rest were imported" in result.stderr
    listed = run_cli("--db", db, "articles", "--week", "2025-W14", "-f", "jsonl", timeout=300)
    assert listed.returncode == 0, listed.stderr
    assert "good after" in listed.stdout


def _csv(path: Path, rows: int, bad_row: int, bad: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(b"title,published,outlet\n")
        for i in range(1, rows + 1):
            fh.write(bad if i == bad_row else f"row {i},2025-04-01,O\n".encode())


def test_csv_non_utf8_byte_skips_exactly_its_line_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    _csv(path, 6000, 3000, b"caf\xe9 row,2025-04-01,O\n")
    items = list(iter_file(path, ImportOptions(detect_language=False)))
    errors = [i for i in items if isinstance(i, RecordError)]
    assert sum(isinstance(i, Article) for i in items) == 5999
    assert [(e.line, "UTF-8" in e.message) for e in errors] == [(3001, True)]


def test_csv_unclosed_quote_skips_its_line_and_reads_the_rows_after(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    _csv(path, 6000, 3, b'"row 3 never closes,2025-04-01,O\n')
    items = list(iter_file(path, ImportOptions(detect_language=False)))
    errors = [i for i in items if isinstance(i, RecordError)]
    assert sum(isinstance(i, Article) for i in items) == 5999
    assert [e.line for e in errors] == [4] and "quoted field opens here" in errors[0].message


def test_csv_quoted_fields_may_still_span_lines(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_bytes(
        b'title,published,text\n"a, quoted",2025-04-01,"two\nlines"\nnext,2025-04-02,5" x\n'
    )
    items = list(iter_file(path, ImportOptions(detect_language=False)))
    assert [(i.title, i.text) for i in items if isinstance(i, Article)] == [
        ("a, quoted", "two\nlines"),
        ("next", '5" x'),
    ]
