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
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain
from typing import Any

from belowthefold.attention import main_language, story_coverage
from belowthefold.config import RankOptions
from belowthefold.models import PlacedArticle, StoryCoverage


@dataclass(frozen=True)
class Event:
    """One event: its stories (largest first), the outside reports and the audience's items.

    The stories are unnamed (`headline` ""): a week has thousands of events and lists ten, so
    the ranking names a listed one's lead story by `attention.headline_of(story.articles, lang)`.
    """

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
    find = _WORD.findall
    return frozenset(chain.from_iterable(find(a.title.lower()) for a in story.articles)) - _COMMON


def _joined(stories: Sequence[StoryCoverage], options: RankOptions) -> list[list[StoryCoverage]]:
    """Union of stories that are one event: days within one and title vocabularies overlapping
    by `same_event_overlap` or more (Jaccard). Pairs come from shared title words, not all pairs.

    Stories the clusterer put in one storyline need less (`same_saga_overlap`, days within
    `same_saga_days`): the saga link is evidence already, and an event's follow-up days later
    ("SK Telecom offers 23 million customers new SIM cards" after "SK Telecom confirms USIM data
    leak") is the same missed headline, not a second one. A storyline that glued two events
    (a North Korean destroyer and the Balikatan exercise) shares almost no title words.
    """
    parent = list(range(len(stories)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # The components of the pairs' graph do not depend on the order the pairs join in.
    for i, j in _same_event_pairs(stories, options):
        if find(i) != find(j):
            parent[find(j)] = find(i)
    groups: dict[int, list[StoryCoverage]] = defaultdict(list)
    for i, s in enumerate(stories):
        groups[find(i)].append(s)
    return list(groups.values())


def _same_event_pairs(
    stories: Sequence[StoryCoverage], options: RankOptions
) -> list[tuple[int, int]]:
    """Every pair (i < j) that `_joined` joins, found by sparse products over shared words.

    A week has ~20,000 stories and a common title word is in thousands of them: counting the
    shared words pair by pair in Python was most of `_joined`. The story-by-word matrix times its
    transpose counts them in C, in blocks of rows so memory stays bounded; the bars are the same
    integer and float comparisons, applied to all of a block's pairs at once.
    """
    import numpy as np
    from scipy import sparse

    from belowthefold.rank.numeric import first_seen

    vocab = [vocabulary(s) for s in stories]
    flat = list(chain.from_iterable(vocab))
    if not flat:
        return []
    index = first_seen(flat)  # each word a column
    n = len(stories)
    sizes = np.fromiter(map(len, vocab), dtype=np.int64, count=n)
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes)
    cols = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    has = sparse.csr_matrix(
        (np.ones(len(flat), dtype=np.int32), (rows, cols)), shape=(n, len(index))
    )
    has_t = has.T.tocsr()  # once, not per block
    spans = np.asarray([_span(s.days) for s in stories], dtype=np.int64).reshape(n, 2)
    lines: dict[str, int] = {}
    line = np.asarray([lines.setdefault(s.storyline_id, len(lines)) for s in stories])
    out: list[tuple[int, int]] = []
    for lo in range(0, n, 512):
        block = (has[lo : lo + 512] @ has_t).tocoo()
        i, j, shared = block.row.astype(np.int64) + lo, block.col.astype(np.int64), block.data
        later = j > i
        i, j, shared = i[later], j[later], shared[later].astype(np.int64)
        saga = line[i] == line[j]
        threshold = np.where(saga, options.same_saga_overlap, options.same_event_overlap)
        slack = np.where(saga, options.same_saga_days, 1)
        union = sizes[i] + sizes[j] - shared
        near = (spans[i, 0] <= spans[j, 1] + slack) & (spans[j, 0] <= spans[i, 1] + slack)
        ok = (shared >= threshold * union) & near
        out.extend(zip(i[ok].tolist(), j[ok].tolist(), strict=True))
    return out


def _span(days: Sequence[date]) -> tuple[int, int]:
    ordinals = [d.toordinal() for d in days] or [0]
    return min(ordinals), max(ordinals)


def _overlap(a: tuple[int, int], b: tuple[int, int], slack: int = 1) -> bool:
    """Day ranges within `slack` days of each other (the clusterer's stories span a few days)."""
    return a[0] <= b[1] + slack and b[0] <= a[1] + slack


def _join_languages(
    groups: list[list[StoryCoverage]], vectors: Mapping[str, Any], options: RankOptions
) -> list[list[StoryCoverage]]:
    """Join an event reported in another language to the event it is about.

    TF-IDF gives a Spanish and an English report of one port explosion no shared term, so the
    Spanish one would stand alone with no audience coverage and be listed as missed. An event
    mostly in another language than the window's main one is compared, by the mean of its
    reports' stored multilingual vectors, with the main-language events it overlaps in days, and
    joins the closest one at cosine `join_dense` or more. One link per foreign event, to a
    main-language one: stars, never chains, so a week of thousands of events cannot glue
    look-alike stories together. Only events with at least `min_outlets` reports take part; the
    rest cannot be listed.
    """
    import numpy as np

    main = main_language(a for g in groups for s in g for a in s.articles)
    centroids: dict[int, Any] = {}
    foreign: list[int] = []
    home: list[int] = []
    for i, g in enumerate(groups):
        reports = [a for s in g for a in s.articles]
        found = [vectors[a.id] for a in reports if a.id in vectors]
        if len(reports) < options.min_outlets or not found:
            continue
        v = np.asarray(found, dtype=np.float32).mean(axis=0)
        centroids[i] = v / (float(np.linalg.norm(v)) or 1.0)
        other = sum(1 for a in reports if a.lang and a.lang != main)
        (foreign if other * 2 > len(reports) else home).append(i)
    if not foreign or not home:
        return groups
    sims = np.asarray([centroids[i] for i in foreign]) @ np.asarray([centroids[j] for j in home]).T
    spans = [_span([d for s in g for d in s.days]) for g in groups]
    lo = np.asarray([spans[j][0] for j in home])
    hi = np.asarray([spans[j][1] for j in home])
    target: dict[int, int] = {}
    for a, i in enumerate(foreign):
        near = (lo <= spans[i][1] + 1) & (spans[i][0] <= hi + 1)
        row = np.where(near, sims[a], -1.0)
        best = int(row.argmax())
        if row[best] >= options.join_dense:
            target[i] = home[best]
    return _merge(groups, target)


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
    import numpy as np

    from belowthefold.rank.numeric import Tfidf

    # The audience's headline is its attention; a live blog's passing line is not. The fit is
    # on the very documents transformed, so one pass gives both sides' rows.
    try:
        both = Tfidf().fit_transform([a.title for a in audience] + [_doc(a) for a in outside])
    except ValueError:  # nothing but stop words
        return out
    left, right = both[: len(audience)], both[len(audience) :]
    sims = (left @ right.T).tocsr()
    owner = [e for e, items in enumerate(events) for _ in items]
    slack = timedelta(days=1)
    # The bars are applied to all pairs at once: one element lookup per pair in Python was
    # most of a week's brief (every audience headline shares a word with thousands). The shared
    # terms are counted for the close pairs only (a few per cent of the nonzero similarities):
    # each pair's two rows, as 0/1, multiplied entry by entry and summed, an exact count.
    coo = sims.tocoo()
    close = coo.data >= options.match_similarity
    rows, cols = coo.row[close], coo.col[close]
    if len(rows):
        mine, theirs = left[rows], right[cols]
        mine.data[:] = 1.0
        theirs.data[:] = 1.0
        shared = np.asarray(mine.multiply(theirs).sum(axis=1)).ravel()
        enough = shared >= options.match_terms
        rows, cols = rows[enough], cols[enough]
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if abs(audience[i].day - outside[j].day) <= slack:
            out[i].add(owner[j])
    return out


def events_of(
    articles: Sequence[PlacedArticle],
    audience: str,
    options: RankOptions,
    vectors: Mapping[str, Any] | None = None,
) -> list[Event]:
    """The window's events with outside coverage, the dominant ones included.

    With multilingual `vectors` (article id -> the clusterer's stored vector), events reported in
    another language join the event they are about (`_join_languages`); without them, stories
    join by shared title words only. Callers drop the dominant storylines' events afterwards, so
    that a Japanese report of the pope's death first joins the flood, then goes with it.
    """
    stories = story_coverage(articles, named=False, beyond=audience)
    joined = _joined(stories, options)
    if vectors:
        joined = _join_languages(joined, vectors, options)
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
