"""Dedup: recognise syndicated pickups (the same wire text republished) with MinHash/LSH.

Each article's text (or, where it has too little, its title) becomes a set of word shingles;
MinHash signatures go into an LSH index holding only the last few days, so memory and time per
article stay flat however large the archive grows. A match is confirmed on the estimated Jaccard
similarity and linked to the earliest original, so "5 pickups of the AP story" counts one source.

Pickups are usually cut to fit (the last paragraphs dropped), which lowers Jaccard similarity but
not containment, so LSH fetches candidates at a lower Jaccard bar and a match is confirmed on the
estimated containment of the shorter text in the longer one.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from belowthefold.config import DedupOptions
from belowthefold.models import Article, DupLink

DAY = 86400.0
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NO_SPACE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
# datasketch hashes with sha1 by default; a fixed seed keeps signatures identical across runs.
_SEED = 1


def shingles(text: str, k: int) -> set[bytes]:
    """Word k-shingles of normalised text (character 2k-grams for scripts without spaces)."""
    if _NO_SPACE.search(text):
        s = re.sub(r"\s+", "", text.lower())
        n = 2 * k
        return {s[i : i + n].encode("utf-8") for i in range(max(1, len(s) - n + 1))}
    words = _WORD.findall(text.lower())
    if len(words) <= k:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


@dataclass
class _Entry:
    """An article of the window: its signature's hash values (`MinHash.hashvalues`: all
    signatures share the deduper's seed and permutations, so the values are all a comparison
    needs), whether it was signed by text, and its shingle count."""

    article_id: str
    original_id: str
    when: float
    values: Any
    by_text: bool
    size: int


class Deduper:
    """Online near-duplicate detection over a sliding time window."""

    def __init__(self, options: DedupOptions) -> None:
        self.options = options
        self._perm = MinHash(num_perm=options.num_perm, seed=_SEED)
        self._lsh = {
            True: MinHashLSH(threshold=options.candidate_threshold, num_perm=options.num_perm),
            False: MinHashLSH(threshold=options.threshold, num_perm=options.num_perm),
        }
        self._entries: dict[str, _Entry] = {}
        self._expiry: list[tuple[float, str]] = []

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a run's checkpoint, the kept state) with the window's entries as columns and
        their signatures' hash values as one array: 15,000 MinHash objects pickled one by one
        took most of the 0.65 s a dump of the deduper took, and as long to load."""
        entries = list(self._entries.values())
        state = dict(self.__dict__)
        del state["_entries"]
        width = len(self._perm.hashvalues)
        values = (
            np.stack([e.values for e in entries])
            if entries
            else np.empty((0, width), dtype=self._perm.hashvalues.dtype)
        )
        state["_columns"] = (
            [e.article_id for e in entries],
            [e.original_id for e in entries],
            [e.when for e in entries],
            [e.by_text for e in entries],
            [e.size for e in entries],
            values,
        )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restored with each entry's hash values a row of the pickled array, not a MinHash
        object (building 15,000 of them was 0.1-0.3 s of each later import's load)."""
        columns = state.pop("_columns", None)
        if columns is not None and len(columns) == 7:  # led by the MinHash fields (2af3dae)
            columns = columns[1:]
        if columns is None or len(columns) != 6:  # entries as objects: rebuilt, not read
            raise ValueError("not a deduper state of this version")
        self.__dict__.update(state)
        ids, originals, whens, by_text, sizes, values = columns
        self._entries = {
            key: _Entry(key, originals[i], whens[i], values[i], by_text[i], sizes[i])
            for i, key in enumerate(ids)
        }

    def warm(self, articles: Sequence[Article], originals: Mapping[str, str]) -> None:
        """Index recent articles (already deduplicated earlier) so pickups across runs are found.

        `articles` in published order; `originals` their stored links (article -> original).
        Only the last `window_days` before the newest are indexed, which is what replaying them
        all through `add` would leave, and their originals are the stored ones, not searched
        for again: the clusterer warms from 14 days, the deduper needs 3.
        """
        if not articles:
            return
        since = articles[-1].published.timestamp() - self.options.window_days * DAY
        for article in articles:
            when = article.published.timestamp()
            if when < since or article.id in self._entries:
                continue
            signed = self._signed(article)
            if signed is not None:
                self._put(article, when, originals.get(article.id, article.id), *signed)

    def add(self, article: Article) -> DupLink | None:
        """A link to the earlier original if `article` is a near-copy of one, else None."""
        when = article.published.timestamp()
        self._evict(when)
        if article.id in self._entries:
            return None
        signed = self._signed(article)
        if signed is None:
            return None
        sig, by_text, size = signed
        best: _Entry | None = None
        best_sim = self.options.threshold
        for key in self._lsh[by_text].query(sig):
            e = self._entries.get(key)
            if e is None:
                continue
            jaccard = _jaccard(sig.hashvalues, e.values)
            sim = _containment(jaccard, size, e.size) if by_text else jaccard
            if sim >= best_sim and (best is None or sim > best_sim or e.when < best.when):
                best, best_sim = e, sim
        original = best.original_id if best is not None else article.id
        self._put(article, when, original, sig, by_text, size)
        if best is None:
            return None
        return DupLink(article.id, original, round(best_sim, 4))

    def _signed(self, article: Article) -> tuple[MinHash, bool, int] | None:
        """The article's signature, whether it is by text (else title), and its shingle count."""
        by_text = len(article.text) >= self.options.min_chars
        k = self.options.shingle if by_text else self.options.title_shingle
        grams = shingles(article.text if by_text else article.title, k)
        if not grams:
            return None
        m = self._perm.copy()
        m.update_batch(list(grams))
        return m, by_text, len(grams)

    def _put(
        self, article: Article, when: float, original: str, sig: MinHash, by_text: bool, size: int
    ) -> None:
        """Index `article` in the window as a copy of `original` (itself when it is one)."""
        self._entries[article.id] = _Entry(
            article.id, original, when, sig.hashvalues, by_text, size
        )
        self._lsh[by_text].insert(article.id, sig)
        heapq.heappush(self._expiry, (when, article.id))

    def _evict(self, now: float) -> None:
        cutoff = now - self.options.window_days * DAY
        while self._expiry and self._expiry[0][0] < cutoff:
            _, key = heapq.heappop(self._expiry)
            e = self._entries.pop(key, None)
            if e is not None:
                self._lsh[e.by_text].remove(key)

    def __len__(self) -> int:
        return len(self._entries)


def _jaccard(a: Any, b: Any) -> float:
    """The Jaccard similarity two signatures' hash values estimate, as `MinHash.jaccard`
    computes it (both made from the deduper's one seed and permutations)."""
    return float(np.count_nonzero(a == b)) / float(len(a))


def _containment(jaccard: float, a: int, b: int) -> float:
    """Share of the smaller shingle set inside the larger, from their Jaccard similarity and sizes."""
    if jaccard <= 0 or min(a, b) == 0:
        return 0.0
    inter = jaccard * (a + b) / (1.0 + jaccard)
    return min(1.0, inter / min(a, b))
