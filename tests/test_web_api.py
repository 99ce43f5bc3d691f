"""The JSON API and pages against the real app, on a real SQLite file (and a PostgreSQL schema)
built from fixture files."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from belowthefold.brief import brief_to_dict
from belowthefold.config import Settings
from belowthefold.pipeline import make_brief, parse_window
from belowthefold.store import Store
from belowthefold.store.migrations import CORE, STORIES
from belowthefold.web import create_app
from pg_support import fresh_schema
from web_support import NOW, WEEK, build_db, fixed_clock, story_of


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The app's database on each backend (the API reads it; a few tests write their own)."""
    if request.param == "sqlite":
        yield build_db(tmp_path_factory.mktemp("web") / "web.db")
        return
    with fresh_schema(request.getfixturevalue("pg_server")) as url:
        yield build_db(url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=fixed_clock)) as c:
        yield c


def _missed_ids(client: TestClient, audience: str = "mainstream") -> list[str]:
    r = client.get(f"/api/weeks/{WEEK}/brief", params={"audience": audience})
    assert r.status_code == 200
    return [m["story_id"] for m in r.json()["missed"]]


def test_week_page_defaults_to_the_current_week_with_chart_and_missed(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    assert WEEK in html
    assert '<svg class="chart line-chart"' in html and 'class="point"' in html
    assert "Cholera outbreak" in html
    assert 'href="/weeks/2025-W13?audience=mainstream"' in html
    assert 'href="/weeks/2025-W15?audience=mainstream"' in html


def test_brief_api_matches_the_pipeline_brief(client: TestClient, settings: Settings) -> None:
    body = client.get(f"/api/weeks/{WEEK}/brief").json()
    assert {"week", "start", "end", "audience", "pressure", "dominant", "missed"} <= set(body)
    assert body["week"] == WEEK and body["audience"] == "mainstream"
    with Store(settings.db) as store:
        direct = brief_to_dict(
            make_brief(store, settings, parse_window(week=WEEK), "mainstream", now=NOW)
        )
    assert [m["story_id"] for m in body["missed"]] == [m["story_id"] for m in direct["missed"]]
    headlines = " ".join(m["headline"] for m in body["missed"])
    assert "Cholera" in headlines and "Dam collapse" in headlines
    assert "tariff" in body["dominant"][0]["headline"].lower()
    article = body["missed"][0]["articles"][0]
    assert {"id", "url", "title", "outlet", "group", "published"} <= set(article)


def test_audience_switch_changes_the_list(client: TestClient) -> None:
    mainstream, regional = _missed_ids(client), _missed_ids(client, "regional")
    assert mainstream != regional
    r = client.get(f"/weeks/{WEEK}", params={"audience": "regional"})
    assert r.status_code == 200 and "Court strikes down" in r.text


def test_unknown_week_audience_and_story_are_404(client: TestClient) -> None:
    for path in ("/weeks/2025-W60", "/weeks/not-a-week", "/stories/st-nope"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "text/html" in r.headers["content-type"]
    r = client.get("/api/weeks/2025-W60/brief")
    assert r.status_code == 404 and r.json()["status"] == 404
    assert client.get("/api/stories/st-nope").status_code == 404
    assert client.get(f"/weeks/{WEEK}", params={"audience": "martians"}).status_code == 404


def test_story_api_timeline_outlets_pickups(client: TestClient, settings: Settings) -> None:
    story = story_of(settings, "https://wireone.example/cholera-113")
    body = client.get(f"/api/stories/{story}").json()
    assert body["id"] == story and "Cholera" in body["headline"]
    assert body["pickups"] >= 1 and body["originals"] >= 1
    assert {o["outlet"] for o in body["outlets"]} >= {"Wire One", "Global Wire", "Health Watch"}
    assert sum(t["articles"] for t in body["timeline"]) == len(body["articles"])
    assert body["weeks"][0]["week"] == WEEK
    page = client.get(f"/stories/{story}")
    assert page.status_code == 200 and '<svg class="chart bar-chart"' in page.text
    assert "pickup of" in page.text


def test_merged_story_redirects(client: TestClient, settings: Settings) -> None:
    story = story_of(settings, "https://wireone.example/cholera-113")
    with Store(settings.db) as store:
        store.conn.execute(
            "INSERT OR REPLACE INTO stories(id, storyline_id, headline, first_published, "
            "last_published, articles, merged_into) VALUES ('st-old', 'sl-x', 'old', "
            "'2025-04-01T00:00:00+00:00', '2025-04-01T00:00:00+00:00', 0, ?)",
            (story,),
        )
    r = client.get("/api/stories/st-old", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/api/stories/{story}"
    r = client.get("/stories/st-old", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/stories/{story}"


def test_pressure_api_is_the_briefs_pressure_without_building_a_brief(
    settings: Settings,
) -> None:
    """A new window's pressure comes from the per-day aggregate: the same points a brief of it
    shows, and no brief is built (at 100k a brief of a new window took 8-30 s)."""
    from belowthefold.brief.points import pressure_dict

    app = create_app(settings, clock=fixed_clock)
    with TestClient(app) as c:
        body = c.get("/api/pressure", params={"from": "2025-03-29", "to": "2025-04-06"}).json()
        assert app.state.web._briefs == {} and app.state.web._pending == {}
    with Store(settings.db) as store:
        window = parse_window(start="2025-03-29", end="2025-04-06")
        brief = make_brief(store, settings, window, settings.rank.audience, now=NOW)
    assert body["pressure"] == [pressure_dict(p) for p in brief.pressure]
    assert len({p["group"] for p in body["pressure"]}) > 1


def test_pressure_api(client: TestClient) -> None:
    r = client.get(
        "/api/pressure", params={"from": "2025-03-31", "to": "2025-04-06", "group": "mainstream"}
    )
    body = r.json()
    assert r.status_code == 200 and len(body["pressure"]) == 7
    assert {p["group"] for p in body["pressure"]} == {"mainstream"}
    assert all(0.0 <= p["value"] <= 1.0 for p in body["pressure"])
    bad = client.get("/api/pressure", params={"from": "2025-04-06", "to": "2025-03-31"})
    assert bad.status_code == 400 and "before" in bad.json()["error"]
    assert client.get("/api/pressure", params={"from": "yesterday"}).status_code == 400


def test_search_finds_titles_and_text_and_survives_fts_syntax(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "cholera delta"}).json()
    assert body["total"] >= 4 and all(r["story_id"] for r in body["results"])
    assert any(
        "rehydration" in r["snippet"]
        for r in client.get("/api/search", params={"q": "rehydration"}).json()["results"]
    )
    for q in ['"', "NEAR(", "AND OR NOT", "title:dam", "*", 'dam"collapse', "(", "^x", ""]:
        assert client.get("/api/search", params={"q": q}).status_code == 200, q
        assert client.get("/search", params={"q": q}).status_code == 200, q
    page = client.get("/search", params={"q": "dam collapse"})
    assert "<mark>" in page.text and 'class="story-link"' in page.text


def test_sources_page_shows_groups_daily_counts_and_gaps(client: TestClient) -> None:
    r = client.get("/sources")
    assert r.status_code == 200
    for group in ("mainstream", "wire", "specialist", "regional"):
        assert f'data-group="{group}"' in r.text
    assert 'class="spark"' in r.text and 'class="gap"' in r.text
    body = client.get("/api/sources").json()
    assert body["admin"] is False
    assert {s["name"] for s in body["sources"]} >= {"Wire One", "Daily Planet"}


def test_brief_html_and_downloads(client: TestClient) -> None:
    html = client.get(f"/weeks/{WEEK}/brief")
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    md = client.get(f"/weeks/{WEEK}/brief.md")
    assert md.status_code == 200 and "attachment" in md.headers["content-disposition"]
    assert md.headers["content-disposition"].endswith('-mainstream.md"')
    js = client.get(f"/weeks/{WEEK}/brief.json")
    assert js.status_code == 200 and js.json()["week"] == WEEK
    assert client.get(f"/weeks/{WEEK}/brief.pdf").status_code == 404


def test_atom_feed_parses(client: TestClient) -> None:
    r = client.get(
        "/feeds/missed.atom", params={"audience": "mainstream", "week": WEEK, "weeks": 2}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert any("Cholera" in t for t in titles)
    assert all(e.link.startswith("http://testserver/stories/") for e in feed.entries)
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    # the current week (from the clock) is the default end
    assert feedparser.parse(client.get("/feeds/missed.atom").content).entries


def test_atom_feed_answers_conditional_gets_and_uses_tag_ids(client: TestClient) -> None:
    params = {"audience": "mainstream", "week": WEEK, "weeks": 2}
    r = client.get("/feeds/missed.atom", params=params)
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith(" GMT")
    feed = feedparser.parse(r.content)
    assert feed.feed.id == "tag:testserver,2025:missed/mainstream"
    assert feed.entries and all(
        e.id.startswith(f"tag:testserver,2025:missed/mainstream/{WEEK[:4]}-W") for e in feed.entries
    )
    same = client.get("/feeds/missed.atom", params=params, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    weak = client.get("/feeds/missed.atom", params=params, headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    since = client.get("/feeds/missed.atom", params=params, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = client.get("/feeds/missed.atom", params=params, headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.content == r.content
    old = client.get(
        "/feeds/missed.atom",
        params=params,
        headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    )
    assert old.status_code == 200
    garbled = client.get(
        "/feeds/missed.atom", params=params, headers={"If-Modified-Since": "yesterday"}
    )
    assert garbled.status_code == 200


def _routes(client: TestClient) -> list[Route]:
    """The app's own routes (the static files' mount aside): what the tests below check."""
    return [r for r in client.app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]


def _shape(path: str) -> str:
    """`/api/stories/{story_id:path}` and `/api/stories/{id}` are one route: `/api/stories/{}`."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _machine(route: Route) -> bool:
    """Routes a program reads (JSON and Atom), which the OpenAPI schema must describe."""
    return route.path.startswith(("/api/", "/feeds/")) and route.path != "/api/docs"


def test_openapi_describes_every_machine_route_and_nothing_else(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    described = {_shape(path): {m.upper() for m in ops} for path, ops in schema["paths"].items()}
    served: dict[str, set[str]] = {}
    for r in _routes(client):
        if _machine(r):
            served.setdefault(_shape(r.path), set()).update((r.methods or set()) - {"HEAD"})
    assert described == served
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/pressure" in docs.text


def test_docs_api_md_lists_every_route(client: TestClient) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    documented = {
        _shape(m)
        for span in re.findall(r"`([^`]*)`", text)
        for m in re.findall(r"/[^\s?`,]*", span)
    }
    for r in _routes(client):
        # `/weeks/{week}/brief.{fmt}` is documented by its formats: `/weeks/{week}/brief.md`.
        pattern = re.escape(_shape(r.path)).replace(r"\{\}", r"(\{\}|[^/]+)")
        assert any(re.fullmatch(pattern, d) for d in documented), r.path


def test_reads_keep_working_while_another_connection_writes(
    client: TestClient, settings: Settings
) -> None:
    assert client.get(f"/weeks/{WEEK}").status_code == 200  # warm the brief cache
    with Store(settings.db, busy_timeout_s=1) as writer:  # another process, as far as locks go
        writer.conn.execute("BEGIN IMMEDIATE")  # holds the write lock (PostgreSQL: the writers')
        try:
            writer.conn.execute("UPDATE runs SET detail = detail WHERE id = 1")
            for path in (
                f"/weeks/{WEEK}",
                "/search?q=cholera",
                "/sources",
                f"/api/weeks/{WEEK}/brief",
            ):
                assert client.get(path).status_code == 200, path
        finally:
            writer.conn.execute("ROLLBACK")


def test_search_migration_backfills_existing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for sql in (CORE, STORIES):
        conn.executescript(sql)
    conn.execute(
        "INSERT INTO articles(id, title, published, day, text, inserted_at) VALUES "
        "('a1', 'Locust swarm reaches the coast', '2025-04-01T00:00:00+00:00', '2025-04-01', "
        "'Farmers report crop losses.', '2025-04-01T00:00:00+00:00')"
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert [h.article_id for h in store.search.search("locust")] == ["a1"]
        assert [h.article_id for h in store.search.search("crop losses")] == ["a1"]
        store.conn.execute("UPDATE articles SET title = 'Grasshopper swarm' WHERE id = 'a1'")
        assert store.search.search("locust") == [] and store.search.count("grasshopper") == 1


def test_new_data_reaches_the_brief_without_blocking(tmp_path: Path) -> None:
    """After an import the cached brief is served at once and rebuilt in the background."""
    import json
    import time

    from belowthefold.pipeline import import_paths

    settings = build_db(tmp_path / "fresh.db")
    outlets = [
        "Wire One",
        "Global Wire",
        "Health Watch",
        "Water Journal",
        "Valley Gazette",
        "Northern Echo",
    ]
    extra = tmp_path / "locusts.jsonl"
    extra.write_text(
        "".join(
            json.dumps(
                {
                    "title": f"Locust swarm destroys harvest across the coastal plain ({o})",
                    "published": f"2025-04-0{2 + i % 3}T10:00:00Z",
                    "outlet": o,
                    "url": f"https://locust.example/{i}",
                    "text": "A locust swarm destroyed the harvest across the coastal plain.",
                }
            )
            + "\n"
            for i, o in enumerate(outlets)
        ),
        encoding="utf-8",
    )
    with TestClient(create_app(settings, clock=fixed_clock)) as c:
        before = c.get(f"/api/weeks/{WEEK}/brief").json()
        assert not any("Locust" in m["headline"] for m in before["missed"])
        with Store(settings.db) as store:
            import_paths(store, [extra], settings.imports)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            body = c.get(f"/api/weeks/{WEEK}/brief").json()
            if any("Locust" in m["headline"] for m in body["missed"]):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the brief never picked up the new story")


def test_the_web_sits_on_top() -> None:
    """Nothing below imports the web; the web imports neither the CLI nor sqlite3 (store does SQL)."""
    import ast

    package = Path(__file__).resolve().parents[1] / "src" / "belowthefold"
    for path in package.rglob("*.py"):
        rel = path.relative_to(package).parts
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        if rel[0] == "web":
            assert not {n for n in names if n.startswith("belowthefold.cli")}, path
            assert "sqlite3" not in names, path
        elif rel[0] != "cli":
            assert not {n for n in names if n.startswith("belowthefold.web")}, path
