"""Extraction quality: `extract.extract_page` scored on labelled pages, as trafilatura scores
itself (snippets that must, and must not, be in the text)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from belowthefold.config import FetchOptions
from belowthefold.errors import ExtractError
from belowthefold.extract import extract_page


@dataclass(frozen=True)
class ExtractionScore:
    """Snippet-level scores over a labelled page set (trafilatura's own evaluation method)."""

    pages: int
    failures: int
    true_pos: int
    false_neg: int
    false_pos: int
    true_neg: int

    @property
    def precision(self) -> float:
        return self.true_pos / max(self.true_pos + self.false_pos, 1)

    @property
    def recall(self) -> float:
        return self.true_pos / max(self.true_pos + self.false_neg, 1)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The counts and the three scores: `eval extraction --format json` and the gate."""
        return {**self.__dict__, "precision": self.precision, "recall": self.recall, "f1": self.f1}


def score_extraction(
    root: Path, options: FetchOptions | None = None, limit: int | None = None
) -> ExtractionScore:
    """Score `extract_page` on `root/evaldata.json`: snippets that must / must not be in the text.

    A page where extraction fails counts as empty text (its 'with' snippets are misses), so the
    score is what the full-text step really delivers, failures included.
    """
    spec = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    opts = replace(options or FetchOptions(), extract_min_chars=0)
    tp = fn = fp = tn = pages = failures = 0
    for _key, item in list(spec.items())[:limit]:
        path = next(
            (
                root / d / item["file"]
                for d in ("eval", "cache")
                if (root / d / item["file"]).is_file()
            ),
            None,
        )
        if path is None:
            continue
        pages += 1
        try:
            text = extract_page(path.read_bytes(), item.get("url"), opts).text
        except ExtractError:
            failures += 1
            text = ""
        for snippet in item.get("with", []):
            if snippet in text:
                tp += 1
            else:
                fn += 1
        for snippet in item.get("without", []):
            if snippet in text:
                fp += 1
            else:
                tn += 1
    return ExtractionScore(pages, failures, tp, fn, fp, tn)
