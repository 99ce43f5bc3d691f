"""Rank: the stories the audience under-covered, given their weight everywhere else.

For each event of the window (the clusterer's stories, joined where they are one event) we measure
its reach outside the audience group (`rank.reach`: each group once, originals over pickups), ask the
coverage model (`rank.model`) what share of the audience's attention a story with that reach
normally gets, and compare with the share the audience gave it (its items in the event's stories or
close to its reports, `rank.events`). The score is the shortfall in shares, scaled by the story's
importance and by the audience's news pressure on the days it ran. `docs/method.md` explains every
term.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from belowthefold.attention import (
    attention_by_storyline,
    attention_of,
    audience_language,
    headline_of,
    measured,
)
from belowthefold.config import RankOptions
from belowthefold.models import (
    OTHER_GROUP,
    BriefInputs,
    DominantStoryline,
    MissedHeadline,
    PlacedArticle,
    PressurePoint,
)
from belowthefold.rank.events import Event, events_of
from belowthefold.rank.model import CoverageModel, fit_coverage_model
from belowthefold.rank.reach import Reach, importance, reach_of
from belowthefold.rank.reasons import Expectation, crowded_out_by, missed_reasons


@dataclass(frozen=True)
class Variety:
    """How many storylines a day the audience ran this window, against its usual number."""

    week: float
    usual: float | None
    displaced: float | None
    dominant_share: float


@dataclass(frozen=True)
class Ranking:
    """The missed list plus what the brief's methods appendix needs to explain it."""

    missed: tuple[MissedHeadline, ...]
    model: CoverageModel
    variety: Variety
    candidates: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Scored:
    score: float
    event: Event
    reach: Reach
    expectation: Expectation


def named_groups(inputs: BriefInputs) -> list[str]:
    """Groups other than the audience and the catch-all `other`: what a comparison needs."""
    found = {a.group for a in inputs.articles} | set(inputs.groups)
    return sorted(found - {inputs.audience, OTHER_GROUP})


def _no_groups_note(audience: str) -> str:
    return (
        f"Missed headlines compare {audience!r} with other source groups, and this window has "
        f"none besides {audience!r} and {OTHER_GROUP!r}: give --sources a file whose sources carry "
        "groups (wire, specialist, official, foreign, ...); examples/gdelt-week.sources.toml "
        "groups a GDELT week by domain, country and language."
    )


def rank_missed(
    inputs: BriefInputs,
    pressure: Sequence[PressurePoint],
    dominant: Sequence[DominantStoryline],
    options: RankOptions,
) -> Ranking:
    """Score every eligible event and keep the top `options.top_n`."""
    audience = inputs.audience
    floods = {d.storyline_id for d in dominant}
    events = events_of(inputs.articles, audience, options, inputs.vectors)
    # Each event's reach once: the model's rows and the scores read the same values.
    reaches = [reach_of(e.outside, e.matched, options) for e in events]
    model = fit_coverage_model(inputs, options, floods, events, reaches)
    variety = audience_variety(inputs, dominant, pressure)
    if not named_groups(inputs):
        return Ranking((), model, variety, 0, (_no_groups_note(audience),))
    own = [a for a in inputs.articles if a.group == audience]
    total = attention_of(own)
    if total <= 0:
        note = f"No {audience} items in this window: nothing to compare the other groups with."
        return Ranking((), model, variety, 0, (note,))
    own_pressure = {p.day: p for p in pressure if p.group == audience}
    typical = _typical_weight(own)
    scored: list[_Scored] = []
    for event, r in zip(events, reaches, strict=True):
        if event.storyline_ids & floods:
            continue
        if not _eligible(r, options) or _held(r, typical, options):
            continue
        e = Expectation(model.expected(r.value()), r.audience_attention / total, total, len(own))
        if e.got > options.max_got_ratio * e.expected or e.shortfall <= 0:
            continue
        factor = 1.0 + _mean_pressure(event.days, own_pressure)
        score = 100.0 * e.shortfall * importance(r) * factor
        scored.append(_Scored(score, event, r, e))
    scored.sort(key=lambda t: (-t.score, t.event.lead_story.story_id))
    lang = audience_language(own, audience)
    missed = tuple(
        _entry(i + 1, item, inputs, own, own_pressure, dominant, lang)
        for i, item in enumerate(scored[: options.top_n])
    )
    return Ranking(missed, model, variety, len(scored))


def _eligible(r: Reach, options: RankOptions) -> bool:
    """One outlet once is noise; so is a story seen in fewer groups than asked for."""
    return r.outlets >= options.min_outlets and r.groups >= options.min_groups


def _typical_weight(own: Sequence[PlacedArticle]) -> float:
    weights = sorted(max(a.weight, 0.0) for a in own)
    return (weights[len(weights) // 2] if weights else 0.0) or 1.0


def _held(r: Reach, typical: float, options: RankOptions) -> bool:
    """The audience ran it: on `held_days` or more days, or `held_items` typical items' worth.

    A front-page headline that stayed up for three days is one record with a large weight, so
    attention is measured against the audience's median item weight, not counted in records.
    Judged on the event's own items (its stories and the headlines close to its reports), not on
    its storyline: a storyline can hold unrelated stories, and one held headline in it must not
    hide the others.
    """
    return r.audience_days >= options.held_days or (
        r.audience_attention / typical >= options.held_items
    )


def _headline(event: Event, lang: str | None) -> str:
    """The lead story's name in the audience's language (`headline_of`), else the event's.

    An English column names the Iran port blast by an English report, not the earliest Spanish
    one: where the lead story has no report in the audience's language, the event's reports
    outside the audience in it name it by the same rule; without any, the lead story's
    headline stands.
    """
    headline = headline_of(event.lead_story.articles, lang)  # events' stories are unnamed
    first = next((a for a in event.lead_story.articles if a.title == headline), None)
    if lang is None or first is None or first.lang in (None, lang):
        return headline
    ours = [a for a in event.outside if a.lang == lang and not a.is_pickup]
    return headline_of(ours, lang) if ours else headline


def _mean_pressure(days: Sequence[date], own: Mapping[date, PressurePoint]) -> float:
    """Mean audience pressure over the story's days that have data (a silent day is no 0)."""
    values = [own[d].value for d in days if d in own and measured(own[d])]
    return sum(values) / len(values) if values else 0.0


def _entry(
    rank: int,
    item: _Scored,
    inputs: BriefInputs,
    own: Sequence[PlacedArticle],
    own_pressure: Mapping[date, PressurePoint],
    dominant: Sequence[DominantStoryline],
    lang: str | None,
) -> MissedHeadline:
    event, r = item.event, item.reach
    story = event.lead_story
    # The audience's items (the window's, in order): the dominant storyline's share among them
    # on the event's days, without filtering the whole window again for each listed event.
    crowd = crowded_out_by(event.days, own, inputs.audience, dominant)
    weeks = max(inputs.history.get(s, 0) for s in event.story_ids) + 1
    reasons = missed_reasons(
        event, r, item.expectation, inputs.audience, own_pressure, crowd, weeks
    )
    coverage = {g: 0 for g in sorted({*inputs.groups, inputs.audience} - {""})}
    coverage.update(dict(r.by_group))
    coverage[inputs.audience] = len({a.outlet_key for a in event.matched})
    return MissedHeadline(
        rank=rank,
        story_id=story.story_id,
        storyline_id=story.storyline_id,
        headline=_headline(event, lang),
        score=round(item.score, 4),
        reasons=reasons,
        coverage=coverage,
        articles=event.articles,
        crowded_out_by=crowd[0] if crowd else None,
        crowded_share=crowd[1] if crowd else 0.0,
        weeks_missed=weeks,
    )


def audience_variety(
    inputs: BriefInputs, dominant: Sequence[DominantStoryline], pressure: Sequence[PressurePoint]
) -> Variety:
    """How much of the audience's usual room for other news the dominant stories took.

    Variety is the share of a day's attention left to storylines beyond the day's top three
    (1 - pressure), averaged over the days with articles; the displaced share compares the window
    with the weeks before. It is a share, so a busier or quieter archive does not bias it.
    """
    week = _mean_variety(p for p in pressure if p.group == inputs.audience)
    usual = _usual_variety(inputs)
    displaced = max(0.0, 1.0 - week / usual) if usual and week is not None else None
    own = [a for a in inputs.articles if a.group == inputs.audience]
    totals = attention_by_storyline(own)
    total = sum(totals.values())
    held = sum(totals.get(d.storyline_id, 0.0) for d in dominant) / total if total > 0 else 0.0
    return Variety(week=week or 0.0, usual=usual, displaced=displaced, dominant_share=held)


def _usual_variety(inputs: BriefInputs) -> float | None:
    """The audience's mean variety over the days before the window: from the daily points the
    pipeline read from the store's aggregates when given, else from the `context` articles."""
    given = inputs.context_pressure.get(inputs.audience)
    if given is not None:
        return _mean_variety(given)
    before = sorted({a.day for a in inputs.context})
    if not before:
        return None
    from belowthefold.attention import daily_pressure

    return _mean_variety(daily_pressure(inputs.context, before, [inputs.audience]))


def _mean_variety(points: Iterable[PressurePoint]) -> float | None:
    values = [1.0 - p.value for p in points if p.articles > 0]
    return sum(values) / len(values) if values else None
