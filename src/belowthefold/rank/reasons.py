"""The reasons under each missed headline, in the numbers an analyst would quote.

"13 outlets in 4 groups (9 foreign, 2 wire, 1 official, 1 specialist) over 3 days; mainstream
gave it 0 of its 945 items while “Tariffs …” held 22% of its coverage": who covered it, who did
not, and what crowded it out, then the expectation behind the score.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from belowthefold.attention import attention_by_storyline, reliable_points
from belowthefold.models import DominantStoryline, PlacedArticle, PressurePoint
from belowthefold.rank.events import Event
from belowthefold.rank.reach import Reach


@dataclass(frozen=True)
class Expectation:
    """What the audience was expected to give a story, and what it gave, as shares and units."""

    expected: float
    got: float
    audience_total: float
    audience_items: int

    @property
    def shortfall(self) -> float:
        """Share of the audience's attention the story fell short by (never negative)."""
        return shortfall_of(self.expected, self.got)


def shortfall_of(expected: float, got: float) -> float:
    """How far short of its expected share of attention the story fell (never negative)."""
    return max(0.0, expected - got)


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


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _copied(event: Event) -> str:
    """ " of the AP story": whose report the pickups mostly copied, when we know the original."""
    copied = Counter(a.original_id for a in event.outside if a.original_id)
    if not copied:
        return ""
    original, _ = copied.most_common(1)[0]
    outlet = next((a.outlet for a in event.articles if a.id == original and a.outlet), None)
    return f" of the {outlet} story" if outlet else ""


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


def groups_phrase(counts: Iterable[tuple[str, int]]) -> str:
    """ "5 foreign, 2 wire, 1 official": outlets per group, most first, groups without none."""
    ranked = sorted(((g, n) for g, n in counts if n > 0), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{n} {g}" for g, n in ranked)


def _who(r: Reach) -> str:
    return (
        f"{plural(r.outlets, 'outlet')} in {plural(r.groups, 'group')} "
        f"({groups_phrase(r.by_group)}) over {plural(r.days, 'day')}"
    )


def _units(x: float) -> str:
    return f"{x:.0f}" if math.isclose(x, round(x)) else f"{x:.1f}"


def missed_reasons(
    event: Event,
    r: Reach,
    e: Expectation,
    audience: str,
    own_pressure: Mapping[date, PressurePoint],
    crowd: tuple[str, float] | None,
    weeks: int,
) -> tuple[str, ...]:
    """Plain-words reasons, each with the numbers behind it."""
    first = (
        f"{_who(r)}; {audience} gave it {plural(r.audience_items, 'item')} of its "
        f"{e.audience_items}"
    )
    if crowd is not None:
        first += f" while “{crowd[0]}” held {crowd[1]:.0%} of its coverage"
    out = [first]
    out.append(
        f"a story with this reach would get about {e.expected:.1%} of {audience}'s attention "
        f"({_units(e.expected * e.audience_total)} of its {_units(e.audience_total)} weighted "
        f"items); it got {e.got:.1%} ({_units(r.audience_attention)})"
    )
    peak = _peak_pressure(event.days, own_pressure)
    if peak is not None:
        day, value, is_high = peak
        high = ", the week's high" if is_high else ""
        out.append(f"{audience} pressure {value:.2f} on {short_day(day)}{high}")
    out.append(
        f"ran {plural(len(event.days), 'day')} ({_span(event.days)}); "
        f"{plural(r.originals, 'original report')}, {plural(r.pickups, 'pickup')}{_copied(event)}"
    )
    if r.authority:
        out.append(f"official, wire or specialist sources covered it: {', '.join(r.authority)}")
    if weeks >= 2:
        out.append(f"missed for the {ordinal(weeks)} week")
    return tuple(out)
