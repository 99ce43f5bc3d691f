"""One name per story and storyline on every surface: the API and pages use the naming rule,
not the store's first-article title (which is what an explainer that came first would give)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from belowthefold.config import Settings
from belowthefold.models import Article, Assignment
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.stories.naming import story_name, storyline_name
from belowthefold.web import create_app
from cli_support import run_cli

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


# A saga whose audience's biggest story is a side story (designed): the audience (mainstream)
# ran the school closures twice and the deaths once; the wires ran the deaths four times.
# (title, outlet, group, story, storyline)
STORM = [
    ("Storm Eowyn closes Glasgow schools for the day", "BBC News", "mainstream", "st-side"),
    ("Glasgow schools shut as Storm Eowyn nears", "The Guardian", "mainstream", "st-side"),
    ("Storm Eowyn kills two as record winds hit Ireland", "BBC News", "mainstream", "st-core"),
    ("Storm Eowyn kills two in Ireland as record winds hit", "Reuters", "wire", "st-core"),
    ("Two killed as Storm Eowyn brings record winds to Ireland", "AP", "wire", "st-core"),
    ("Record winds of Storm Eowyn kill two in Ireland", "AFP", "wire", "st-core"),
    ("Storm Eowyn: two dead in Ireland after record winds", "PA Media", "wire", "st-core"),
    ("UK inflation falls to 2.5%", "BBC News", "mainstream", "st-inflation"),
]
STORM_CORE = "Storm Eowyn kills two as record winds hit Ireland"


# Two weeks later, the same storyline's insurance bill, in more reports than the deaths.
LATER = [
    (f"Storm Eowyn insurance bill reaches record {t}", o, "wire", "st-later")
    for t, o in [("sum", "Reuters"), ("total", "AP"), ("high", "AFP"), ("level", "PA Media")]
] + [
    ("Storm Eowyn insurance bill reaches record figure", "BBC News", "mainstream", "st-later"),
    ("Storm Eowyn insurance bill reaches record amount", "The Guardian", "mainstream", "st-later"),
]


def _storm_db(path: Path, later: bool = False) -> Settings:
    rows = [(r, datetime(2025, 1, 24, 6 + i, tzinfo=UTC)) for i, r in enumerate(STORM)]
    if later:
        rows += [(r, datetime(2025, 2, 7, 6 + i, tzinfo=UTC)) for i, r in enumerate(LATER)]
    arts = [
        Article(
            id=f"e{i}",
            title=title,
            outlet=outlet,
            url=f"https://o{i}.example/{i}",
            published=when,
            lang="en",
            group=group,
        )
        for i, ((title, outlet, group, _), when) in enumerate(rows)
    ]
    line = {
        "st-side": "sl-storm",
        "st-core": "sl-storm",
        "st-later": "sl-storm",
        "st-inflation": "sl-inflation",
    }
    with Store(path) as store:
        store.articles.insert_batch(arts, SourceIndex.build([]).resolve, 0)
        store.stories.save(
            [(a, Assignment(a.id, r[3], line[r[3]])) for a, (r, _) in zip(arts, rows, strict=True)]
        )
    return Settings(db=path)


def test_the_brief_stories_and_the_api_name_a_storyline_from_one_pool(tmp_path: Path) -> None:
    """The brief named its dominant storyline from the audience's items (the school closures,
    the audience's biggest story), `stories` and the API from every group's (the deaths): one
    saga, two names. All now name it from the window's items of the storyline, every group's,
    in the audience's language."""
    settings = _storm_db(tmp_path / "s.db")
    with Store(settings.db) as store:
        line = store.articles.placed_by_story(["st-side", "st-core"])
    own = [a for a in line if a.group == "mainstream"]
    side = storyline_name(own, "en")
    assert side.startswith("Storm Eowyn closes") or side.startswith("Glasgow")  # the trap
    assert storyline_name(line, "en") == STORM_CORE
    out = run_cli("--db", str(settings.db), "stories", "--week", "2025-W04", "--format", "json")
    assert out.returncode == 0, out.stderr
    listed = {x["storyline_id"]: x["headline"] for x in json.loads(out.stdout)["storylines"]}
    brief_cli = run_cli("--db", str(settings.db), "brief", "--week", "2025-W04", "--format", "json")
    assert brief_cli.returncode == 0, brief_cli.stderr
    (cli_top, *_) = json.loads(brief_cli.stdout)["dominant"]
    with TestClient(create_app(settings)) as client:
        api_story = client.get("/api/stories/st-side").json()
        api_week = client.get("/api/stories/st-side?week=2025-W04").json()
        line_page = client.get("/storylines/sl-storm?week=2025-W04").text
        brief = client.get("/api/weeks/2025-W04/brief").json()
    (top, *_) = brief["dominant"]
    assert top["storyline_id"] == cli_top["storyline_id"] == "sl-storm"
    names = {
        "brief (API)": top["headline"],
        "brief (CLI)": cli_top["headline"],
        "stories": listed["sl-storm"],
        "API story's storyline": api_story["storyline_headline"],
        "API story's storyline that week": api_week["storyline_headline"],
    }
    assert f'<h1 id="storyline-headline">{STORM_CORE}</h1>' in line_page
    assert set(names.values()) == {STORM_CORE}, names


def test_a_page_asked_for_the_brief_week_names_the_storyline_as_that_brief(tmp_path: Path) -> None:
    """A storyline that runs for weeks is named over its whole span on its pages, but with the
    brief's week (`?week=`, which the brief's links carry) from that week's items, as the
    brief and `stories` of that week name it."""
    settings = _storm_db(tmp_path / "s.db", later=True)
    out = run_cli("--db", str(settings.db), "stories", "--week", "2025-W04", "--format", "json")
    listed = {x["storyline_id"]: x["headline"] for x in json.loads(out.stdout)["storylines"]}
    with TestClient(create_app(settings)) as client:
        whole = client.get("/api/stories/st-side").json()["storyline_headline"]
        week = client.get("/api/stories/st-side?week=2025-W04").json()["storyline_headline"]
        (top, *_) = client.get("/api/weeks/2025-W04/brief").json()["dominant"]
        page = client.get("/weeks/2025-W04").text
        line = client.get("/storylines/sl-storm?week=2025-W04").text
        story = client.get("/stories/st-side?week=2025-W04").text
    assert 'href="/storylines/sl-storm?week=2025-W04"' in story
    assert whole.startswith("Storm Eowyn insurance bill")
    assert top["headline"] == week == listed["sl-storm"] == STORM_CORE
    assert 'href="/storylines/sl-storm?week=2025-W04"' in page
    assert f'<h1 id="storyline-headline">{STORM_CORE}</h1>' in line
