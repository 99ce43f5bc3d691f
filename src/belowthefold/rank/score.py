"""Rank: the stories the audience's outlets under-covered, given their weight everywhere else.

For each story of the window we measure its reach outside the audience group (distinct outlets,
original reports counting more than pickups, groups, official/wire presence, days running), ask a
coverage model how many audience outlets a story with that reach usually gets, and compare with
what it got. The score is the shortfall, scaled by the story's weight and by the audience's news
pressure on the days it ran. `docs/method.md` explains every term.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from belowthefold.attention import (
    attention_by_storyline,
    reliable_points,
    story_coverage,
    storyline_key,
)
from belowthefold.config import RankOptions
from belowthefold.models import (
    OTHER_GROUP,
    BriefInputs,
    DominantStoryline,
    MissedHeadline,
    PlacedArticle,
    PressurePoint,
    StoryCoverage,
)
from belowthefold.rank.model import CoverageModel, StorySignals, fit_coverage_model, signals_of


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


def named_groups(inputs: BriefInputs) -> list[str]:
    """Groups other than the audience and the catch-all `other`: what a comparison needs."""
    found = {a.group for a in inputs.articles} | set(inputs.groups)
    return sorted(found - {inputs.audience, OTHER_GROUP})


def missed_headlines(
    inputs: BriefInputs,
    pressure: Sequence[PressurePoint],
    dominant: Sequence[DominantStoryline],
    options: RankOptions,
) -> list[MissedHeadline]:
    """The ranked missed headlines for `inputs.audience` (see `rank_missed` for the details)."""
    return list(rank_missed(inputs, pressure, dominant, options).missed)


def rank_missed(
    inputs: BriefInputs,
    pressure: Sequence[PressurePoint],
    dominant: Sequence[DominantStoryline],
    options: RankOptions,
) -> Ranking:
    """Score every eligible story and keep the top `options.top_n`."""
    audience = inputs.audience
    model = fit_coverage_model(inputs, options, {d.storyline_id for d in dominant})
    variety = audience_variety(inputs, dominant, pressure)
    if not named_groups(inputs):
        note = (
            f"Missed headlines need source groups besides {audience!r} and {OTHER_GROUP!r}: "
            "give --sources a file whose sources carry groups."
        )
        return Ranking((), model, variety, 0, (note,))
    excluded = _excluded_storylines(inputs.articles, audience, dominant, options)
    own_pressure = {p.day: p for p in pressure if p.group == audience}
    scored: list[tuple[float, StoryCoverage, StorySignals, float]] = []
    for story in story_coverage(inputs.articles):
        if story.storyline_id in excluded:
            continue
        signals = signals_of(story, audience, options, model.audience_outlets)
        if not _eligible(signals, options):
            continue
        expected = model.expected(signals)
        shortfall = shortfall_of(expected, signals.audience_outlets)
        if shortfall < options.min_shortfall:
            continue
        factor = 1.0 + _mean_pressure(story.days, own_pressure)
        score = shortfall * story_weight(signals) * factor
        scored.append((score, story, signals, expected))
    scored.sort(key=lambda t: (-t[0], t[1].story_id))
    scored = _one_per_event(scored, options.same_event_overlap)
    missed = tuple(
        _entry(i + 1, score, story, signals, expected, inputs, own_pressure, dominant, options)
        for i, (score, story, signals, expected) in enumerate(scored[: options.top_n])
    )
    return Ranking(missed, model, variety, len(scored))


_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_COMMON = frozenset(
    {
        "after",
        "amid",
        "over",
        "says",
        "said",
        "with",
        "from",
        "that",
        "this",
        "will",
        "have",
        "been",
        "into",
        "about",
        "more",
        "than",
        "what",
        "when",
        "where",
        "which",
        "their",
        "there",
        "they",
        "before",
        "live",
        "update",
        "updates",
        "watch",
        "analysis",
        "report",
        "reports",
        "news",
    }
)


def _vocabulary(story: StoryCoverage) -> frozenset[str]:
    return frozenset(
        w for a in story.articles for w in _WORD.findall(a.title.lower()) if w not in _COMMON
    )


def same_event(a: StoryCoverage, b: StoryCoverage, threshold: float) -> bool:
    """Two clusters that are one event: overlapping days and titles sharing enough words.

    The clusterer sometimes splits an event (a wire's report and a ministry's statement); the
    column should list it once. Jaccard similarity of the title vocabularies, days within one.
    """
    near = any(abs((x - y).days) <= 1 for x in a.days for y in b.days)
    va, vb = _vocabulary(a), _vocabulary(b)
    return near and bool(va and vb) and len(va & vb) / len(va | vb) >= threshold


def _one_per_event(
    scored: list[tuple[float, StoryCoverage, StorySignals, float]], threshold: float
) -> list[tuple[float, StoryCoverage, StorySignals, float]]:
    """Keep each storyline's (and each event's) best-scoring story: a column lists it once."""
    seen: set[str] = set()
    kept: list[tuple[float, StoryCoverage, StorySignals, float]] = []
    for item in scored:
        story = item[1]
        if story.storyline_id in seen or any(same_event(story, k[1], threshold) for k in kept):
            continue
        seen.add(story.storyline_id)
        kept.append(item)
    return kept


def shortfall_of(expected: float, got: int) -> float:
    """How many audience outlets short of its expected coverage the story fell (never negative).

    Absolute, not relative: a story expected in four audience outlets that got none is further
    under-covered than one expected in one that got none, and the list should say so.
    """
    return max(0.0, expected - got)


def story_weight(s: StorySignals) -> float:
    """A story's weight outside the audience: doublings of outlets, plus breadth and authority.

    log2 because the tenth outlet says less than the second; each further group adds half a
    doubling, official/wire presence another half.
    """
    return math.log2(1.0 + s.effective_outlets) + 0.5 * max(0, s.groups - 1) + 0.5 * s.official


def _eligible(s: StorySignals, options: RankOptions) -> bool:
    """One outlet once is noise; so is a story seen in fewer groups than asked for."""
    return s.outlets >= options.min_outlets and s.groups >= options.min_groups


def _excluded_storylines(
    articles: Sequence[PlacedArticle],
    audience: str,
    dominant: Sequence[DominantStoryline],
    options: RankOptions,
) -> set[str]:
    """Storylines the audience did not miss: dominant ones, and ones it held.

    Held means the audience ran the storyline on `held_days` or more days, or gave it at least
    `held_items` typical items' worth of attention (its summed weight over the audience's median
    item weight): a front-page headline that stayed up for three days is one record, not three.
    """
    out = {d.storyline_id for d in dominant}
    own = [a for a in articles if a.group == audience]
    if not own:
        return out
    weights = sorted(max(a.weight, 0.0) for a in own)
    typical = weights[len(weights) // 2] or 1.0
    days: dict[str, set[date]] = defaultdict(set)
    attention: dict[str, float] = defaultdict(float)
    for a in own:
        days[storyline_key(a)].add(a.day)
        attention[storyline_key(a)] += max(a.weight, 0.0)
    out |= {k for k, v in days.items() if len(v) >= options.held_days}
    out |= {k for k, v in attention.items() if v / typical >= options.held_items}
    return out


def _mean_pressure(days: Sequence[date], own: Mapping[date, PressurePoint]) -> float:
    values = [own[d].value for d in days if d in own]
    return sum(values) / len(values) if values else 0.0


def _entry(
    rank: int,
    score: float,
    story: StoryCoverage,
    s: StorySignals,
    expected: float,
    inputs: BriefInputs,
    own_pressure: Mapping[date, PressurePoint],
    dominant: Sequence[DominantStoryline],
    options: RankOptions,
) -> MissedHeadline:
    crowd = crowded_out_by(story.days, inputs.articles, inputs.audience, dominant)
    weeks = inputs.history.get(story.story_id, 0) + 1
    reasons = missed_reasons(story, s, expected, inputs.audience, own_pressure, crowd, weeks)
    coverage = {g: 0 for g in sorted({*inputs.groups, inputs.audience} - {""})}
    coverage.update({g: c.outlets for g, c in story.by_group.items()})
    return MissedHeadline(
        rank=rank,
        story_id=story.story_id,
        storyline_id=story.storyline_id,
        headline=story.headline,
        score=round(score, 4),
        reasons=reasons,
        coverage=coverage,
        articles=story.articles,
        crowded_out_by=crowd[0] if crowd else None,
        weeks_missed=weeks,
    )


def crowded_out_by(
    days: Sequence[date],
    articles: Sequence[PlacedArticle],
    audience: str,
    dominant: Sequence[DominantStoryline],
) -> tuple[str, float] | None:
    """The dominant storyline with the largest share of the audience's attention on these days."""
    wanted = set(days)
    own = [a for a in articles if a.group == audience and a.day in wanted]
    totals = attention_by_storyline(own)
    total = sum(totals.values())
    if total <= 0 or not dominant:
        return None
    best = max(dominant, key=lambda d: totals.get(d.storyline_id, 0.0))
    share = totals.get(best.storyline_id, 0.0) / total
    return (best.headline, share) if share > 0 else None


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def short_day(d: date) -> str:
    return f"{d.strftime('%b')} {d.day}"


def _copied(story: StoryCoverage) -> str:
    """ " of the AP story": whose report the pickups mostly copied, when we know the original."""
    copied = Counter(a.original_id for a in story.articles if a.original_id)
    if not copied:
        return ""
    original, _ = copied.most_common(1)[0]
    outlet = next((a.outlet for a in story.articles if a.id == original and a.outlet), None)
    return f" of the {outlet} story" if outlet else ""


def missed_reasons(
    story: StoryCoverage,
    s: StorySignals,
    expected: float,
    audience: str,
    own_pressure: Mapping[date, PressurePoint],
    crowd: tuple[str, float] | None,
    weeks: int,
) -> tuple[str, ...]:
    """Plain-words reasons, each with the numbers behind it."""
    first = (
        f"{s.outlets} outlets in {s.groups} group{'s' if s.groups != 1 else ''}; "
        f"{s.audience_outlets} of {s.audience_total} {audience} outlets"
    )
    peak = _peak_pressure(story.days, own_pressure)
    if peak is not None:
        day, value, is_high = peak
        first += f"; {audience} pressure {value:.2f} on {short_day(day)}"
        first += ", the week's high" if is_high else ""
    out = [first]
    out.append(
        f"expected about {expected:.1f} {audience} outlets for a story with this reach, got "
        f"{s.audience_outlets}"
    )
    span = _span(story.days)
    out.append(
        f"ran {len(story.days)} day{'s' if len(story.days) != 1 else ''} ({span}); "
        f"{story.originals} original report{'s' if story.originals != 1 else ''}, "
        f"{story.pickups} pickup{'s' if story.pickups != 1 else ''}{_copied(story)}"
    )
    if s.official:
        out.append(
            f"official, wire or specialist sources covered it: {', '.join(s.official_outlets)}"
        )
    if crowd is not None:
        out.append(f"ran while “{crowd[0]}” held {crowd[1]:.0%} of {audience} coverage")
    if weeks >= 2:
        out.append(f"missed for the {ordinal(weeks)} week")
    return tuple(out)


def _span(days: Sequence[date]) -> str:
    if not days:
        return ""
    if len(days) == 1:
        return short_day(days[0])
    return f"{short_day(days[0])}–{short_day(days[-1])}"


def _peak_pressure(
    days: Sequence[date], own: Mapping[date, PressurePoint]
) -> tuple[date, float, bool] | None:
    """The audience's highest pressure on the story's days, and whether it was the window's high."""
    reliable = reliable_points(list(own.values()))
    wanted = set(days)
    points = [p for p in reliable if p.day in wanted]
    if not points:
        return None
    best = max(points, key=lambda p: (p.value, p.day))
    week_high = max(p.value for p in reliable)
    return best.day, best.value, math.isclose(best.value, week_high)


def audience_variety(
    inputs: BriefInputs, dominant: Sequence[DominantStoryline], pressure: Sequence[PressurePoint]
) -> Variety:
    """How much of the audience's usual room for other news the dominant stories took.

    Variety is the share of a day's attention left to storylines beyond the day's top three
    (1 - pressure), averaged over the days with articles; the displaced share compares the window
    with the weeks before. It is a share, so a busier or quieter archive does not bias it.
    """
    week = _mean_variety(p for p in pressure if p.group == inputs.audience)
    before = sorted({a.day for a in inputs.context})
    usual = None
    if before:
        from belowthefold.attention import daily_pressure

        usual = _mean_variety(daily_pressure(inputs.context, before, [inputs.audience]))
    displaced = max(0.0, 1.0 - week / usual) if usual and week is not None else None
    own = [a for a in inputs.articles if a.group == inputs.audience]
    totals = attention_by_storyline(own)
    total = sum(totals.values())
    held = sum(totals.get(d.storyline_id, 0.0) for d in dominant) / total if total > 0 else 0.0
    return Variety(week=week or 0.0, usual=usual, displaced=displaced, dominant_share=held)


def _mean_variety(points: Iterable[PressurePoint]) -> float | None:
    values = [1.0 - p.value for p in points if p.articles > 0]
    return sum(values) / len(values) if values else None
