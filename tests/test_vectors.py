"""Dense vectors are encoded once per article, kept in the store, and reused by later runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from belowthefold import pipeline
from belowthefold.config import ClusterOptions, ImportOptions, Settings
from belowthefold.store import Store
from belowthefold.stories import StoryClusterer
from belowthefold.stories.dense import DenseIndex

pytestmark = pytest.mark.both_backends

ROWS = [
    ("North Korea launches its first 5,000-ton destroyer", "en", "2025-04-25T09:00:00Z"),
    ("北朝鮮、初の5000トン級駆逐艦を進水", "ja", "2025-04-25T12:00:00Z"),
    ("북한 5000t급 신형 구축함 진수식", "ko", "2025-04-25T15:00:00Z"),
    ("China launches the Shenzhou-20 crew to its space station", "en", "2025-04-24T09:00:00Z"),
    ("神舟二十号载人飞船发射成功", "zh", "2025-04-24T12:00:00Z"),
]


def _file(tmp_path: Path, rows: list[tuple[str, str, str]], name: str) -> Path:
    path = tmp_path / name
    path.write_text(
        "".join(
            json.dumps({"title": t, "lang": lang, "published": p, "url": f"https://x.example/{t}"})
            + "\n"
            for t, lang, p in rows
        ),
        encoding="utf-8",
    )
    return path


def test_vectors_are_stored_once_and_reports_join_across_languages(
    store: Store, tmp_path: Path
) -> None:
    settings = Settings(db=store.path)
    pipeline.import_paths(store, [_file(tmp_path, ROWS[:3], "a.jsonl")], ImportOptions())
    assert pipeline.update_stories(store, settings) == 3
    name = StoryClusterer(settings.cluster).encoder_name
    assert name == "usem3:300:t4"
    assert store.vectors.count(name) == 3
    ids = [r[0] for r in store.conn.execute("SELECT id FROM articles")]
    first = store.vectors.get(ids, name)
    pipeline.import_paths(store, [_file(tmp_path, ROWS[3:], "b.jsonl")], ImportOptions())
    assert pipeline.update_stories(store, settings) == 2
    assert store.vectors.count(name) == 5
    again = store.vectors.get(list(first), name)
    assert all(np.array_equal(first[k], again[k]) for k in first)  # kept, not re-encoded
    stories = dict(
        store.conn.execute(
            "SELECT substr(a.title, 1, 8), s.story_id FROM articles a "
            "JOIN assignments s ON s.article_id = a.id"
        ).fetchall()
    )
    assert len({stories[t[:8]] for t, _, _ in ROWS[:3]}) == 1  # en, ja, ko: one story
    assert len({stories[t[:8]] for t, _, _ in ROWS[3:]}) == 1  # en, zh: one story
    assert stories[ROWS[0][0][:8]] != stories[ROWS[3][0][:8]]


def test_a_vector_read_back_is_the_one_the_clusterer_used(store: Store, tmp_path: Path) -> None:
    """Fresh vectors are rounded to the kept precision at birth, so clustering again from the
    stored vectors (a backfill, a re-clustering) decides exactly as the first run did."""
    pipeline.import_paths(store, [_file(tmp_path, ROWS, "a.jsonl")], ImportOptions())
    clusterer = StoryClusterer(Settings().cluster)
    articles = [a for a in store.articles.unassigned()]
    fresh = clusterer.encode(articles)
    name = clusterer.encoder_name
    assert name is not None and fresh.dtype == np.float32
    store.vectors.put(name, dict(zip((a.id for a in articles), fresh, strict=True)))
    kept = store.vectors.get([a.id for a in articles], name)
    assert all(np.array_equal(kept[a.id], v) for a, v in zip(articles, fresh, strict=True))


def test_tfidf_only_stores_no_vectors(store: Store, tmp_path: Path) -> None:
    settings = Settings(db=store.path, cluster=replace(ClusterOptions(), representation="tfidf"))
    pipeline.import_paths(store, [_file(tmp_path, ROWS, "a.jsonl")], ImportOptions())
    assert pipeline.update_stories(store, settings) == 5
    assert StoryClusterer(settings.cluster).encoder is None
    assert store.conn.execute("SELECT COUNT(*) FROM article_vectors").fetchone()[0] == 0


def test_dense_index_reuses_rows_and_finds_the_nearest() -> None:
    index = DenseIndex()
    eye = np.eye(4, dtype=np.float32)
    for i in range(4):
        index.add(f"g{i}", eye[i])
    assert index.nearest(eye[2], 1) == ["g2"]
    index.remove("g2")
    assert "g2" not in index.nearest(eye[2], 4) and len(index) == 3
    index.add("g9", eye[2])  # takes the freed row
    assert len(index.ids) == 4 and index.nearest(eye[2], 1) == ["g9"]
    index.merge("g9", "g0")
    assert index.nearest(eye[2], 1) == ["g0"] and len(index) == 3


def test_two_stories_of_one_event_in_two_languages_merge_once_one_grows() -> None:
    """A Korean report that started its own story (the per-article bar kept it apart) joins the
    English story when that story doubles: later ids continue as the English one's."""
    rows = [
        ("North Korea launches its first 5,000-ton destroyer", "en", 9),
        ("북한 5000t급 신형 구축함 진수식", "ko", 10),
        ("North Korea unveils new 5,000-ton destroyer Choe Hyon", "en", 11),
        ("Kim Jong Un watches launch of North Korea's new 5,000-ton destroyer", "en", 12),
    ]
    from datetime import UTC, datetime

    from belowthefold.models import Article

    arts = [
        Article(id=f"a{i}", title=t, lang=lang, published=datetime(2025, 4, 25, h, tzinfo=UTC))
        for i, (t, lang, h) in enumerate(rows)
    ]
    kept_apart = ClusterOptions(dense_alone_threshold=0.0)  # no cross-language join per article
    c = StoryClusterer(replace(kept_apart, story_merge_dense=0.0))
    got = [c.add(a) for a in arts]
    assert got[1].story_id != got[0].story_id and c.take_story_merges() == []
    c = StoryClusterer(replace(kept_apart, story_merge_dense=0.6))
    got = [c.add(a) for a in arts]
    assert got[1].story_id != got[0].story_id  # the decision at the time stands ...
    assert c.take_story_merges() == [(got[1].story_id, got[0].story_id)]  # ... then is merged
    assert got[3].story_id == got[0].story_id


def test_story_merges_reach_the_store_and_old_ids_redirect(store: Store, tmp_path: Path) -> None:
    rows = [
        ("North Korea launches its first 5,000-ton destroyer", "en", "2025-04-25T09:00:00Z"),
        ("북한 5000t급 신형 구축함 진수식", "ko", "2025-04-25T10:00:00Z"),
        ("North Korea unveils new 5,000-ton destroyer Choe Hyon", "en", "2025-04-25T11:00:00Z"),
    ]
    cluster = ClusterOptions(dense_alone_threshold=0.0, story_merge_dense=0.6)
    settings = replace(Settings(db=store.path), cluster=cluster)
    pipeline.import_paths(store, [_file(tmp_path, rows, "a.jsonl")], ImportOptions())
    assert pipeline.update_stories(store, settings) == 3
    story = dict(
        store.conn.execute(
            "SELECT a.lang, s.story_id FROM articles a JOIN assignments s ON s.article_id = a.id"
        ).fetchall()
    )
    assert story["ko"] == story["en"]
    (old,) = [
        r[0] for r in store.conn.execute("SELECT id FROM stories WHERE merged_into IS NOT NULL")
    ]
    assert store.stories.resolve(old) == story["en"]


def test_storylines_of_one_saga_in_two_languages_merge_and_grab_bags_do_not() -> None:
    """Two coherent storylines close by dense centroid, in two languages, fold together; a
    storyline whose members point many ways (a grab-bag: its sum is short) stays apart even
    when its centroid is as close."""
    rng = np.random.default_rng(0)
    dim = 256
    base = np.zeros(dim)
    base[0] = 1.0

    def member(weight: float) -> np.ndarray:
        r = rng.normal(size=dim)
        r[0] = 0.0
        r /= np.linalg.norm(r)
        v = weight * base + np.sqrt(1 - weight**2) * r
        return np.asarray(v / np.linalg.norm(v), dtype=np.float32)

    def run(coherence: float) -> StoryClusterer:
        c = StoryClusterer(
            ClusterOptions(
                representation="tfidf",
                storyline_merge_dense=0.75,  # off by default since the daily regrouping
                storyline_merge_dense_coherence=coherence,
            )
        )
        for name, lang, weight, n in (("en", "en", 0.95, 12), ("fr", "fr", 0.4, 8)):
            for i in range(n):
                vec = {hash((name, i)) % 1000: 1.0}
                c._feed(f"st-{name}-{i}", f"sl-{name}", vec, member(weight), 1.745e9 + i, lang)
        c._merge_across("sl-fr")
        return c

    assert run(0.0).take_merges() == [("sl-fr", "sl-en")]  # close enough by centroid ...
    c = run(0.55)
    assert c.take_merges() == []  # ... but "fr" is a grab-bag (sum per article ~0.5)
    for i in range(8):
        c._feed(f"st-de-{i}", "sl-de", {2000 + i: 1.0}, member(0.95), 1.745e9 + i, "de")
    c._merge_across("sl-de")
    assert c.take_merges() == [("sl-de", "sl-en")]  # the smaller storyline folds into the larger
    assert c.stories.groups["st-de-0"].storyline_id == "sl-en"
