"""Storylines regrouped once a stream day from their stories' meaning, with stable ids.

An online storyline link sees one new headline against a long saga's centroid, and a saga that
starts as several storylines stays split unless two of them later look alike on their terms; on
real front pages the 2024 US election ended in 45 storylines that way. Once a day, the stories of
the storyline window are instead clustered together, average link over their dense (multilingual
encoder) centroids: a story joins a group when it resembles the group's stories *on average*,
which a saga's many framings do ("undecided voters", "path to 270", "Joe Rogan backs Trump") and
a side story that shares one name does not.

Ids stay stable: each new group keeps the old storyline id that contributed most of its articles
(largest overlaps first, each old id to one group); a group no old id is left for gets a new id
derived from its largest story. What changed is returned as moves (story -> storyline) and, for
an old storyline whose every story left it, a redirect (old -> where most of it went). The
measurements behind the bar are in docs/clustering.md ("Daily regrouping").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.stories.ids import storyline_id_for


@dataclass(frozen=True)
class StoryPoint:
    """One active story as the regrouping sees it: its dense centroid and main language."""

    story_id: str
    storyline_id: str
    size: int
    dense: Any
    lang: str = ""


@dataclass(frozen=True)
class RegroupOptions:
    """The regrouping's bars; their values are ClusterOptions.storyline_regroup_* (`of`)."""

    min_cosine: float
    # Two stories already in one storyline count as this much more alike: hysteresis, so a
    # storyline is split only on clear evidence. Without it the daily cuts flipped stories back
    # and forth near the bar and the floods' figures swung by 0.1-0.3 between nearby bars.
    stick: float
    # Two stories mostly in different languages count as this much more alike: the encoder
    # scores one event 0.35-0.65 across languages, well below the same event within one.
    across: float
    # A group of two or three stories must be this much more alike on average: one event per
    # story and a shared topic is not a saga (the demo's vaccine recall and measles outbreak,
    # cosine 0.57, joined and hid the recall behind the outbreak's mainstream coverage).
    small_extra: float
    # A storyline of at least `claim_min` stories claims a loose story its linear model scores
    # at least `claim_bar` (0: off); claim_strays says why and how.
    claim_bar: float = 0.0
    claim_min: int = 10
    # The stories left out of the regrouping (over the cap) are claimed at this bar (0: off):
    # claim_rest says why.
    rest_bar: float = 0.0
    # A group of at least `claim_min` stories joins a larger one whose model scores it
    # `join_bar` on average (0: off) when the two are `join_ratio` as cohesive; join_alike.
    join_bar: float = 0.0
    join_ratio: float = 0.0
    # A story born after the regrouping whose word links found no large storyline is claimed,
    # online, by the regrouping's model at this bar (0: off); claim_new says why.
    new_bar: float = 0.0
    small_max: int = 3

    @classmethod
    def of(cls, options: ClusterOptions) -> RegroupOptions:
        return cls(
            options.storyline_regroup_cosine,
            options.storyline_regroup_stick,
            options.storyline_regroup_across,
            options.storyline_regroup_small,
            options.storyline_claim_bar,
            options.storyline_claim_min,
            options.storyline_claim_rest_bar,
            options.storyline_join_bar,
            options.storyline_join_ratio,
            options.storyline_claim_new_bar,
        )


@dataclass(frozen=True)
class DayClaims:
    """The regrouping's claims model, kept until the next one to place the day's new stories.

    `storylines` are the claimants' storyline ids after the regrouping, one per column of
    `weights` (the unit dense row plus an intercept, times `weights`, is a story's score)."""

    storylines: tuple[str, ...]
    weights: Any
    bar: float

    def claim(self, dense: Any, active: Collection[str]) -> str | None:
        """The active claimant scoring `dense` highest, when that score reaches the bar."""
        import numpy as np

        row = np.asarray(dense, dtype=np.float64)
        norm = float(np.linalg.norm(row))
        if norm <= 0:
            return None
        scores = np.append(row / norm, 1.0) @ self.weights
        best, top = None, self.bar
        for sid, score in zip(self.storylines, scores, strict=True):
            if score >= top and sid in active:
                best, top = sid, float(score)
        return best


@dataclass(frozen=True)
class Regrouping:
    """The storyline changes of one regrouping: story moves and redirects of emptied storylines,
    and the claims model for the day's new stories (None: off, or no storyline large enough)."""

    moves: tuple[tuple[str, str], ...]
    redirects: tuple[tuple[str, str], ...]
    claims: DayClaims | None = None


def regroup_id(story_id: str, day: int) -> str:
    """The id of a storyline a regrouping splits off: fixed by the story it grew from and the
    stream day of the regrouping (a story may seed a new storyline again on a later day, after
    its first one was folded away: that old id must stay a redirect)."""
    return storyline_id_for(f"regroup:{day}:{story_id}")


def _unit_rows(points: Sequence[StoryPoint], dtype: Any) -> Any:
    """The points' dense centroids as rows of unit length (a zero vector stays zero)."""
    import numpy as np

    # Stacked as they are, then converted at once (the same values as converting each row).
    m = np.stack([p.dense for p in points]).astype(dtype, copy=False)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m /= np.where(norms > 0, norms, 1.0)
    return m


def similarities(points: Sequence[StoryPoint], options: RegroupOptions) -> Any:
    """Pairwise story similarity (float32): dense centroid cosine, plus the stick and across terms.

    Ids and languages are compared as integer codes: an object-array comparison of 3,000 x
    3,000 strings took about a second per regrouping.
    """
    import numpy as np

    m = _unit_rows(points, np.float32)
    sim = m @ m.T
    if options.stick > 0:
        _, lines = np.unique([p.storyline_id for p in points], return_inverse=True)
        sim += np.float32(options.stick) * (lines[:, None] == lines[None, :])
    if options.across > 0:
        names, langs = np.unique([p.lang for p in points], return_inverse=True)
        empty = np.flatnonzero(names == "")  # stories of no known language get no bonus
        known = langs != (int(empty[0]) if empty.size else -1)
        apart = (langs[:, None] != langs[None, :]) & known[:, None] & known[None, :]
        sim += np.float32(options.across) * apart
    return sim


def clusters(points: Sequence[StoryPoint], options: RegroupOptions) -> list[int]:
    """Average-link clusters of the points, cut where the average similarity falls below the bar.

    The square similarity matrix becomes distances in place and is freed before the linkage, so
    a regrouping of 3,000 stories holds one 36 MB square and one 36 MB condensed copy at a time.
    """
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(points) < 2:
        return [1] * len(points)
    dist = similarities(points, options)
    np.subtract(1.0, dist, out=dist)
    np.clip(dist, 0.0, 2.0, out=dist)
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False).astype(np.float64)
    del dist
    z = linkage(condensed, method="average")
    del condensed
    labels = [int(c) for c in fcluster(z, t=1.0 - options.min_cosine, criterion="distance")]
    # The joins' and the claims' models are fitted on the same rows: one design for both.
    design = _design(points) if options.join_bar > 0 or options.claim_bar > 0 else None
    labels = join_alike(_split_small(labels, points, options), points, options, design)
    return claim_strays(labels, points, options, design)


def _split_small(
    labels: list[int], points: Sequence[StoryPoint], options: RegroupOptions
) -> list[int]:
    """Break up the groups of two or three stories that are not clearly one saga."""
    members: dict[int, list[int]] = {}
    for i, c in enumerate(labels):
        members.setdefault(c, []).append(i)
    out = list(labels)
    fresh = max(labels, default=0) + 1
    for rows in members.values():
        k = len(rows)
        if k < 2 or k > options.small_max:
            continue
        block = similarities([points[i] for i in rows], options)
        mean = (float(block.sum()) - float(block.trace())) / (k * (k - 1))
        if mean < options.min_cosine + options.small_extra:
            for i in rows[1:]:
                out[i] = fresh
                fresh += 1
    return out


def join_alike(
    labels: list[int],
    points: Sequence[StoryPoint],
    options: RegroupOptions,
    design: tuple[Any, Any] | None = None,
) -> list[int]:
    """Join a large group into a larger one that claims it as a whole and is as coherent with it.

    A cut at one bar can split a broad saga whose threads each hold together: on 10 November
    2024 the election's campaign-and-count group (82 stories) and its "Trump wins" thread (16)
    were two storylines, and claim_strays never moves a large group. The claims' model tells
    the saga apart here too: fitted for the larger group against the window's others with the
    smaller group left out of both sides (target 0), it scores the thread's stories 0.25 on
    average, every other pair of large groups that day at most 0.05, because the other Trump
    stories are its negatives. Two bars, both needed on the front pages: the mean score
    (`join_bar`) and the groups' cohesion (`join_ratio`: their stories as alike across, on
    average, as that share of the looser group's within), which keeps a topic's neighbours
    apart (Gaza aid with the Israel-Iran war: scored 0.18, cohesion 0.78). All pairs are fitted
    in one solve (the Gram matrix is shared); best pairs join first, each group once a day.
    `design` is the points' `_design` when the caller has it (clusters shares it with the claims).
    """
    import numpy as np

    if options.join_bar <= 0:
        return labels
    sizes = Counter(labels)
    large = sorted(
        (c for c, n in sizes.items() if n >= options.claim_min), key=lambda c: (-sizes[c], c)
    )
    if len(large) < 2:
        return labels
    x, gram = design or _design(points)
    lab = np.asarray(labels)
    pairs = [(a, b) for i, a in enumerate(large) for b in large[i + 1 :]]
    w = np.linalg.solve(gram, x.T @ np.stack([_join_target(lab, a, b) for a, b in pairs], axis=1))
    sums = {c: x[lab == c, :-1].sum(axis=0) for c in large}
    scored = []
    for j, (a, b) in enumerate(pairs):
        mean = float((x[lab == b] @ w[:, j]).mean())
        if mean >= options.join_bar and _cohesion(sums, sizes, a, b) >= options.join_ratio:
            scored.append((mean, a, b))
    into: dict[int, int] = {}
    for _, a, b in sorted(scored, reverse=True):
        if a not in into and b not in into:
            into[b] = a
    return [into.get(c, c) for c in labels]


def _rows(points: Sequence[StoryPoint]) -> Any:
    """The claims' model rows: unit dense rows plus an intercept column."""
    import numpy as np

    return np.hstack([_unit_rows(points, np.float64), np.ones((len(points), 1))])


def _design(points: Sequence[StoryPoint]) -> tuple[Any, Any]:
    """The claims' rows and their ridge Gram matrix (ridge 1.0, the intercept not penalised)."""
    import numpy as np

    x = _rows(points)
    return x, x.T @ x + np.diag([1.0] * (x.shape[1] - 1) + [0.0])


def _join_target(lab: Any, a: int, b: int) -> Any:
    """Balanced targets of group `a`'s model with group `b` left neutral."""
    import numpy as np

    ina = lab == a
    n_in = int(ina.sum())
    n_out = max(len(lab) - n_in - int((lab == b).sum()), 1)
    y = np.where(ina, 1.0, -n_in / n_out)
    y[lab == b] = 0.0
    return y


def _cohesion(sums: dict[int, Any], sizes: Counter[int], a: int, b: int) -> float:
    """Mean cosine across groups a and b over the looser group's mean cosine within (unit rows:
    a group's within mean is (|sum|^2 - n) / (n (n - 1)))."""
    within = [(float(sums[c] @ sums[c]) - sizes[c]) / (sizes[c] * (sizes[c] - 1)) for c in (a, b)]
    loose = min(within)
    cross = float(sums[a] @ sums[b]) / (sizes[a] * sizes[b])
    return cross / loose if loose > 0 else 0.0


def claim_strays(
    labels: list[int],
    points: Sequence[StoryPoint],
    options: RegroupOptions,
    design: tuple[Any, Any] | None = None,
) -> list[int]:
    """Let each large storyline claim the loose stories that look like it to a linear model.

    Average link keeps a saga's framings that resemble it only in part out: "Joe Rogan backs
    Trump" or "What is an exit poll?" average below the bar against the election's hundred
    stories, so the election's main storyline held 0.56 of it. A centroid cannot fix that: the
    dense centroids of front pages share a strong "Trump" direction, and a centroid link that
    joined the election's sub-threads also joined Trump's court and visa stories to the
    tariffs. A model fitted to tell a storyline's stories from *the other stories of the
    window* discounts what they share with everything (the other Trump stories are its
    negatives) and weighs what sets the saga apart. One closed-form solve fits a balanced
    least-squares model per large storyline (targets +1 for its stories, -n_in/n_out for the
    rest, so both sides weigh the same; ridge 1.0, intercept not penalised); a story of a
    group smaller than `claim_min` joins the storyline scoring it highest, when that score is
    at least `claim_bar`. Large storylines are never taken apart this way. `design` as for
    join_alike.
    """
    sizes = Counter(labels)
    strays = [i for i, c in enumerate(labels) if sizes[c] < options.claim_min]
    model = (
        _claim_model(labels, points, options, design) if options.claim_bar > 0 and strays else None
    )
    if model is None:
        return labels
    out = list(labels)
    taken = _best_claims(model, [points[i] for i in strays], options.claim_bar)
    for i, c in zip(strays, taken, strict=True):
        if c is not None:
            out[i] = c
    return out


def _claim_model(
    labels: Sequence[int],
    points: Sequence[StoryPoint],
    options: RegroupOptions,
    design: tuple[Any, Any] | None = None,
) -> tuple[list[int], Any] | None:
    """The claimants (groups of `claim_min`+ stories) and their least-squares weights, one
    column each (claim_strays says why); None when no group is that large."""
    import numpy as np

    sizes = Counter(labels)
    claimants = sorted(c for c, n in sizes.items() if n >= options.claim_min)
    if not claimants or sizes[claimants[0]] == len(points):  # no negatives to tell it from
        return None
    x, gram = design or _design(points)
    inside = np.asarray(labels)[:, None] == np.asarray(claimants)[None, :]
    n_in = inside.sum(axis=0)
    y = np.where(inside, 1.0, -(n_in / np.maximum(len(points) - n_in, 1))[None, :])
    return claimants, np.linalg.solve(gram, x.T @ y)


def _best_claims(
    model: tuple[list[int], Any], points: Sequence[StoryPoint], bar: float
) -> list[int | None]:
    """Per point, the claimant scoring it highest when that score reaches `bar` (else None)."""
    claimants, weights = model
    if not points:
        return []
    scores = _rows(points) @ weights
    best = scores.argmax(axis=1)
    return [claimants[int(b)] if scores[row, b] >= bar else None for row, b in enumerate(best)]


def _window_model(
    labels: Sequence[int],
    points: Sequence[StoryPoint],
    rest: Sequence[StoryPoint],
    options: RegroupOptions,
) -> tuple[list[int], Any] | None:
    """The claims model of the regrouped storylines (labels of `points`) against every other
    story of the window, the `rest` among the negatives (claim_rest says why)."""
    fresh = max(labels, default=0) + 1
    return _claim_model([*labels, *range(fresh, fresh + len(rest))], [*points, *rest], options)


def claim_rest(
    labels: Sequence[int],
    points: Sequence[StoryPoint],
    rest: Sequence[StoryPoint],
    options: RegroupOptions,
    model: tuple[list[int], Any] | None = None,
) -> list[int | None]:
    """The claimant (a label of `points`) of each story left out of the regrouping, or None.

    The regrouping sees at most `storyline_regroup_max` stories, the largest; on a multilingual
    week the window holds three or four times as many, and the rest are single reports that
    stay in the storyline their first headline found, mostly one of their own language (the
    GDELT week's German, Chinese and Korean pope reports). A linear score costs one product per
    story, so every story left out is scored, by models fitted with the rest among the
    negatives: fitted on the regrouped stories alone, the window's thousands of single Trump
    reports were never seen as negatives and a Trump storyline claimed any of them (2 of 18
    sampled claims right). The rest do not count as positives even when already in the
    storyline: that fed each day's claims into the next day's model, and the pope's storyline
    grew into a religion grab-bag (docs/clustering.md "Across languages"). `model` is
    `_window_model`'s when the caller has it.
    """
    if options.rest_bar <= 0 or not rest:
        return [None] * len(rest)
    model = model or _window_model(labels, points, rest, options)
    return [None] * len(rest) if model is None else _best_claims(model, rest, options.rest_bar)


def claim_new(
    model: tuple[list[int], Any] | None, storylines: dict[int, str], options: RegroupOptions
) -> DayClaims | None:
    """The day's claims model (`_window_model`'s, claimants named by their storyline ids after
    the regrouping) for the stories born before the next regrouping; None when off.

    A regrouping runs once a stream day, so until the next one a new story has only its
    first headline's word links, and a saga's new framings on the day stay in small
    storylines of their own or of whatever shares a phrase: on 10 November 2024, the
    election's last day, "Trump projected to win Arizona, completing clean sweep of swing
    states" joined New Zealand's cricket "clean sweep", and that is the day a user reads.
    The model that claims the regrouping's strays scores such a story on its dense centroid
    as it would score a stray, at a higher bar (`new_bar`: one story, one headline, no
    average to lean on), and only where its word links found no storyline of `claim_min`
    stories: a link into a large storyline is the next regrouping's to revisit. The claim
    is only shown (StoryClusterer keeps the story where its words put it), so the next
    regrouping decides as if it had not been made: a claim that entered the state earned
    hysteresis with its claimant and fed the next days' regroupings (the Gaza stories were
    pulled into the Israel-Iran war that way). docs/clustering.md "The day's new stories".
    """
    if options.new_bar <= 0 or model is None:
        return None
    claimants, weights = model
    return DayClaims(tuple(storylines[c] for c in claimants), weights, options.new_bar)


def regroup(
    points: Sequence[StoryPoint],
    options: RegroupOptions,
    day: int,
    complete: frozenset[str] = frozenset(),
    rest: Sequence[StoryPoint] = (),
) -> Regrouping:
    """Regroup `points` into storylines on stream day `day`; the `rest` of the window's stories
    only move when a large storyline claims them (claim_rest). `complete` names the old
    storylines all of whose stories are among the points and the rest (only those are
    redirected when they empty: another one still holds stories outside the regrouping)."""
    labels = clusters(points, options)
    claimed = _claim(points, labels, day)
    kept = set(claimed.values())
    moves: list[tuple[str, str]] = []
    went: dict[str, Counter[str]] = {}
    model = (
        _window_model(labels, points, rest, options)
        if options.new_bar > 0 or (options.rest_bar > 0 and rest)
        else None
    )
    taken = claim_rest(labels, points, rest, options, model)
    for p, new in [
        *((p, claimed[c]) for p, c in zip(points, labels, strict=True)),
        *(
            (p, p.storyline_id if c is None else claimed[c])
            for p, c in zip(rest, taken, strict=True)
        ),
    ]:
        if new != p.storyline_id:
            moves.append((p.story_id, new))
            went.setdefault(p.storyline_id, Counter())[new] += p.size
        else:
            kept.add(new)
    redirects = tuple(
        (old, to.most_common(1)[0][0])
        for old, to in sorted(went.items())
        if old in complete and old not in kept
    )
    return Regrouping(tuple(moves), redirects, claim_new(model, claimed, options))


def _claim(points: Sequence[StoryPoint], labels: Sequence[int], day: int) -> dict[int, str]:
    """Each cluster's storyline id: the old id holding most of its articles, largest overlaps
    first and each old id to one cluster; a new id for a cluster left without one."""
    weight: Counter[tuple[int, str]] = Counter()
    for p, c in zip(points, labels, strict=True):
        weight[(c, p.storyline_id)] += p.size
    claimed: dict[int, str] = {}
    used: set[str] = set()
    for (c, old), _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if c not in claimed and old not in used:
            claimed[c] = old
            used.add(old)
    for c in sorted(set(labels) - set(claimed)):
        seed = max(
            (p for p, pc in zip(points, labels, strict=True) if pc == c),
            key=lambda p: (p.size, p.story_id),
        )
        claimed[c] = regroup_id(seed.story_id, day)
    return claimed
