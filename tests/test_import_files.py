"""Input files as users have them: folders, gzip, empty files, foreign CSV headers, RSS dates."""

from __future__ import annotations

import gzip
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold.cli.app import EXIT_FAILURE, EXIT_PARTIAL, main
from belowthefold.config import ImportOptions
from belowthefold.errors import InputError
from belowthefold.ingest import iter_file, parse_published
from belowthefold.models import Article

FIX = Path(__file__).parent / "fixtures" / "import"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("text", "expected", "date_only"),
    [
        ("Thu, 03 Apr 2025 10:00:00 GMT", datetime(2025, 4, 3, 10, 0, tzinfo=UTC), False),
        ("Thu, 03 Apr 2025 12:00:00 +0200", datetime(2025, 4, 3, 10, 0, tzinfo=UTC), False),
        ("03 Apr 2025 10:00 -0000", datetime(2025, 4, 3, 10, 0, tzinfo=UTC), False),
        ("20250403", datetime(2025, 4, 3, 12, 0, tzinfo=UTC), True),  # noon, as 2025-04-03
        ("2025-04-03", datetime(2025, 4, 3, 12, 0, tzinfo=UTC), True),
    ],
)
def test_rss_and_compact_dates(text: str, expected: datetime, date_only: bool) -> None:
    assert parse_published(text) == (expected, date_only)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1743674400", "looks like epoch seconds written as text"),
        ("yesterday", "not a date: use ISO 8601"),
        ("2025-02-30", "not a date (day is out of range for month)"),
        ("Thu, 33 Apr 2025 10:00:00 GMT", "not a valid RFC 2822 date"),
    ],
)
def test_unusable_dates_say_what_works(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        parse_published(text)
    assert "Invalid isoformat" not in str(info.value)


def test_gzipped_jsonl_and_csv_are_read(tmp_path: Path) -> None:
    for name in ("week.jsonl", "week.csv"):
        packed = tmp_path / f"{name}.gz"
        packed.write_bytes(gzip.compress((FIX / name).read_bytes()))
        plain = [a.id for a in iter_file(FIX / name, ImportOptions()) if isinstance(a, Article)]
        read = [a.id for a in iter_file(packed, ImportOptions()) if isinstance(a, Article)]
        assert read == plain and len(read) >= 2


def test_semicolon_csv_names_the_columns_found_and_needed(tmp_path: Path) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_text("title;published;url\nA;2025-04-01;https://a.example/1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(iter_file(semi, ImportOptions()))
    text = str(info.value)
    assert "'title;published;url'" in text and "needs title, published" in text
    assert "semicolons" in text
    dated = tmp_path / "dated.csv"
    dated.write_text("headline,date\nA,2025-04-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'headline', 'date'.*missing title, published"):
        list(iter_file(dated, ImportOptions()))


def test_gdelt_format_checks_its_header() -> None:
    with pytest.raises(
        InputError,
        match=r"not a GDELT ArtList file.*needs url, title, seendate \(missing seendate\)",
    ):
        list(iter_file(FIX / "week.csv", ImportOptions(format="gdelt")))


def test_empty_file_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    header_only = tmp_path / "header.csv"
    header_only.write_text("title,published\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty: no records in it$"):
        list(iter_file(empty, ImportOptions()))
    with pytest.raises(InputError, match="empty: no records in it under the header"):
        list(iter_file(header_only, ImportOptions()))


def test_folder_of_jsonl_and_csv_imports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(FIX / "week.jsonl", folder / "a.jsonl")
    (folder / "sub" / "b.csv.gz").write_bytes(gzip.compress((FIX / "week.csv").read_bytes()))
    (folder / "notes.txt").write_text("not input", encoding="utf-8")
    code, out, err = _cli(capsys, "--db", str(tmp_path / "f.db"), "import", str(folder))
    # week.csv has one untitled row: the rest is imported, the run a partial success.
    assert code == EXIT_PARTIAL, err
    assert "imported 7 new, 0 already stored, 1 skipped" in out
    assert "b.csv.gz:4: no title" in err


def test_empty_or_foreign_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("x", encoding="utf-8")
    db = str(tmp_path / "e.db")
    code, _, err = _cli(capsys, "--db", db, "import", str(empty))
    assert code == EXIT_FAILURE and "empty folder" in err and err.count("\n") == 1
    code, _, err = _cli(capsys, "--db", db, "import", str(other))
    assert code == EXIT_FAILURE and "folder without input files" in err
    assert "no front-page snapshots" in err
    code, _, err = _cli(capsys, "--db", db, "import", str(other), "--format", "frontpages")
    assert code == EXIT_FAILURE and "no front-page snapshots (DAY/HH-MM-SS_headlines.json)" in err


def test_one_unusable_file_never_stops_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_text("title;published\nA;2025-04-01\n", encoding="utf-8")
    db = str(tmp_path / "u.db")
    code, out, err = _cli(capsys, "--db", db, "import", str(semi), str(FIX / "week.jsonl"))
    assert code == EXIT_PARTIAL
    assert "imported 5 new" in out and "semi.csv: not a CSV file" in err
    code, out, _ = _cli(capsys, "--db", db, "errors")
    assert "semi.csv: not a CSV file: its header has 'title;published'" in out


def test_missing_path_among_many_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "m.db")
    code, _, err = _cli(
        capsys, "--db", db, "import", str(FIX / "week.jsonl"), str(tmp_path / "typo.jsonl")
    )
    assert code == EXIT_FAILURE and "no such file" in err
    code, out, _ = _cli(capsys, "--db", db, "articles", "--week", "2025-W14", "-f", "jsonl")
    assert out == ""
