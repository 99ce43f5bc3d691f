"""The brief as a JSON document: the shape the web API serves and `--format json` prints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from belowthefold.brief.column import coverage_shares
from belowthefold.brief.points import pressure_dict
from belowthefold.models import (
    Brief,
    DominantStoryline,
    MissedHeadline,
    PlacedArticle,
    SourceHealth,
)


def article_dict(a: PlacedArticle) -> dict[str, Any]:
    """An article's one JSON shape: in the brief, the story API and `articles --format json`,
    `jsonl` and `csv` (whose columns are ARTICLE_FIELDS, in this order)."""
    return {
        "id": a.id,
        "published": a.published.isoformat(),
        "title": a.title,
        "url": a.url,
        "outlet": a.outlet_name,
        "source": a.source,
        "group": a.group,
        "lang": a.lang,
        "weight": a.weight,
        "story_id": a.story_id,
        "storyline_id": a.storyline_id,
        "original_id": a.original_id,
    }


ARTICLE_FIELDS = (
    "id",
    "published",
    "title",
    "url",
    "outlet",
    "source",
    "group",
    "lang",
    "weight",
    "story_id",
    "storyline_id",
    "original_id",
)


def _articles(items: Sequence[PlacedArticle]) -> list[dict[str, Any]]:
    return [article_dict(a) for a in items]


def dominant_dict(d: DominantStoryline) -> dict[str, Any]:
    return {
        "storyline_id": d.storyline_id,
        "headline": d.headline,
        "share": round(d.share, 4),
        "peak_day": d.peak_day.isoformat() if d.peak_day else None,
        "peak_share": round(d.peak_share, 4),
        "lead": d.lead,
        "facts": list(d.facts),
        "articles": _articles(d.articles),
    }


def missed_dict(m: MissedHeadline) -> dict[str, Any]:
    return {
        "rank": m.rank,
        "story_id": m.story_id,
        "storyline_id": m.storyline_id,
        "headline": m.headline,
        "score": m.score,
        "reasons": list(m.reasons),
        "coverage": dict(m.coverage),
        "coverage_shares": {g: round(v, 4) for g, v in coverage_shares(m.coverage)},
        "summary": m.summary,
        "lead": m.lead,
        "facts": list(m.facts),
        "crowded_out_by": m.crowded_out_by,
        "crowded_share": round(m.crowded_share, 4),
        "weeks_missed": m.weeks_missed,
        "articles": _articles(m.articles),
    }


def health_dict(h: SourceHealth) -> dict[str, Any]:
    return {
        "source": h.source,
        "group": h.group,
        "articles": h.articles,
        "days_without": h.days_without,
        "errors": h.errors,
        "last_error": h.last_error,
    }


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """Everything the brief shows, as plain JSON types."""
    return {
        "week": brief.window.label,
        "start": brief.window.start.isoformat(),
        "end": brief.window.end.isoformat(),
        "audience": brief.audience,
        "versus": brief.versus,
        "groups": list(brief.groups),
        "generated_at": brief.generated_at.isoformat(),
        "lead": brief.lead,
        "audience_outlets": list(brief.audience_outlets),
        "pressure": [pressure_dict(p) for p in brief.pressure],
        "dominant": [dominant_dict(d) for d in brief.dominant],
        "missed": [missed_dict(m) for m in brief.missed],
        "versus_dominant": [dominant_dict(d) for d in brief.versus_dominant],
        "versus_missed": [missed_dict(m) for m in brief.versus_missed],
        "notes": list(brief.notes),
        "missed_note": brief.missed_note,
        "methods": list(brief.methods),
        "entities": brief.entities,
        "health": [health_dict(h) for h in brief.health],
    }


def render_json(brief: Brief) -> str:
    return json.dumps(brief_to_dict(brief), ensure_ascii=False, indent=2)
