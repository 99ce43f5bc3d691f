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
from collections.abc import Sequence

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


def is_packaging(title: str) -> bool:
    """Whether a headline packages a story (a clip, gallery, guide or question), not reports it."""
    return bool(
        _PACKAGING_START.search(title) or _PACKAGING_ANYWHERE.search(title) or _BYLINE.search(title)
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
    originals = sorted(
        [a for a in articles if not a.is_pickup] or list(articles),
        key=lambda a: (a.published, a.id),
    )
    if not originals:
        return ""
    originals = [a for a in originals if not is_packaging(a.title)] or originals
    words = [set(_WORD.findall(a.title.lower())) for a in originals]
    df: dict[str, int] = defaultdict(int)
    for ws in words:
        for w in ws:
            df[w] += 1

    def score(i: int) -> tuple[float, int]:
        ws = words[i]
        mean = sum(df[w] for w in ws) / (math.sqrt(len(ws)) * len(originals)) if ws else 0.0
        return (mean, -i)

    return originals[max(range(len(originals)), key=score)].title


def story_name(articles: Sequence[PlacedArticle]) -> str:
    """A story's name: its most central original headline."""
    return central_title(articles)


def storyline_name(articles: Sequence[PlacedArticle], lang: str | None = None) -> str:
    """A storyline's name: the most central headline of its biggest story.

    The biggest story is the one with the most original reports, packaging headlines left out
    (then all originals, attention, the earliest): the event outlets wrote most about, not the
    explainer that stayed longest on a front page ("Might the next pope come from Africa?" sat there all week; the pope's death had
    more headlines). With `lang`, only articles in that language count where the storyline has
    any, so an English brief names a multilingual saga in English.
    """
    pool = [a for a in articles if lang and a.lang == lang] or list(articles)
    if not pool:
        return ""
    stories: dict[str, list[PlacedArticle]] = defaultdict(list)
    for a in pool:
        stories[a.story_id or f"article:{a.id}"].append(a)

    def size(items: Sequence[PlacedArticle]) -> tuple[int, int, float, float]:
        first = min(a.published for a in items).timestamp()
        titles = {a.title.strip() for a in items if not a.is_pickup}
        reports = len({t.lower() for t in titles if not is_packaging(t)})
        return (reports, len(titles), sum(max(a.weight, 0.0) for a in items), -first)

    return central_title(max(stories.values(), key=size))
