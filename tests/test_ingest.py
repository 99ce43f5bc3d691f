"""Reading and validating records: canonical URLs, dates, identities, bad lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold.config import ImportOptions
from belowthefold.errors import InputError
from belowthefold.ingest import canonical_url, iter_file, parse_published, to_article
from belowthefold.ingest.readers import detect_format
from belowthefold.models import Article, RecordError

FIX = Path(__file__).parent / "fixtures" / "import"


def test_canonical_url_drops_tracking_and_fragment_and_lowercases_host() -> None:
    url = "HTTPS://www.Example.COM:443/Path/A?utm_source=x&id=3&fbclid=y#frag"
    assert canonical_url(url) == "https://www.example.com/Path/A?id=3"


def test_canonical_url_rejects_non_http() -> None:
    with pytest.raises(InputError):
        canonical_url("javascript:alert(1)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-01T08:00:00+02:00", datetime(2025, 4, 1, 6, 0, tzinfo=UTC)),
        ("2025-04-01T08:00:00Z", datetime(2025, 4, 1, 8, 0, tzinfo=UTC)),
        ("2025-04-01T08:00:00", datetime(2025, 4, 1, 8, 0, tzinfo=UTC)),
        ("20250424T140000Z", datetime(2025, 4, 24, 14, 0, tzinfo=UTC)),
        ("2025-04-01", datetime(2025, 4, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_dates_end_up_in_utc(text: str, expected: datetime) -> None:
    assert parse_published(text)[0] == expected


def test_impossible_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="impossible date"):
        to_article({"title": "x", "published": "2025-02-30"})


def test_identity_prefers_id_then_url_then_hash() -> None:
    a = to_article(
        {"id": "x1", "title": "t", "published": "2025-01-01", "url": "https://a.example/1"}
    )
    b = to_article(
        {"title": "t", "published": "2025-01-01", "url": "https://a.example/1?utm_medium=m"}
    )
    c = to_article({"title": "t", "published": "2025-01-01", "outlet": "O"})
    d = to_article({"title": "t", "published": "2025-01-01", "outlet": "O"})
    assert a.id == "x1"
    assert b.id == "https://a.example/1"
    assert c.id.startswith("h:") and c.id == d.id


def test_unknown_fields_are_kept() -> None:
    a = to_article({"title": "t", "published": "2025-01-01", "section": "world"})
    assert a.extra == {"section": "world"}


def test_bad_lines_are_reported_with_line_numbers_and_the_rest_read() -> None:
    items = list(iter_file(FIX / "bad.jsonl", ImportOptions()))
    good = [i for i in items if isinstance(i, Article)]
    bad = [i for i in items if isinstance(i, RecordError)]
    assert [a.title for a in good] == ["fine one", "fine three"]
    assert [e.line for e in bad] == [2, 3, 4, 5, 6]
    messages = " | ".join(e.message for e in bad)
    assert "broken JSON" in messages and "no title" in messages and "impossible date" in messages
    assert "weight" in messages


def test_csv_rows_and_missing_title() -> None:
    items = list(iter_file(FIX / "week.csv", ImportOptions()))
    assert sum(isinstance(i, Article) for i in items) == 2
    errors = [i for i in items if isinstance(i, RecordError)]
    assert len(errors) == 1 and errors[0].line == 4 and errors[0].message == "no title"


def test_format_detection(tmp_path: Path) -> None:
    gdelt = tmp_path / "g.csv"
    gdelt.write_text("url,url_mobile,title,seendate,domain,language\n", encoding="utf-8")
    assert detect_format(gdelt) == "gdelt"
    assert detect_format(FIX / "week.csv") == "csv"
    assert detect_format(FIX / "week.jsonl") == "jsonl"


def test_non_utf8_line_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        b'{"title": "ok", "published": "2025-01-01"}\n'
        b'{"title": "caf\xe9", "published": "2025-01-01"}\n'
    )
    items = list(iter_file(path, ImportOptions()))
    assert isinstance(items[0], Article)
    assert isinstance(items[1], RecordError) and "UTF-8" in items[1].message


def test_large_file_streams_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(20_000):
            fh.write(f'{{"title": "item {i}", "published": "2025-01-01T00:00:{i % 60:02d}Z"}}\n')
    stream = iter_file(path, ImportOptions())
    first = next(stream)
    assert isinstance(first, Article) and first.title == "item 0"
    assert sum(1 for _ in stream) == 19_999


@pytest.mark.parametrize("param", ["ref", "source", "src", "share", "feature"])
def test_parameters_that_name_pages_on_some_sites_keep_pages_apart(param: str) -> None:
    one = canonical_url(f"https://a.example/item?{param}=1001")
    two = canonical_url(f"https://a.example/item?{param}=2002")
    assert one != two and one.endswith(f"?{param}=1001")


def test_query_order_does_not_make_a_new_page() -> None:
    assert canonical_url("https://a.example/p?b=2&a=1&utm_medium=x") == (
        "https://a.example/p?a=1&b=2"
    )
    assert canonical_url("https://a.example/p?gclid=1&fbclid=2&gbraid=3") == "https://a.example/p"


def test_ids_longer_than_the_column_are_hashed_whole_not_cut() -> None:
    stem = "x" * 1200
    a = to_article({"id": stem + "A", "title": "t", "published": "2025-01-01"})
    b = to_article({"id": stem + "B", "title": "t", "published": "2025-01-01"})
    assert a.id != b.id and max(len(a.id), len(b.id)) <= 1000
    url = "https://a.example/" + "p" * 1200
    c = to_article({"title": "t", "published": "2025-01-01", "url": url + "?a=1"})
    d = to_article({"title": "t", "published": "2025-01-01", "url": url + "?a=2"})
    assert c.id != d.id and c.url == url + "?a=1"
    with pytest.raises(ValueError, match="longer than 4000"):
        to_article({"title": "t", "published": "2025-01-01", "url": url * 4})


def test_unknown_fields_are_capped_like_title_and_text() -> None:
    record: dict[str, object] = {"title": "t", "published": "2025-01-01", "blob": "x" * 1_000_000}
    record["list"] = list(range(100_000))
    record.update({f"f{i}": i for i in range(500)})
    a = to_article(record)
    assert len(a.extra["blob"]) == 10_000
    assert isinstance(a.extra["list"], str) and len(a.extra["list"]) == 10_000
    assert len(a.extra) == 100
