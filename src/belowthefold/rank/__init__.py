"""Rank: missed headlines for an audience group, with the coverage model that explains them."""

from __future__ import annotations

from belowthefold.rank.model import CoverageModel, StorySignals, fit_coverage_model, signals_of
from belowthefold.rank.score import (
    Ranking,
    Variety,
    audience_variety,
    crowded_out_by,
    missed_headlines,
    named_groups,
    rank_missed,
    shortfall_of,
    story_weight,
)

__all__ = [
    "CoverageModel",
    "Ranking",
    "StorySignals",
    "Variety",
    "audience_variety",
    "crowded_out_by",
    "fit_coverage_model",
    "missed_headlines",
    "named_groups",
    "rank_missed",
    "shortfall_of",
    "signals_of",
    "story_weight",
]
