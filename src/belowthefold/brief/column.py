"""The column's prose: a lead paragraph on what dominated, and a sentence or two per missed story.

Templates over the brief's own numbers, no language model: an analyst's column opens with what
held the audience's attention and how hard ("Tariffs held 22% of the BBC and NYT front pages this
week, 40% on Thursday"), and each missed headline with what happened, who covered it and who did
not. Markdown, HTML and JSON show the same strings, so the three formats keep one content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from belowthefold.attention import peak_point
from belowthefold.brief.facts import reading_order, sentences
from belowthefold.models import DominantStoryline, MissedHeadline, PressurePoint, Window
from belowthefold.rank.reasons import groups_phrase, plural

# A dominant storyline is named as what crowded a story out only where it held at least this
# share of the audience's attention on the story's days: 8% on a quiet day crowded nothing out
# (the reasons list still gives the number).
CROWDED_MENTION = 0.1


def audience_name(outlets: Sequence[str], audience: str) -> str:
    """ "BBC News", "BBC News and New York Times", or "the 6 mainstream outlets"."""
    named = [o for o in outlets if o]
    if len(named) == 1:
        return named[0]
    if len(named) == 2:
        return f"{named[0]} and {named[1]}"
    return f"the {len(named)} {audience} outlets" if named else f"the {audience} outlets"


def possessive(name: str) -> str:
    """ "BBC News'" and "the 4 mainstream outlets'", "CNN's"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _weekday(d: date | None) -> str:
    """ "Monday 21 April": a window can hold two Mondays, and a column names the day."""
    return f"{d:%A} {d.day} {d:%B}" if d is not None else ""


def span_phrase(window: Window) -> str:
    """ "this week" for a week; "from 19 to 28 April" for any other window."""
    if (window.end - window.start).days == 6:
        return "this week"
    start = (
        f"{window.start.day}"
        if window.start.month == window.end.month
        else (f"{window.start.day} {window.start:%B}")
    )
    return f"from {start} to {window.end.day} {window.end:%B}"


def dominated_lead(
    dominant: Sequence[DominantStoryline],
    pressure: Sequence[PressurePoint],
    audience: str,
    name: str,
    window: Window,
) -> str:
    """What dominated and how hard, then the day the pressure peaked."""
    peak = peak_point([p for p in pressure if p.group == audience])
    span = span_phrase(window)
    if not dominant:
        text = f"No single storyline dominated {name} {span}."
    else:
        d = dominant[0]
        text = f"“{d.headline}” held {d.share:.0%} of {possessive(name)} attention {span}"
        if d.peak_day is not None and d.peak_share > d.share:
            text += f", {d.peak_share:.0%} on {_weekday(d.peak_day)}"
        text += "."
        rest = [f"“{x.headline}” ({x.share:.0%})" for x in dominant[1:]]
        if rest:
            text += f" {' and '.join(rest)} came next."
    if peak is not None and peak.value > 0:
        text += (
            f" News pressure on {name} peaked on {_weekday(peak.day)}, when the day's three "
            f"biggest storylines took {peak.value:.0%} of its attention."
        )
    return text


def missed_summary(m: MissedHeadline, audience: str, name: str, lang: str | None = None) -> str:
    """What happened (the best original's first sentence), who covered it, who did not."""
    first = ""
    for a in reading_order(m.articles, lang):
        if a.group != audience and a.text:
            sents = [s for s in sentences(a.text, a.lang) if len(s) > 25]
            if sents:
                first = sents[0]
                break
    outlets = sum(n for g, n in m.coverage.items() if g != audience)
    groups = sum(1 for g, n in m.coverage.items() if g != audience and n > 0)
    items = sum(1 for a in m.articles if a.group == audience)
    gave = "no headline" if items == 0 else plural(items, "item")
    outside = groups_phrase((g, n) for g, n in m.coverage.items() if g != audience)
    who = (
        f"{plural(outlets, 'outlet')} in {plural(groups, 'group')} reported it ({outside}); "
        f"{name} gave it {gave}"
    )
    if m.crowded_out_by and m.crowded_share >= CROWDED_MENTION:
        who += f", while “{m.crowded_out_by}” held {m.crowded_share:.0%} of its attention"
    return f"{first} {who}.".strip() if first else f"{who}."


def coverage_shares(coverage: Mapping[str, int]) -> list[tuple[str, float]]:
    """Each group's share of the story's outlets, largest first: the coverage bar."""
    total = sum(coverage.values())
    if total <= 0:
        return []
    ranked = sorted(coverage.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(g, n / total) for g, n in ranked]
