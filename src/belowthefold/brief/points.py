"""A pressure point as JSON: one shape for the brief, the web API and `pressure --format json`.

Apart from `jsondoc` so that `pressure` prints its points without importing the ranking (and
numpy under it): the brief package loads its builders on first use.
"""

from __future__ import annotations

from typing import Any

from belowthefold.attention import measured
from belowthefold.models import PressurePoint


def pressure_dict(p: PressurePoint) -> dict[str, Any]:
    """One day of one group; a day without data has value and concentration null, never 0."""
    live = measured(p)
    return {
        "date": p.day.isoformat(),
        "group": p.group,
        "value": round(p.value, 4) if live else None,
        "concentration": round(p.concentration, 4) if live else None,
        "articles": p.articles,
        "attention": round(p.attention, 4),
        "top_storylines": list(p.top_storylines),
    }
