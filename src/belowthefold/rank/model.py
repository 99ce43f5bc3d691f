"""The coverage model: what share of the audience's attention a story with a given reach normally gets.

Shares, not outlet counts, so it works for one audience outlet or fifty, with weights (headlines ×
time on the page, airtime) or without. Two estimates, blended:

* **the prior** ("as the rest of the press did"): the story's share of all the reach outside the
  audience this window. It needs no archive and is never zero for a story with reach.
* **the audience's usual treatment**: an isotonic (monotone) regression of the audience's share on
  reach, over the stories of the archive's weeks and of this window outside the dominant
  storylines. Monotone because more coverage elsewhere must never lower the expectation.

The blend weighs the learned curve by how many stories it rests on against `prior_strength`
pseudo-stories of the prior, so a short archive falls back smoothly, never to an empty list.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from belowthefold.attention import attention_of, dominant_storylines
from belowthefold.config import RankOptions
from belowthefold.models import ArchiveWeek, BriefInputs, PlacedArticle
from belowthefold.rank.events import Event, events_of
from belowthefold.rank.reach import Reach, reach_of


@dataclass(frozen=True)
class Row:
    """One story the model learns from: its reach and the audience share it got."""

    reach: float
    share: float


@dataclass(frozen=True)
class CoverageModel:
    """Expected audience share by reach; `kind` says what the learned part rests on."""

    kind: str
    outside_reach: float
    knots_x: tuple[float, ...] = ()
    knots_y: tuple[float, ...] = ()
    window_rows: int = 0
    archive_rows: int = 0
    positives: int = 0
    prior_strength: float = 20.0

    @property
    def rows(self) -> int:
        return self.window_rows + self.archive_rows

    def prior(self, reach: float) -> float:
        return reach / self.outside_reach if self.outside_reach > 0 else 0.0

    def learned(self, reach: float) -> float | None:
        if not self.knots_x:
            return None
        return float(np.interp(reach, self.knots_x, self.knots_y))

    def expected(self, reach: float) -> float:
        """Expected share of the audience's attention, in [0, 1]."""
        prior = self.prior(reach)
        learned = self.learned(reach)
        if learned is None:
            return min(1.0, prior)
        n, k = float(self.rows), self.prior_strength
        return min(1.0, (n * learned + k * prior) / (n + k))

    def describe(self) -> str:
        """The model in words, for the methods appendix, with two worked examples."""
        examples = "; ".join(
            f"{label} would usually get {self.expected(reach):.1%} of it"
            for label, reach in EXAMPLES
        )
        if self.kind == "prior":
            return (
                "with too few stories to learn this audience's habits from, a story is expected "
                "to get the same share of the audience's attention as its share of all the "
                f"coverage elsewhere: {examples}"
            )
        where = (
            f"{self.archive_rows} stories of the weeks before and {self.window_rows} of this window"
            if self.archive_rows
            else f"{self.window_rows} stories of this window (there is no archive yet)"
        )
        return (
            f"learned from how the audience treated {where}, {self.positives} of which it "
            "covered: the wider a story ran elsewhere, the more attention the audience usually "
            f"gave it (never less), so {examples}"
        )


# Reach of two typical stories, for the methods appendix: sum over groups of log2(1 + outlets).
EXAMPLES = (
    ("a story in 2 outlets of one group", math.log2(3.0)),
    ("one in 2 outlets in each of 3 groups", 3 * math.log2(3.0)),
)


def _rows(
    events: Sequence[Event],
    total: float,
    options: RankOptions,
    exclude: Collection[str],
    reaches: Sequence[Reach] | None = None,
) -> tuple[list[Row], float]:
    """The events of one stretch of days as rows, and the summed reach (the prior's base).

    The base counts every event, the dominant ones included: the prior compares a story's reach
    with all the reach outside the audience, as its share compares with all the audience gave.
    `reaches` are the events' reaches when the caller has them (the ranking scores them too).
    """
    rows: list[Row] = []
    reach_sum = 0.0
    dropped = set(exclude)
    if reaches is None:
        reaches = [reach_of(e.outside, e.matched, options) for e in events]
    for event, r in zip(events, reaches, strict=True):
        value = r.value()
        reach_sum += value
        if total > 0 and value > 0 and not event.storyline_ids & dropped:
            rows.append(Row(value, r.audience_attention / total))
    return rows, reach_sum


def _attention(articles: Sequence[PlacedArticle], audience: str) -> float:
    return attention_of(a for a in articles if a.group == audience)


def _archive_weeks(inputs: BriefInputs) -> list[list[PlacedArticle]]:
    """The archive in seven-day blocks ending where the window starts (shares are per week).

    A block with less than half the window's audience attention (the archive's first, partial
    week; a week a feed was down) is left out: its shares would overstate the usual ones.
    """
    blocks: dict[int, list[PlacedArticle]] = {}
    for a in inputs.context:
        k = (inputs.window.start - a.day - timedelta(days=1)).days // 7
        if k >= 0:
            blocks.setdefault(k, []).append(a)
    return [blocks[k] for k in sorted(blocks)]


def archive_week(
    block: Sequence[PlacedArticle], audience: str, options: RankOptions
) -> ArchiveWeek:
    """One archive week's audience attention and rows (its dominant storylines left out).

    A function of the week's articles alone, so the store keeps it by data stamp
    (`aggregates.archive_weeks`) and a brief reads it instead of re-ranking the weeks before.
    """
    total = _attention(block, audience)
    if total <= 0:
        return ArchiveWeek(total, ())  # no shares to learn from (and `_rows` would give none)
    floods = {d.storyline_id for d in dominant_storylines(block, audience, options, named=False)}
    rows = _rows(events_of(block, audience, options), total, options, floods)[0]
    return ArchiveWeek(total, tuple((r.reach, r.share) for r in rows))


def _weeks(inputs: BriefInputs, options: RankOptions, volume: float) -> Iterator[ArchiveWeek]:
    """The archive weeks comparable with the window (at least half its audience attention: a
    partial or thin week's shares would overstate the usual ones), as given with the inputs,
    else computed from their `context`."""
    given = inputs.archive.get(inputs.audience)
    if given is not None:
        yield from (w for w in given if w.total >= 0.5 * volume)
        return
    for block in _archive_weeks(inputs):
        if _attention(block, inputs.audience) >= 0.5 * volume:
            yield archive_week(block, inputs.audience, options)


def fit_coverage_model(
    inputs: BriefInputs,
    options: RankOptions,
    exclude: Collection[str] = (),
    events: Sequence[Event] | None = None,
    reaches: Sequence[Reach] | None = None,
) -> CoverageModel:
    """Learn the audience's treatment from the archive and the window; the prior stands in below.

    `events` are the window's events when the caller has them already (the ranking does: joining
    languages encodes titles, which should happen once per brief), and `reaches` their reaches.
    """
    audience = inputs.audience
    if events is None:
        events = events_of(inputs.articles, audience, options, inputs.vectors)
    volume = _attention(inputs.articles, audience)
    window, outside_reach = _rows(events, volume, options, exclude, reaches)
    archive: list[Row] = []
    for week in _weeks(inputs, options, volume):
        archive += [Row(reach, share) for reach, share in week.rows]
    rows = window + archive
    positives = sum(1 for r in rows if r.share > 0)
    base = CoverageModel("prior", outside_reach, prior_strength=options.prior_strength)
    if len(rows) < options.min_model_stories or positives < options.min_model_positives:
        return base
    from belowthefold.rank.numeric import isotonic_knots

    knots_x, knots_y = isotonic_knots([r.reach for r in rows], [r.share for r in rows])
    return CoverageModel(
        kind="archive" if len(archive) >= options.min_archive_stories else "window",
        outside_reach=outside_reach,
        knots_x=tuple(knots_x),
        knots_y=tuple(knots_y),
        window_rows=len(window),
        archive_rows=len(archive),
        positives=positives,
        prior_strength=options.prior_strength,
    )
