"""The online story clusterer: each article, in published order, joins a story or starts one.

Stories (one event) and storylines (an ongoing saga) are kept as sums of their members' TF-IDF
vectors over the recent window only. An inverted index from term to active groups finds the few
candidates sharing an article's rarer terms, those are scored exactly (average link, time decay),
and groups that fell out of the window are evicted: the cost per article depends on how busy the
last few days were, never on the size of the archive. Method and measurements: docs/clustering.md.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import filterfalse, repeat
from operator import itemgetter, mul, truediv
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.errors import ConfigError
from belowthefold.models import VECTOR_DTYPE, Article, Assignment
from belowthefold.stories.burst import BurstTracker
from belowthefold.stories.dense import DenseIndex
from belowthefold.stories.ids import story_id_for, storyline_id_for
from belowthefold.stories.link import LinkModel
from belowthefold.stories.regroup import DayClaims, RegroupOptions, StoryPoint, regroup
from belowthefold.stories.represent import (
    DENSE,
    REPRESENTATIONS,
    Encoder,
    OnlineTfidf,
    SparseVec,
    batch_packaging,
    default_encoder,
    dense_encoder,
    dense_text,
    vector_key,
)
from belowthefold.stories.text import ChineseFold, Packaging, feature, tokens

DAY = 86400.0
# A (term, weight) pair's weight: the key of the nlargest calls over a centroid, in C.
_weight = itemgetter(1)
_BATCH = 128  # texts per encoder call: batching is several times faster than one at a time


@dataclass
class _Group:
    """A story or a storyline: the sum of its members' unit vectors and when it was last fed."""

    id: str
    storyline_id: str
    first: float
    last: float
    centroid: SparseVec = field(default_factory=dict)
    norm2: float = 0.0
    norm: float = 0.0
    size: int = 0
    dense: Any = None
    # Members whose vectors are in `dense` (a storyline keeps one only once it is large).
    dense_n: int = 0
    tsum: float = 0.0
    # Members per language: a report in a language the group is mostly without may join on
    # dense evidence alone.
    langs: dict[str, int] = field(default_factory=dict)

    def anchor(self, how: str) -> float:
        """The time a group is dated by for decay: its last, first or mean member time."""
        if how == "first":
            return self.first
        if how == "mean" and self.size:
            return self.tsum / self.size
        return self.last


class _Index:
    """Centroids of active groups, with postings term -> {group: weight} for one-pass scoring."""

    def __init__(self, window_s: float, searched: bool = True) -> None:
        self.window_s = window_s
        self.groups: dict[str, _Group] = {}
        self.postings: dict[int, dict[str, float]] = {}
        self._expiry: list[tuple[float, str]] = []
        # The same groups' dense sums, for candidates that share no term (another language);
        # None in an index never searched by dense vector (see `nearest`).
        self.vectors = DenseIndex() if searched else None
        # term -> (heads, its `heads` heaviest groups) for `candidates`; see `_touch`.
        self._heads: dict[int, tuple[int, list[str]]] = {}
        # storyline id -> the ids of this index's groups in it (see `relabel`).
        self._lines: dict[str, set[str]] = {}
        # group id -> its norm and its size, what `candidates` divides by (see `_place`).
        self._norms: dict[str, float] = {}
        self._sizes: dict[str, int] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without what is rebuilt from the groups (their storylines, norms and sizes)
        or as candidates ask (the heads cache)."""
        state = dict(self.__dict__)
        for name in ("_heads", "_lines", "_norms", "_sizes"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._heads = {}
        self._lines = {}
        self._norms = {}
        self._sizes = {}
        for g in self.groups.values():
            self._lines.setdefault(g.storyline_id, set()).add(g.id)
            self._norms[g.id] = g.norm
            self._sizes[g.id] = g.size

    def _place(self, g: _Group) -> None:
        """`g` joins (or stays in) the index, filed under its storyline, with its norm and size
        as they are now (every change to them, `add` and `absorb`, ends here)."""
        if g.id not in self.groups:
            self.groups[g.id] = g
            self._lines.setdefault(g.storyline_id, set()).add(g.id)
        self._norms[g.id] = g.norm
        self._sizes[g.id] = g.size

    def _unplace(self, gid: str) -> _Group | None:
        g = self.groups.pop(gid, None)
        if g is not None:
            self._unfile(g)
            del self._norms[gid], self._sizes[gid]
        return g

    def _unfile(self, g: _Group) -> None:
        members = self._lines.get(g.storyline_id)
        if members is not None:
            members.discard(g.id)
            if not members:
                del self._lines[g.storyline_id]

    def in_line(self, storyline_id: str) -> list[str]:
        """The ids of this index's groups in storyline `storyline_id` (in no particular order)."""
        return list(self._lines.get(storyline_id, ()))

    def relabel(self, gid: str, storyline_id: str) -> None:
        """Move group `gid` (if here) to storyline `storyline_id`.

        A storyline fold used to walk every active story for its members: 70 folds of a
        2,000-article increment walked 10,000 stories each.
        """
        g = self.groups.get(gid)
        if g is not None:  # the groups' order (which some walks follow) stays as it was
            self._unfile(g)
            g.storyline_id = storyline_id
            self._lines.setdefault(storyline_id, set()).add(gid)

    def _touch(self, term: int, gid: str, weight: float | None) -> None:
        """Forget `term`'s cached heaviest groups if group `gid`'s new weight there (None: gone)
        can change them; any other change leaves the same groups in the same order.

        A long posting list ("trump" in a few thousand storylines) was searched for its heads
        by every storyline look-up that met the term: 2 s of a 2,000-article increment.
        """
        cached = self._heads.get(term)
        if cached is None:
            return
        heads, top = cached
        if gid in top or (
            weight is not None and (len(top) < heads or weight >= self.postings[term][top[-1]])
        ):
            del self._heads[term]

    def _top(self, term: int, p: dict[str, float], heads: int) -> list[str]:
        """The `heads` heaviest groups of `term`'s posting `p`, as heapq.nlargest orders them."""
        cached = self._heads.get(term)
        if cached is not None and cached[0] == heads:
            return cached[1]
        top = heapq.nlargest(heads, p, key=p.__getitem__)
        self._heads[term] = (heads, top)
        return top

    def add(
        self, g: _Group, vec: SparseVec, when: float, dense: Any = None, lang: str | None = None
    ) -> None:
        c = g.centroid
        dot = 0.0
        for k, v in vec.items():
            old = c.get(k, 0.0)
            dot += old * v
            c[k] = old + v
            p = self.postings.get(k)
            if p is None:
                self.postings[k] = {g.id: old + v}
            else:
                p[g.id] = old + v
            self._touch(k, g.id, old + v)
        g.norm2 += 2 * dot + sum(v * v for v in vec.values())
        g.norm = math.sqrt(g.norm2)
        g.size += 1
        g.tsum += when
        g.last = max(g.last, when)
        if dense is not None:
            self.add_dense(g, dense, 1)
        if lang:
            g.langs[lang] = g.langs.get(lang, 0) + 1
        self._place(g)
        heapq.heappush(self._expiry, (g.last, g.id))

    def add_dense(self, g: _Group, dense: Any, n: int) -> None:
        """Add a sum of `n` members' dense vectors to `g` (and its row of the dense index)."""
        g.dense = dense.copy() if g.dense is None else g.dense + dense
        g.dense_n += n
        if self.vectors is not None:
            self.vectors.add(g.id, dense)

    def nearest(self, vector: Any, k: int) -> list[str]:
        """The (at most) k groups nearest `vector` by dense cosine (`DenseIndex.nearest`)."""
        if self.vectors is None:
            raise TypeError("this index keeps no dense rows: it is never searched by vector")
        return self.vectors.nearest(vector, k)

    def expect(self, vectors: Any) -> None:
        """The vectors of the articles about to be looked up, in order (`DenseIndex.expect`)."""
        if self.vectors is not None:
            self.vectors.expect(vectors)

    def merge(self, src_id: str, dst_id: str) -> None:
        """Fold group `src_id` into `dst_id` (centroid, size, times, postings); src disappears."""
        src = self._unplace(src_id)
        dst = self.groups.get(dst_id)
        if src is None or dst is None:
            return
        for k in src.centroid:
            p = self.postings.get(k)
            if p is not None:
                p.pop(src_id, None)
                self._touch(k, src_id, None)
        self.absorb(dst, src)
        if src.dense is not None:
            dst.dense = src.dense if dst.dense is None else dst.dense + src.dense
        dst.dense_n += src.dense_n
        if self.vectors is not None:
            self.vectors.merge(src_id, dst_id)

    def absorb(self, dst: _Group, src: _Group, renorm: bool = True) -> None:
        """Add group `src`'s members' term sums, counts, times and languages to `dst` (which joins
        the index if new); `src` stays where it is and its dense sum is the caller's to add.

        Without `renorm` the norm is left stale for the caller to `renorm` once after its last
        absorb: it is a sum over the whole centroid, and a storyline rebuilt from its stories
        one absorb at a time recomputed it per story (4% of a 100k run with the encoder).
        """
        c = dst.centroid
        for k, v in src.centroid.items():
            c[k] = c.get(k, 0.0) + v
            self.postings.setdefault(k, {})[dst.id] = c[k]
            self._touch(k, dst.id, c[k])
        if renorm:
            _set_norm(dst)
        dst.size += src.size
        dst.tsum += src.tsum
        dst.first = min(dst.first, src.first)
        dst.last = max(dst.last, src.last)
        for lang, n in src.langs.items():
            dst.langs[lang] = dst.langs.get(lang, 0) + n
        self._place(dst)
        heapq.heappush(self._expiry, (dst.last, dst.id))

    def renorm(self, g: _Group) -> None:
        """Recompute `g`'s norm from its centroid, as `absorb` does (see there)."""
        _set_norm(g)
        self._place(g)

    def drop(self, gid: str) -> None:
        """Remove group `gid` and its postings (stale expiry entries are skipped later)."""
        g = self._unplace(gid)
        if g is None:
            return
        if self.vectors is not None:
            self.vectors.remove(gid)
        for k in g.centroid:
            p = self.postings.get(k)
            if p is not None:
                p.pop(gid, None)
                self._touch(k, gid, None)
                if not p:
                    del self.postings[k]

    def evict(self, now: float) -> None:
        """Drop groups idle for longer than the window (lazily: stale heap entries are skipped)."""
        cutoff = now - self.window_s
        while self._expiry and self._expiry[0][0] < cutoff:
            last, gid = heapq.heappop(self._expiry)
            g = self.groups.get(gid)
            if g is None or g.last > last:
                continue
            self.drop(gid)

    def candidates(
        self, vec: SparseVec, cap: int, k: int, alpha: float, heads: int = 0
    ) -> list[str]:
        """The k groups most similar to `vec` over its rarer terms (normalised as in `similarity`).

        Terms whose posting list is longer than `cap` (in most active groups: "trump", "says") are
        skipped here, which keeps the cost per article flat on a busy window; the exact
        similarity of the few candidates is computed afterwards, with every term. With `heads`,
        such a term still brings its `heads` heaviest groups: a saga's own word ("tariffs") is
        in many storylines during its flood, and the saga's main storyline must stay findable.
        """
        acc: dict[str, float] = {}
        get = acc.get
        for t, v in vec.items():
            p = self.postings.get(t)
            if not p:
                continue
            if len(p) > cap:
                for gid in self._top(t, p, heads) if heads else ():
                    acc[gid] = get(gid, 0.0) + v * p[gid]
                continue
            for gid, w in p.items():
                acc[gid] = get(gid, 0.0) + v * w
        if len(acc) <= k:
            return list(acc)
        return self._best_scored(acc, k, alpha)

    def _best_scored(self, acc: dict[str, float], k: int, alpha: float) -> list[str]:
        """The `k` groups of `acc` (group -> dot product) with the highest normalised score, in
        the order heapq.nlargest gave them (score descending, ties in `acc`'s order).

        The scores were a dict built by reading each group's norm or size off its object, and
        nlargest a Python loop over them: 0.7 s of a 2,000-article increment at 100k (acc holds
        ~150 groups per look-up). The same divisions run over arrays of the cached norms or
        sizes, and a stable sort of the negated scores keeps nlargest's order exactly.
        """
        import numpy as np

        n = len(acc)
        if alpha >= 1.0:
            den: Iterable[float] = map(self._norms.__getitem__, acc)
        elif alpha <= 0.0:
            den = map(self._sizes.__getitem__, acc)
        else:
            norms, sizes = self._norms, self._sizes
            den = (norms[gid] ** alpha * sizes[gid] ** (1 - alpha) for gid in acc)
        score = np.fromiter(map(truediv, acc.values(), den), dtype=np.float64, count=n)
        order = np.argsort(-score, kind="stable")[:k]
        ids = list(acc)
        return [ids[i] for i in order.tolist()]

    def similarity(self, g: _Group, vec: SparseVec, alpha: float) -> tuple[float, int]:
        """Exact similarity of `vec` with group `g`, and how many terms they share.

        alpha=1 is the cosine with the centroid; alpha=0 the average cosine with the members
        (average link), which does not let a large, diverse group attract everything near it.
        """
        c = g.centroid
        dot = 0.0
        shared = 0
        for t, v in vec.items():
            w = c.get(t)
            if w is not None:
                dot += v * w
                shared += 1
        if dot <= 0:
            return 0.0, shared
        if alpha >= 1.0:
            return dot / g.norm, shared
        return dot / (g.norm**alpha * g.size ** (1 - alpha)), shared


def _set_norm(g: _Group) -> None:
    """`g`'s norm from its whole centroid (after an absorb, not kept up term by term)."""
    g.norm2 = sum(v * v for v in g.centroid.values())
    g.norm = math.sqrt(g.norm2)


def _foreign(g: _Group, lang: str | None) -> bool:
    """Whether an article in `lang` is in a language fewer than half of `g`'s members share.

    Then TF-IDF cannot see the match (average link dilutes the few members it could match).
    """
    return bool(lang) and 2 * g.langs.get(lang or "", 0) < g.size


def _within_language(g: _Group, sim: float, lang: str | None) -> float:
    """An average-link sparse score taken over the members an article in `lang` can share terms
    with (its own language, or none known), not over all of them.

    Members in another language share almost no term with it, so averaging over them penalised
    every story the dense link had already made multilingual: an English report of a story of
    four English and three French reports scored as if three of the seven were unrelated.
    """
    if not lang:
        return sim
    other = sum(n for key, n in g.langs.items() if key != lang)
    if other <= 0 or other >= g.size:
        return sim
    return sim * g.size / (g.size - other)


def _dense_link(g: _Group, dense: Any, alpha: float) -> float:
    """Dense similarity of a vector with a group, normalised like the sparse one (`alpha`).

    Average link (alpha 0) matters more here than for TF-IDF: the centroid of a large group
    drifts to the corpus's mean direction, which every article of the same kind is close to, so
    centroid cosine let one story swallow most of the undated probe (B-cubed P 0.33).
    """
    dot = float(g.dense @ dense)
    if alpha >= 1.0:
        return dot / (math.sqrt(float(g.dense @ g.dense)) or 1.0)
    norm = math.sqrt(float(g.dense @ g.dense)) or 1.0
    return float(dot / (norm**alpha * max(g.size, 1) ** (1 - alpha)))


def _apart(a: _Group, b: _Group) -> bool:
    """Whether two groups are mostly in different languages (TF-IDF cannot compare them)."""
    la = max(a.langs, key=a.langs.__getitem__) if a.langs else ""
    lb = max(b.langs, key=b.langs.__getitem__) if b.langs else ""
    return bool(la and lb and la != lb)


def _coherence(g: _Group) -> float:
    """Length of a group's dense vector sum per member: 1 when all members point one way, near
    the corpus's base level for a grab-bag (a storyline fed by many unrelated stories)."""
    import numpy as np

    return float(np.linalg.norm(g.dense)) / max(g.dense_n, 1)


def _main_lang(g: _Group) -> str:
    return max(sorted(g.langs), key=g.langs.__getitem__) if g.langs else ""


def _dense_cosine(a: Any, b: Any) -> float:
    import numpy as np

    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b) / (na * nb) if na > 0 and nb > 0 else 0.0


def _cosine(a: SparseVec, na: float, b: SparseVec, nb: float) -> float:
    if na <= 0 or nb <= 0:
        return 0.0
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    return sum(v * big.get(k, 0.0) for k, v in small.items()) / (na * nb)


@dataclass(frozen=True)
class _Content:
    """One group's side of `_content_cosine`, made once for all the candidates it meets: its
    norm without the generic terms and its other terms and weights, in centroid order."""

    group: _Group
    norm2: float
    keys: list[int]
    values: list[float]

    @classmethod
    def of(cls, g: _Group, generic: frozenset[int]) -> _Content:
        c = g.centroid
        keys = list(filterfalse(generic.__contains__, c))
        return cls(g, _content_norm2(g, generic), keys, list(map(c.__getitem__, keys)))


def _content_norm2(g: _Group, generic: frozenset[int]) -> float:
    c = g.centroid
    return g.norm2 - sum(c[k] ** 2 for k in generic if k in c)


def _content_cosine(a: _Content, b: _Group, generic: frozenset[int]) -> float:
    """Cosine of two groups' centroids with the `generic` terms left out of both.

    The dot runs over the smaller centroid in its own order, as it always did (so the sum is
    the same to the last bit), but by C-level iteration over `a`'s side made once: a storyline
    met with its 20 candidates through a generator expression was half of `_consolidate`.
    """
    ca, cb = a.group.centroid, b.centroid
    na = a.norm2
    nb = _content_norm2(b, generic)
    if na <= 0 or nb <= 0:
        return 0.0
    dot: float
    if len(ca) <= len(cb):
        dot = sum(map(mul, a.values, map(cb.get, a.keys, repeat(0.0))))
    else:
        keys = list(filterfalse(generic.__contains__, cb))
        dot = sum(map(mul, map(cb.__getitem__, keys), map(ca.get, keys, repeat(0.0))))
    return dot / math.sqrt(na * nb)


class StoryClusterer:
    """Online two-level clustering: articles into stories, stories into storylines."""

    def __init__(self, options: ClusterOptions, encoder: Encoder | None = None) -> None:
        if options.representation not in REPRESENTATIONS:
            raise ConfigError(
                f"unknown representation {options.representation!r}; "
                f"use one of {', '.join(REPRESENTATIONS)}"
            )
        self.options = options
        self.tfidf = OnlineTfidf(options)
        self.stories = _Index(options.window_days * DAY)
        self.storylines = _Index(options.storyline_window_days * DAY)
        # Stories again, kept as long as storylines: what a new story is linked to its saga by.
        # Linked by terms and regrouped from its groups' own sums, it is never searched by
        # vector: a matrix of its dense rows was 68 of the kept state's 212 MB at 40,000
        # articles (docs/performance.md).
        self.history = _Index(options.storyline_window_days * DAY, searched=False)
        self.burst = BurstTracker(options)
        # The learned link decision for story candidates (None: the hand-set threshold).
        self.link = LinkModel.of(options)
        # Storylines folded into a flood's storyline since the last take_merges(): (old, new).
        self._merges: list[tuple[str, str]] = []
        # Stories found to be one event once both had grown (take_story_merges): (old, new).
        self._story_merges: list[tuple[str, str]] = []
        # Stories moved to another storyline by the daily regrouping (take_moves): (story, line).
        self._moves: list[tuple[str, str]] = []
        self._regroup_day = -1
        # The last regrouping's claims model, for the stories born until the next one
        # (regroup.claim_new), and the storyline each story it claimed is shown in (story ->
        # storyline): shown only, the clusterer's own state keeps the story where its words
        # put it, so the next regrouping decides as if no claim had been made.
        self._day_claims: DayClaims | None = None
        self._shown: dict[str, str] = {}
        # The everyday words of the current stream day (see _everyday).
        self._everyday_day = -1
        self._everyday_set: frozenset[int] = frozenset()
        self.encoder = encoder
        if encoder is None and options.representation in DENSE:
            self.encoder = dense_encoder(options)
        elif encoder is None and options.representation == "auto":
            self.encoder = default_encoder(options)
        if self.encoder is not None:
            # Traditional and simplified Chinese compared as one script, by terms and by the
            # encoder; the TF-IDF-only mode reads text as written, as it was measured.
            self.tfidf.fold = ChineseFold()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a run's checkpoint) without the encoder: a model, rebuilt on resume."""
        return {**self.__dict__, "encoder": None}

    # -- public API -------------------------------------------------------------------------

    def warm(
        self, pairs: Iterable[tuple[Article, Assignment]], vectors: Mapping[str, Any] | None = None
    ) -> None:
        """Replay already-stored assignments so state continues across runs; never changes them.

        `vectors` (article id -> dense vector, as `encode` made them) saves encoding them again.
        """
        for article, a in pairs:
            vector = vectors.get(article.id) if vectors is not None else None
            vec, dense, when, _ = self._prepare(article, vector)
            self._feed(a.story_id, a.storyline_id, vec, dense, when, article.lang)
            self._regroup_day = int(when // DAY)

    def encode(self, articles: Sequence[Article], learnt: Packaging | None = None) -> Any:
        """Dense vectors of `articles` in one batch (None without an encoder), to pass to `add`.

        Encoding one article at a time is several times slower than a batch, and a caller that
        keeps the vectors never has to encode an article twice. `learnt` is the outlets'
        packaging to strip, by default learnt from `articles` (`batch_packaging`): a backfill
        worker that encodes part of a batch is given the whole batch's.
        """
        if self.encoder is None or not articles:
            return None
        import numpy as np

        # Packaging is learnt from the batch itself: no state shared with the encoding thread
        # (`pipeline._with_vectors`), and a kept vector depends on its own batch only.
        if learnt is None:
            learnt = batch_packaging(articles)
        chars, fold = self.options.dense_chars, self.tfidf.fold
        texts = [dense_text(a, chars, fold, learnt) for a in articles]
        parts = [self.encoder(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
        # At the precision the store keeps them, so a vector read back is the one used here.
        return np.vstack(parts).astype(VECTOR_DTYPE).astype(np.float32)

    def expect(self, vectors: Any) -> None:
        """The vectors of the articles about to be added, in order (rows of `encode`), so the
        dense search makes its products for many of them in one matrix product
        (`DenseIndex.expect`); the same stories as without it, about ten times cheaper."""
        if vectors is not None and len(vectors):
            self.stories.expect(vectors)

    @property
    def encoder_name(self) -> str | None:
        """What stored vectors are keyed by: the encoder and how much text it read."""
        return None if self.encoder is None else vector_key(self.options)

    def add(self, article: Article, vector: Any = None) -> Assignment:
        """Assign one article (arriving in published order) to a story and storyline; no look-ahead.

        `vector` is the article's row of `encode`; without it the article is encoded alone.
        """
        o = self.options
        vec, dense, when, title = self._prepare(article, vector)
        self._daily_regroup(when)
        threshold = o.dense_story_threshold if self.encoder is not None else o.story_threshold
        threshold += self._crowding()
        best, sim = self._best(
            self.stories, vec, dense, when, threshold, True, o.story_min_shared, article.lang
        )
        if best is not None:
            story_id = best
            storyline_id = self.stories.groups[best].storyline_id
        else:
            sim = 1.0
            story_id = story_id_for(article.id)
            content = self._content(vec, when)
            storyline_id = (
                self._flood_for(title, when, content)
                or self._storyline_for(content, dense, when)
                or storyline_id_for(article.id)
            )
            self._claim_new(story_id, storyline_id, dense)
        self._feed(story_id, storyline_id, vec, dense, when, article.lang)
        if best is None:
            self._consolidate(storyline_id, when)
        else:
            story_id, storyline_id = self._merge_story(story_id)
        self._merge_across(self.stories.groups[story_id].storyline_id)
        storyline_id = self._shown.get(story_id, storyline_id)
        return Assignment(article.id, story_id, storyline_id, round(sim, 4))

    def _merge_story(self, story_id: str) -> tuple[str, str]:
        """Fold two stories of one event together once the one just fed has grown enough.

        Online, an event's first reports can start two stories (two framings, or a report in
        another language before its story had any); a member-by-member decision never
        reconsiders that. Each time a story doubles (2, 4, 8 ... members) its whole centroid is
        compared with the active stories: a sparse centroid cosine of `story_merge_cosine`, or,
        for stories mostly in different languages, a dense one of `story_merge_dense`, folds
        the smaller into the larger, whose id stays (the other redirects: take_story_merges).
        Returns the (story, storyline) the article ends in.
        """
        o = self.options
        g = self.stories.groups[story_id]
        if (o.story_merge_cosine <= 0 and o.story_merge_dense <= 0) or g.size & (g.size - 1):
            return story_id, g.storyline_id
        best, best_sim = None, 0.0
        for gid, sim in self._story_twins(g):
            if sim > best_sim:
                best, best_sim = gid, sim
        if best is None:
            return story_id, g.storyline_id
        h = self.stories.groups[best]
        big, small = sorted((g, h), key=lambda x: (-x.size, x.first, x.id))
        self.stories.merge(small.id, big.id)
        if small.id in self.history.groups and big.id in self.history.groups:
            self.history.merge(small.id, big.id)
        self._story_merges.append((small.id, big.id))
        return big.id, big.storyline_id

    def _story_twins(self, g: _Group) -> Iterable[tuple[str, float]]:
        """Active stories that look like the same event as `g` on its whole content."""
        o = self.options
        n = len(self.stories.groups)
        cap = max(50, int(o.common_term_share * n)) if n > 200 else n + 1
        probe = dict(heapq.nlargest(o.storyline_merge_terms, g.centroid.items(), key=_weight))
        found = self.stories.candidates(probe, cap, o.max_candidates, 1.0)
        if g.dense is not None and o.story_merge_dense > 0:
            seen = set(found)
            near = self.stories.nearest(g.dense, o.dense_candidates)
            found += [gid for gid in near if gid not in seen]
        for gid in found:
            h = self.stories.groups[gid]
            if gid == g.id:
                continue
            if o.story_merge_cosine > 0:
                sim = _cosine(g.centroid, g.norm, h.centroid, h.norm)
                if sim >= o.story_merge_cosine:
                    yield gid, sim
                    continue
            dense = self._dense_twins(g, h)
            if dense is not None:
                yield gid, dense

    def _dense_twins(self, g: _Group, h: _Group) -> float | None:
        """The dense cosine of two stories mostly in different languages that are this alike
        and each the other's nearest; None for any other pair."""
        o = self.options
        if o.story_merge_dense <= 0 or g.dense is None or h.dense is None or not _apart(g, h):
            return None
        sim = _dense_cosine(g.dense, h.dense)
        if sim < o.story_merge_dense or self._nearest_story(h) != g.id:
            return None
        return sim

    def _nearest_story(self, h: _Group) -> str | None:
        """The active story in another language nearest `h` by dense centroid cosine: a merge
        across languages needs the two to be each other's nearest (mutual nearest neighbours)."""
        return self._nearest_apart(self.stories, h)

    def _nearest_apart(self, index: _Index, h: _Group) -> str | None:
        """The group of `index` mostly in another language than `h` nearest it by dense cosine."""
        best, best_sim = None, -1.0
        for gid in index.nearest(h.dense, self.options.dense_candidates):
            g = index.groups.get(gid)
            if gid == h.id or g is None or g.dense is None or not _apart(g, h):
                continue
            sim = _dense_cosine(g.dense, h.dense)
            if sim > best_sim:
                best, best_sim = gid, sim
        return best

    def _merge_across(self, storyline_id: str) -> None:
        """Fold together two storylines of one saga told in two languages.

        Storylines are linked by terms, so the pope's death was one storyline per language on
        the GDELT week (German 44 of its 49 pope headlines in one German storyline). Each time a
        storyline of `storyline_merge_dense_min`+ articles doubles, its dense centroid meets the
        other-language storylines; the nearest folds in (the smaller id redirects) when the two
        are each other's nearest, close (`storyline_merge_dense`) and both coherent: at the
        storyline level, topic similarity is what is wanted, but two grab-bags ("the United
        States" in Spanish and in French) are close too, and their sums are short.
        """
        o = self.options
        g = self.storylines.groups.get(storyline_id)
        if o.storyline_merge_dense <= 0 or g is None or g.dense is None:
            return
        if g.size < o.storyline_merge_dense_min or g.size & (g.size - 1):
            return
        best = self._nearest_line(g)
        if best is None:
            return
        h = self.storylines.groups[best]
        if _dense_cosine(g.dense, h.dense) < o.storyline_merge_dense:
            return
        if min(_coherence(g), _coherence(h)) < o.storyline_merge_dense_coherence:
            return
        if self._nearest_line(h) != g.id:
            return
        small, big = sorted((g, h), key=lambda x: (x.size, x.id))
        self._fold(small.id, big.id)

    def _nearest_line(self, h: _Group) -> str | None:
        """The large active storyline mostly in another language nearest `h` by dense centroid."""
        return self._nearest_apart(self.storylines, h)

    def _line_dense(self, storyline_id: str, dense: Any) -> bool:
        """Whether the storyline keeps a dense sum from this article on.

        Only a storyline about to reach `storyline_merge_dense_min` articles, and from then on:
        most storylines stay small, and a row per storyline of the 14-day window would be tens
        of megabytes on a busy stream. Its sum starts from its active stories' sums (members
        older than the story window are left out; a run resumed with `warm` replays members
        under their merged storyline ids, so its sum can start from a slightly different set).
        """
        o = self.options
        if o.storyline_merge_dense <= 0 or dense is None:
            return False
        g = self.storylines.groups.get(storyline_id)
        if g is None or g.size + 1 < o.storyline_merge_dense_min:
            return False
        if g.dense is None:
            self._seed_line_dense(g)
        return True

    def _seed_line_dense(self, line: _Group) -> None:
        """Start a storyline's dense sum from its active stories' sums."""
        for story in self.stories.groups.values():
            if story.storyline_id == line.id and story.dense is not None:
                self.storylines.add_dense(line, story.dense, story.dense_n)

    def _flood_for(self, title: tuple[int, ...], when: float, content: SparseVec) -> str | None:
        """The storyline owning the strongest bursting term of a new story's title, if any.

        Unless most of the owner's headlines carry the word, the story must also resemble the
        owner beyond it (`burst_link_similarity`): during the Israel-Iran war "Israeli" bursts,
        and Gaza's stories must not follow it.
        """
        o = self.options
        if not o.burst_linking:
            return None
        for _, k in self.burst.bursting(title, when):
            owners = self.storylines.postings.get(k)
            if not owners:
                continue
            owner = max(owners, key=owners.__getitem__)
            g = self.storylines.groups[owner]
            if g.size < o.burst_min_owner:
                continue
            # A word most of the owner's headlines carry ("Pope") is enough on its own.
            central = owners[owner] / g.size >= o.burst_link_central
            if o.burst_link_similarity > 0 and not central:
                rest = {t: v for t, v in content.items() if t != k}
                if self.storylines.similarity(g, rest, 1.0)[0] < o.burst_link_similarity:
                    continue
            self._absorb(owner, k, when)
            return owner
        return None

    def _absorb(self, owner: str, term: int, when: float) -> None:
        """Fold into the flood's storyline the active storylines the same bursting term is central to.

        They started before the term was seen to burst (the first hours of a flood), so the
        flood would otherwise stay split; the old ids redirect to the owner (take_merges).
        """
        share = self.options.burst_merge_share
        if share <= 0:
            return
        target = self.storylines.groups[owner]
        since = when - self.options.burst_recent_days * DAY
        for sid, weight in list(self.storylines.postings.get(term, {}).items()):
            g = self.storylines.groups.get(sid)
            if sid == owner or g is None or weight / g.size < share:
                continue
            # Only storylines born with the flood (in its recent window), not older sagas.
            if g.first < since:
                continue
            # Sharing the word is not enough ("hospital"): the two must also be alike overall.
            if (
                _cosine(g.centroid, g.norm, target.centroid, target.norm)
                < self.options.burst_merge_cosine
            ):
                continue
            self._fold(sid, owner)

    def _fold(self, src: str, dst: str) -> None:
        """Merge storyline `src` into `dst`: centroids, member stories, and a redirect to record."""
        self.storylines.merge(src, dst)
        for index in (self.stories, self.history):
            for story_id in index.in_line(src):
                index.relabel(story_id, dst)
        self._merges.append((src, dst))

    def _claim_new(self, story_id: str, storyline_id: str, dense: Any) -> None:
        """Show a new story in the storyline the day's claims model claims it for, when its
        word links found no storyline of `storyline_claim_min` stories (regroup.claim_new)."""
        claims = self._day_claims
        if claims is None or dense is None:
            return
        if len(self.history.in_line(storyline_id)) >= self.options.storyline_claim_min:
            return
        claimant = claims.claim(dense, self.storylines.groups)
        if claimant is not None and claimant != storyline_id:
            self._shown[story_id] = claimant

    def _regrouping(self) -> bool:
        return self.encoder is not None and self.options.storyline_regroup_cosine > 0

    def _daily_regroup(self, when: float) -> None:
        """Regroup the storyline window's stories at the first article of each stream day."""
        day = int(when // DAY)
        if day == self._regroup_day:
            return
        first = self._regroup_day < 0
        self._regroup_day = day
        if not first and self._regrouping():
            self._regroup(when)

    def _regroup(self, when: float) -> None:
        """Apply one regrouping (stories/regroup.py) to the stories, history and storylines."""
        o = self.options
        active = [g for g in self.history.groups.values() if g.dense is not None]
        chosen = heapq.nlargest(o.storyline_regroup_max, active, key=lambda g: (g.size, g.id))
        chosen.sort(key=lambda g: (g.first, g.id))
        picked = {g.id for g in chosen}
        left = sorted((g for g in active if g.id not in picked), key=lambda g: (g.first, g.id))
        points, rest = (
            [StoryPoint(g.id, g.storyline_id, g.size, g.dense, _main_lang(g)) for g in some]
            for some in (chosen, left)
        )
        complete = self._complete([*chosen, *left], when)
        plan = regroup(points, RegroupOptions.of(o), int(when // DAY), complete, rest)
        touched: set[str] = set()
        for story_id, line in plan.moves:
            for index in (self.stories, self.history):
                g = index.groups.get(story_id)
                if g is not None:
                    touched.add(g.storyline_id)
                    index.relabel(story_id, line)
            touched.add(line)
            self._moves.append((story_id, line))
        self._rebuild_storylines(touched)
        self._merges.extend(plan.redirects)
        # The day's claims end here: each claimed story goes where the regrouping put it.
        for story_id, shown in sorted(self._shown.items()):
            g = self.history.groups.get(story_id)
            if g is not None and g.storyline_id != shown:
                self._moves.append((story_id, g.storyline_id))
        self._day_claims, self._shown = plan.claims, {}

    def _complete(self, chosen: Sequence[_Group], when: float) -> frozenset[str]:
        """Storylines born in the window all of whose stories are among `chosen`."""
        since = when - self.storylines.window_s
        held = Counter(g.storyline_id for g in chosen)
        every = Counter(g.storyline_id for g in self.history.groups.values())
        return frozenset(
            sid
            for sid, n in held.items()
            if n == every[sid]
            and (line := self.storylines.groups.get(sid)) is not None
            and line.first >= since
        )

    def _rebuild_storylines(self, ids: set[str]) -> None:
        """Recompute the `ids` storylines' sums from their stories in the window."""
        for sid in ids:
            self.storylines.drop(sid)
        rebuilt: dict[str, _Group] = {}
        for story in sorted(self.history.groups.values(), key=lambda g: (g.first, g.id)):
            if story.storyline_id in ids:
                line = self.storylines.groups.get(story.storyline_id) or _Group(
                    story.storyline_id, story.storyline_id, story.first, story.last
                )
                self.storylines.absorb(line, story, renorm=False)
                rebuilt[line.id] = line
        for line in rebuilt.values():  # each norm once, as its last absorb would have made it
            self.storylines.renorm(line)
        # Large storylines keep a dense sum (_line_dense): it restarts from their active stories'.
        o = self.options
        for sid in sorted(ids) if o.storyline_merge_dense > 0 else ():
            g = self.storylines.groups.get(sid)
            if g is not None and g.size >= o.storyline_merge_dense_min:
                self._seed_line_dense(g)

    def _consolidate(self, storyline_id: str, when: float) -> None:
        """Merge a storyline that just gained a story with the active storyline most like it.

        Two storylines are compared on their whole content (everyday words left out), which
        is far more evidence than one new headline had: a saga that began as several
        storylines ("swing states", "who is ahead", "when will we know") becomes one once its
        parts have said enough to be recognised, and the smaller id redirects to the larger.
        """
        o = self.options
        g = self.storylines.groups.get(storyline_id)
        if o.storyline_merge_cosine <= 0 or g is None:
            return
        generic = self._everyday(when)
        probe = self._content(
            dict(heapq.nlargest(o.storyline_merge_terms, g.centroid.items(), key=_weight)),
            when,
        )
        n = len(self.storylines.groups)
        cap = max(50, int(o.common_term_share * n)) if n > 200 else n + 1
        best, best_sim = None, o.storyline_merge_cosine
        side = _Content.of(g, generic)
        for gid in self.storylines.candidates(probe, cap, o.max_candidates, 1.0, o.storyline_heads):
            if gid != storyline_id:
                sim = _content_cosine(side, self.storylines.groups[gid], generic)
                if sim >= best_sim:
                    best, best_sim = gid, sim
        if best is None:
            return
        small, big = sorted((storyline_id, best), key=lambda k: (self.storylines.groups[k].size, k))
        self._fold(small, big)

    def take_merges(self) -> list[tuple[str, str]]:
        """Storyline merges (old id, new id) decided since the last call, in order."""
        out, self._merges = self._merges, []
        return out

    def take_moves(self) -> list[tuple[str, str]]:
        """Stories the daily regrouping moved (story id, new storyline id) since the last call."""
        out, self._moves = self._moves, []
        return out

    def take_story_merges(self) -> list[tuple[str, str]]:
        """Story merges (old id, new id) decided since the last call, in order."""
        out, self._story_merges = self._story_merges, []
        return out

    def _content(self, vec: SparseVec, when: float) -> SparseVec:
        """`vec` with its everyday words damped: what a storyline link must be justified by.

        "Trump" is in a seventh of front-page headlines; at full weight it alone carries a new
        story into whichever Trump storyline is biggest, and that storyline becomes a grab-bag.
        Damped (not dropped), it still counts beside event words ("Trump", "Harris", "swing
        states"); at weight 0 it is left out.
        """
        generic = self._everyday(when)
        if not generic:
            return vec
        w = self.options.storyline_everyday_weight
        if w > 0:
            return {k: v * w if k in generic else v for k, v in vec.items()}
        return {k: v for k, v in vec.items() if k not in generic}

    def _everyday(self, when: float) -> frozenset[int]:
        """Words common both over the whole stream and in the recent weeks, and not bursting.

        A flood's own word ("tariffs" in April 2025) is common only lately, so it stays content.
        Recomputed once per stream day (the counts move slowly), so the cost per article is nil.
        """
        day = int(when // DAY)
        if day != self._everyday_day:
            tf = self.tfidf
            floor = self.options.storyline_generic_share * tf.n
            self._everyday_set = frozenset(
                k for k in self.burst.everyday(when) if tf.df.get(k, 0) >= floor
            )
            self._everyday_day = day
        return self._everyday_set

    def _storyline_for(self, vec: SparseVec, dense: Any, when: float) -> str | None:
        """The storyline a new story continues, if any.

        Two ways in: close to a storyline's centroid (what the saga is mostly about), or very
        close to one recent story of it (a follow-up that the centroid, diluted by a long saga,
        no longer resembles). Centroids alone split sagas; single links alone chain unrelated news
        through one shared word, so the single link needs the higher bar.
        """
        o = self.options
        best, sim = self._best(
            self.storylines, vec, dense, when, o.storyline_threshold, False, o.storyline_min_shared
        )
        found = None if best is None else self.storylines.groups[best].storyline_id
        if o.storyline_link_threshold > 0:
            sbest, ssim = self._best(
                self.history, vec, dense, when, o.storyline_link_threshold, decay=False
            )
            if sbest is not None and (found is None or ssim > sim):
                found = self.history.groups[sbest].storyline_id
        return found

    def _feed(
        self,
        story_id: str,
        storyline_id: str,
        vec: SparseVec,
        dense: Any,
        when: float,
        lang: str | None = None,
    ) -> None:
        """Add one article's vectors to its story, its story's long-window copy, and its storyline."""
        # Dense sums are kept for stories, and for storylines only once they are large (see
        # _line_dense): storylines are linked by terms (see _best), merged across languages
        # by dense centroid (_merge_across) and regrouped daily from their stories' (_regroup).
        line_dense = dense if self._line_dense(storyline_id, dense) else None
        targets = [(self.stories, story_id, dense), (self.storylines, storyline_id, line_dense)]
        if self._regrouping():
            targets.append((self.history, story_id, dense))
        elif self.options.storyline_link_threshold > 0:
            targets.append((self.history, story_id, None))
        for index, gid, with_dense in targets:
            g = index.groups.get(gid) or _Group(gid, storyline_id, when, when)
            index.add(g, vec, when, with_dense, lang)

    @property
    def active_stories(self) -> int:
        return len(self.stories.groups)

    # -- internals --------------------------------------------------------------------------

    def _prepare(
        self, article: Article, vector: Any = None
    ) -> tuple[SparseVec, Any, float, tuple[int, ...]]:
        when = article.published.timestamp()
        o = self.options
        title = tuple({feature(t, o.n_features) for t in tokens(article.title, o.prefix_chars)})
        self.burst.observe(title, when)
        for index in (self.stories, self.history, self.storylines):
            index.evict(when)
        counts = self.tfidf.counts(article)
        self.tfidf.observe(counts)
        vec = self.tfidf.vector(counts)
        dense = vector
        if dense is None and self.encoder is not None:
            dense = self.encode([article])[0]
        return vec, dense, when, title

    def _best(
        self,
        index: _Index,
        vec: SparseVec,
        dense: Any,
        when: float,
        threshold: float,
        decay: bool = True,
        min_shared: int = 1,
        lang: str | None = None,
    ) -> tuple[str | None, float]:
        """The best group above `threshold` and its score, else (None, 0).

        Dense evidence alone (`dense_alone_threshold`) counts only for an article in a language
        (`lang`) most of the group is not in: there TF-IDF cannot see the match. Within one
        language it found no gain and, on the undated probe, merged distinct stories of one topic.
        Its bar rises with the crowding term as the sparse one does: among the thousands of
        stories of a busy window (the GDELT week), some story of the same topic is always near by
        cosine, and without the rise 22 of 25 sampled links joined such a topic, not the event.
        """
        o = self.options
        n = len(index.groups)
        cap = max(50, int(o.common_term_share * n)) if n > 200 else n + 1
        alpha = o.centroid_alpha if index is self.stories else 1.0
        best: str | None = None
        best_sim = threshold
        heads = 0 if index is self.stories else o.storyline_heads
        found = index.candidates(vec, cap, o.max_candidates, alpha, heads)
        # Dense evidence places articles in stories only; storylines are linked by terms
        # (and bursts), as measured for them (tests/test_stories.py).
        dense = dense if index is self.stories else None
        mix = o.dense_weight > 0
        alone = o.dense_alone_threshold > 0 and dense is not None
        bar = o.dense_alone_threshold + self._crowding() if alone else 1.0
        link = self.link if dense is not None else None
        late_bar, late_min = (
            self._late_bar(min_shared) if decay and index is self.stories else (0.0, 0)
        )
        for gid in self._with_dense(index, found, dense):
            g = index.groups[gid]
            sim, shared = index.similarity(g, vec, alpha)
            if dense is not None and alpha <= 0.0:
                sim = _within_language(g, sim, lang)
            if link is not None and g.dense is not None:
                sim = self._learned(link, g, (sim, shared), dense, when, threshold, n, lang)
                if sim >= best_sim:
                    best, best_sim = gid, sim
                continue
            dn = None
            gap = when - g.anchor(o.decay_anchor)
            factor = self._decay(gap) if decay else 1.0
            # The dense link is computed only where it can count: mixed in (dense_weight > 0), or
            # alone for a report in a language the story is mostly without. At weight 0 the mix
            # left the sparse score exactly as it was, for 25 dot products an article.
            if dense is not None and g.dense is not None and (mix or (alone and _foreign(g, lang))):
                dn = _dense_link(g, dense, alpha)
                if mix:
                    # The dense term's own decay, relative to the sparse factor applied below.
                    rel = (
                        self._dense_decay(gap) / factor
                        if decay and o.dense_half_life_days > 0
                        else 1.0
                    )
                    sim = (1 - o.dense_weight) * sim + o.dense_weight * dn * rel
            late = 0.0
            if late_bar and shared >= late_min:
                late = threshold * (sim * self._decay(gap, o.late_half_life_days)) / late_bar
            sim = max(sim * factor if shared >= min_shared else 0.0, late)
            if dn is not None and alone and _foreign(g, lang):
                # Dense evidence alone, on the same scale: the bar is dense_alone_threshold
                # (plus crowding), with the slower decay of dense_alone_half_life_days.
                slow = self._decay(gap, o.dense_alone_half_life_days) if decay else 1.0
                sim = max(sim, threshold * dn * slow / bar)
            if sim >= best_sim:
                best, best_sim = gid, sim
        return best, best_sim if best is not None else 0.0

    def _learned(
        self,
        link: LinkModel,
        g: _Group,
        sparse: tuple[float, int],
        dense: Any,
        when: float,
        threshold: float,
        active: int,
        lang: str | None,
    ) -> float:
        """A story candidate's score under the learned link, on the scale of `threshold`.

        At least `threshold` exactly when the link is above its bar; a report in a language most
        of the story is not in may still join on the dense link alone, as under the hand rule.
        """
        o = self.options
        sim, shared = sparse
        gap = when - g.anchor(o.decay_anchor)
        factor = self._decay(gap)
        dn = _dense_link(g, dense, o.centroid_alpha)
        score = threshold + link.margin(sim * factor, dn * self._dense_decay(gap), shared, active)
        if o.dense_alone_threshold > 0 and _foreign(g, lang):
            bar = o.dense_alone_threshold + self._crowding()
            slow = self._decay(gap, o.dense_alone_half_life_days)
            score = max(score, threshold * dn * slow / bar)
        return score

    def _late_bar(self, min_shared: int) -> tuple[float, int]:
        """The late tier's bar (`late_threshold` plus crowding) and the terms a candidate must
        share for it, once per look-up ((0, 0) when the tier is off). A candidate's score under
        it is its similarity decayed with `late_half_life_days`, on the scale of the one bar.

        A report days after its story's others (a death toll revised, a second day of talks)
        decays under the one bar, although title and lead still share most of their words; the
        next event of the same saga shares fewer. A title alone shares too few words to carry
        the gap: without the shared-terms floor the front pages' storylines lost their floors.
        Chosen on the first half of AllSides and half of devweek's stories (docs/clustering.md,
        "Late reports").
        """
        o = self.options
        if o.late_threshold <= 0:
            return 0.0, 0
        return o.late_threshold + self._crowding(), max(o.late_min_shared, min_shared)

    def _with_dense(self, index: _Index, found: list[str], dense: Any) -> list[str]:
        """The term-sharing candidates plus the groups nearest by dense cosine (any language)."""
        k = self.options.dense_candidates
        if dense is None or k <= 0:
            return found
        seen = set(found)
        return found + [gid for gid in index.nearest(dense, k) if gid not in seen]

    def _crowding(self) -> float:
        """A higher bar when many stories are active at once.

        With thousands of candidates, some unrelated one is bound to share a few words by chance
        (the multiple-comparisons problem); time decay cannot help when they are all recent.
        """
        o = self.options
        n = len(self.stories.groups)
        if o.crowding_slope <= 0 or n <= o.crowding_from:
            return 0.0
        return min(o.crowding_max, o.crowding_slope * math.log10(n / o.crowding_from))

    def _dense_decay(self, gap_s: float) -> float:
        """The decay of the same-language dense term (mix and learned link): its own half-life
        when `dense_half_life_days` is set, else the sparse score's."""
        half = self.options.dense_half_life_days
        return self._decay(gap_s, half if half > 0 else None)

    def _decay(self, gap_s: float, half_life_days: float | None = None) -> float:
        """Time decay: no penalty within a grace period, then halving every half-life."""
        o = self.options
        half = o.half_life_days if half_life_days is None else half_life_days
        days = max(0.0, gap_s / DAY - o.grace_days)
        return float(0.5 ** (days / half)) if half > 0 else 1.0
