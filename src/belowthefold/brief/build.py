"""BriefInputs -> Brief: pressure, dominant storylines, the missed list, and the facts for each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from belowthefold.attention import (
    audience_language,
    daily_pressure,
    dominant_storylines,
    storyline_pools,
)
from belowthefold.brief.column import audience_name, dominated_lead, missed_summary
from belowthefold.brief.entities import Entities, entities
from belowthefold.brief.facts import extract_facts, lead_of
from belowthefold.config import RankOptions
from belowthefold.models import (
    Brief,
    BriefInputs,
    DominantStoryline,
    MissedHeadline,
    PlacedArticle,
)
from belowthefold.rank import Ranking, rank_missed


def build_brief(inputs: BriefInputs, options: RankOptions, names: Entities | None = None) -> Brief:
    """The week's column as data: every number the renderers show is computed here.

    `names` finds the people, organisations and places of the key facts: by default the
    named-entity model where the `ner` extra is installed, else the pattern extractor.
    """
    names = names or entities()
    audience = inputs.audience or options.audience
    inputs = replace(inputs, audience=audience)
    groups = _groups(inputs)
    pressure = daily_pressure(inputs.articles, inputs.window.days(), groups)
    lang = _language(inputs, audience)
    pools = storyline_pools(inputs.articles)
    dominant = _with_facts_dominant(_dominant(inputs, audience, options, pools), lang, names, pools)
    ranking = rank_missed(inputs, pressure, dominant, options)
    outlets = _outlets(inputs, audience)
    name = audience_name(outlets, audience) if outlets else "all outlets"
    missed = tuple(_with_facts(m, audience, name, lang, names) for m in ranking.missed)
    notes = _notes(inputs, ranking, dominant)
    versus_dominant: tuple[DominantStoryline, ...] = ()
    versus_missed: tuple[MissedHeadline, ...] = ()
    if inputs.versus and inputs.versus != audience:
        vs_inputs = replace(inputs, audience=inputs.versus, history={})
        vs_lang = _language(inputs, inputs.versus)
        versus_dominant = tuple(
            _with_facts_dominant(
                dominant_storylines(inputs.articles, inputs.versus, options, pools=pools),
                vs_lang,
                names,
                pools,
            )
        )
        vs_ranking = rank_missed(vs_inputs, pressure, versus_dominant, options)
        vs_name = audience_name(_outlets(inputs, inputs.versus), inputs.versus)
        versus_missed = tuple(
            _with_facts(m, inputs.versus, vs_name, vs_lang, names) for m in vs_ranking.missed
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
        methods=methods(audience, ranking, options, names),
        entities=names.label,
        lead=dominated_lead(dominant, pressure, audience, name, inputs.window),
        audience_outlets=outlets,
        missed_note=" ".join(ranking.notes),
    )


def _dominant(
    inputs: BriefInputs,
    audience: str,
    options: RankOptions,
    pools: Mapping[str, Sequence[PlacedArticle]],
) -> list[DominantStoryline]:
    """The audience's dominant storylines; with no audience items, those across all outlets.

    A GDELT file imported without a sources file has no groups: the brief still says what
    dominated the news, and the missed section says what it needs to say more.
    """
    if any(a.group == audience for a in inputs.articles):
        return dominant_storylines(inputs.articles, audience, options, pools=pools)
    everyone = [replace(a, group=audience) for a in inputs.articles]
    return dominant_storylines(everyone, audience, options, pools=pools)


def _outlets(inputs: BriefInputs, group: str) -> tuple[str, ...]:
    """The group's outlets by name, most items first (the column speaks of "BBC News")."""
    counts: dict[str, int] = {}
    for a in inputs.articles:
        if a.group == group and a.outlet_name:
            counts[a.outlet_name] = counts.get(a.outlet_name, 0) + 1
    return tuple(sorted(counts, key=lambda k: (-counts[k], k)))


def _groups(inputs: BriefInputs) -> list[str]:
    """Groups with articles in the window, the audience first (charts and tables read it first)."""
    present = sorted({a.group for a in inputs.articles} | {inputs.audience})
    return [inputs.audience] + [g for g in present if g != inputs.audience]


def _language(inputs: BriefInputs, group: str) -> str | None:
    """The group's language: its leads and facts are quoted in it, as its names are chosen."""
    return audience_language(inputs.articles, group)


def _with_facts(
    m: MissedHeadline, audience: str, name: str, lang: str | None, names: Entities
) -> MissedHeadline:
    return replace(
        m,
        lead=lead_of(m.articles, lang=lang),
        facts=extract_facts(m.articles, lang=lang, find_names=names.find).lines(),
        summary=missed_summary(m, audience, name, lang),
    )


def _with_facts_dominant(
    items: list[DominantStoryline],
    lang: str | None,
    names: Entities,
    pools: Mapping[str, Sequence[PlacedArticle]],
) -> list[DominantStoryline]:
    """A storyline's lead is quoted from the story it is named after, not its earliest item (an
    Easter blessing before the pope's death); its facts are those two of its stories state.
    `pools` are the window's items per storyline (`storyline_pools`), which name it."""
    out = []
    for d in items:
        core = named_story(d, pools.get(d.storyline_id, ()))
        out.append(
            replace(
                d,
                lead=lead_of(core, lang=lang),
                facts=extract_facts(
                    d.articles, lang=lang, find_names=names.find, quoted=core
                ).lines(),
            )
        )
    return out


def named_story(d: DominantStoryline, pool: Sequence[PlacedArticle] = ()) -> list[PlacedArticle]:
    """The articles of the story whose headline names the storyline: the audience's where it
    ran the story, else all of the window's (`pool`, what the storyline is named from: every
    group's items), else the audience's items of the storyline."""
    story = next((a.story_id for a in (*d.articles, *pool) if a.title == d.headline), None)
    if story is None:
        return list(d.articles)
    found = [a for a in d.articles if a.story_id == story]
    return found or [a for a in pool if a.story_id == story] or list(d.articles)


def _notes(inputs: BriefInputs, ranking: Ranking, dominant: list[DominantStoryline]) -> list[str]:
    audience = inputs.audience
    own = sum(1 for a in inputs.articles if a.group == audience)
    out: list[str] = []
    if not inputs.articles:
        out.append("No articles in this window: import some first (belowthefold import).")
    elif own == 0:
        out.append(
            f"No {audience} articles in this window: what dominated is measured across all "
            "outlets. Check the audience name and the sources file."
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


def methods(
    audience: str, ranking: Ranking, options: RankOptions, names: Entities | None = None
) -> tuple[str, ...]:
    """The methods appendix: what each number means and which model produced the expectations."""
    return (
        "News pressure: each day, the share of a group's attention (its items, weighted by time "
        "on the page or airtime where the input says) that went to the day's three biggest "
        "storylines (Eisensee & Strömberg 2007). Read it against the group's usual level, which "
        "is lower the more items a group carries a day (the BBC and NYT front pages, with dozens of "
        "headlines a day, average 0.22–0.29 in ordinary weeks); near 1, one story crowded "
        "out the rest.",
        f"What dominated: up to {options.dominant_n} storylines holding at least "
        f"{options.dominant_share:.0%} of {audience}'s attention over the window. Their stories "
        "are never listed as missed.",
        f"Who covered a story: its reports outside {audience}, counted per group (each group "
        "once, so nine papers rewriting one agency report do not outweigh a wire, a ministry and "
        "a specialist site; an outlet that only republished a syndicated copy counts half). "
        f"{audience.capitalize()}'s items count for a story when they belong to it or their "
        "headline says the same thing as one of its reports, within a day; reports of one event "
        "in several languages are one event.",
        f"What {audience} would normally have given it: {ranking.model.describe()}.",
        f"Missed: {audience} gave it at most {options.max_got_ratio:.0%} of that, on fewer than "
        f"{options.held_days} days and less than {options.held_items:g} typical items' worth; "
        f"at least {options.min_outlets} outlets elsewhere ran it (one outlet once is noise). The "
        "list is ordered by the shortfall, times the story's weight (how widely it ran, official, "
        "wire or specialist sources, days running), times the pressure on its days.",
        "Crowded out by: the dominant storyline with the largest share of "
        f"{audience}'s attention on the days the story ran.",
        "Key facts: figures, people, organisations and places that the quoted report or at "
        "least two independent reports state (two outlets; for a storyline, two of its stories), "
        "read from headlines and opening sentences. "
        + (
            f"Names by the named-entity model {names.label}."
            if names is not None and names.is_model
            else "Names by the pattern extractor (capitalised words sorted by the words around "
            "them), the fallback where no named-entity model is installed: pip install "
            "'belowthefold[ner]' for one."
        ),
        f"{ranking.candidates} stor{'y' if ranking.candidates == 1 else 'ies'} qualified this "
        f"window; at most {options.top_n} are listed. docs/method.md has every formula.",
    )
