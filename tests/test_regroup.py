"""The daily storyline regrouping: average link over stories' dense centroids, stable ids, moves
the store applies, and the same storylines in the store as in the evaluation's stream."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from belowthefold import pipeline
from belowthefold.config import ClusterOptions, Settings
from belowthefold.demo import write_demo_corpus
from belowthefold.evaluate.storylines import storylines_of
from belowthefold.models import Article, Assignment
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.stories import StoryClusterer
from belowthefold.stories.regroup import (
    RegroupOptions,
    StoryPoint,
    _design,
    claim_new,
    claim_strays,
    join_alike,
    regroup,
    regroup_id,
)

T0 = datetime(2025, 4, 2, 8, tzinfo=UTC)
# Three directions: two framings of one saga (close, cosine 0.8) and an unrelated event.
SAGA_A = np.array([1.0, 0.0, 0.0])
SAGA_B = np.array([0.8, 0.6, 0.0])
OTHER = np.array([0.0, 0.0, 1.0])
NO_BONUS = RegroupOptions(min_cosine=0.45, stick=0.0, across=0.0, small_extra=0.0)


def _p(story: str, line: str, vec: np.ndarray, size: int = 1, lang: str = "") -> StoryPoint:
    return StoryPoint(story, line, size, vec, lang)


def test_a_saga_split_over_two_storylines_becomes_one_under_the_larger_id() -> None:
    points = [
        _p("s1", "L1", SAGA_A, 3),
        _p("s2", "L1", SAGA_A),
        _p("s3", "L2", SAGA_B),
        _p("s4", "L3", OTHER),
    ]
    plan = regroup(points, NO_BONUS, day=1, complete=frozenset({"L2"}))
    assert plan.moves == (("s3", "L1"),)
    # L2 emptied and all of its stories were regrouped: it redirects to where they went.
    assert plan.redirects == (("L2", "L1"),)


def test_an_emptied_storyline_with_stories_outside_the_regrouping_is_not_redirected() -> None:
    points = [_p("s1", "L1", SAGA_A, 3), _p("s3", "L2", SAGA_B)]
    assert regroup(points, NO_BONUS, day=1).redirects == ()


def test_regrouping_its_own_result_changes_nothing() -> None:
    points = [_p("s1", "L1", SAGA_A, 3), _p("s3", "L2", SAGA_B), _p("s4", "L3", OTHER)]
    plan = regroup(points, NO_BONUS, day=1)
    moved = dict(plan.moves)
    again = [replace(p, storyline_id=moved.get(p.story_id, p.storyline_id)) for p in points]
    assert regroup(again, NO_BONUS, day=2).moves == ()


def test_a_side_story_splits_off_under_a_new_id_fixed_by_its_story_and_day() -> None:
    points = [_p("s1", "L1", SAGA_A, 3), _p("s2", "L1", SAGA_A), _p("s4", "L1", OTHER)]
    plan = regroup(points, NO_BONUS, day=7)
    assert plan.moves == (("s4", regroup_id("s4", 7)),)
    assert regroup_id("s4", 7) != regroup_id("s4", 8)


def test_stories_already_together_need_clear_evidence_to_be_split() -> None:
    """Hysteresis: at cosine 0.4 two stories stay together in one storyline, not in two."""
    near = np.array([0.4, np.sqrt(1 - 0.16), 0.0])
    together = [_p("s1", "L1", SAGA_A, 2), _p("s2", "L1", near)]
    apart = [_p("s1", "L1", SAGA_A, 2), _p("s2", "L2", near)]
    sticky = replace(NO_BONUS, stick=0.15)
    assert regroup(together, sticky, day=1).moves == ()
    assert regroup(together, NO_BONUS, day=1).moves != ()
    assert regroup(apart, sticky, day=1).moves == ()


def test_two_languages_count_as_closer_than_the_encoder_scores_them() -> None:
    near = np.array([0.4, np.sqrt(1 - 0.16), 0.0])
    points = [_p("s1", "L1", SAGA_A, 2, "en"), _p("s2", "L2", near, 1, "ja")]
    across = replace(NO_BONUS, across=0.1)
    assert regroup(points, across, day=1).moves == (("s2", "L1"),)
    same = [replace(p, lang="en") for p in points]
    assert regroup(same, across, day=1).moves == ()


def _encoder(texts: list[str]) -> np.ndarray:
    """A designed encoder: headlines of the Geneva summit point one way, the rest another."""
    saga = ("geneva", "summit")
    return np.stack([SAGA_A if any(w in t.lower() for w in saga) else OTHER for t in texts])


def test_the_clusterer_regroups_at_a_new_day_and_later_articles_carry_the_new_storyline() -> None:
    o = replace(ClusterOptions(representation="auto"), storyline_regroup_across=0.0)
    c = StoryClusterer(o, encoder=_encoder)
    titles = [
        (0, "Leaders gather in Geneva for water talks"),
        (2, "Farmers protest outside the summit venue"),
        (30, "More farmers join protest outside the summit venue"),
    ]
    out: list[Assignment] = []
    moves: dict[str, str] = {}
    for i, (h, t) in enumerate(titles):
        a = Article(id=f"a{i}", title=t, published=T0 + timedelta(hours=h))
        out.append(c.add(a))
        moves.update(c.take_moves())
    # No shared word: the first two start two storylines; the next day's regrouping sees their
    # meaning is one saga and moves one, and the third article (the second one's story) follows.
    assert out[0].storyline_id != out[1].storyline_id
    assert out[2].story_id == out[1].story_id
    assert len(moves) == 1
    final = {moves.get(a.story_id, a.storyline_id) for a in out[:2]}
    assert final == {out[2].storyline_id}


def test_without_an_encoder_nothing_is_regrouped() -> None:
    c = StoryClusterer(ClusterOptions(representation="tfidf"))
    for i in range(3):
        c.add(Article(id=f"a{i}", title=f"summit day {i}", published=T0 + timedelta(days=i)))
        assert c.take_moves() == []


def test_the_store_moves_a_story_and_its_articles_and_creates_the_new_storyline(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "s.db") as store:
        a = Article(id="x1", title="Summit opens", published=T0, url="https://e.test/1")
        store.articles.insert_batch([a], SourceIndex.build([]).resolve, 0)
        store.stories.save([(a, Assignment("x1", "st-1", "sl-old", 1.0))])
        store.stories.save([], moves=[("st-1", "sl-new")])
        row = store.conn.execute(
            "SELECT s.storyline_id, a.storyline_id AS line FROM stories s "
            "JOIN assignments a ON a.story_id = s.id WHERE s.id = 'st-1'"
        ).fetchone()
        assert (row["storyline_id"], row["line"]) == ("sl-new", "sl-new")
        made = store.conn.execute("SELECT headline FROM storylines WHERE id = 'sl-new'").fetchone()
        assert made["headline"] == "Summit opens"


@pytest.mark.slow
def test_the_store_holds_the_storylines_the_evaluation_streams(tmp_path: Path) -> None:
    """On the demo corpus (with its real encoder) the import's storylines, moves and redirects
    applied by the store, are exactly the evaluation's: the two apply regroupings alike."""
    files = write_demo_corpus(tmp_path)
    settings = Settings(db=tmp_path / "demo.db")
    with Store(settings.db) as store:
        pipeline.import_paths(store, [files.corpus], settings.imports, files.sources)
        pipeline.update_stories(store, settings)
        rows = store.conn.execute(
            "SELECT a.*, s.storyline_id AS line FROM articles a "
            "JOIN assignments s ON s.article_id = a.id"
        ).fetchall()
        stored = {r["id"]: store.stories.resolve_storyline(r["line"]) for r in rows}
        arts = [a for a, _ in store.stories.recent(datetime(2000, 1, 1, tzinfo=UTC))]
    streamed = storylines_of(arts, settings.cluster)
    assert Counter(stored.values()) == Counter(streamed.values())
    assert stored == streamed


def test_two_stories_of_one_topic_are_not_a_saga_unless_clearly_alike() -> None:
    """The vaccine recall and the measles outbreak: one topic (cosine 0.57), two events."""
    near = np.array([0.57, np.sqrt(1 - 0.57**2), 0.0])
    pair = [_p("recall", "L1", SAGA_A, 6), _p("measles", "L2", near, 6)]
    plain = NO_BONUS
    strict = replace(plain, small_extra=0.15)
    assert regroup(pair, plain, day=1).moves != ()
    assert regroup(pair, strict, day=1).moves == ()
    # Four stories that close are a saga: the bar is for groups of two or three.
    four = [*pair, _p("m2", "L3", near), _p("r2", "L4", SAGA_A)]
    assert len(set(dict(regroup(four, strict, day=1).moves).values())) == 1


def test_a_storyline_a_story_left_takes_its_span_from_the_stories_it_keeps(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "s.db") as store:
        resolve = SourceIndex.build([]).resolve
        early = Article(id="x1", title="Summit opens", published=T0, url="https://e.test/1")
        late = Article(
            id="x2",
            title="Farmers protest",
            published=T0 + timedelta(days=3),
            url="https://e.test/2",
        )
        store.articles.insert_batch([early, late], resolve, 0)
        store.stories.save(
            [
                (early, Assignment("x1", "st-1", "sl-a", 1.0)),
                (late, Assignment("x2", "st-2", "sl-a", 1.0)),
            ]
        )
        store.stories.save([], moves=[("st-2", "sl-b")])
        store.stories.refresh_storyline_counts()
        rows = {
            r["id"]: (r["stories"], r["last_published"])
            for r in store.conn.execute("SELECT id, stories, last_published FROM storylines")
        }
        assert rows["sl-a"][0] == 1 and rows["sl-a"][1].startswith("2025-04-02")
        assert rows["sl-b"][0] == 1 and rows["sl-b"][1].startswith("2025-04-05")


def _noisy(rng: np.random.Generator, dim: int = 64) -> Callable[..., np.ndarray]:
    """A maker of noisy 64-d story vectors with weight w added on each named (k, w) axis."""

    def vec(*parts: tuple[int, float]) -> np.ndarray:
        v = rng.normal(0.0, 0.08, dim)
        for k, w in parts:
            v[k] += w
        return v

    return vec


def _trump_window() -> tuple[list[StoryPoint], list[int]]:
    """A window whose stories all share one strong direction ("Trump", dimension 0): a saga of
    12 stories (dimension 1 too), 40 other Trump stories each on a topic of its own, and two
    loose stories: a partial framing of the saga and one more Trump story."""
    vec = _noisy(np.random.default_rng(7))

    saga = [_p(f"saga{i}", "L1", vec((0, 1.0), (1, 1.0))) for i in range(12)]
    others = [_p(f"other{i}", f"O{i}", vec((0, 1.0), (2 + i, 1.0))) for i in range(40)]
    framing = _p("framing", "F", vec((0, 1.0), (1, 1.0), (60, 0.7)))
    trump = _p("trump", "T", vec((0, 1.3), (61, 0.5)))
    labels = [1] * 12 + [2 + i for i in range(40)] + [50, 51]
    return [*saga, *others, framing, trump], labels


def test_a_large_storyline_claims_a_partial_framing_not_a_story_sharing_a_name() -> None:
    points, labels = _trump_window()
    claiming = replace(NO_BONUS, claim_bar=0.3, claim_min=10)
    out = claim_strays(labels, points, claiming)
    assert out[-2] == 1  # the saga's partial framing joins the saga
    assert out[-1] == 51  # the Trump story stays on its own ...
    # ... although its cosine to the saga's centroid is well above the regrouping's bar (what
    # the two share is the name): a centroid link would have taken it.
    m = np.stack([np.asarray(p.dense) for p in points])
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    centre = m[:12].mean(axis=0)
    centre /= np.linalg.norm(centre)
    assert float(m[-1] @ centre) > 0.55
    assert out[:-2] == labels[:-2]  # no story of a group is moved, none leaves the saga
    assert claim_strays(labels, points, replace(claiming, claim_bar=0.0)) == labels


def test_a_story_left_out_of_the_regrouping_is_claimed_by_the_saga_it_frames() -> None:
    """Over the regrouping's cap, a single report is still scored by the claims' models: the
    saga's partial framing moves (its emptied storyline redirects), the Trump story stays."""
    points, _ = _trump_window()
    framing, trump = points[-2:]
    claiming = replace(NO_BONUS, min_cosine=0.6, claim_bar=0.3, claim_min=10, rest_bar=0.3)
    plan = regroup(points[:-2], claiming, day=1, complete=frozenset({"F", "T"}), rest=points[-2:])
    rest = {story: line for story, line in plan.moves if story in ("framing", "trump")}
    assert rest == {"framing": "L1"}
    assert ("F", "L1") in plan.redirects and "T" not in dict(plan.redirects)
    off = regroup(points[:-2], replace(claiming, rest_bar=0.0), day=1, rest=[framing, trump])
    assert not {story for story, _ in off.moves} & {"framing", "trump"}


def _split_saga_window() -> tuple[list[StoryPoint], list[int]]:
    """A Trump window (dimension 0 shared by all) where one saga (dimension 1) came out of the
    cut as two large groups: its main thread (20 stories) and a thread with a term of its own
    (10 stories, dimension 62); beside them a large group of another Trump topic (dimension 63)
    and 40 Trump stories each on a topic of its own."""
    vec = _noisy(np.random.default_rng(11))

    main = [_p(f"main{i}", "L1", vec((0, 1.0), (1, 1.0))) for i in range(20)]
    thread = [_p(f"thread{i}", "L2", vec((0, 1.0), (1, 0.9), (62, 0.7))) for i in range(10)]
    topic = [_p(f"topic{i}", "L3", vec((0, 1.0), (63, 1.0))) for i in range(10)]
    others = [_p(f"other{i}", f"O{i}", vec((0, 1.0), (2 + i, 1.0))) for i in range(40)]
    labels = [1] * 20 + [2] * 10 + [3] * 10 + [4 + i for i in range(40)]
    return [*main, *thread, *topic, *others], labels


def test_a_large_thread_of_a_saga_joins_it_another_topic_does_not() -> None:
    points, labels = _split_saga_window()
    joining = replace(NO_BONUS, join_bar=0.15, join_ratio=0.8, claim_min=10)
    out = join_alike(labels, points, joining)
    assert out[20:30] == [1] * 10  # the thread joins the saga's main group, as a whole
    assert out[30:40] == [3] * 10  # the other Trump topic stays apart
    assert out[:20] == labels[:20] and out[40:] == labels[40:]
    assert join_alike(labels, points, replace(joining, join_bar=0.0)) == labels


def test_a_group_the_model_claims_but_that_is_looser_across_stays_apart() -> None:
    """The cohesion bar: with it at 1.5 (the groups would have to be more alike across than
    within) the thread stays a storyline of its own."""
    points, labels = _split_saga_window()
    strict = replace(NO_BONUS, join_bar=0.15, join_ratio=1.5, claim_min=10)
    assert join_alike(labels, points, strict) == labels


def test_one_design_serves_the_joins_and_the_claims() -> None:
    """clusters() builds the least-squares design once and hands it to join_alike and
    claim_strays; given or rebuilt, the result is the same."""
    points, labels = _split_saga_window()
    opts = replace(NO_BONUS, join_bar=0.15, join_ratio=0.8, claim_min=10, claim_bar=0.3)
    design = _design(points)
    joined = join_alike(labels, points, opts, design)
    assert joined == join_alike(labels, points, opts)
    assert claim_strays(joined, points, opts, design) == claim_strays(joined, points, opts)


def test_the_regrouping_hands_on_its_claims_model_for_the_day_s_new_stories() -> None:
    """The model that claims the strays, claimants named by their storyline ids after the
    regrouping, scores a new story: the saga's partial framing is claimed, the story sharing
    only the name is not, nor is any story for a claimant no longer active; off at bar 0."""
    points, _ = _trump_window()
    framing, trump = points[-2:]
    opts = replace(NO_BONUS, min_cosine=0.6, claim_bar=0.3, claim_min=10, new_bar=0.3)
    claims = regroup(points[:-2], opts, day=1).claims
    assert claims is not None and claims.storylines == ("L1",)
    active = {"L1", "F", "T"}
    assert claims.claim(framing.dense, active) == "L1"
    assert claims.claim(trump.dense, active) is None
    assert claims.claim(framing.dense, {"F", "T"}) is None
    assert claims.claim(np.zeros(64), active) is None
    assert regroup(points[:-2], replace(opts, new_bar=0.0), day=1).claims is None
    assert claim_new(None, {}, opts) is None


def _window_encoder(vectors: dict[str, np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    return lambda texts: np.stack([vectors[t] for t in texts])


def test_a_new_story_is_shown_in_the_saga_the_day_s_model_claims_until_the_next_day() -> None:
    """A stream of one Trump window (no two headlines share a word): the next day's first
    article regroups the saga's 12 stories into one storyline. A new story framing the saga
    that day is shown in it at once (its words found it no storyline), the one sharing only
    the name is not; the clusterer keeps the framing where its words put it, and the next
    regrouping's decision, whatever it is, is where it ends (here a cut too strict for any
    group: it goes back, by a move)."""
    points, _ = _trump_window()
    framing, trump = points[-2:]
    title = {p.story_id: f"{p.story_id}qa {p.story_id}qb" for p in points}
    o = replace(
        ClusterOptions(representation="auto"),
        storyline_regroup_cosine=0.6,
        storyline_regroup_stick=0.0,
        storyline_regroup_across=0.0,
        storyline_regroup_small=0.0,
        storyline_claim_bar=0.3,
        storyline_join_bar=0.0,
        storyline_claim_new_bar=0.3,
    )
    c = StoryClusterer(o, encoder=_window_encoder({title[p.story_id]: p.dense for p in points}))
    lines: dict[str, str] = {}
    story: dict[str, str] = {}

    def add(name: str, hours: float, aid: str = "") -> Assignment:
        art = Article(id=aid or name, title=title[name], published=T0 + timedelta(hours=hours))
        a = c.add(art)
        story[art.id] = a.story_id
        lines[a.story_id] = a.storyline_id
        lines.update(c.take_moves())
        return a

    for i, p in enumerate(points[:-2]):
        add(p.story_id, i * 0.2)
    # A second report of a known story, the next day: the day's regrouping runs first.
    add("other0", 24.0, "again0")
    saga = {lines[story[f"saga{i}"]] for i in range(12)}
    assert len(saga) == 1
    (line,) = saga
    got = add(framing.story_id, 26.0)
    assert got.storyline_id == line
    assert c.stories.groups[got.story_id].storyline_id != line  # shown only
    assert add(trump.story_id, 27.0).storyline_id != line
    c.options = replace(o, storyline_regroup_cosine=0.99, storyline_claim_bar=0.0)
    add("other1", 48.0, "again1")
    assert lines[got.story_id] == c.stories.groups[got.story_id].storyline_id != line


def test_the_store_merges_a_storyline_it_never_held_either_way(tmp_path: Path) -> None:
    """The clusterer's own storyline of a story it shows elsewhere (claim_new) can fold into
    another or take one in: from it nothing moves, into it the storyline is created."""
    with Store(tmp_path / "s.db") as store:
        a = Article(id="x1", title="Summit opens", published=T0, url="https://e.test/1")
        store.articles.insert_batch([a], SourceIndex.build([]).resolve, 0)
        store.stories.save([(a, Assignment("x1", "st-1", "sl-shown", 1.0))])
        store.stories.save([], merges=[("sl-hidden", "sl-shown"), ("sl-shown", "sl-unseen")])
        line = store.conn.execute("SELECT storyline_id FROM assignments").fetchone()[0]
        assert line == "sl-unseen" and store.stories.resolve_storyline("sl-shown") == "sl-unseen"
        row = store.conn.execute(
            "SELECT headline, first_published FROM storylines WHERE id = 'sl-unseen'"
        ).fetchone()
        assert row["headline"] == "Summit opens" and row["first_published"].startswith("2025-04")
