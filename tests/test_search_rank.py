"""An unfiltered search ranks in the index and joins only its best matches: the same rows, in
the same order, as joining every match (ties in BM25 broken by date), at every page."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from belowthefold.models import Article
from belowthefold.sources import SourceIndex
from belowthefold.store import Store

PLAIN = (
    "SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.article_id "
    "WHERE articles_fts MATCH ? "
    "ORDER BY bm25(articles_fts, 0.0, 8.0, 1.0), a.published DESC, a.id LIMIT ? OFFSET ?"
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    rng = random.Random(5)
    words = ["tariff", "storm", "court", "vote", "strike", "market", "pope", "rally"]
    start = datetime(2025, 4, 1, tzinfo=UTC)
    articles = []
    for i in range(600):
        # Many identical titles (wire copies): BM25 ties that only the date orders.
        title = " ".join(rng.sample(words, 3)) if i % 4 else "tariff storm court"
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 12)))
        when = start + timedelta(minutes=7 * i)
        articles.append(Article(id=f"a{i}", title=title, published=when, text=text))
    s = Store(tmp_path / "s.db")
    s.articles.insert_batch(articles, SourceIndex.build([]).resolve, 0)
    return s


@pytest.mark.parametrize("words", ["tariff", "storm court", "pope", "nothing"])
def test_unfiltered_search_equals_joining_every_match(store: Store, words: str) -> None:
    query = " ".join(f'"{w}"' for w in words.split())
    total = store.search.count(words)
    assert (
        total
        == store.conn.execute(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (query,)
        ).fetchone()[0]
    )
    for limit, offset in ((50, 0), (50, 50), (7, 93), (500, 0), (10, total)):
        got = [h.article_id for h in store.search.search(words, limit=limit, offset=offset)]
        want = [r[0] for r in store.conn.execute(PLAIN, (query, limit, offset))]
        # Rows equal in score and date may come in either order; nothing else may differ.
        assert sorted(got) == sorted(want) and len(got) == len(want)
        keys = store.conn.execute(
            "SELECT a.id, bm25(articles_fts, 0.0, 8.0, 1.0), a.published FROM articles_fts f "
            "JOIN articles a ON a.id = f.article_id WHERE articles_fts MATCH ?",
            (query,),
        ).fetchall()
        rank = {r[0]: (r[1], "".join(chr(0x10FFFF - ord(c)) for c in r[2])) for r in keys}
        assert [rank[i] for i in got] == [rank[i] for i in want]
    store.close()
