"""Saving sources is one behaviour at every edge (`pipeline.save_sources`): a source added again
under its name is merged (feeds and domains added, front page and full text kept), the stored
sources file lists what is stored, and articles are regrouped. The web used to replace the
source whole, dropping its front page and other feeds, and left the stored file stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from belowthefold import pipeline
from belowthefold.models import Source
from belowthefold.sources import parse_sources
from belowthefold.store import Store
from belowthefold.web import create_app
from web_support import build_db, fixed_clock

pytestmark = pytest.mark.both_backends

TOKEN = "s3cret-token-for-tests"
KNOWN = Source(
    "Harbour Post",
    "mainstream",
    ("harbour.example",),
    ("https://harbour.example/feed.xml",),
    frontpage="https://harbour.example/",
    fulltext=True,
)


def _stored(store: Store) -> tuple[Source, list[Source]]:
    by_name = {s.name: s for s in store.sources.all()}
    raw = store.sources.raw_file()
    assert raw is not None
    return by_name[KNOWN.name], parse_sources(raw)


def test_adding_a_known_source_again_merges_it(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        pipeline.save_sources(store, [KNOWN])
        again = Source(KNOWN.name, "wire", ("cdn.harbour.example",), ("https://harbour.example/a",))
        pipeline.save_sources(store, [again])
        merged, in_file = _stored(store)
    assert merged.group == "wire"  # the new entry's group wins
    assert merged.feeds == ("https://harbour.example/feed.xml", "https://harbour.example/a")
    assert merged.domains == ("harbour.example", "cdn.harbour.example")
    assert merged.frontpage == KNOWN.frontpage and merged.fulltext
    assert merged in in_file


def test_the_web_api_saves_a_source_the_same_way(tmp_path: Path) -> None:
    settings = build_db(tmp_path / "web.db")
    with Store(settings.db) as store:
        pipeline.save_sources(store, [KNOWN])
    app = create_app(
        settings, admin_token=TOKEN, clock=fixed_clock, resolve=lambda h: ["93.184.216.34"]
    )
    body = {"name": KNOWN.name, "group": "wire", "feed": "https://harbour.example/a"}
    with TestClient(app, headers={"X-Admin-Token": TOKEN}) as client:
        assert client.post("/api/sources", json=body).status_code == 201
        with Store(settings.db) as store:
            merged, in_file = _stored(store)
        assert merged.frontpage == KNOWN.frontpage and merged.fulltext
        assert merged.feeds == ("https://harbour.example/feed.xml", "https://harbour.example/a")
        assert merged in in_file  # the stored sources file follows what the web saved
        assert client.delete(f"/api/sources/{KNOWN.name}").status_code in (200, 204)
    with Store(settings.db) as store:
        assert KNOWN.name not in {s.name for s in store.sources.all()}
        assert KNOWN.name not in {s.name for s in parse_sources(store.sources.raw_file() or "")}
