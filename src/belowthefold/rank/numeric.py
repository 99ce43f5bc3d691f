"""TF-IDF and isotonic regression as scikit-learn computes them, without importing it.

A brief matches the audience's headlines to the week's reports by TF-IDF cosine and fits the
coverage model by isotonic regression. Importing scikit-learn for the two (it imports
`scipy.stats`) took 1.2 s of a cold brief on two cores. These are the same computations in the
same floating-point order (`TfidfVectorizer(sublinear_tf=True, stop_words="english")` fitted on
one set of documents, then transforming; `IsotonicRegression(increasing=True, y_min=0.0)`'s
thresholds), so every similarity and knot is the same number (`tests/test_numeric.py` compares
them with scikit-learn's exactly).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

# scikit-learn's ENGLISH_STOP_WORDS (BSD-3-Clause; from the Glasgow Information Retrieval Group).
ENGLISH_STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "afterwards",
        "again",
        "against",
        "all",
        "almost",
        "alone",
        "along",
        "already",
        "also",
        "although",
        "always",
        "am",
        "among",
        "amongst",
        "amoungst",
        "amount",
        "an",
        "and",
        "another",
        "any",
        "anyhow",
        "anyone",
        "anything",
        "anyway",
        "anywhere",
        "are",
        "around",
        "as",
        "at",
        "back",
        "be",
        "became",
        "because",
        "become",
        "becomes",
        "becoming",
        "been",
        "before",
        "beforehand",
        "behind",
        "being",
        "below",
        "beside",
        "besides",
        "between",
        "beyond",
        "bill",
        "both",
        "bottom",
        "but",
        "by",
        "call",
        "can",
        "cannot",
        "cant",
        "co",
        "con",
        "could",
        "couldnt",
        "cry",
        "de",
        "describe",
        "detail",
        "do",
        "done",
        "down",
        "due",
        "during",
        "each",
        "eg",
        "eight",
        "either",
        "eleven",
        "else",
        "elsewhere",
        "empty",
        "enough",
        "etc",
        "even",
        "ever",
        "every",
        "everyone",
        "everything",
        "everywhere",
        "except",
        "few",
        "fifteen",
        "fifty",
        "fill",
        "find",
        "fire",
        "first",
        "five",
        "for",
        "former",
        "formerly",
        "forty",
        "found",
        "four",
        "from",
        "front",
        "full",
        "further",
        "get",
        "give",
        "go",
        "had",
        "has",
        "hasnt",
        "have",
        "he",
        "hence",
        "her",
        "here",
        "hereafter",
        "hereby",
        "herein",
        "hereupon",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "hundred",
        "i",
        "ie",
        "if",
        "in",
        "inc",
        "indeed",
        "interest",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "keep",
        "last",
        "latter",
        "latterly",
        "least",
        "less",
        "ltd",
        "made",
        "many",
        "may",
        "me",
        "meanwhile",
        "might",
        "mill",
        "mine",
        "more",
        "moreover",
        "most",
        "mostly",
        "move",
        "much",
        "must",
        "my",
        "myself",
        "name",
        "namely",
        "neither",
        "never",
        "nevertheless",
        "next",
        "nine",
        "no",
        "nobody",
        "none",
        "noone",
        "nor",
        "not",
        "nothing",
        "now",
        "nowhere",
        "of",
        "off",
        "often",
        "on",
        "once",
        "one",
        "only",
        "onto",
        "or",
        "other",
        "others",
        "otherwise",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "part",
        "per",
        "perhaps",
        "please",
        "put",
        "rather",
        "re",
        "same",
        "see",
        "seem",
        "seemed",
        "seeming",
        "seems",
        "serious",
        "several",
        "she",
        "should",
        "show",
        "side",
        "since",
        "sincere",
        "six",
        "sixty",
        "so",
        "some",
        "somehow",
        "someone",
        "something",
        "sometime",
        "sometimes",
        "somewhere",
        "still",
        "such",
        "system",
        "take",
        "ten",
        "than",
        "that",
        "the",
        "their",
        "them",
        "themselves",
        "then",
        "thence",
        "there",
        "thereafter",
        "thereby",
        "therefore",
        "therein",
        "thereupon",
        "these",
        "they",
        "thick",
        "thin",
        "third",
        "this",
        "those",
        "though",
        "three",
        "through",
        "throughout",
        "thru",
        "thus",
        "to",
        "together",
        "too",
        "top",
        "toward",
        "towards",
        "twelve",
        "twenty",
        "two",
        "un",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "well",
        "were",
        "what",
        "whatever",
        "when",
        "whence",
        "whenever",
        "where",
        "whereafter",
        "whereas",
        "whereby",
        "wherein",
        "whereupon",
        "wherever",
        "whether",
        "which",
        "while",
        "whither",
        "who",
        "whoever",
        "whole",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)

TOKEN = r"(?u)\b[^\W_][\w\-]{2,}\b"


class Tfidf:
    """Fitted on documents, transforms documents into l2-normalised sublinear TF-IDF rows.

    Terms are the lowercased matches of `TOKEN` outside the stop words; the vocabulary is
    sorted; idf = ln((1 + n) / (1 + df)) + 1; a row's term weights are (1 + ln count) * idf,
    divided by the row's norm, its squares summed in column order as scikit-learn does.
    """

    def __init__(self, token: str = TOKEN) -> None:
        self._find = re.compile(token).findall
        self._words: dict[str, list[str]] = {}
        self.vocabulary: dict[str, int] = {}
        self.idf: Any = None

    def words(self, doc: str) -> list[str]:
        """The document's terms (split once per distinct document)."""
        found = self._words.get(doc)
        if found is None:
            found = self._words[doc] = [
                w for w in self._find(doc.lower()) if w not in ENGLISH_STOP_WORDS
            ]
        return found

    def fit(self, docs: Sequence[str]) -> Tfidf:
        """Learn the vocabulary and idf; ValueError when the documents have no terms at all."""
        import numpy as np

        df: dict[str, int] = {}
        for doc in docs:
            for w in set(self.words(doc)):
                df[w] = df.get(w, 0) + 1
        if not df:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        terms = sorted(df)
        self.vocabulary = {w: i for i, w in enumerate(terms)}
        self.idf = _idf(np.asarray([df[w] for w in terms], dtype=np.float64), len(docs))
        return self

    def fit_transform(self, docs: Sequence[str]) -> Any:
        """`fit(docs).transform(docs)`: the same vocabulary, idf and matrix, counted in numpy.

        The brief fits on the very documents it transforms (the audience's headlines and the
        outside reports: ~35,000 documents and ~600,000 terms a week); filtering and counting
        each term in Python dicts, twice, was most of the match. Here the documents are split
        by the same pattern, each distinct word is looked up once (stop words are dropped by
        word, not by occurrence), and the document frequencies and each row's counts come from
        one sort of (row, term) keys: rows in order, terms in vocabulary order within a row, as
        `transform` lays them out, so every entry is the same float.
        """
        import numpy as np

        find = self._find
        found = [find(doc.lower()) for doc in docs]
        flat = list(chain.from_iterable(found))
        where = first_seen(flat)
        words = list(where)
        kept = np.fromiter(
            (w not in ENGLISH_STOP_WORDS for w in words), dtype=bool, count=len(words)
        )
        terms = sorted(w for w, k in zip(words, kept.tolist(), strict=True) if k)
        if not terms:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        self.vocabulary = {w: i for i, w in enumerate(terms)}
        n, size = len(docs), len(terms)
        column = np.full(len(words), -1, dtype=np.int64)
        column[np.fromiter(map(where.__getitem__, terms), dtype=np.int64, count=size)] = np.arange(
            size, dtype=np.int64
        )
        ids = np.fromiter(map(where.__getitem__, flat), dtype=np.int64, count=len(flat))
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=n)
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        term = kept[ids]
        keys = rows[term] * size + column[ids[term]]
        pairs, counts = np.unique(keys, return_counts=True)  # sorted: by row, then by term
        row, cols = np.divmod(pairs, size)
        self.idf = _idf(np.bincount(cols, minlength=size).astype(np.float64), n)
        ptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(row, minlength=n), out=ptr[1:])
        return self._rows(counts, cols.astype(np.int32), ptr)

    def transform(self, docs: Sequence[str]) -> Any:
        """The documents' rows as a CSR matrix (terms outside the vocabulary are left out)."""
        import numpy as np

        vocab = self.vocabulary
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        for doc in docs:
            row: dict[int, int] = {}
            for w in self.words(doc):
                j = vocab.get(w)
                if j is not None:
                    row[j] = row.get(j, 0) + 1
            for j in sorted(row):
                indices.append(j)
                counts.append(row[j])
            indptr.append(len(indices))
        return self._rows(
            np.asarray(counts),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int32),
        )

    def _rows(self, counts: Any, cols: Any, ptr: Any) -> Any:
        """The CSR matrix of rows laid out by `ptr` over `cols` with these term counts: each
        weight (1 + ln count) * idf, each row divided by its norm."""
        import numpy as np
        from scipy import sparse

        data = counts.astype(np.float64)
        np.log(data, data)
        data += 1.0
        data *= self.idf[cols]
        _normalise_rows(data, ptr)
        return sparse.csr_matrix((data, cols, ptr), shape=(len(ptr) - 1, len(self.vocabulary)))


def first_seen(items: Iterable[str]) -> dict[str, int]:
    """Each distinct item's index in order of first sight (a column per word, built in C)."""
    order = dict.fromkeys(items)
    return dict(zip(order, range(len(order)), strict=True))


def _idf(df: Any, n: int) -> Any:
    """ln((1 + n) / (1 + df)) + 1 per term, in scikit-learn's order of operations."""
    import numpy as np

    idf = np.full_like(df, fill_value=n + 1, dtype=np.float64)
    idf /= df + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _normalise_rows(data: Any, indptr: Any) -> None:
    """Divide each row by its l2 norm in place, the squares summed left to right per row.

    The rows are laid side by side, padded with zeros, and summed one column position at a
    time: the same sequential sums as scikit-learn's loop (adding 0.0 changes none), computed
    for all rows at once.
    """
    import numpy as np

    lengths = np.diff(indptr)
    if not len(data):
        return
    starts = indptr[:-1]
    sums = np.zeros(len(lengths), dtype=np.float64)
    squares = data * data
    for k in range(int(lengths.max())):
        rows = np.nonzero(lengths > k)[0]
        sums[rows] += squares[starts[rows] + k]
    norms = np.sqrt(sums)
    norms[sums == 0.0] = 1.0  # an empty row stays as it is
    data /= np.repeat(norms, lengths)


def isotonic_knots(x: Sequence[float], y: Sequence[float]) -> tuple[list[float], list[float]]:
    """`IsotonicRegression(increasing=True, y_min=0.0).fit(x, y)`'s X_thresholds_, y_thresholds_."""
    import numpy as np

    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    order = np.lexsort((ys, xs))
    ux, uy, uw = _unique(xs[order].tolist(), ys[order].tolist())
    fitted = np.asarray(pava(uy, uw), dtype=np.float64)
    np.clip(fitted, 0.0, np.inf, fitted)
    keep = np.ones(len(fitted), dtype=bool)
    keep[1:-1] = np.logical_or(
        np.not_equal(fitted[1:-1], fitted[:-2]), np.not_equal(fitted[1:-1], fitted[2:])
    )
    knots_x = np.asarray(ux)[keep]
    return [float(v) for v in knots_x], [float(v) for v in fitted[keep]]


def pava(y: Sequence[float], w: Sequence[float]) -> list[float]:
    """The non-decreasing least-squares fit of `y` with weights `w` (pool adjacent violators).

    Algorithm 1 of Busing (2022), "Monotone Regression: A Simple and Fast O(n) PAVA
    Implementation" (J. Stat. Softw. 102(1)), with the two `>=` tests that keep equal values in
    one block: what scipy's `optimize.isotonic_regression` runs (scikit-learn's since 1.4), with
    the same additions and divisions in the same order, so the same floats. Importing
    `scipy.optimize` for it was a third of a cold brief's imports (it loads linprog and more).
    """
    x, wt = [float(v) for v in y], [float(v) for v in w]
    n = len(x)
    if n == 0:
        return []
    ends = [0] * (n + 1)  # block k is x[ends[k]:ends[k + 1]]
    ends[1] = 1
    b = 0
    prev_x, prev_w = x[0], wt[0]
    i = 1
    while i < n:
        b += 1
        xb, wb = x[i], wt[i]
        if prev_x >= xb:  # the new value breaks the order: pool it with the block before
            b -= 1
            sb = prev_w * prev_x + wb * xb
            wb += prev_w
            xb = sb / wb
            while i < n - 1 and xb >= x[i + 1]:  # and with the values after it that it passes
                i += 1
                sb += wt[i] * x[i]
                wb += wt[i]
                xb = sb / wb
            while b > 0 and x[b - 1] >= xb:  # and with earlier blocks it now undercuts
                b -= 1
                sb += wt[b] * x[b]
                wb += wt[b]
                xb = sb / wb
        x[b] = prev_x = xb
        wt[b] = prev_w = wb
        ends[b + 1] = i + 1
        i += 1
    out = [0.0] * n
    for k in range(b + 1):
        for j in range(ends[k], ends[k + 1]):
            out[j] = x[k]
    return out


def _unique(xs: list[float], ys: list[float]) -> tuple[list[float], list[float], list[float]]:
    """Equal x (within float64 resolution) averaged, as scikit-learn's `_make_unique` does."""
    eps = 1e-15  # np.finfo(np.float64).resolution
    out_x: list[float] = []
    out_y: list[float] = []
    out_w: list[float] = []
    current_x, current_y, current_w = xs[0], 0.0, 0.0
    for x, y in zip(xs, ys, strict=True):
        if x - current_x >= eps:
            out_x.append(current_x)
            out_w.append(current_w)
            out_y.append(current_y / current_w)
            current_x, current_w, current_y = x, 1.0, y * 1.0
        else:
            current_w += 1.0
            current_y += y * 1.0
    out_x.append(current_x)
    out_w.append(current_w)
    out_y.append(current_y / current_w)
    return out_x, out_y, out_w
