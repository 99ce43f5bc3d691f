"""Shared by the web tests: the fixture database, built the way a user builds theirs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from belowthefold.config import Settings
from belowthefold.models import Article
from belowthefold.pipeline import import_paths, source_index, update_stories
from belowthefold.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "web"
WEEK = "2025-W14"
NOW = datetime(2025, 4, 3, 12, 0, tzinfo=UTC)
JS_ARTICLE_ID = "fixture:javascript-url"
JS_URL = "javascript:alert(document.domain)"
SCRIPT_PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
SVG_PAYLOAD = '"><svg onload=alert(3)>'


def fixed_clock() -> datetime:
    return NOW


def build_db(path: Path | str) -> Settings:
    """Import the fixture JSONL with its sources, add a javascript: URL article, run stories."""
    settings = Settings(db=path)
    with Store(path) as store:
        summary = import_paths(
            store, [FIXTURES / "week.jsonl"], settings.imports, FIXTURES / "sources.toml"
        )
        assert summary.skipped == 1, summary.errors
        bad = Article(
            id=JS_ARTICLE_ID,
            title="Dam collapse floods valley villages, residents evacuated",
            published=datetime(2025, 4, 2, 13, 0, tzinfo=UTC),
            url=JS_URL,
            text="A dam collapse flooded villages in the valley overnight.",
            outlet="Valley Gazette",
        )
        store.articles.insert_batch([bad], source_index(store).resolve, summary.run_id)
        update_stories(store, settings)
    return settings


def story_of(settings: Settings, article_id: str) -> str:
    with Store(settings.db) as store:
        row = store.conn.execute(
            "SELECT story_id FROM assignments WHERE article_id = ?", (article_id,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def stories_of_storyline(settings: Settings, storyline_id: str) -> set[str]:
    """The ids of the live (not merged) stories the store files under a storyline: what a
    storyline page must list, once each."""
    with Store(settings.db) as store:
        return {
            str(r[0])
            for r in store.conn.execute(
                "SELECT id FROM stories WHERE storyline_id = ? AND merged_into IS NULL",
                (storyline_id,),
            )
        }
