"""rank.numeric computes TF-IDF and isotonic regression exactly as scikit-learn does.

The ranking replaced scikit-learn (its import was a second of a cold brief) with these; any
difference in a similarity or a knot could move a story across a bar, so the comparison is exact.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from belowthefold.rank.numeric import ENGLISH_STOP_WORDS, TOKEN, Tfidf, isotonic_knots, pava

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
sklearn_isotonic = pytest.importorskip("sklearn.isotonic")
GOLD = Path(__file__).parent / "fixtures" / "gold" / "missed-2025-W23.jsonl"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _records() -> list[dict[str, str]]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]


def _same(a: object, b: object) -> None:
    x, y = a.tocsr(), b.tocsr()  # type: ignore[attr-defined]
    assert x.shape == y.shape
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(x, part), getattr(y, part)), part


def test_the_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction._stop_words import ENGLISH_STOP_WORDS as theirs

    assert theirs == ENGLISH_STOP_WORDS


def test_tfidf_rows_equal_scikit_learns_bit_for_bit() -> None:
    rows = _records()
    titles = [r["title"] for r in rows[::3]]
    docs = [f"{r['title']}. {r.get('text', '')[:300]}" for r in rows[1::3]]
    docs += ["the and of", "", "Ünïcode naïve café — déjà-vu 東京 x-ray 3D"] * 2
    theirs = sklearn_text.TfidfVectorizer(
        sublinear_tf=True, stop_words="english", token_pattern=TOKEN
    )
    theirs.fit(titles + docs)
    ours = Tfidf().fit(titles + docs)
    assert ours.vocabulary == theirs.vocabulary_
    assert np.array_equal(ours.idf, theirs.idf_)
    for part in (titles, docs):
        _same(ours.transform(part), theirs.transform(part))
    # The brief's one pass: fitted on the documents it transforms, the same numbers.
    both = Tfidf()
    _same(both.fit_transform(titles + docs), theirs.transform(titles + docs))
    assert both.vocabulary == theirs.vocabulary_
    assert np.array_equal(both.idf, theirs.idf_)
    with pytest.raises(ValueError):
        Tfidf().fit(["the and", "of"])
    with pytest.raises(ValueError):
        Tfidf().fit_transform(["the and", "of"])


def test_isotonic_knots_equal_scikit_learns_bit_for_bit() -> None:
    rng = random.Random(3)
    for n in (1, 2, 5, 40, 300):
        x = [
            rng.choice([0.0, 1.0, 1.584962500721156, 2.0, 3.169925001442312])
            + rng.random() * (i % 3 == 0)
            for i in range(n)
        ]
        y = [max(0.0, rng.gauss(0.02 * v, 0.03)) * (rng.random() < 0.7) for v in x]
        iso = sklearn_isotonic.IsotonicRegression(increasing=True, out_of_bounds="clip", y_min=0.0)
        iso.fit(x, y)
        kx, ky = isotonic_knots(x, y)
        assert kx == [float(v) for v in iso.X_thresholds_]
        assert ky == [float(v) for v in iso.y_thresholds_]


def test_pava_equals_scipys_isotonic_regression_bit_for_bit() -> None:
    from scipy.optimize import isotonic_regression

    rng = random.Random(5)
    for _ in range(2000):
        n = rng.randint(1, 60)
        y = [rng.choice([0.0, 0.1, 0.2, rng.random()]) for _ in range(n)]
        w = [rng.choice([1.0, 2.0, 3.0]) for _ in range(n)]
        theirs = isotonic_regression(np.asarray(y), weights=np.asarray(w), increasing=True).x
        assert pava(y, w) == theirs.tolist()


def test_the_isotonic_fit_does_not_import_scipy_optimize() -> None:
    """Importing scipy.optimize (linprog and the rest) was most of a cold brief's imports."""
    code = (
        "import sys; from belowthefold.rank.numeric import isotonic_knots; "
        "isotonic_knots([0.0, 1.0, 2.0], [0.1, 0.0, 0.3]); "
        "assert 'scipy.optimize' not in sys.modules, 'scipy.optimize imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ | {"PYTHONPATH": SRC})
