"""Views the web keeps by data stamp: read back while the data holds, computed again once an
import (or any write the stamp sees) moves it, and the pages served from them unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from belowthefold.models import Article
from belowthefold.pipeline import source_index
from belowthefold.store import Store
from belowthefold.web import create_app
from web_support import WEEK, build_db, fixed_clock


def _add_article(db: Path | str) -> None:
    with Store(db) as store:
        run = store.runs.begin("import")
        article = Article(
            id="cache:new",
            title="Cholera outbreak spreads to a new camp",
            published=datetime(2025, 4, 2, 15, 0, tzinfo=UTC),
            url="https://example.org/cache-new",
            text="Cholera spread.",
            outlet="Daily Planet",
        )
        store.articles.insert_batch([article], source_index(store).resolve, run)


def test_a_view_is_kept_until_the_stamp_moves(tmp_path: Path) -> None:
    settings = build_db(tmp_path / "web.db")
    state = create_app(settings, clock=fixed_clock).state.web
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with Store(settings.db) as store:
        assert state.view(store, ("k",), compute) == 1
        assert state.view(store, ("k",), compute) == 1
        assert state.view(store, ("other",), compute) == 2
    _add_article(settings.db)
    with Store(settings.db) as store:
        assert state.view(store, ("k",), compute) == 3


def test_kept_pages_equal_fresh_ones_and_follow_new_data(tmp_path: Path) -> None:
    settings = build_db(tmp_path / "web.db")
    paths = [f"/api/weeks/{WEEK}/brief", f"/weeks/{WEEK}/brief", "/sources", "/api/sources"]
    with TestClient(create_app(settings, clock=fixed_clock)) as c:
        story = c.get(paths[0]).json()["missed"][0]["story_id"]
        paths += [f"/api/stories/{story}", f"/weeks/{WEEK}/export/stories.json"]
        first = [c.get(p).text for p in paths]
        assert [c.get(p).text for p in paths] == first  # read back
        counts = {s["name"]: s["articles"] for s in c.get("/api/sources").json()["sources"]}
        _add_article(settings.db)
        after = {s["name"]: s["articles"] for s in c.get("/api/sources").json()["sources"]}
        assert after["Daily Planet"] == counts["Daily Planet"] + 1
        assert "cache:new" in c.get(paths[-1]).text
        kept = [c.get(p).text for p in paths[2:4]]
    with TestClient(create_app(settings, clock=fixed_clock)) as fresh:
        assert [fresh.get(p).text for p in paths[2:4]] == kept
