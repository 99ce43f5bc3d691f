"""Search on a real week, on both backends: the same matches, and titles first.

FTS5 ranks by BM25 and PostgreSQL by `ts_rank` (docs/deploy.md, "Search"), so the order of the
matches may differ; what a user relies on may not: every word required (the same articles match
on SQLite and PostgreSQL, counts included) and an article whose title holds the words ranked
above one that has them only in its text. The queries are not picked by hand: they are the
week's most frequent title words, the most frequent pairs of them in one title, and its most
frequent CJK bigrams (found inside unspaced text on both backends).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import ImportOptions
from belowthefold.store import Store
from pg_support import fresh_schema

WEEK = Path(__file__).resolve().parents[2] / "shared" / "data" / "devweek-2025w17"
FILES = [WEEK / "articles.jsonl", WEEK / "mainstream.jsonl"]
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2}")

pytestmark = pytest.mark.skipif(
    not WEEK.is_dir(), reason=f"the real week is read from ../shared ({WEEK} is absent)"
)


def _titles() -> list[str]:
    return [
        str(json.loads(line).get("title") or "")
        for f in FILES
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _queries(titles: list[str]) -> list[str]:
    words = [set(re.findall(r"[a-z]{4,}", t.lower())) for t in titles]
    single = [w for w, _ in Counter(w for ws in words for w in ws).most_common(20)]
    top = set(single)
    pairs = Counter(" ".join(p) for ws in words for p in combinations(sorted(ws & top), 2))
    cjk = Counter(m for t in titles for i in range(len(t) - 1) if _CJK.fullmatch(m := t[i : i + 2]))
    return single + [p for p, _ in pairs.most_common(5)] + [c for c, _ in cjk.most_common(5)]


def _build(target: Path | str) -> None:
    with Store(target) as store:
        pipeline.import_paths(store, FILES, ImportOptions(), WEEK / "sources.toml")


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Store, Store]]:
    path = tmp_path_factory.mktemp("search") / "week.db"
    _build(path)
    with fresh_schema(request.getfixturevalue("pg_server")) as url:
        _build(url)
        with Store(path) as lite, Store(url) as pg:
            yield lite, pg


def _in_title(query: str, title: str) -> bool:
    return all(w in title.lower() for w in query.split())


def test_both_backends_find_the_same_articles_and_rank_titles_first(
    stores: tuple[Store, Store],
) -> None:
    titles = _titles()
    queries = _queries(titles)
    assert len(queries) == 30 and any(_CJK.fullmatch(q) for q in queries)
    for store in stores:
        for q in queries:
            hits = store.search.search(q, 500)
            assert len(hits) == store.search.count(q) > 0, q
            expected = min(10, sum(_in_title(q, h.title) for h in hits))
            top = sum(_in_title(q, h.title) for h in hits[:10])
            assert top == expected, (store.conn.dialect, q, top, expected)
    lite, pg = stores
    for q in queries:
        found = {h.article_id for h in lite.search.search(q, 500)}
        assert found == {h.article_id for h in pg.search.search(q, 500)}, q
