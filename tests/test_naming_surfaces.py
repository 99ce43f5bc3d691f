"""One name per story and storyline on every surface: the API and pages use the naming rule,
not the store's first-article title (which is what an explainer that came first would give)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from belowthefold.config import Settings
from belowthefold.models import Article, Assignment
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.stories.naming import story_name
from belowthefold.web import create_app

TITLES = [
    "Explainer: what a cyclone season means for Mozambique",  # first, but a side piece
    "Cyclone Dikeledi kills 12 in northern Mozambique",
    "Cyclone Dikeledi death toll in Mozambique rises to 12",
    "Mozambique counts Cyclone Dikeledi dead as aid arrives",
]


def _db(path: Path) -> Settings:
    arts = [
        Article(
            id=f"a{i}",
            title=t,
            outlet=f"Outlet {i}",
            url=f"https://o{i}.example/{i}",
            published=datetime(2025, 1, 13, 8 + i, tzinfo=UTC),
        )
        for i, t in enumerate(TITLES)
    ]
    with Store(path) as store:
        store.articles.insert_batch(arts, SourceIndex.build([]).resolve, 0)
        store.stories.save([(a, Assignment(a.id, "st-cyclone", "sl-cyclone")) for a in arts])
    return Settings(db=path)


def test_api_and_pages_name_a_story_by_the_rule(tmp_path: Path) -> None:
    settings = _db(tmp_path / "n.db")
    with Store(settings.db) as store:
        expected = story_name(store.articles.placed_by_story(["st-cyclone"]))
    assert expected != TITLES[0]  # the rule does not pick the first (side) headline
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/stories/st-cyclone").json()
        assert body["headline"] == expected and body["storyline_headline"] == expected
        page = client.get("/stories/st-cyclone").text
        assert f'<h1 id="story-headline">{expected}</h1>' in page
        line = client.get("/storylines/sl-cyclone").text
        assert f'<h1 id="storyline-headline">{expected}</h1>' in line
        assert f">{expected}</a>" in line and f">{TITLES[0]}</a>" not in line
