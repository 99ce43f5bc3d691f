"""One rule for what a story and a storyline are called, wherever they are shown.

The brief, `stories`, the web pages and the API all name a group by these functions, so one
storyline is never "Trump deep sea mining order violates law" in one place and "US growth
forecast hit by tariffs" in another. A name is representative: the most central original
headline (the one whose words the group's other titles share most), of the storyline's biggest
story, in the audience's language when one is asked for and present, never a side story.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache

from belowthefold.models import PlacedArticle

_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
# Headlines that package a story rather than report it: clips, galleries, live pages, quizzes,
# guides and questions ("Watch: Key moments in Trump's tariffs announcement", "A simple guide to
# Canada's federal election", "Can Vietnam golf its way out of new Trump tariffs?"). They name a
# group only when it has no report. BBC clips also open without a colon ("Watch moment Trump
# ambushes Ramaphosa", "Timelapse captures intensity of roaring fire in Palisades", "Moment Xi,
# Putin and Kim pose", "Ros Atkins on...the Washington DC plane crash").
_PACKAGING_START = re.compile(
    r"^\s*(?:(?:video|listen|live|in pictures|pictures|in photos|explainer|analysis|"
    r"opinion|quiz|weekly quiz|timeline)\b\s*[:\-–—|]"
    r"|(?:a simple guide|a quick guide|see the|the full list|everything you need to know|"
    r"what we know|key moments|why|how|what|who|when|where|watch|timelapse|visual guide|"
    r"ros atkins on|moment(?! of\b))\b"
    r")",
    re.IGNORECASE,
)
# A columnist's byline ("Anthony Zurcher: What will decide the US election") counts as packaging.
_BYLINE = re.compile(r"^\s*[A-Z][a-z'’-]+ [A-Z][a-z'’-]+:\s")
# Live pages ("Football latest: ...", "Premier League news conferences: ...", "... follow all the
# action with our live text") and explainers ("The Impeachment of South Korea's President,
# Explained") anywhere in the title.
_PACKAGING_ANYWHERE = re.compile(
    r"\b(?:at a glance|a visual guide|in pictures|in maps|in charts|in \d+ seconds|live text|"
    r"live updates|radio (?:&|and) text|text updates|follow all the action)\b"
    r"|\b(?:latest|news conferences)\s*:|,\s*explained\s*$|\?\s*$",
    re.IGNORECASE,
)
# More of the same, read off the BBC/NYT front pages (2024-10 .. 2026-08; 49,138 headlines):
# packaging that sits after the topic rather than before it, which named held-out weeks ("Ann
# Widdecombe murder probe: What we know so far"). Each line is one kind:
_PACKAGING_TAIL = re.compile(
    # explainers and Q&As: "Heathrow airport closed: What we know so far", "Bolsonaro sentenced
    # - what you need to know", "Three things to know about ...", "Your questions answered ..."
    r"\bwhat we know\b|\b(?:what|all|everything|things|stats) (?:you (?:need to|should|want "
    r"to) |to )know\b|\bquestions answered\b|\byour questions\b|\bhere(?:'|’)s\b|\bhere are\b"
    # a feature's clause after its topic or a quote: "'A footballing architect' - how Enrique
    # led PSG", "Booze, oil and orange juice: How Canada could fight Trump tariffs"
    r"|(?:\s[-–—]|:)\s*(?:why|how|what|who|where|when)\b"
    # live pages and clips: "Wimbledon day two - follow live", "BBC Verify Live: ...", "... -
    # as it happened", "- watch & follow", "FA Cup third round: Watch live as ...", "- recap"
    r"|\b(?:follow|watch)\s+(?:\w+\s+){0,3}?live\b|\blive\s*:|\bas it happened\b"
    r"|(?:\s[-–—]|:)\s*(?:watch|listen|follow)\b|\brecap\b|\btext (?:&|and) radio\b"
    r"|\blive (?:coverage|updates?|blog|stream)\b"
    r"|\b(?:reaction|analysis|highlights|your views)\s*(?:&|and|,)\s*(?:reaction|analysis|"
    r"highlights|your views|as it happened)\b"
    # galleries, numbers, takeaways, timelines, guides, previews, quizzes, "..., explained"
    r"|\bin photos\b|\bin numbers\b|\btakeaways\b|\bkey moments\b|\ba (?:[\w'’-]+ ){0,4}timeline\b"
    r"|\bexplained\s*(?:$|in\b)|\byour (?:\w+ ){0,3}guide\b|\b\w+day's (?:\w+ ){0,3}guide\b"
    r"|\b(?:quick|simple|essential|ultimate) guide\b|(?:^|:|\s[-–—])\s*an? (?:\w+ ){0,3}guide "
    r"(?:to|for)\b|\b(?:what|things|how) to (?:expect|watch)\b|\bto watch (?:out )?for\b"
    r"|\bquiz\s*(?::|no\b|on\b)|\b(?:take|try) our\b|\bour (?:\w+ ){0,3}quiz\b|\bquiz of\b"
    r"|\btest your\b|^\s*sign up\b|^\s*listen\b",
    re.IGNORECASE,
)


def is_packaging(title: str) -> bool:
    """Whether a headline packages a story (a clip, gallery, guide or question), not reports it."""
    return bool(
        _PACKAGING_START.search(title)
        or _PACKAGING_ANYWHERE.search(title)
        or _PACKAGING_TAIL.search(title)
        or _BYLINE.search(title)
    )


def central_title(articles: Sequence[PlacedArticle]) -> str:
    """The original headline whose words recur most across the group's titles ("" if empty).

    Each original title scores, over its distinct words of four letters or more, the summed
    share of the group's titles that use the word, over the square root of its word count (so
    neither a long nor a short title wins by length); ties go to the earliest. Pickups are used
    only when nothing else is there, since they rewrite, and so are packaging headlines (clips,
    galleries, guides, questions: `is_packaging`). An explainer ("How the next pope is chosen")
    loses to the title that names the event.
    """
    originals = _originals(articles)
    if not originals:
        return ""
    reports = [a for a in originals if not is_packaging(a.title)] or originals
    return _most_central(reports, reports).title


def _originals(articles: Sequence[PlacedArticle]) -> list[PlacedArticle]:
    """The group's own reports, earliest first (pickups only when nothing else is there)."""
    return sorted(
        [a for a in articles if not a.is_pickup] or list(articles),
        key=lambda a: (a.published, a.id),
    )


def _most_central(
    candidates: Sequence[PlacedArticle], context: Sequence[PlacedArticle]
) -> PlacedArticle:
    """The candidate whose words the context's titles share most (see `central_title`)."""
    df: dict[str, int] = defaultdict(int)
    for a in context:
        for w in set(_WORD.findall(a.title.lower())):
            df[w] += 1

    def score(i: int) -> tuple[float, int]:
        ws = set(_WORD.findall(candidates[i].title.lower()))
        return (sum(df[w] for w in ws) / math.sqrt(len(ws)) if ws else 0.0, -i)

    return candidates[max(range(len(candidates)), key=score)]


def story_name(articles: Sequence[PlacedArticle], lang: str | None = None) -> str:
    """A story's name: its most central original headline, in `lang` where the story has any
    (a report of one event in Japanese and English is named in English for an English
    audience, by `in_language`)."""
    return central_title(in_language(articles, lang))


def in_language(articles: Sequence[PlacedArticle], lang: str | None) -> list[PlacedArticle]:
    """The articles not known to be in another language than `lang`, where there are any, else
    all: the pool a name is chosen from.

    A group in the audience's language names it when the group has one (the audience reads
    that language); otherwise the group is named in its own language rather than not at all.
    A headline whose language was not recognised (`lang` None: short titles the detector is
    unsure of, mostly the audience's own) stays in: on devweek-2025w17, leaving them out
    renamed BBC stories by a side headline ("China sends Boeing planes back to US over
    tariffs" -> "UK could lower US car tariffs in push for trade deal").
    """
    if not lang:
        return list(articles)
    ours = [a for a in articles if a.lang in (None, "", lang)]
    return ours or list(articles)


def storyline_name(articles: Sequence[PlacedArticle], lang: str | None = None) -> str:
    """A storyline's name: the best-placed report of its most prominent story.

    Where the input says where each headline stood on its page (`position`, 1 = the lead; front
    pages), a story's prominence is its distinct report headlines over its best place, and the
    most prominent story names the storyline by its best-placed report (ties: the one most
    central in the story). Editors lead with the event, so a side story with many rewrites
    loses to the lead even when the saga's reports are spread over many small stories:
    2024-W45's biggest story by headline variants, "US shares and Bitcoin hit record high on
    Trump win" (4 reports, never above 11th: 0.36), lost to "Donald Trump sweeps to victory in
    historic comeback" (2 reports, the lead: 2). Dividing, not filtering to the leads, keeps a
    big story that stood second ("Luigi Mangione charged with murdering healthcare CEO") above
    a feature that led once ("The dark fandom behind healthcare CEO murder suspect"). Stories
    without a place are not candidates then. Without any places (feeds, files), the biggest
    story names it by its most central headline.

    The biggest story is the one with the most distinct report headlines, packaging left out
    (then all originals, attention, the earliest): the event outlets wrote most about, not the
    explainer that stayed longest on a front page ("Might the next pope come from Africa?" sat
    there all week; the pope's death had more headlines). With `lang`, only articles in that
    language count where the storyline has any, so an English brief names a multilingual saga
    in English.
    """
    pool = in_language(articles, lang)
    if not pool:
        return ""
    stories: dict[str, list[PlacedArticle]] = defaultdict(list)
    for a in pool:
        stories[a.story_id or f"article:{a.id}"].append(a)
    # A week's storylines at 100k hold thousands of titles, each tested for packaging by four
    # regular expressions up to three times (size, placed reports, lead): tested once per
    # call here (a cache of its own each call, so nothing outlives it).
    packs = cache(is_packaging)
    placed = [(s, p) for s in stories.values() if (p := _placed_reports(s, packs))]
    if not placed:
        return central_title(max(stories.values(), key=lambda s: _size(s, packs)))
    best, reports = max(placed, key=lambda sp: _prominence(sp[0], sp[1], packs))
    return _lead_title(best, reports)


def _size(
    items: Sequence[PlacedArticle], packs: Callable[[str], bool]
) -> tuple[int, int, float, float]:
    """How big a story is: distinct report headlines, then originals, attention, the earliest."""
    first = min(a.published for a in items).timestamp()
    titles = {a.title.strip() for a in items if not a.is_pickup}
    reports = len({t.lower() for t in titles if not packs(t)})
    return (reports, len(titles), sum(max(a.weight, 0.0) for a in items), -first)


def _prominence(
    items: Sequence[PlacedArticle], placed: Sequence[PlacedArticle], packs: Callable[[str], bool]
) -> tuple[float, tuple[int, int, float, float]]:
    """A placed story's claim to name its storyline: reports over best place, then its size."""
    size = _size(items, packs)
    return (size[0] / _best_place(placed), size)


def _placed_reports(
    items: Sequence[PlacedArticle], packs: Callable[[str], bool]
) -> list[PlacedArticle]:
    """A story's original, non-packaging headlines that have a page place, earliest first."""
    return [a for a in _originals(items) if a.position is not None and not packs(a.title)]


def _best_place(placed: Sequence[PlacedArticle]) -> int:
    return min(a.position or 1 for a in placed)


def _lead_title(items: Sequence[PlacedArticle], placed: Sequence[PlacedArticle]) -> str:
    """A placed story's best-placed report (`placed`: its `_placed_reports`); ties go to the
    most central in the story, then the earliest ("Pope Francis dies aged 88" over "Pope
    Francis died of stroke and heart failure", both leads on 21 April 2025)."""
    best = _best_place(placed)
    leads = [a for a in placed if a.position == best]
    return _most_central(leads, _originals(items)).title
