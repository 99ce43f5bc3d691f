"""The batched dense search (`DenseIndex.expect`) finds what one product per look-up finds,
while the matrix changes between look-ups: stories fed, founded past the chunk's rows, evicted."""

from __future__ import annotations

from typing import Any

import numpy as np

from belowthefold.stories.dense import DenseIndex


def _unit(rng: np.random.Generator, n: int) -> Any:
    v = rng.standard_normal((n, 16)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _run(expect: bool) -> list[list[str]]:
    rng = np.random.default_rng(7)
    index = DenseIndex()
    for i, v in enumerate(_unit(rng, 40)):
        index.add(f"g{i}", v)
    queries = _unit(rng, 300)
    if expect:
        index.expect(queries)
    out = []
    for i, q in enumerate(queries):
        out.append(index.nearest(q, 5))
        index.add(out[-1][0], q)  # the nearest story is fed
        if i % 3 == 0:
            index.add(f"new{i}", q)  # a story founded (rows grow past the chunk's)
        if i % 7 == 0:
            index.remove(out[-1][-1])  # a story evicted (its row freed, then reused)
    return out


def test_expected_vectors_find_what_single_lookups_find() -> None:
    assert _run(expect=True) == _run(expect=False)


def test_a_vector_not_expected_is_searched_alone() -> None:
    rng = np.random.default_rng(3)
    index = DenseIndex()
    rows = _unit(rng, 20)
    for i, v in enumerate(rows):
        index.add(f"g{i}", v)
    index.expect(_unit(rng, 4))
    assert index.nearest(rows[5], 1) == ["g5"]


def test_a_checkpointed_index_keeps_its_rows_and_grows_on() -> None:
    """A checkpoint leaves out the matrix's unused room, never a row in use (freed ones too)."""
    from belowthefold.store.checkpoint import dump_state, load_state

    rng = np.random.default_rng(11)
    index = DenseIndex()
    for i, v in enumerate(_unit(rng, 300)):  # 300 rows used of 512 made
        index.add(f"g{i}", v)
    for i in range(0, 300, 9):
        index.remove(f"g{i}")
    blob = dump_state(index, "p")
    restored = load_state(blob, "p")
    assert isinstance(restored, DenseIndex)
    assert restored.matrix.shape[0] == 300 < index.matrix.shape[0]
    queries = _unit(rng, 400)
    for i, q in enumerate(queries):  # stories founded past the stored rows: the matrix grows
        assert restored.nearest(q, 5) == index.nearest(q, 5)
        for each in (index, restored):
            each.add(f"new{i}", q)
    assert restored.matrix.shape[0] > 300
    assert len(blob) < 300 * 16 * 4 * 1.5
