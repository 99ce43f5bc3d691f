"""Events: the clusterer's stories joined where they are one event, and what the audience ran on each.

Two things the story ids alone get wrong on real weeks. The clusterer splits an event (a wire's
report, a ministry's statement, a Korean-language report), and the column should list it once,
with its whole reach. And the audience's headlines about an event often sit in another story than
the outside reports ("India suspends Indus treaty after Kashmir attack" on a front page, "Pakistan
closes airspace to Indian airlines" at the wires): judging an event missed because its story ids
differ from the audience's would list every story the audience covered in other words. So the
audience's attention to an event is its items in the event's stories plus the items whose headline
is close in content to one of the event's reports (TF-IDF cosine over the window, days within one).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from belowthefold.attention import story_coverage
from belowthefold.config import RankOptions
from belowthefold.models import PlacedArticle, StoryCoverage


@dataclass(frozen=True)
class Event:
    """One event: its stories (largest first), the outside reports and the audience's items."""

    stories: tuple[StoryCoverage, ...]
    outside: tuple[PlacedArticle, ...]
    matched: tuple[PlacedArticle, ...]

    @property
    def lead_story(self) -> StoryCoverage:
        return self.stories[0]

    @property
    def story_ids(self) -> frozenset[str]:
        return frozenset(s.story_id for s in self.stories)

    @property
    def storyline_ids(self) -> frozenset[str]:
        return frozenset(s.storyline_id for s in self.stories)

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({d for s in self.stories for d in s.days}))

    @property
    def articles(self) -> tuple[PlacedArticle, ...]:
        items = {a.id: a for s in self.stories for a in s.articles}
        return tuple(sorted(items.values(), key=lambda a: (a.published, a.id)))


_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_COMMON = frozenset(
    [
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
        "year",
        "years",
        "first",
        "could",
        "would",
        "should",
    ]
)


def vocabulary(story: StoryCoverage) -> frozenset[str]:
    """A story's title words of four letters or more, without the filler every headline uses."""
    return frozenset(
        w for a in story.articles for w in _WORD.findall(a.title.lower()) if w not in _COMMON
    )


def same_event(a: StoryCoverage, b: StoryCoverage, threshold: float) -> bool:
    """Two clusters that are one event: days within one and titles sharing enough words (Jaccard)."""
    near = any(abs((x - y).days) <= 1 for x in a.days for y in b.days)
    va, vb = vocabulary(a), vocabulary(b)
    return near and bool(va and vb) and len(va & vb) / len(va | vb) >= threshold


def _joined(stories: Sequence[StoryCoverage], threshold: float) -> list[list[StoryCoverage]]:
    """Union of stories that are one event; pairs come from shared title words, not all pairs."""
    parent = list(range(len(stories)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    vocab = [vocabulary(s) for s in stories]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(vocab):
        for w in words:
            postings[w].append(i)
    for i in range(len(stories)):
        near = {j for w in vocab[i] for j in postings[w] if j > i}
        for j in sorted(near):
            if find(i) != find(j) and same_event(stories[i], stories[j], threshold):
                parent[find(j)] = find(i)
    groups: dict[int, list[StoryCoverage]] = defaultdict(list)
    for i, s in enumerate(stories):
        groups[find(i)].append(s)
    return list(groups.values())


Encoder = Callable[[list[str]], Any]


def _main_language(stories: Sequence[StoryCoverage]) -> str | None:
    langs = Counter(a.lang for s in stories for a in s.articles if a.lang)
    return langs.most_common(1)[0][0] if langs else None


def _join_languages(
    groups: list[list[StoryCoverage]], encoder: Encoder, options: RankOptions
) -> list[list[StoryCoverage]]:
    """Join an event reported in another language to the event it is about.

    TF-IDF gives a Spanish and an English report of one port explosion no shared term, so the
    Spanish one would stand alone with no audience coverage and be listed as missed. Events with
    a report outside the window's main language are compared, by the mean of their titles'
    multilingual embeddings, with the events they overlap in days; every pair at cosine
    `join_dense` or more is joined (the Spanish report and both English fragments it matches). Only events with at least `min_outlets` articles take
    part: the rest cannot be listed, and encoding them would cost time for nothing.
    """
    import numpy as np

    main = _main_language([s for g in groups for s in g])
    big = [
        i for i, g in enumerate(groups) if sum(len(s.articles) for s in g) >= options.min_outlets
    ]
    foreign = [
        i for i in big if any(a.lang and a.lang != main for s in groups[i] for a in s.articles)
    ]
    if not foreign or len(big) < 2:
        return groups
    titles = [[a.title for s in groups[i] for a in s.articles] for i in big]
    flat = encoder([t for ts in titles for t in ts])
    vectors, k = [], 0
    for ts in titles:
        v = np.asarray(flat[k : k + len(ts)]).mean(axis=0)
        vectors.append(v / (np.linalg.norm(v) or 1.0))
        k += len(ts)
    sims = np.asarray(vectors) @ np.asarray(vectors).T
    position = {g: n for n, g in enumerate(big)}
    days = [{d for s in g for d in s.days} for g in groups]
    target: dict[int, int] = {}
    for i in foreign:
        a = position[i]
        for b in range(len(big)):
            j = big[b]
            if j != i and sims[a, b] >= options.join_dense and _near(days[i], days[j]):
                ri, rj = _root(target, i), _root(target, j)
                if ri != rj:
                    target[ri] = rj
    return _merge(groups, target)


def _near(a: set[date], b: set[date]) -> bool:
    return any(abs((x - y).days) <= 1 for x in a for y in b)


def _root(target: dict[int, int], i: int) -> int:
    while i in target:
        i = target[i]
    return i


def _merge(groups: list[list[StoryCoverage]], target: dict[int, int]) -> list[list[StoryCoverage]]:
    """Apply `target` (group -> group it joined; a forest, so roots are well defined)."""
    merged: dict[int, list[StoryCoverage]] = defaultdict(list)
    for i, g in enumerate(groups):
        merged[_root(target, i)].extend(g)
    return list(merged.values())


def _doc(a: PlacedArticle) -> str:
    return f"{a.title}. {a.text[:300]}" if a.text else a.title


def _matches(
    audience: Sequence[PlacedArticle],
    events: Sequence[list[PlacedArticle]],
    options: RankOptions,
) -> dict[int, set[int]]:
    """Each audience item's events: those with a report close to its headline.

    Close means a TF-IDF cosine of at least `match_similarity` *and* `match_terms` shared terms:
    one rare word in common ("coalition" in a report's lead) is not the same event. An item may
    count for several events: a front page's saga headline covers each of its fragments.
    """
    out: dict[int, set[int]] = defaultdict(set)
    outside = [a for items in events for a in items]
    if not audience or not outside:
        return out
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", token_pattern=r"(?u)\b[^\W_][\w\-]{2,}\b"
    )
    try:
        vec.fit([a.title for a in audience] + [_doc(a) for a in outside])
    except ValueError:  # nothing but stop words
        return out
    # The audience's headline is its attention; a live blog's passing line is not.
    left = vec.transform([a.title for a in audience])
    right = vec.transform([_doc(a) for a in outside])
    sims = (left @ right.T).tocsr()
    shared = ((left > 0).astype(float) @ (right > 0).astype(float).T).tocsr()
    owner = [e for e, items in enumerate(events) for _ in items]
    slack = timedelta(days=1)
    coo = sims.tocoo()
    for i, j, v in zip(coo.row, coo.col, coo.data, strict=True):
        if v < options.match_similarity or shared[i, j] < options.match_terms:
            continue
        if abs(audience[i].day - outside[j].day) <= slack:
            out[int(i)].add(owner[j])
    return out


def events_of(
    articles: Sequence[PlacedArticle],
    audience: str,
    options: RankOptions,
    exclude: Collection[str] = (),
    encoder: Encoder | None = None,
) -> list[Event]:
    """The window's events with outside coverage, outside the `exclude`d storylines.

    With a multilingual `encoder`, events reported in another language join the event they are
    about (`_join_languages`); without one, stories join by shared title words only.
    """
    stories = [s for s in story_coverage(articles) if any(g != audience for g in s.by_group)]
    joined = _joined(stories, options.same_event_overlap)
    if encoder is not None:
        joined = _join_languages(joined, encoder, options)
    # Dropped after joining: a Japanese report of the pope's death joins the flood, then goes.
    dropped = set(exclude)
    joined = [g for g in joined if not any(s.storyline_id in dropped for s in g)]
    own = [a for a in articles if a.group == audience]
    outside = [[a for s in group for a in s.articles if a.group != audience] for group in joined]
    owner = _matches(own, outside, options)
    members: dict[int, set[int]] = defaultdict(set)
    for i, events_hit in owner.items():
        for e in events_hit:
            members[e].add(i)
    # An item in one of an event's stories belongs to that event, whatever its headline says.
    event_of_story = {s.story_id: e for e, group in enumerate(joined) for s in group}
    for i, a in enumerate(own):
        if (a.story_id or "") in event_of_story:
            members[event_of_story[a.story_id or ""]].add(i)
    events = []
    for e, (group, reports) in enumerate(zip(joined, outside, strict=True)):
        matched = tuple(own[i] for i in sorted(members.get(e, ())))
        group.sort(key=lambda s: (-s.outlets, -len(s.articles), s.story_id))
        events.append(Event(tuple(group), tuple(reports), matched))
    return events
