"""Dense vectors are encoded once per article, kept in the store, and reused by later runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from belowthefold import pipeline
from belowthefold.config import ClusterOptions, ImportOptions, Settings
from belowthefold.store import Store
from belowthefold.stories import StoryClusterer
from belowthefold.stories.dense import DenseIndex

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
    assert name == "usem3:300"
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
