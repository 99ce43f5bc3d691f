"""The coverage model: how many audience outlets a story with a given reach elsewhere usually gets.

Learned from the archive (the weeks before the window) as a Poisson regression of the number of
audience outlets on the log of the story's signals outside the audience; where the archive is too
short to learn from, a documented prior stands in: the audience covers a story in proportion to the
share of the other outlets that covered it ("as the rest of the press did").
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from belowthefold.attention import story_coverage
from belowthefold.config import RankOptions
from belowthefold.models import BriefInputs, PlacedArticle, StoryCoverage

FEATURES = ("log(1+outlets)", "log(1+groups)", "official", "log(days)")


@dataclass(frozen=True)
class StorySignals:
    """A story's reach outside the audience, and what the audience gave it."""

    story_id: str
    outlets: int
    effective_outlets: float
    groups: int
    official: int
    days: int
    originals: int
    audience_outlets: int
    audience_total: int
    official_outlets: tuple[str, ...] = ()

    def features(self) -> tuple[float, ...]:
        return (
            math.log1p(self.effective_outlets),
            math.log1p(self.groups),
            float(self.official),
            math.log(max(self.days, 1)),
        )


@dataclass(frozen=True)
class CoverageModel:
    """Expected audience outlets for a story; `kind` says whether it was learned or the prior."""

    kind: str
    audience_outlets: int
    other_outlets: int
    intercept: float = 0.0
    coefficients: tuple[float, ...] = ()
    trained_on: int = 0
    positives: int = 0
    with_window: bool = False

    def expected(self, s: StorySignals) -> float:
        """Expected distinct audience outlets, never more than the audience has."""
        cap = float(self.audience_outlets)
        if self.kind == "archive":
            z = self.intercept + sum(
                c * x for c, x in zip(self.coefficients, s.features(), strict=True)
            )
            return min(cap, math.exp(min(z, 50.0)))
        if self.other_outlets <= 0:
            return 0.0
        return min(cap, cap * s.effective_outlets / self.other_outlets)

    def describe(self) -> str:
        """One sentence for the methods appendix."""
        if self.kind == "archive":
            where = (
                "the archive and of this window outside the dominant storylines (the archive alone "
                "was short)"
                if self.with_window
                else "the weeks before the window"
            )
            terms = ", ".join(
                f"{n} {c:+.2f}" for n, c in zip(FEATURES, self.coefficients, strict=True)
            )
            return (
                f"learned from {self.trained_on} stories of {where} ({self.positives} covered by "
                f"the audience): Poisson "
                f"regression, intercept {self.intercept:+.2f}, {terms}"
            )
        return (
            "prior (the archive was too short to learn from): the audience is "
            f"expected to cover a story in proportion to the share of the {self.other_outlets} "
            f"other outlets that did, times its {self.audience_outlets} outlets"
        )


def _outside(story: StoryCoverage, audience: str) -> list[PlacedArticle]:
    return [a for a in story.articles if a.group != audience]


def signals_of(
    story: StoryCoverage, audience: str, options: RankOptions, audience_total: int
) -> StorySignals:
    """Reach outside the audience: pickup-only outlets count half (they repeat someone else)."""
    outside = _outside(story, audience)
    has_original: dict[str, bool] = {}
    for a in outside:
        has_original[a.outlet_key] = has_original.get(a.outlet_key, False) or not a.is_pickup
    official = sorted(
        {a.outlet or a.source or "" for a in outside if a.group in options.official_groups} - {""}
    )
    own = story.by_group.get(audience)
    return StorySignals(
        story_id=story.story_id,
        outlets=len(has_original),
        effective_outlets=sum(1.0 if o else 0.5 for o in has_original.values()),
        groups=len({a.group for a in outside}),
        official=1 if official else 0,
        days=len({a.day for a in outside}) or len(story.days),
        originals=sum(1 for a in outside if not a.is_pickup),
        audience_outlets=own.outlets if own else 0,
        audience_total=audience_total,
        official_outlets=tuple(official),
    )


def _outlet_counts(articles: Sequence[PlacedArticle], audience: str) -> tuple[int, int]:
    own = {a.outlet_key for a in articles if a.group == audience}
    other = {a.outlet_key for a in articles if a.group != audience}
    return len(own), len(other)


def _rows(articles: Sequence[PlacedArticle], inputs: BriefInputs, options: RankOptions,
          exclude: Collection[str]) -> list[StorySignals]:  # fmt: skip
    total, _ = _outlet_counts(articles, inputs.audience)
    if total == 0:
        return []
    rows = []
    for story in story_coverage(articles):
        if story.storyline_id in exclude:
            continue
        r = signals_of(story, inputs.audience, options, total)
        if r.outlets > 0:
            rows.append(r)
    return rows


def training_rows(
    inputs: BriefInputs, options: RankOptions, exclude: Collection[str] = ()
) -> tuple[list[StorySignals], bool]:
    """The archive's stories; if too few, plus the window's own outside the dominant storylines.

    The archive alone is preferred: it is out of sample. The window's stories join only when the
    archive is short (empirical Bayes: how this audience treats stories of this reach this week);
    the dominant storylines stay out because they are what the week is compared against. The
    flag says whether the window was used.
    """
    archive = _rows(inputs.context, inputs, options, exclude)
    if len(archive) >= options.min_archive_stories:
        return archive, False
    return archive + _rows(inputs.articles, inputs, options, exclude), True


def fit_coverage_model(
    inputs: BriefInputs, options: RankOptions, exclude: Collection[str] = ()
) -> CoverageModel:
    """Learn the model from the archive (see `training_rows`), or fall back to the prior."""
    n_aud, n_other = _outlet_counts(inputs.articles, inputs.audience)
    prior = CoverageModel("prior", n_aud, n_other)
    rows, with_window = training_rows(inputs, options, exclude)
    positives = sum(1 for r in rows if r.audience_outlets > 0)
    if len(rows) < options.min_archive_stories or positives < options.min_archive_positives:
        return prior
    from sklearn.linear_model import PoissonRegressor  # heavy import: only when there is an archive

    x = [r.features() for r in rows]
    y = [r.audience_outlets for r in rows]
    reg = PoissonRegressor(alpha=options.archive_alpha, max_iter=300)
    reg.fit(x, y)
    return CoverageModel(
        kind="archive",
        audience_outlets=n_aud,
        other_outlets=n_other,
        intercept=float(reg.intercept_),
        coefficients=tuple(float(c) for c in reg.coef_),
        trained_on=len(rows),
        positives=positives,
        with_window=with_window,
    )
