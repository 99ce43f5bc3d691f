"""BriefInputs -> Brief: pressure, dominant storylines, the missed list, and the facts for each."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from belowthefold.attention import daily_pressure, dominant_storylines
from belowthefold.brief.column import audience_name, dominated_lead, missed_summary
from belowthefold.brief.facts import extract_facts, lead_of
from belowthefold.config import RankOptions
from belowthefold.models import (
    Brief,
    BriefInputs,
    DominantStoryline,
    MissedHeadline,
    PressurePoint,
)
from belowthefold.rank import Ranking, rank_missed


def build_brief(inputs: BriefInputs, options: RankOptions) -> Brief:
    """The week's column as data: every number the renderers show is computed here."""
    audience = inputs.audience or options.audience
    inputs = replace(inputs, audience=audience)
    groups = _groups(inputs)
    pressure = daily_pressure(inputs.articles, inputs.window.days(), groups)
    dominant = _with_facts_dominant(dominant_storylines(inputs.articles, audience, options))
    ranking = rank_missed(inputs, pressure, dominant, options)
    outlets = _outlets(inputs, audience)
    name = audience_name(outlets, audience)
    lang = _language(inputs, audience)
    missed = tuple(_with_facts(m, audience, name, lang) for m in ranking.missed)
    notes = list(ranking.notes) + _notes(inputs, ranking, dominant)
    versus_dominant: tuple[DominantStoryline, ...] = ()
    versus_missed: tuple[MissedHeadline, ...] = ()
    if inputs.versus and inputs.versus != audience:
        vs_inputs = replace(inputs, audience=inputs.versus, history={})
        versus_dominant = tuple(
            _with_facts_dominant(dominant_storylines(inputs.articles, inputs.versus, options))
        )
        vs_ranking = rank_missed(vs_inputs, pressure, versus_dominant, options)
        vs_name = audience_name(_outlets(inputs, inputs.versus), inputs.versus)
        vs_lang = _language(inputs, inputs.versus)
        versus_missed = tuple(
            _with_facts(m, inputs.versus, vs_name, vs_lang) for m in vs_ranking.missed
        )
        notes += _versus_notes(audience, inputs.versus, missed, versus_missed)
    return Brief(
        window=inputs.window,
        audience=audience,
        groups=tuple(groups),
        pressure=tuple(pressure),
        dominant=tuple(dominant),
        missed=missed,
        generated_at=inputs.now or datetime.now(UTC),
        notes=tuple(notes),
        health=inputs.health,
        versus=inputs.versus,
        versus_dominant=versus_dominant,
        versus_missed=versus_missed,
        methods=methods(audience, ranking, options),
        lead=dominated_lead(dominant, pressure, audience, name),
        audience_outlets=outlets,
    )


def _outlets(inputs: BriefInputs, group: str) -> tuple[str, ...]:
    """The group's outlets by name, most items first (the column speaks of "BBC News")."""
    counts: dict[str, int] = {}
    for a in inputs.articles:
        if a.group == group and (a.outlet or a.source):
            key = a.outlet or a.source or ""
            counts[key] = counts.get(key, 0) + 1
    return tuple(sorted(counts, key=lambda k: (-counts[k], k)))


def _groups(inputs: BriefInputs) -> list[str]:
    """Groups with articles in the window, the audience first (charts and tables read it first)."""
    present = sorted({a.group for a in inputs.articles} | {inputs.audience})
    return [inputs.audience] + [g for g in present if g != inputs.audience]


def _language(inputs: BriefInputs, group: str) -> str | None:
    """The group's most common article language: the language its column is read in."""
    langs = Counter(a.lang for a in inputs.articles if a.group == group and a.lang)
    return langs.most_common(1)[0][0] if langs else None


def _with_facts(m: MissedHeadline, audience: str, name: str, lang: str | None) -> MissedHeadline:
    return replace(
        m,
        lead=lead_of(m.articles, lang=lang),
        facts=extract_facts(m.articles).lines(),
        summary=missed_summary(m, audience, name, lang),
    )


def _with_facts_dominant(items: list[DominantStoryline]) -> list[DominantStoryline]:
    return [
        replace(d, lead=lead_of(d.articles), facts=extract_facts(d.articles).lines()) for d in items
    ]


def _notes(inputs: BriefInputs, ranking: Ranking, dominant: list[DominantStoryline]) -> list[str]:
    audience = inputs.audience
    own = sum(1 for a in inputs.articles if a.group == audience)
    out: list[str] = []
    if not inputs.articles:
        out.append("No articles in this window: import some first (belowthefold import).")
    elif own == 0:
        out.append(
            f"No {audience} articles in this window: check the audience name and the sources file."
        )
    v = ranking.variety
    if dominant and v.dominant_share > 0:
        out.append(
            f"The {len(dominant)} dominant storyline{'s' if len(dominant) != 1 else ''} held "
            f"{v.dominant_share:.0%} of {audience} coverage this window."
        )
    if v.usual and v.displaced is not None:
        head = (
            f"{audience.capitalize()} left {v.week:.0%} of its daily attention to stories beyond "
            f"the day's top three, against {v.usual:.0%} in the weeks before"
        )
        if v.displaced > 0:
            out.append(
                f"{head}: the dominant stories displaced {v.displaced:.0%} of its usual variety."
            )
        else:
            out.append(f"{head}: no less variety than usual, so nothing was displaced overall.")
    return out


def _versus_notes(
    audience: str, versus: str, missed: tuple[MissedHeadline, ...], vs: tuple[MissedHeadline, ...]
) -> list[str]:
    carried = sum(1 for m in missed if m.coverage.get(versus, 0) > 0)
    carried_back = sum(1 for m in vs if m.coverage.get(audience, 0) > 0)
    return [
        f"Of {audience}'s {len(missed)} missed headlines, {carried} ran in {versus} outlets; "
        f"of {versus}'s {len(vs)}, {carried_back} ran in {audience} outlets."
    ]


def methods(audience: str, ranking: Ranking, options: RankOptions) -> tuple[str, ...]:
    """The methods appendix: what each number means and which model produced the expectations."""
    return (
        "News pressure: for each group and day, the share of that group's attention (summed article "
        "weights) held by the day's three largest storylines (Eisensee & Strömberg 2007). "
        "Concentration is 1 minus the normalised entropy of storyline shares.",
        f"Dominant storylines: up to {options.dominant_n} storylines holding at least "
        f"{options.dominant_share:.0%} of {audience} attention over the window; their stories are "
        f"never listed as missed, nor are storylines {audience} held: ran on {options.held_days} or more "
        f"days, or gave {options.held_items:g} typical items' worth of attention (a front-page "
        "headline up for days is one record with a large weight).",
        f"Expected coverage: the share of {audience} attention a story with the same reach "
        f"elsewhere usually gets; {ranking.model.describe()}.",
        "Reach: for each group outside the audience, the doublings of the outlets there that "
        "covered the story (an outlet that only picked up a syndicated copy counts half), summed "
        "over groups, so one prolific group or one rewrite site does not decide.",
        f"Score = shortfall × importance × (1 + pressure). Shortfall = expected − got share of "
        f"{audience} attention (listed when it got at most {options.max_got_ratio:.0%} of what it "
        "was expected to); importance = reach + 0.5 with official, wire or specialist presence "
        f"+ 0.25 per doubling of the days it ran; pressure = mean {audience} pressure on the days "
        f"the story ran. A story needs at least {options.min_outlets} outlets outside {audience}: "
        f"one outlet once is noise. {audience.capitalize()}'s items count for a story when they "
        "are in its stories or their headline is close to one of its reports (TF-IDF cosine "
        f"at least {options.match_similarity:g}, within a day).",
        f"Crowd-out: the dominant storyline with the largest share of {audience} attention on the days "
        "the story ran. Variety: the share of a day's attention left to storylines beyond the top "
        "three (1 − pressure); displaced variety compares this window's mean with the weeks before. "
        "Each event is listed once: stories of one event (days within one, titles sharing "
        "enough words) are joined before scoring.",
        f"{ranking.candidates} stor{'y' if ranking.candidates == 1 else 'ies'} met the thresholds "
        f"this window; at most {options.top_n} are listed.",
    )


def pressure_for(brief: Brief, group: str) -> list[PressurePoint]:
    """The brief's pressure series of one group, in day order."""
    return sorted((p for p in brief.pressure if p.group == group), key=lambda p: p.day)
