"""Rank: missed headlines for an audience group, with the coverage model that explains them."""

from __future__ import annotations

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
