"""CSV and JSON exports of a week's missed, stories and pressure lists: they parse, agree with
each other and with the brief, keep gaps empty, and never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from belowthefold.web import create_app
from belowthefold.web.exports import Table, to_csv
from web_support import WEEK, build_db, fixed_clock


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = build_db(tmp_path_factory.mktemp("exports") / "web.db")
    with TestClient(create_app(settings, clock=fixed_clock)) as c:
        yield c


def _csv(client: TestClient, kind: str, **params: str) -> list[dict[str, str]]:
    r = client.get(f"/weeks/{WEEK}/export/{kind}.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"{kind}.csv" in r.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(r.text)))


def _json(client: TestClient, kind: str, **params: str) -> dict[str, object]:
    r = client.get(f"/weeks/{WEEK}/export/{kind}.json", params=params)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    body = json.loads(r.text)
    assert body["list"] == kind and body["week"] == WEEK
    return dict(body)


@pytest.mark.parametrize("audience", ["mainstream", "regional"])
def test_missed_exports_match_the_brief(client: TestClient, audience: str) -> None:
    brief = client.get(f"/api/weeks/{WEEK}/brief", params={"audience": audience}).json()
    rows = _csv(client, "missed", audience=audience)
    doc = _json(client, "missed", audience=audience)
    expected = [m["story_id"] for m in brief["missed"]]
    assert expected and [r["story_id"] for r in rows] == expected
    assert [r["story_id"] for r in doc["rows"]] == expected  # type: ignore[attr-defined]
    assert [r["headline"] for r in rows] == [m["headline"] for m in brief["missed"]]
    for row, m in zip(rows, brief["missed"], strict=True):
        assert {g: int(row[g]) for g in m["coverage"]} == m["coverage"]


def test_pressure_exports_leave_days_without_data_empty(client: TestClient) -> None:
    rows = [r for r in _csv(client, "pressure") if r["group"] == "regional"]
    assert len(rows) == 7
    assert [r["date"] for r in rows if r["value"]] == ["2025-04-02", "2025-04-03"]
    assert all(r["value"] == "" and r["articles"] == "0" for r in rows if not r["value"])
    doc = _json(client, "pressure")
    regional = [r for r in doc["rows"] if r["group"] == "regional"]  # type: ignore[attr-defined]
    assert sum(r["value"] is None for r in regional) == 5


def test_stories_exports_list_every_story_of_the_week(client: TestClient) -> None:
    rows = _csv(client, "stories")
    doc = _json(client, "stories")
    assert [r["story_id"] for r in rows] == [r["story_id"] for r in doc["rows"]]  # type: ignore[attr-defined]
    assert sum(int(r["articles"]) for r in rows) == 96
    assert any("tariff" in r["headline"].lower() for r in rows)
    assert {"mainstream", "wire", "specialist", "regional"} <= set(rows[0])


def test_unknown_lists_and_formats_are_404(client: TestClient) -> None:
    for path in ("articles.csv", "missed.xlsx", "missed"):
        r = client.get(f"/weeks/{WEEK}/export/{path}")
        assert r.status_code == 404, path
        assert "--" not in r.text


def test_csv_cells_never_start_a_formula() -> None:
    table = Table(
        "missed",
        ("headline", "score"),
        (('=HYPERLINK("http://x")', -1.5), ("+1 more", None), ("@cmd", 2)),
    )
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows[1:] == [['\'=HYPERLINK("http://x")', "-1.5"], ["'+1 more", ""], ["'@cmd", "2"]]
