"""Full-text search finds Chinese, Japanese and Korean words inside unspaced text.

FTS5's unicode61 tokenizer makes `東京で地震が発生` one token, so `地震` found nothing before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import ImportOptions
from belowthefold.store import Store
from belowthefold.store.search import MARK_END, MARK_START, SearchFilter

pytestmark = pytest.mark.both_backends

RECORDS = [
    (
        "ja",
        "東京で地震が発生、津波の心配なし",
        "気象庁によると、東京湾を震源とする地震があった。",
        "ja.example",
    ),
    ("zh", "四川发生强烈地震", "中国地震台网测定，四川省发生地震。", "zh.example"),
    ("ko", "부산 앞바다에서 지진이 발생했다", "기상청은 지진 규모를 발표했다.", "ko.example"),
    ("en", "Tokyo markets calm after 地震 report", "Traders in Tokyo shrugged.", "en.example"),
    ("en2", "Harbour strike halts exports", "The union said the strike goes on.", "en.example"),
    ("odd", "记者_会见 100%", "underscore and percent are text here", "zh.example"),
]


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    src = tmp_path / "cjk.jsonl"
    src.write_text(
        "".join(
            json.dumps(
                {
                    "id": i,
                    "title": t,
                    "text": x,
                    "published": "2025-04-03T10:00:00Z",
                    "url": f"https://{d}/{i}",
                },
                ensure_ascii=False,
            )
            + "\n"
            for i, t, x, d in RECORDS
        ),
        encoding="utf-8",
    )
    pipeline.import_paths(store, [src], ImportOptions(detect_language=False))
    return store


def _ids(store: Store, q: str, where: SearchFilter | None = None) -> set[str]:
    hits = store.search.search(q, where=where or SearchFilter())
    assert store.search.count(q, where=where or SearchFilter()) == len(hits)
    return {h.article_id for h in hits}


def test_cjk_words_inside_unspaced_text_are_found(filled: Store) -> None:
    assert _ids(filled, "地震") == {"ja", "zh", "en"}
    assert _ids(filled, "津波") == {"ja"}
    assert _ids(filled, "지진") == {
        "ko"
    }  # Korean: the particle glued on (지진이) no longer hides it
    assert _ids(filled, "地震 Tokyo") == {"en"}  # both kinds of term are required
    assert _ids(filled, "地震", SearchFilter(outlet="zh.example")) == {"zh"}


def test_cjk_snippet_marks_the_term_and_title_matches_come_first(filled: Store) -> None:
    hits = filled.search.search("地震")
    assert hits[0].article_id in {"ja", "zh", "en"}
    ja = next(h for h in hits if h.article_id == "ja")
    assert ("地震", True) in ja.snippet
    assert all(MARK_START not in part and MARK_END not in part for part, _ in ja.snippet)


def test_like_wildcards_in_a_cjk_query_are_plain_text(filled: Store) -> None:
    assert _ids(filled, "记者_会见") == {"odd"}
    assert _ids(filled, "记者x会见") == set()  # `_` is not "any character"
