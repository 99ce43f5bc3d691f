"""Rank: the missed score, its exclusions, its reasons and the archive-learned coverage model."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from _placed import WEEK, Builder, tariff_week
from belowthefold.attention import daily_pressure, dominant_storylines
from belowthefold.config import RankOptions
from belowthefold.models import BriefInputs, MissedHeadline, PlacedArticle
from belowthefold.rank import fit_coverage_model, rank_missed, shortfall_of

OPTS = RankOptions()
OUTSIDE = [("Al Jazeera", "foreign"), ("DW", "foreign"), ("France 24", "foreign"),
           ("Reuters", "wire"), ("AP", "wire")]  # fmt: skip


def _inputs(b: Builder, **kw: Any) -> BriefInputs:
    groups = tuple(sorted({a.group for a in b.articles}))
    return BriefInputs(
        window=WEEK, audience="mainstream", articles=tuple(b.articles), groups=groups, **kw
    )


def _rank(inputs: BriefInputs, options: RankOptions = OPTS) -> list[MissedHeadline]:
    pressure = daily_pressure(inputs.articles, WEEK.days(), inputs.groups)
    dominant = dominant_storylines(inputs.articles, inputs.audience, options)
    return list(rank_missed(inputs, pressure, dominant, options).missed)


def _story(
    b: Builder, story: str, outlets: list[tuple[str, str]], day: int, line: str | None = None
) -> None:
    for outlet, group in outlets:
        b.add(story.replace("-", " ").capitalize(), day, outlet, group, story, line)


def test_a_buried_story_is_listed_with_reasons_and_numbers() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "sudan-famine", OUTSIDE, 3)
    (m,) = _rank(_inputs(b))
    assert m.story_id == "sudan-famine" and m.rank == 1
    assert m.reasons[0].startswith(
        "5 outlets in 2 groups (3 foreign, 2 wire) over 1 day; mainstream gave it 0 items of its "
    )
    assert "while “Tariff shock" in m.reasons[0] and "75% of its coverage" in m.reasons[0]
    assert any(r.startswith("mainstream pressure") and "the week's high" in r for r in m.reasons)
    assert any(r.startswith("a story with this reach would get about") for r in m.reasons)
    assert any("Reuters" in r and "official, wire or specialist" in r for r in m.reasons)
    assert m.coverage == {"foreign": 3, "mainstream": 0, "wire": 2}
    assert m.crowded_out_by is not None and m.crowded_out_by.startswith("Tariff shock")
    assert m.score > 0


def test_dominant_storyline_is_never_missed_however_wide_elsewhere() -> None:
    b = Builder()
    tariff_week(b)
    # A tariff story the mainstream did not run, but in the tariff storyline: not missed.
    _story(b, "tariff-explainer", OUTSIDE, 3, line="tariffs")
    assert _rank(_inputs(b)) == []


def test_one_outlet_once_is_noise() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "lone-scoop", [("Al Jazeera", "foreign")], 3)
    assert _rank(_inputs(b)) == []
    # ...and --min-outlets 1 lets it through.
    alone = replace(OPTS, min_outlets=1, min_groups=1)
    assert [m.story_id for m in _rank(_inputs(b), alone)] == ["lone-scoop"]


def test_a_story_only_one_group_ran_is_that_groups_story() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "foreign-only", OUTSIDE[:3], 3)
    assert _rank(_inputs(b)) == []
    assert [m.story_id for m in _rank(_inputs(b), replace(OPTS, min_groups=1))] == ["foreign-only"]


def test_a_story_the_audience_ran_for_days_is_not_missed() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "strike", OUTSIDE, 2)
    b.add("strike report", 2, "BBC News", "mainstream", "strike")
    b.add("strike report", 4, "BBC News", "mainstream", "strike")
    assert _rank(_inputs(b)) == []


def test_wider_reach_and_higher_pressure_score_higher() -> None:
    b = Builder()
    tariff_week(b, days=range(3, 4))  # pressure only on Apr 3
    b.add("calm day", 5, "BBC News", "mainstream", "calm-1")
    for k in range(6):
        b.add(f"calm day {k}", 5, "CNN", "mainstream", f"calm-{k + 2}")
    _story(b, "wide", OUTSIDE, 5)
    _story(b, "narrow", OUTSIDE[2:], 5)
    _story(b, "pressed", OUTSIDE[2:], 3)
    ranked = [m.story_id for m in _rank(_inputs(b))]
    assert ranked.index("wide") < ranked.index("narrow")
    assert ranked.index("pressed") < ranked.index("narrow")


def test_pickup_only_outlets_count_half() -> None:
    b = Builder()
    tariff_week(b)
    first = b.add("wire story", 3, "Reuters", "wire", "wire-only")
    for outlet in ("Yahoo", "MSN", "AOL"):
        b.add("wire story", 3, outlet, "other", "wire-only", original=first.id)
    _story(
        b,
        "originals",
        [
            ("Reuters", "wire"),
            ("Al Jazeera", "foreign"),
            ("DW", "foreign"),
            ("France 24", "foreign"),
        ],
        3,
    )
    ranked = {m.story_id: m for m in _rank(_inputs(b))}
    assert ranked["originals"].score > ranked["wire-only"].score
    assert any("1 original report, 3 pickups" in r for r in ranked["wire-only"].reasons)


def test_missed_again_says_so() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "sudan-famine", OUTSIDE, 3)
    (m,) = _rank(_inputs(b, history={"sudan-famine": 2}))
    assert m.weeks_missed == 3 and "missed for the 3rd week" in m.reasons


def test_without_named_groups_nothing_is_ranked_and_the_brief_says_why() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "x", [("Site A", "other"), ("Site B", "other")], 3)
    inputs = _inputs(b)
    ranking = rank_missed(inputs, [], [], OPTS)
    assert ranking.missed == ()
    assert "has none besides" in ranking.notes[0] and "--sources" in ranking.notes[0]


def test_shortfall_is_counted_in_shares_of_attention() -> None:
    assert shortfall_of(0.1, 0) == pytest.approx(0.1)
    assert shortfall_of(0.35, 0.1) == pytest.approx(0.25)
    assert shortfall_of(0.3, 0.3) == 0.0
    assert shortfall_of(0.2, 0.5) == 0.0


def _title(s: int) -> str:
    """A distinct headline per archived story (shared words would join them into one event)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = "".join(letters[(s // 26**k) % 26] for k in range(3))
    return f"Zq{word} affair {word}x"


def _archive(seed: int) -> list[PlacedArticle]:
    """Four weeks before the window where mainstream reach grows with reach elsewhere."""
    rng = random.Random(seed)
    b = Builder()
    outside = [(f"Foreign {i}", "foreign") for i in range(8)] + [
        (f"Wire {i}", "wire") for i in range(2)
    ]
    for s in range(160):
        day = -28 + s % 28
        n = rng.randint(1, len(outside))
        for outlet, group in rng.sample(outside, n):
            b.add(_title(s), day, outlet, group, f"old-{s}")
        covered = sum(rng.random() < n / 14 for _ in range(4))
        for outlet in ["BBC News", "CNN", "New York Times", "The Guardian"][:covered]:
            b.add(_title(s), day, outlet, "mainstream", f"old-{s}")
    return b.articles


def test_the_coverage_model_is_learned_from_the_archive_when_there_is_one() -> None:
    b = Builder()
    tariff_week(b)
    _story(b, "sudan-famine", OUTSIDE, 3)
    learned = fit_coverage_model(_inputs(b, context=tuple(_archive(1))), OPTS)
    prior = fit_coverage_model(_inputs(b), OPTS)
    assert learned.kind == "archive" and prior.kind == "prior"
    assert learned.archive_rows >= OPTS.min_archive_stories
    assert "learned from" in learned.describe() and "too few stories" in prior.describe()
    (m,) = _rank(_inputs(b, context=tuple(_archive(2))))
    assert m.story_id == "sudan-famine"


def test_the_expectation_never_falls_as_reach_grows() -> None:
    """Monotone in reach, with an archive, with the window only, and with the prior alone."""
    b = Builder()
    tariff_week(b)
    _story(b, "sudan-famine", OUTSIDE, 3)
    for inputs in (_inputs(b, context=tuple(_archive(4))), _inputs(b)):
        model = fit_coverage_model(inputs, OPTS)
        values = [model.expected(x / 4) for x in range(0, 60)]
        assert values == sorted(values) and values[-1] > values[1] > 0


def test_one_audience_outlet_and_no_archive_still_lists_the_buried_story() -> None:
    """The real-week shape: one front page as the audience, weights, no archive at all."""
    b = Builder()
    for day in range(7):
        for k in range(12):
            b.add(f"Tariff shock {day} {k}", day, "BBC News", "mainstream", f"t{day}", "tariffs",
                  weight=3.0)  # fmt: skip
        for k in range(20):
            b.add(f"Other news {day} {k}", day, "BBC News", "mainstream", f"o{day}-{k}")
    _story(b, "sudan-famine", OUTSIDE, 3)
    _story(b, "covered", OUTSIDE[:3], 4)
    b.add("Covered story on the front page", 4, "BBC News", "mainstream", "covered", weight=5.0)
    ranking = rank_missed(_inputs(b), [], [], OPTS)
    assert [m.story_id for m in ranking.missed] == ["sudan-famine"]


def test_an_audience_headline_about_the_event_counts_whatever_its_story_id() -> None:
    """The front page ran it under another story id: its headline is close to the reports."""
    b = Builder()
    tariff_week(b)
    for outlet, group in OUTSIDE:
        b.add("Pakistan closes airspace to Indian airlines after Kashmir attack", 3, outlet,
              group, "airspace")  # fmt: skip
    for day in (3, 4):
        b.add("India expels Pakistan diplomats after Kashmir attack", day, "BBC News",
              "mainstream", f"bbc-kashmir-{day}")  # fmt: skip
    assert _rank(_inputs(b)) == []


def test_a_short_archive_falls_back_to_the_window_and_the_prior() -> None:
    b = Builder()
    tariff_week(b)
    short = _archive(3)[:40]
    model = fit_coverage_model(_inputs(b, context=tuple(short)), OPTS)
    assert model.kind != "archive"


def test_an_event_split_by_the_clusterer_is_listed_once() -> None:
    b = Builder()
    tariff_week(b)
    for outlet, group in OUTSIDE[:3]:
        b.add("Cholera outbreak kills 46 in Tessara camps", 3, outlet, group, "cholera-a")
    for outlet, group in OUTSIDE[3:]:
        b.add("Tessara camps cholera outbreak: 46 dead", 3, outlet, group, "cholera-b")
    for outlet, group in OUTSIDE[2:]:
        b.add("Dam safety review rates 41 dams unsafe", 3, outlet, group, "dams")
    listed = [m.story_id for m in _rank(_inputs(b))]
    assert len(listed) == 2 and "dams" in listed
    apart = [
        m.story_id for m in _rank(_inputs(b), replace(OPTS, same_event_overlap=1.01, min_groups=1))
    ]
    assert sorted(apart) == ["cholera-a", "cholera-b", "dams"]


def test_a_follow_up_in_the_same_storyline_is_the_same_missed_headline() -> None:
    """SK Telecom's breach (day 1) and its SIM replacement (day 5) are two stories of one
    storyline sharing a few title words: one entry. A story the storyline glued on that
    shares no title word (a destroyer launch beside an exercise) stays its own entry."""
    b = Builder()
    tariff_week(b)
    for outlet, group in OUTSIDE[:4]:
        b.add(
            "Telecom operator confirms USIM data leak after hacking",
            1,
            outlet,
            group,
            "leak",
            "tel",
        )
        b.add("Telecom operator offers million customers new SIM cards after hacking", 5, outlet, group,
              "sims", "tel")  # fmt: skip
        b.add(
            "Navy unveils its first destroyer at the northern shipyard",
            4,
            outlet,
            group,
            "ship",
            "tel",
        )
    listed = sorted(m.story_id for m in _rank(_inputs(b), replace(OPTS, min_groups=1)))
    assert len(listed) == 2 and "ship" in listed, listed
    apart = _rank(_inputs(b), replace(OPTS, min_groups=1, same_saga_overlap=1.01))
    assert sorted(m.story_id for m in apart) == ["leak", "ship", "sims"]


def test_the_missed_headline_is_in_the_audiences_language() -> None:
    b = Builder()
    tariff_week(b)
    b.articles[:] = [replace(a, lang="en") for a in b.articles]
    for outlet, group in OUTSIDE[:3]:
        b.articles.append(replace(b.add("Explosión en un puerto iraní", 3, outlet, group, "port",
                                        hour=6), lang="es"))  # fmt: skip
        b.articles.pop(-2)
    for outlet, group in OUTSIDE[3:]:
        b.articles.append(replace(b.add("Blast at Iranian port", 3, outlet, group, "port"),
                                  lang="en"))  # fmt: skip
        b.articles.pop(-2)
    (m,) = _rank(_inputs(b))
    assert m.headline == "Blast at Iranian port"
