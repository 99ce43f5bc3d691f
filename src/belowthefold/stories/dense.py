"""Dense vectors of the active stories in one matrix: candidates by cosine, across languages.

TF-IDF finds candidates through shared terms, so a Japanese report of an English story is never
even scored. Here each active group's vector sum is a row of one float32 matrix; its product
with an article's vector gives the article's nearest groups by cosine. Rows of evicted groups are
reused, so memory follows the window, not the archive.

One product per article read the whole matrix once per article: at 9,000 active stories that was
0.70 ms an article and 28% of clustering with the encoder on (docs/performance.md). The articles
of an encoded batch are known before they are placed, so `expect` takes their vectors and the
products are made for `_CHUNK` of them at a time, one single-threaded matrix product (0.07 ms an
article); the rows that change while the chunk is placed (a story fed, founded, merged or
evicted) are recomputed for each article, so every article is still scored against the matrix as
it is when that article arrives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_START_ROWS = 256
# Articles per batched product: a chunk's products are rows x _CHUNK floats (7.7 MB at 15,000
# active stories), and more articles a chunk means more rows changed since it was made.
_CHUNK = 128


class DenseIndex:
    """Row per active group: the sum of its members' unit vectors, and that sum's norm."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.ids: list[str | None] = []
        self.free: list[int] = []
        self.matrix: Any = None
        self.norms: Any = None
        self._ahead = _Ahead()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a run's checkpoint) without the expected vectors, a cache, and without the
        matrix's rows past the last one used: room to grow into, which doubled as it grew (at
        8,957 active stories the matrix had 16,384 rows)."""
        state = {**self.__dict__, "_ahead": _Ahead()}
        if self.matrix is not None:
            used = max(len(self.ids), _START_ROWS)
            state["matrix"], state["norms"] = self.matrix[:used], self.norms[:used]
        return state

    def __len__(self) -> int:
        return len(self.rows)

    def _row(self, gid: str, dim: int) -> int:
        row = self.rows.get(gid)
        if row is not None:
            return row
        if self.matrix is None:
            self.matrix = np.zeros((_START_ROWS, dim), dtype=np.float32)
            self.norms = np.zeros(_START_ROWS, dtype=np.float32)
        if self.free:
            row = self.free.pop()
            self.ids[row] = gid
        else:
            row = len(self.ids)
            if row >= self.matrix.shape[0]:
                grow = self.matrix.shape[0]
                self.matrix = np.vstack([self.matrix, np.zeros_like(self.matrix[:grow])])
                self.norms = np.concatenate([self.norms, np.zeros(grow, dtype=np.float32)])
            self.ids.append(gid)
        self.rows[gid] = row
        return row

    def add(self, gid: str, vector: Any) -> None:
        row = self._row(gid, len(vector))
        self.matrix[row] += vector
        self.norms[row] = float(np.linalg.norm(self.matrix[row]))
        self._ahead.changed.add(row)

    def remove(self, gid: str) -> None:
        row = self.rows.pop(gid, None)
        if row is None:
            return
        self.matrix[row] = 0.0
        self.norms[row] = 0.0
        self.ids[row] = None
        self.free.append(row)
        self._ahead.changed.add(row)

    def merge(self, src: str, dst: str) -> None:
        """Fold `src`'s row into `dst`'s (a storyline merge); `src` disappears."""
        row = self.rows.get(src)
        if row is None:
            return
        vector = self.matrix[row].copy()
        self.remove(src)
        self.add(dst, vector)

    def expect(self, vectors: Any) -> None:
        """The vectors of the articles about to be looked up, in order (an encoded batch), so
        their products with the matrix are made a chunk at a time; replaces any expected before.
        A look-up for any other vector is made alone, as before."""
        self._ahead = _Ahead(np.ascontiguousarray(vectors, dtype=np.float32))

    def nearest(self, vector: Any, k: int) -> list[str]:
        """The (at most) k groups whose vector sums are closest to `vector` by cosine."""
        if not self.rows or k <= 0:
            return []
        n = len(self.ids)
        dots = self._ahead.dots(self.matrix, n, vector)
        if dots is None:
            dots = _dots(self.matrix[:n], vector)
        sims = dots / np.maximum(self.norms[:n], 1e-9)
        sims[self.norms[:n] == 0] = -2.0  # free rows
        k = min(k, len(self.rows))
        top = np.argpartition(-sims, k - 1)[:k] if k < n else np.arange(n)
        out = []
        for i in top[np.argsort(-sims[top])]:
            gid = self.ids[int(i)]
            if gid is not None:
                out.append(gid)
        return out


def _dots(matrix: Any, vector: Any) -> Any:
    # einsum, not @: a BLAS matrix-vector product spread its threads over a busy machine
    # and ran ten times slower (35 ms against 3.8 ms at 5,000 rows on two shared cores).
    return np.einsum("ij,j->i", matrix, vector)


class _Ahead:
    """The expected vectors, the products of the current chunk with the matrix as it was when
    they were made, and the rows changed since (recomputed at each look-up)."""

    def __init__(self, vectors: Any = None) -> None:
        self.vectors = vectors
        # By a hash of the bytes (checked on look-up): the bytes themselves would hold a second
        # copy of the batch.
        self.keys: dict[int, int] = {}
        for i, v in enumerate(() if vectors is None else vectors):
            self.keys.setdefault(hash(v.tobytes()), i)  # a repeated text: its first place
        self.start = 0  # the first expected vector of the chunk made
        self.products: Any = None  # chunk x rows, made with the matrix's first `made` rows
        self.made = 0
        self.changed: set[int] = set()

    def dots(self, matrix: Any, n: int, vector: Any) -> Any:
        """`matrix[:n] @ vector` from the chunk's products, or None for an unexpected vector."""
        at = self.keys.get(hash(vector.tobytes())) if self.keys else None
        if at is None or not np.array_equal(self.vectors[at], vector):
            return None
        if self.products is not None and at < self.start:
            # A vector met again behind the chunk (a story of one article looks up its own
            # vector when it merges): made alone, not by going back a chunk.
            return None
        if self.products is None or at >= self.start + _CHUNK:
            self._make(matrix, n, at)
        out = np.empty(n, dtype=np.float32)
        made = self.made  # rows are never dropped (free ones are reused), so made <= n
        out[:made] = self.products[at - self.start, :made]
        fresh = [r for r in self.changed if r < made]
        if fresh:
            out[fresh] = _dots(matrix[fresh], vector)
        if n > made:
            out[made:] = _dots(matrix[made:n], vector)
        return out

    def _make(self, matrix: Any, n: int, at: int) -> None:
        from threadpoolctl import threadpool_limits

        chunk = self.vectors[at : at + _CHUNK]
        # One thread: the encoder's thread and other processes share the cores, and a threaded
        # product on a busy machine ran ten times slower (see _dots).
        with threadpool_limits(1, user_api="blas"):
            self.products = chunk @ matrix[:n].T  # a row per article: read contiguously
        self.start, self.made = at, n
        self.changed = set()
