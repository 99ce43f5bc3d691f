"""Near-duplicate (syndication) quality: precision and recall of pickup links on built pairs.

No labelled syndication corpus ships with the project, so pairs are built from real full texts
(the Inquirer editorials in ../shared) with the edits a pickup really makes: a dateline and a
credit line added, the last paragraphs cut to fit, a sentence dropped, a few words changed, a
new headline. Every other editorial is a negative; all are published within one window so each
pair of distinct editorials is a candidate (a harder test than the real spread over ten months).
Harder negatives are roundups: a new text made of two background paragraphs from each of four
earlier pieces, as a newsroom's explainer reuses its archive; linking one is a false positive.
A link is right when it points a pickup at its own original; anything else is a false positive.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from belowthefold.config import DedupOptions
from belowthefold.dedup import Deduper
from belowthefold.models import Article

EDIT_KINDS = ("dateline", "trimmed", "edited", "retitled")
_SYNONYMS = {
    "said": "stated",
    "percent": "%",
    "government": "administration",
    "also": "likewise",
    "however": "but",
    "because": "as",
    "about": "around",
    "must": "should",
    "people": "citizens",
}


@dataclass(frozen=True)
class DedupReport:
    originals: int
    pickups: int
    links: int
    correct: int
    seconds: float

    @property
    def precision(self) -> float:
        return self.correct / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.pickups if self.pickups else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, Any]:
        return {
            "originals": self.originals,
            "pickups": self.pickups,
            "links": self.links,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "docs_per_s": round((self.originals + self.pickups) / self.seconds, 1)
            if self.seconds
            else 0.0,
        }


def read_editorials(folder: Path) -> list[tuple[str, str]]:
    """(title, body) of each markdown editorial: the `# ` heading and the prose paragraphs."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), path.stem)
        paras = [
            ln.strip()
            for ln in lines
            if ln.strip() and not ln.startswith(("#", "!", "*", "[")) and len(ln.split()) > 5
        ]
        body = "\n\n".join(paras)
        if len(body) < 500 or body in seen:  # the folder holds a few exact repeats: not negatives
            continue
        seen.add(body)
        out.append((title, body))
    return out


def _edit(kind: str, title: str, body: str, rng: random.Random) -> tuple[str, str]:
    paras = body.split("\n\n")
    if kind == "dateline":
        return (
            title,
            "MANILA, Philippines — " + body + "\n\nThis editorial first appeared in the Inquirer.",
        )
    if kind == "trimmed":
        keep = max(3, int(len(paras) * rng.uniform(0.6, 0.85)))
        return title, "\n\n".join(paras[:keep])
    if kind == "edited":
        words = body.split(" ")
        for i, w in enumerate(words):
            if w.lower() in _SYNONYMS and rng.random() < 0.5:
                words[i] = _SYNONYMS[w.lower()]
        text = " ".join(words)
        sentences = re.split(r"(?<=[.!?])\s+", text)
        if len(sentences) > 8:
            del sentences[rng.randrange(2, len(sentences) - 2)]
        return title, " ".join(sentences)
    # retitled: a new headline and a middle paragraph dropped
    if len(paras) > 4:
        del paras[rng.randrange(1, len(paras) - 1)]
    return f"Editorial: {title.lower()}", "\n\n".join(paras)


def build_stream(
    editorials: list[tuple[str, str]], seed: int = 0
) -> Iterator[tuple[Article, str | None]]:
    """Originals and their pickups in published order, with the id each pickup copies (else None)."""
    rng = random.Random(seed)
    base = datetime(2025, 1, 6, tzinfo=UTC)
    items: list[tuple[Article, str | None]] = []
    for i, (title, body) in enumerate(editorials):
        when = base + timedelta(minutes=10 * i)
        oid = f"orig-{i}"
        items.append((Article(oid, title, when, text=body, outlet="Inquirer"), None))
        for k, kind in enumerate(rng.sample(EDIT_KINDS, 2)):
            t, b = _edit(kind, title, body, rng)
            later = when + timedelta(minutes=rng.randint(5, 600))
            items.append((Article(f"{oid}-{kind}", t, later, text=b, outlet=f"Pickup {k}"), oid))
        if i > 3 and rng.random() < 0.5:
            sources = [body, *(editorials[j][1] for j in rng.sample(range(i), 3))]
            mixed = "\n\n".join("\n\n".join(src.split("\n\n")[1:3]) for src in sources)
            follow = Article(
                f"{oid}-roundup",
                f"What we said: {title}",
                when + timedelta(minutes=7),
                text=mixed,
                outlet="Inquirer",
            )
            items.append((follow, None))
    items.sort(key=lambda it: (it[0].published, it[0].id))
    yield from items


def evaluate_dedup(folder: Path, options: DedupOptions, seed: int = 0) -> DedupReport:
    """Stream built originals and pickups through a fresh Deduper and count right and wrong links."""
    stream = list(build_stream(read_editorials(folder), seed))
    deduper = Deduper(options)
    links = correct = 0
    t0 = time.perf_counter()
    for article, truth in stream:
        link = deduper.add(article)
        if link is not None:
            links += 1
            correct += int(link.original_id == truth)
    seconds = time.perf_counter() - t0
    pickups = sum(1 for _, t in stream if t is not None)
    return DedupReport(len(stream) - pickups, pickups, links, correct, seconds)
