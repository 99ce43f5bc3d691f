"""One rule names a story and a storyline: the brief, `stories`, the web and the API agree."""

from __future__ import annotations

from dataclasses import replace

from _placed import Builder
from belowthefold.attention import dominant_storylines, headline_of, story_coverage
from belowthefold.config import RankOptions
from belowthefold.stories.naming import story_name, storyline_name


def _pope() -> Builder:
    b = Builder()
    b.add("Watch: Pope blesses crowd on Easter Sunday", 0, "BBC News", "mainstream", "s0", "L")
    for i, t in enumerate(
        [
            "Pope Francis dies aged 88",
            "Vatican announces death of Pope Francis aged 88",
            "World mourns Pope Francis, who died aged 88",
            "How the next pope is chosen",
        ]
    ):
        b.add(t, 1, "BBC News", "mainstream", "s1", "L", hour=8 + i)
    b.add("Zelensky and Trump meet at the Vatican", 5, "BBC News", "mainstream", "s2", "L")
    b.add("Zelensky and Trump talks at funeral", 5, "CNN", "mainstream", "s2", "L")
    return b


def test_a_storyline_is_named_by_the_central_headline_of_its_biggest_story() -> None:
    """Not the first headline (an Easter blessing), not a side story (a meeting at the funeral)."""
    assert storyline_name(_pope().articles) == "Pope Francis dies aged 88"


def test_the_audience_language_names_a_multilingual_storyline() -> None:
    b = _pope()
    arts = [replace(a, lang="en") for a in b.articles]
    arts += [
        replace(a, lang="it", id=f"it{i}", title=f"Morto papa Francesco {i}", weight=5.0)
        for i, a in enumerate(b.articles[:3])
    ]
    assert storyline_name(arts, "en") == "Pope Francis dies aged 88"
    assert storyline_name(arts, "it").startswith("Morto papa Francesco")


def test_pickups_never_name_a_story() -> None:
    b = Builder()
    orig = b.add("Earthquake hits Myanmar", 0, "Reuters", "wire", "s", "L")
    b.add(
        "Earthquake hits Myanmar, hundreds dead", 0, "X", "mainstream", "s", "L", original=orig.id
    )
    assert story_name(b.articles) == "Earthquake hits Myanmar"


def test_brief_and_story_tables_use_the_same_names() -> None:
    arts = _pope().articles
    (line,) = dominant_storylines(arts, "mainstream", RankOptions(dominant_share=0.0, dominant_n=1))
    assert line.headline == storyline_name(arts)
    for cov in story_coverage(arts):
        assert cov.headline == headline_of(list(cov.articles)) == story_name(cov.articles)


def test_packaging_headlines_never_name_a_group_that_has_a_report() -> None:
    """Clips, galleries, guides, questions and bylines package a story; a report names it."""
    from belowthefold.stories.naming import is_packaging

    for title in (
        "Watch: Key moments in Trump's 'Liberation Day' tariffs announcement",
        "A simple guide to Canada's federal election",
        "See the Trump tariffs list by country",
        "Trump's tariffs on China, EU and more, at a glance",
        "Pope Francis's funeral: A visual guide",
        "Can Vietnam golf its way out of new Trump tariffs?",
        "Anthony Zurcher: What will decide the US election",
        "Why Kamala Harris lost: a flawed candidate or doomed campaign",
        # Clips, live pages and explainers that named a real week's storyline (front pages).
        "Timelapse captures intensity of roaring fire in Palisades",
        "Watch moment Trump ambushes Ramaphosa with video",
        "Moment Xi, Putin and Kim pose with world leaders at China's military parade",
        "Ros Atkins on...the Washington DC plane crash",
        "Football latest: Man Utd's 'worst team in history?' and Tottenham lose again",
        "Premier League news conferences: West Ham boss Potter speaking shortly",
        "Wimbledon 2025 - follow all the action with our live text",
        "The Impeachment of South Korea's President, Explained",
    ):
        assert is_packaging(title), title
    for title in (
        "Pope Francis dies aged 88",
        "Donald Trump sweeps to victory in historic comeback",
        "US pauses intelligence sharing with Ukraine",
        "Moment of truth for Congress as shutdown deadline nears",
        "Watchdog fines bank over failures",
        "Trump holds news conference with Netanyahu",
        "Hollywood Hills evacuated as LA fire spreads",
    ):
        assert not is_packaging(title), title
    b = Builder()
    for i, t in enumerate(
        ["Watch: Trump unveils tariffs", "Trump tariffs at a glance", "Trump unveils tariffs"]
    ):
        b.add(t, 0, "BBC News", "mainstream", "s1", "L", hour=8 + i)
    assert storyline_name(b.articles) == "Trump unveils tariffs"
    clips = Builder()  # 2025-W02: the fires' biggest story by variants was a clip
    for i, t in enumerate(
        [
            "Timelapse captures intensity of roaring fire in Palisades",
            "Timelapse shows rapid spread of Palisades wildfire",
            "Watch: Moment house collapses as LA wildfires rage on",
        ]
    ):
        clips.add(t, 0, "BBC News", "mainstream", "s1", "L", hour=8 + i)
    for i, t in enumerate(
        ["Hollywood Hills evacuated as LA fire spreads", "Hollywood Hills blaze"]
    ):
        clips.add(t, 1, "BBC News", "mainstream", "s2", "L", hour=8 + i)
    assert storyline_name(clips.articles) == "Hollywood Hills evacuated as LA fire spreads"
    only = Builder()
    only.add("Watch: Trump unveils tariffs", 0, "BBC News", "mainstream", "s1", "L")
    assert storyline_name(only.articles) == "Watch: Trump unveils tariffs"
