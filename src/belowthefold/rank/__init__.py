"""Rank: missed headlines for an audience group, with the coverage model that explains them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from belowthefold.lazy import lazy_getattr

if TYPE_CHECKING:
    from belowthefold.rank.events import Event, events_of
    from belowthefold.rank.model import CoverageModel, fit_coverage_model
    from belowthefold.rank.reach import Reach, importance, reach_of
    from belowthefold.rank.reasons import crowded_out_by, shortfall_of
    from belowthefold.rank.score import (
        Ranking,
        Variety,
        audience_variety,
        named_groups,
        rank_missed,
    )

# The modules load on first use: rendering a kept brief reads `rank.reasons`' phrases, and the
# model (numpy) and the scoring need not come with them.
_LAZY = {
    "CoverageModel": "model",
    "Event": "events",
    "Ranking": "score",
    "Reach": "reach",
    "Variety": "score",
    "audience_variety": "score",
    "crowded_out_by": "reasons",
    "events_of": "events",
    "fit_coverage_model": "model",
    "importance": "reach",
    "named_groups": "score",
    "rank_missed": "score",
    "reach_of": "reach",
    "shortfall_of": "reasons",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "CoverageModel",
    "Event",
    "Ranking",
    "Reach",
    "Variety",
    "audience_variety",
    "crowded_out_by",
    "events_of",
    "fit_coverage_model",
    "importance",
    "named_groups",
    "rank_missed",
    "reach_of",
    "shortfall_of",
]
