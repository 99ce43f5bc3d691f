"""Attention: who covered what, and how hard the biggest storylines pressed on everything else.

Attention is the sum of article weights (1 per article unless the input knows airtime or hours on a
front page). News pressure follows Eisensee & Strömberg (2007): the share of a group's attention on
a day that went to that day's three largest storylines. Storylines, not stories, because a flood is
many stories (announcement, market fall, retaliation) and must be seen whole.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter

from belowthefold.config import RankOptions
from belowthefold.models import (
    DominantStoryline,
    GroupCoverage,
    PlacedArticle,
    PressurePoint,
    StoryCoverage,
)
from belowthefold.stories.naming import story_name, storyline_name

TOP_K = 3


def story_key(article: PlacedArticle) -> str:
    """The article's story, or the article itself when it has not been clustered yet."""
    return article.story_id or f"article:{article.id}"


def storyline_key(article: PlacedArticle) -> str:
    """The article's storyline; an unclustered article is a storyline of its own."""
    return article.storyline_id or story_key(article)


def attention_of(articles: Iterable[PlacedArticle]) -> float:
    """Summed weight of the items (a negative weight counts 0): what "attention" means here."""
    return sum(max(a.weight, 0.0) for a in articles)


def main_language(articles: Iterable[PlacedArticle]) -> str | None:
    """The items' most common language: the one a group's column is read in."""
    return language_of(Counter(a.lang for a in articles if a.lang))


def language_of(counts: Mapping[str, int]) -> str | None:
    """The most common language of per-language item counts (ties: the first code in order),
    so a count the store makes and one made here pick the same language."""
    found = [(n, lang) for lang, n in counts.items() if lang and n > 0]
    return min(found, key=lambda c: (-c[0], c[1]))[1] if found else None


def audience_language(articles: Sequence[PlacedArticle], audience: str) -> str | None:
    """The audience's language: the most common language of its group's items in the window.

    Every surface names stories and storylines in it (`stories.naming`): the brief, `stories`,
    the web pages and the API, so a saga reported in Japanese and English is named in English
    for an English audience. Where the audience has no items (a file imported without a
    sources file), the brief measures what dominated across all outlets, and their most common
    language is the one read. The web counts the same items in the store
    (`ArticleRepo.languages`) and picks by `language_of`.
    """
    own = [a for a in articles if a.group == audience]
    return main_language(own or articles)


def attention_by_storyline(articles: Iterable[PlacedArticle]) -> dict[str, float]:
    """Summed weight per storyline."""
    totals: dict[str, float] = defaultdict(float)
    for a in articles:
        totals[storyline_key(a)] += max(a.weight, 0.0)
    return dict(totals)


def concentration(shares: Sequence[float]) -> float:
    """1 - normalised Shannon entropy: 0 when attention is spread evenly, 1 when one storyline has it all."""
    positive = [s for s in shares if s > 0]
    if not positive:
        return 0.0
    if len(positive) == 1:
        return 1.0
    total = sum(positive)
    entropy = -sum((s / total) * math.log(s / total) for s in positive)
    return max(0.0, 1.0 - entropy / math.log(len(positive)))


def pressure_point(day: date, group: str, articles: Sequence[PlacedArticle]) -> PressurePoint:
    """One group's pressure on one day, from that day's articles of the group (in order)."""
    totals = attention_by_storyline(articles)
    attention = sum(totals.values())
    if not articles or attention <= 0:
        return PressurePoint(day, group, 0.0, 0.0, len(articles), attention)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ranked[:TOP_K]
    value = sum(v for _, v in top) / attention
    shares = [v / attention for _, v in ranked]
    return PressurePoint(
        day=day,
        group=group,
        value=value,
        concentration=concentration(shares),
        articles=len(articles),
        attention=attention,
        top_storylines=tuple(k for k, _ in top),
    )


def daily_pressure(
    articles: Sequence[PlacedArticle], days: Sequence[date], groups: Sequence[str] | None = None
) -> list[PressurePoint]:
    """One point per group and day: top-three storyline share, concentration, articles, attention.

    A day without articles keeps its point (with value 0 and no articles) so tables stay
    rectangular, but it is not a measurement: read values through `measured`, and charts and
    JSON show such a day as a gap, never as a calm 0 (the completeness appendix says which
    sources were silent).
    """
    chosen = list(groups) if groups is not None else sorted({a.group for a in articles})
    cells: dict[tuple[str, date], list[PlacedArticle]] = defaultdict(list)
    for a in articles:
        cells[(a.group, a.day)].append(a)
    return [pressure_point(d, g, cells.get((g, d), [])) for g in chosen for d in days]


def measured(point: PressurePoint) -> bool:
    """Whether the point is a measurement at all: a day with no attention is missing data."""
    return point.articles > 0 and point.attention > 0


def reliability_floor(points: Sequence[PressurePoint]) -> float:
    """The fewest articles one group's day needs for its pressure to mean something.

    More than TOP_K, since a day of three items holds a top-three share of 1.0 by construction,
    and at least half the group's median day, so a trickle on a quiet Sunday is not read as a
    flood. The one rule for "thin" days: charts draw them hollow, peaks and highs skip them.
    """
    counts = sorted(p.articles for p in points if measured(p))
    if not counts:
        return float(TOP_K + 1)
    return max(float(TOP_K + 1), counts[len(counts) // 2] / 2)


def thin_days(points: Sequence[PressurePoint]) -> set[date]:
    """The measured days of one group below its reliability floor (drawn hollow, never a peak)."""
    floor = reliability_floor(points)
    return {p.day for p in points if measured(p) and p.articles < floor}


def reliable_points(points: Sequence[PressurePoint]) -> list[PressurePoint]:
    """One group's points with enough articles for their share to mean something.

    Peaks and "the week's high" are read only from these; when no day reaches the floor, the
    busiest measured day stands in, so a thin week still has a high (marked thin elsewhere).
    """
    live = [p for p in points if measured(p)]
    if not live:
        return []
    floor = reliability_floor(live)
    return [p for p in live if p.articles >= floor] or [max(live, key=lambda p: p.articles)]


def peak_point(points: Sequence[PressurePoint]) -> PressurePoint | None:
    """The highest pressure on a day with enough articles for the share to mean something."""
    reliable = reliable_points(points)
    return max(reliable, key=lambda p: (p.value, p.day)) if reliable else None


def _group_coverage(articles: Sequence[PlacedArticle]) -> GroupCoverage:
    pickups = sum(1 for a in articles if a.is_pickup)
    return GroupCoverage(
        articles=len(articles),
        outlets=len({a.outlet_key for a in articles}),
        attention=attention_of(articles),
        originals=len(articles) - pickups,
        pickups=pickups,
    )


def headline_of(articles: Sequence[PlacedArticle], lang: str | None) -> str:
    """A story's name in `lang` (the audience's: `audience_language`), by the one rule every
    view uses (stories/naming.py)."""
    return story_name(articles, lang)


_BY_TIME = attrgetter("published", "id")


def _coverage(
    key: str, articles: list[PlacedArticle], named: bool = True, lang: str | None = None
) -> StoryCoverage:
    articles.sort(key=_BY_TIME)
    by_group: dict[str, list[PlacedArticle]] = {}
    days: set[date] = set()
    outlets: set[str] = set()
    pickups = 0
    for a in articles:
        items = by_group.get(a.group)
        if items is None:
            by_group[a.group] = [a]
        else:
            items.append(a)
        days.add(a.day)
        outlets.add(a.outlet_key)
        if a.is_pickup:
            pickups += 1
    return StoryCoverage(
        story_id=key,
        storyline_id=storyline_key(articles[0]),
        headline=headline_of(articles, lang) if named else "",
        by_group={g: _group_coverage(by_group[g]) for g in sorted(by_group)},
        days=tuple(sorted(days)),
        outlets=len(outlets),
        originals=len(articles) - pickups,
        pickups=pickups,
        articles=tuple(articles),
    )


def story_coverage(
    articles: Sequence[PlacedArticle],
    named: bool = True,
    beyond: str | None = None,
    lang: str | None = None,
) -> list[StoryCoverage]:
    """Coverage per story by group, largest first (by distinct outlets, then articles).

    Stories are named in `lang`, the audience's language (`audience_language`), where they have
    reports in it. With `named` False the stories' headlines are left empty: naming one reads
    all its titles, and the ranking names only the few it lists (`headline_of(story.articles,
    lang)` is the name).
    With `beyond` a group, only the stories with an article outside it: the ranking looks at
    no other, and half a week's stories are the audience's alone.
    """
    stories: dict[str, list[PlacedArticle]] = {}
    outside: set[str] = set()  # the stories with an article beyond `beyond`
    for a in articles:
        key = story_key(a)
        found = stories.get(key)
        if found is None:
            stories[key] = [a]
        else:
            found.append(a)
        if beyond is not None and a.group != beyond:
            outside.add(key)
    out = [
        _coverage(k, v, named, lang) for k, v in stories.items() if beyond is None or k in outside
    ]
    out.sort(key=lambda s: (-s.outlets, -len(s.articles), s.story_id))
    return out


def _daily_totals(articles: Sequence[PlacedArticle]) -> list[tuple[date, dict[str, float]]]:
    """Per day (in order), the summed weight per storyline: what `_peak` reads for each listed
    storyline, computed once for all of them."""
    per_day: dict[date, list[PlacedArticle]] = defaultdict(list)
    for a in articles:
        per_day[a.day].append(a)
    return [(day, attention_by_storyline(per_day[day])) for day in sorted(per_day)]


def _peak(
    daily: Sequence[tuple[date, dict[str, float]]], storyline: str
) -> tuple[date | None, float]:
    """The day the storyline held the largest share of the audience's attention, and that share."""
    best: tuple[date | None, float] = (None, 0.0)
    for day, totals in daily:
        total = sum(totals.values())
        share = totals.get(storyline, 0.0) / total if total > 0 else 0.0
        if share > best[1]:
            best = (day, share)
    return best


def dominant_storylines(
    articles: Sequence[PlacedArticle],
    audience: str,
    options: RankOptions,
    named: bool = True,
    pools: Mapping[str, Sequence[PlacedArticle]] | None = None,
) -> list[DominantStoryline]:
    """The storylines with the largest shares of the audience's attention over the window.

    At most `options.dominant_n`, each holding at least `options.dominant_share`; a storyline seen
    in a single audience article is never dominant (one article is not a news cycle). Each is
    measured on the audience's items (`articles` of the result) but named as every other
    surface names it: from all the window's items of the storyline, every group's, in the
    audience's language (`storyline_headline`). With `named` False their headlines are left
    empty: the coverage model's archive weeks only leave the dominant storylines out, and
    naming one reads all its titles. `pools` are `storyline_pools(articles)` where the caller
    has them already (the brief quotes its leads from them too).
    """
    own = [a for a in articles if a.group == audience]
    lang = audience_language(own, audience)
    totals = attention_by_storyline(own)
    total = sum(totals.values())
    if total <= 0:
        return []
    members: dict[str, list[PlacedArticle]] = defaultdict(list)
    for a in own:
        members[storyline_key(a)].append(a)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    out: list[DominantStoryline] = []
    daily: list[tuple[date, dict[str, float]]] | None = None
    for key, value in ranked[: options.dominant_n]:
        share = value / total
        if share < options.dominant_share or len(members[key]) < 2:
            break
        items = sorted(members[key], key=lambda a: (a.published, a.id))
        daily = _daily_totals(own) if daily is None else daily
        peak_day, peak_share = _peak(daily, key)
        headline = ""
        if named:
            pools = storyline_pools(articles) if pools is None else pools
            headline = storyline_headline(pools[key], lang)
        out.append(
            DominantStoryline(
                storyline_id=key,
                headline=headline,
                share=share,
                articles=tuple(items),
                peak_day=peak_day,
                peak_share=peak_share,
            )
        )
    return out


def storyline_pools(articles: Iterable[PlacedArticle]) -> dict[str, list[PlacedArticle]]:
    """The window's items per storyline, every group's, in the order given (the store's, as
    `stories` reads them): the pool each storyline is named from (`storyline_headline`)."""
    pools: dict[str, list[PlacedArticle]] = defaultdict(list)
    for a in articles:
        pools[storyline_key(a)].append(a)
    return dict(pools)


def storyline_headline(items: Sequence[PlacedArticle], lang: str | None) -> str:
    """A storyline's name in `lang` (the audience's: `audience_language`), by the one rule every
    view uses (stories/naming.py), from one pool on every surface: `items` are all the placed
    articles of the storyline in the window, every group's (`storyline_pools`), not only the
    audience's.

    The brief, `stories`, the web pages and the API then give one storyline one name in one
    window; the web's story and storyline pages, which have no week, name it over its whole
    span, which is the brief's pool when the storyline lies within the week. All groups rather
    than the audience's: the name says which saga it is, and the saga is the same whoever
    reads it, so it is its most representative headline overall (the biggest story, or on
    front pages the most prominent placed one); the audience is already preferred by its
    language (`in_language`), and a storyline the audience never ran (most of those `stories`
    and the web list) has no audience items to be named from. Named from the audience's
    items only, a designed saga (tests/test_naming_surfaces.py) was named in the brief by the
    audience's side story and in `stories` by the story every outlet ran. On the real weeks
    (devweek-2025w17, the front pages' 2024-W45, 2025-W14, 2025-W17) the two pools give the
    same names: the audience's front pages carry the page places, and only placed stories name
    a storyline that has any. `lang` has no default: a caller that forgot it would name a
    multilingual saga by whichever language had the biggest story."""
    return storyline_name(items, lang)
