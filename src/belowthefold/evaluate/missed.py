"""`eval missed`: precision and recall of a brief's missed list against a person's judgement.

A gold file names, for a window and an audience, the stories a person judged missed, each as a list
of article ids or URLs, and optionally the dominant story. A listed headline counts as a hit when
its articles share at least one id or URL with a gold story not already matched by a higher rank.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from belowthefold.config import Settings
from belowthefold.errors import EvalError
from belowthefold.models import Brief, PlacedArticle, Window
from belowthefold.store import Store


@dataclass(frozen=True)
class GoldStory:
    """One story in the gold file: a label for people and the article ids/URLs that make it."""

    label: str
    keys: frozenset[str]


@dataclass(frozen=True)
class MissedGold:
    window: Window
    audience: str
    missed: tuple[GoldStory, ...]
    dominant: GoldStory | None = None
    not_missed: tuple[GoldStory, ...] = ()


@dataclass(frozen=True)
class Hit:
    rank: int
    headline: str
    gold: str | None
    not_missed: str | None = None


@dataclass(frozen=True)
class MissedReport:
    """The figures `eval missed` prints and checks floors against."""

    window: str
    audience: str
    p_at_5: float
    p_at_10: float
    r_at_10: float
    dominant_named: bool | None
    listed: int
    gold: int
    hits: tuple[Hit, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "audience": self.audience,
            "p@5": round(self.p_at_5, 4),
            "p@10": round(self.p_at_10, 4),
            "r@10": round(self.r_at_10, 4),
            "dominant_named": self.dominant_named,
            "listed": self.listed,
            "gold": self.gold,
            "hits": [h.__dict__ for h in self.hits],
        }


def _story(raw: Any, fallback: str) -> GoldStory:
    if isinstance(raw, Mapping):
        label = str(raw.get("label") or raw.get("headline") or fallback)
        items = raw.get("articles") or raw.get("urls") or []
    else:
        label, items = fallback, raw
    if not isinstance(items, list) or not items:
        raise EvalError(f"gold story {label!r} needs a non-empty list of article ids or URLs")
    return GoldStory(label, frozenset(str(i).strip() for i in items))


def _window(doc: Mapping[str, Any]) -> Window:
    w = doc.get("window")
    if isinstance(w, Mapping):
        start, end = date.fromisoformat(str(w["start"])), date.fromisoformat(str(w["end"]))
        return Window(start, end, str(w.get("label") or f"{start}..{end}"))
    if "week" in doc:
        from belowthefold.pipeline import parse_window

        return parse_window(str(doc["week"]))
    raise EvalError("gold file needs `window` {start, end[, label]} or `week`")


def load_gold(path: Path) -> MissedGold:
    """Read a gold file; every mistake in it is an EvalError that names the file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        dominant = doc.get("dominant")
        label = str(doc.get("dominant_label") or "dominant story")
        return MissedGold(
            window=_window(doc),
            audience=str(doc.get("audience") or "mainstream"),
            missed=tuple(_story(s, f"story {i + 1}") for i, s in enumerate(doc["missed"])),
            dominant=_story(dominant, label) if dominant else None,
            not_missed=tuple(
                _story(s, f"not missed {i + 1}") for i, s in enumerate(doc.get("not_missed", []))
            ),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvalError(f"cannot read gold file {path}: {exc}") from exc


def keys_of(articles: Iterable[PlacedArticle]) -> set[str]:
    out: set[str] = set()
    for a in articles:
        out.add(a.id)
        if a.url:
            out.add(a.url)
    return out


def _best(keys: set[str], stories: Sequence[GoldStory], taken: set[str]) -> GoldStory | None:
    scored = [(len(keys & s.keys), s) for s in stories if s.label not in taken]
    scored = [(n, s) for n, s in scored if n > 0]
    return max(scored, key=lambda t: t[0])[1] if scored else None


def score_brief(brief: Brief, gold: MissedGold) -> MissedReport:
    """P@5, P@10 (hits over k, as usual), R@10 and whether the top dominant storyline is gold's."""
    taken: set[str] = set()
    hits: list[Hit] = []
    for m in brief.missed:
        keys = keys_of(m.articles)
        match = _best(keys, gold.missed, taken)
        if match is not None:
            taken.add(match.label)
        wrong = _best(keys, gold.not_missed, set())
        hits.append(Hit(m.rank, m.headline, match.label if match else None,
                        wrong.label if wrong else None))  # fmt: skip

    def hits_at(k: int) -> int:
        return sum(1 for h in hits[:k] if h.gold is not None)

    n_gold = len(gold.missed)
    return MissedReport(
        window=brief.window.label,
        audience=brief.audience,
        p_at_5=hits_at(5) / 5,
        p_at_10=hits_at(10) / 10,
        r_at_10=hits_at(10) / n_gold if n_gold else 0.0,
        dominant_named=_dominant_named(brief, gold),
        listed=len(brief.missed),
        gold=n_gold,
        hits=tuple(hits),
    )


def _dominant_named(brief: Brief, gold: MissedGold) -> bool | None:
    """True when most of the brief's top dominant storyline's articles are gold's dominant story."""
    if gold.dominant is None:
        return None
    if not brief.dominant:
        return False
    keys = [keys_of([a]) for a in brief.dominant[0].articles]
    inside = sum(1 for k in keys if k & gold.dominant.keys)
    return inside * 2 > len(keys)


def evaluate_store(
    store: Store, settings: Settings, gold: MissedGold
) -> tuple[Brief, MissedReport]:
    """Bring stories up to date, build the gold window's brief (without recording it), score it."""
    from belowthefold import pipeline
    from belowthefold.brief import build_brief

    pipeline.update_stories(store, settings)
    inputs = pipeline.brief_inputs(store, settings, gold.window, gold.audience)
    brief = build_brief(inputs, settings.rank)
    return brief, score_brief(brief, gold)
