"""Dense article vectors, computed once and kept: re-clustering and warm-up never re-encode.

Stored as `models.VECTOR_DTYPE`, float16 (1 KB an article at 512 dimensions; cosines move by
under 1e-3; the clusterer rounds fresh vectors the same way, so a vector read back is the one it
first used), keyed by
article and by the encoder's name, so vectors of another encoder or text length are not reused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from belowthefold.models import VECTOR_DTYPE
from belowthefold.store.core_tx import Connection, rows_in, transaction


class VectorRepo:
    """article_vectors (article, encoder) -> vector."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ids: Sequence[str], encoder: str) -> dict[str, Any]:
        """The stored vectors of `ids` for `encoder` (float32); ids without one are absent."""
        import numpy as np  # here, not at the top: the CLI starts without numpy

        sql = (
            "SELECT article_id, vector FROM article_vectors "
            "WHERE encoder = ? AND article_id IN ({marks})"
        )
        out: dict[str, Any] = {}
        for aid, blob in rows_in(self.conn, sql, ids, [encoder]):
            out[aid] = np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)
        return out

    def put(self, encoder: str, vectors: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        import numpy as np

        items = vectors.items() if isinstance(vectors, Mapping) else vectors
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO article_vectors(article_id, encoder, vector) VALUES (?,?,?)",
                [(aid, encoder, np.asarray(v, dtype=VECTOR_DTYPE).tobytes()) for aid, v in items],
            )

    def count(self, encoder: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM article_vectors WHERE encoder = ?", (encoder,)
        ).fetchone()
        return int(row[0])
