"""A story's reach outside the audience, counted the way an analyst weighs coverage.

Raw outlet counts overstate independent reporting: one prolific group (nine foreign papers
rewriting one agency report) or one rewrite site must not decide, and an outlet that only carries
a syndicated copy says less than one that reported. So reach adds, per outside group, the
doublings of that group's effective outlets (an original counts 1, a pickup-only outlet half):
each group counts once, with diminishing returns inside it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from belowthefold.attention import attention_of
from belowthefold.config import RankOptions
from belowthefold.models import PlacedArticle

PICKUP_ONLY = 0.5


@dataclass(frozen=True)
class Reach:
    """What the rest of the press gave a story, and what the audience gave it."""

    outlets: int
    effective_outlets: float
    by_group: tuple[tuple[str, int], ...]
    effective_by_group: tuple[float, ...]
    days: int
    originals: int
    pickups: int
    authority: tuple[str, ...]
    audience_items: int
    audience_attention: float
    audience_days: int

    @property
    def groups(self) -> int:
        return len(self.by_group)

    @property
    def official(self) -> int:
        """1 when an official, wire or specialist outlet covered it."""
        return 1 if self.authority else 0

    def value(self) -> float:
        """Reach in 'group doublings': sum over groups of log2(1 + effective outlets there)."""
        return sum(math.log2(1.0 + e) for e in self.effective_by_group)


def reach_of(
    outside: Sequence[PlacedArticle],
    matched: Sequence[PlacedArticle],
    options: RankOptions,
) -> Reach:
    """Reach from the outside articles; the audience's side from the items matched to the story."""
    original: dict[tuple[str, str], bool] = {}
    for a in outside:
        key = (a.group, a.outlet_key)
        original[key] = original.get(key, False) or not a.is_pickup
    effective: dict[str, float] = defaultdict(float)
    outlets: dict[str, int] = defaultdict(int)
    for (group, _), is_original in original.items():
        effective[group] += 1.0 if is_original else PICKUP_ONLY
        outlets[group] += 1
    authority = sorted(
        {a.outlet_name for a in outside if a.group in options.official_groups} - {""}
    )
    pickups = sum(1 for a in outside if a.is_pickup)
    by_group = tuple(sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0])))
    return Reach(
        outlets=len({o for _, o in original}),
        effective_outlets=sum(effective.values()),
        by_group=by_group,
        effective_by_group=tuple(effective[g] for g, _ in by_group),
        days=len({a.day for a in outside}),
        originals=len(outside) - pickups,
        pickups=pickups,
        authority=tuple(authority),
        audience_items=len(matched),
        audience_attention=attention_of(matched),
        audience_days=len({a.day for a in matched}),
    )


def importance(r: Reach) -> float:
    """How much the story matters, beyond how widely it ran: authority and staying power.

    Reach already counts independent originals and groups; an official, wire or specialist
    source adds half a doubling, and each doubling of the days it ran a quarter.
    """
    return r.value() + 0.5 * r.official + 0.25 * math.log2(max(r.days, 1))
