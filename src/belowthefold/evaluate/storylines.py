"""Storyline quality on labelled floods: is a saga one storyline, and does that storyline hold only it?

A flood label file names a window and the headlines (outlet + title) of one saga in it, plus
headlines to leave out of the count (about the saga and something else at once). Articles stream
through the product's own `StoryClusterer` in published order, with its storyline merges
applied as the store applies them; the labels never reach the clusterer.

Per flood, over the window's headlines: the *main* storyline is the one holding most of the
saga; its precision is the share of its headlines that are the saga (every unlabelled headline
is background, so a grab-bag is punished), its recall the share of the saga it holds. B-cubed
scores the same per labelled headline and averages (Bagga & Baldwin 1998), so a saga split over
several clean storylines scores high precision and low recall.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.errors import InputError
from belowthefold.evaluate.clustering import follow
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer


@dataclass(frozen=True)
class FloodLabels:
    """One saga's labelled headlines in a window (keys are (outlet, title))."""

    name: str
    about: str
    start: date
    end: date
    members: frozenset[tuple[str, str]]
    ignore: frozenset[tuple[str, str]]
    must_include: tuple[str, ...]
    role: str = ""

    def covers(self, article: Article) -> bool:
        return self.start <= article.published.date() <= self.end


def _keys(items: Any, path: Path, field: str) -> frozenset[tuple[str, str]]:
    if not isinstance(items, list):
        raise InputError(f"{path}: {field!r} must be a list of {{outlet, title}}")
    try:
        return frozenset((str(i["outlet"]), str(i["title"])) for i in items)
    except (KeyError, TypeError) as exc:
        raise InputError(f"{path}: every {field!r} item needs an outlet and a title") from exc


def read_labels(path: Path) -> FloodLabels:
    """Load one flood label file (tests/fixtures/storylines/*.json says the format)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        window = data["window"]
        return FloodLabels(
            name=str(data["flood"]),
            about=str(data.get("about", "")),
            start=date.fromisoformat(window["start"]),
            end=date.fromisoformat(window["end"]),
            members=_keys(data["members"], path, "members"),
            ignore=_keys(data.get("ignore", []), path, "ignore"),
            must_include=tuple(str(t) for t in data.get("must_include", [])),
            role=str(data.get("role", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read flood labels {path}: {exc}") from exc


@dataclass(frozen=True)
class FloodReport:
    """How one labelled saga came out: its main storyline's precision/recall and what it holds."""

    flood: str
    role: str
    labelled: int
    found: int
    main_size: int
    precision: float
    recall: float
    bcubed_precision: float
    bcubed_recall: float
    storylines: int
    unrelated: tuple[str, ...]
    missing_must: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "flood": self.flood,
            "role": self.role,
            "labelled": self.labelled,
            "found": self.found,
            "main_size": self.main_size,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "bcubed_precision": round(self.bcubed_precision, 4),
            "bcubed_recall": round(self.bcubed_recall, 4),
            "storylines": self.storylines,
            "unrelated": list(self.unrelated),
            "missing_must": list(self.missing_must),
        }


def storylines_of(articles: Iterable[Article], options: ClusterOptions) -> dict[str, str]:
    """article id -> final storyline id, streaming in published order with merges applied."""
    return {aid: line for aid, (_, line) in placements_of(articles, options).items()}


def placements_of(
    articles: Iterable[Article], options: ClusterOptions
) -> dict[str, tuple[str, str]]:
    """article id -> (final story id, final storyline id), as `storylines_of` streams them.

    The story follows the story merges (`take_story_merges`), so a replay can name its
    storylines by their stories as the brief does; the storyline is `storylines_of`'s."""
    clusterer = StoryClusterer(options)
    story_of: dict[str, str] = {}
    line_of_story: dict[str, str] = {}
    redirect: dict[str, str] = {}
    story_to: dict[str, str] = {}
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    vectors: list[Any] = [None] * len(ordered)
    if clusterer.encoder is not None:  # one batched encoding, as the pipeline does
        vectors = list(clusterer.encode(ordered))
    for article, vector in zip(ordered, vectors, strict=True):
        a = clusterer.add(article, vector)
        story_of[article.id] = a.story_id
        line_of_story[a.story_id] = a.storyline_id
        line_of_story.update(clusterer.take_moves())
        story_to.update(clusterer.take_story_merges())
        for old, new in clusterer.take_merges():
            redirect[old] = new

    return {
        aid: (follow(story_to, sid), follow(redirect, line_of_story[sid]))
        for aid, sid in story_of.items()
    }


def score_flood(
    labels: FloodLabels, articles: Sequence[Article], line_of: dict[str, str]
) -> FloodReport:
    """Precision/recall of the saga's main storyline over the window's headlines."""
    window = [
        a
        for a in articles
        if labels.covers(a) and (a.outlet, a.title) not in labels.ignore and a.id in line_of
    ]
    saga = [a for a in window if (a.outlet, a.title) in labels.members]
    if not saga:
        raise InputError(f"flood {labels.name}: none of its labelled headlines is in the input")
    per_line: dict[str, list[Article]] = {}
    for a in window:
        per_line.setdefault(line_of[a.id], []).append(a)
    saga_lines = Counter(line_of[a.id] for a in saga)
    main = max(saga_lines, key=lambda k: (saga_lines[k], k))
    held = per_line[main]
    bp = sum(saga_lines[line_of[a.id]] / len(per_line[line_of[a.id]]) for a in saga) / len(saga)
    br = sum(saga_lines[line_of[a.id]] / len(saga) for a in saga) / len(saga)
    in_main = {a.title for a in held}
    return FloodReport(
        flood=labels.name,
        role=labels.role,
        labelled=len(labels.members),
        found=len(saga),
        main_size=len(held),
        precision=saga_lines[main] / len(held),
        recall=saga_lines[main] / len(saga),
        bcubed_precision=bp,
        bcubed_recall=br,
        storylines=len(saga_lines),
        unrelated=tuple(
            sorted({a.title for a in held if (a.outlet, a.title) not in labels.members})
        ),
        missing_must=tuple(t for t in labels.must_include if t not in in_main),
    )


def evaluate_storylines(
    articles: Iterable[Article], floods: Sequence[FloodLabels], options: ClusterOptions
) -> list[FloodReport]:
    """Cluster the stream up to the last flood's end once; score every flood on it."""
    if not floods:
        return []
    last = max(f.end for f in floods)
    stream = [a for a in articles if a.published.date() <= last]
    line_of = storylines_of(stream, options)
    return [score_flood(f, stream, line_of) for f in floods]
