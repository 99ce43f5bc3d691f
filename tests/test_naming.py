"""One rule names a story and a storyline: the brief, `stories`, the web and the API agree."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from _placed import Builder
from belowthefold.attention import (
    audience_language,
    dominant_storylines,
    headline_of,
    story_coverage,
)
from belowthefold.config import RankOptions, Settings
from belowthefold.models import Article, Assignment, PlacedArticle
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.stories.naming import story_name, storyline_name
from belowthefold.web import create_app
from cli_support import run_cli


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
        assert cov.headline == headline_of(list(cov.articles), None) == story_name(cov.articles)


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


def test_packaging_after_the_topic_is_packaging_too() -> None:
    """Explainers, live pages, clips and features that put the topic first (real BBC/NYT
    front-page headlines; the first named a held-out week's storyline)."""
    from belowthefold.stories.naming import is_packaging

    for title in (
        "Ann Widdecombe murder probe: What we know so far",
        "Suspect in custody and named as Tyler Robinson - what we know so far",
        "Bolsonaro sentenced to 27 years in jail - what you need to know",
        "Three things to know about Trump's tariffs announcement",
        "Russia and Ukraine Hold U.S.-Mediated Talks: What to Know",
        "Belgium says a Canadian intern is suspected of spying at Nato. Here's what we know",
        "Your questions answered on the Israel-Iran conflict",
        "FA Cup final: Chelsea v Man City - follow live",
        "Donald Trump welcomed to Windsor Castle by King Charles and senior royals - watch and "
        "follow live",
        "Wimbledon: Excellent Djokovic wins second set 6-0 - watch, listen & follow",
        "FA Cup third round: Watch live as Macclesfield host Crystal Palace, plus three more ties",
        "Punches and slaps: Watch as Mexican Senate debate ends in brawl",
        "BBC Verify Live: Tracking Israel's strikes on Iran using verified video",
        "Israel-Iran conflict: live updates",
        "India save fourth Test to set up Oval decider - as it happened",
        "Recap: Canada beat Australia 46-5 to reach World Cup semi-finals",
        "Chelsea win Conference League to complete European set - reaction & analysis",
        "Actor Awards: The red carpet in pictures",
        "Sports Personality contender Bellingham's year in photos",
        "Trump's first 100 days - in numbers",
        "Five takeaways from Pete Hegseth's confirmation hearing",
        "Deals, handshakes and Musk - Key moments in Trump's Saudi visit",
        "Harry and Meghan's Break With Britain and Planned Return: a Timeline",
        "US President Jimmy Carter's state funeral explained",
        "Magic spells, innuendo and riddles: Your guide to all 37 Eurovision songs",
        "GB start skeleton bid as Kim targets history - Thursday's guide",
        "Oscars 2026: What to expect and who will win",
        "World Cup quiz: Name every Golden Boot winner",
        "Would you make a good Traitor? Take our quiz",
        "Booze, oil and orange juice: How Canada could fight Trump tariffs",
        "'A footballing architect' - how Enrique led PSG to brink of glory",
        "Watch: Trump signs executive order",
        "Listen: The moment the verdict was read",
        "Listen to emergency call of Australian boy who swam for hours to save family",
    ):
        assert is_packaging(title), title
    for title in (  # reports that use the same words
        "Judge quizzes jurors on knowledge of Diddy in sex-trafficking trial",
        "Sudan army recaptures presidential palace after two years of war",
        "Berlin power outage highlights German vulnerability to sabotage",
        "Inquiry reveals timeline of Bondi mass stabbing",
        "Oldest cave painting of red claw hand could rewrite human creativity timeline",
        "UK cyclist Chris Hoy says he has two to four years to live",
        "Kamala Harris makes surprise appearance on Saturday Night Live",
        "I own 20 axolotls - people need to know they're not easy to look after",
        "Everest guide survived six-day ordeal by eating chocolate and 'chewing ice'",
        "Crowds watch for Vatican chimney smoke as cardinals hold first vote for next pope",
        "Steven Spielberg makes surprise appearance at London pub quiz",
        "Man's pop-up urinal death may never be explained, family fears",
        "Silicon Valley know-how lures Gulf investors",
        "Fans gather to watch Ozzy's cortege travel through Birmingham, UK",
        "'They live in big fear': The BBC visits displaced Alawites in Lebanon",
        "Democrats release latest batch of Epstein photos as justice department deadline looms",
    ):
        assert not is_packaging(title), title
    b = Builder()  # 2026-W28: the explainer had more rewrites than the report
    for i, t in enumerate(
        [
            "Ann Widdecombe murder probe: What we know so far",
            "Ann Widdecombe murder probe: What we know",
            "Ann Widdecombe was attacked 24 hours before she was found dead",
        ]
    ):
        b.add(t, 0, "BBC News", "mainstream", "s1", "L", hour=8 + i)
    assert storyline_name(b.articles) == (
        "Ann Widdecombe was attacked 24 hours before she was found dead"
    )


def _placed(b: Builder, positions: dict[str, int]) -> list[PlacedArticle]:
    """The builder's articles with the page places front pages record (title -> best place)."""
    return [replace(a, position=positions.get(a.title)) for a in b.articles]


def test_a_side_story_with_the_most_variants_never_names_a_saga_its_pages_led_with() -> None:
    """2024-W45 on the front pages: the markets story had the most distinct headlines (the
    BBC rewrote it four times) but never stood above 11th; the win was the page's lead, its
    reports spread over small stories. The lead names the saga."""
    b = Builder()
    for i, t in enumerate(
        [
            "Dollar and Bitcoin soar as Trump wins presidency",
            "US shares and Bitcoin hit record high on Trump win",
            "US shares and Bitcoin hit record highs on Trump win",
            "Stocks rally as investors bet on Trump win",
        ]
    ):
        b.add(t, 2, "BBC News", "mainstream", "markets", "election", hour=8 + i)
    b.add(
        "Donald Trump sweeps to victory in historic comeback",
        2,
        "BBC News",
        "mainstream",
        "win",
        "election",
        hour=12,
    )
    b.add(
        "Kamala Harris yet to concede as Trump barrels towards victory",
        2,
        "BBC News",
        "mainstream",
        "win",
        "election",
        hour=13,
    )
    b.add(
        "Trump or Harris? Millions head to polls", 1, "BBC News", "mainstream", "polls", "election"
    )
    b.add(
        "Harris to concede to Trump after election loss",
        2,
        "BBC News",
        "mainstream",
        "concede",
        "election",
        hour=18,
    )
    places = {
        "Dollar and Bitcoin soar as Trump wins presidency": 14,
        "US shares and Bitcoin hit record high on Trump win": 11,
        "US shares and Bitcoin hit record highs on Trump win": 23,
        "Stocks rally as investors bet on Trump win": 12,
        "Donald Trump sweeps to victory in historic comeback": 1,
        "Kamala Harris yet to concede as Trump barrels towards victory": 2,
        "Trump or Harris? Millions head to polls": 1,
        "Harris to concede to Trump after election loss": 3,
    }
    arts = _placed(b, places)
    assert storyline_name(arts) == "Donald Trump sweeps to victory in historic comeback"
    # Without page places (feeds, files) the biggest story still names it, as before.
    assert storyline_name(b.articles) == "US shares and Bitcoin hit record high on Trump win"
    # A packaging lead or a pickup never names it: the next best-placed report does.
    clip = Builder()
    clip.add("Watch: Trump's victory speech", 2, "BBC News", "mainstream", "speech", "e")
    clip.add("Trump wins the White House", 2, "BBC News", "mainstream", "win", "e")
    named = _placed(clip, {"Watch: Trump's victory speech": 1, "Trump wins the White House": 2})
    assert storyline_name(named) == "Trump wins the White House"


def test_the_biggest_leading_story_names_a_saga_by_its_best_placed_report() -> None:
    """Of the stories that led, the biggest; of its leads, the most central ("Pope Francis dies
    aged 88" and "... died of stroke ..." both led the BBC on 21 April 2025)."""
    b = _pope()
    places = {
        "Watch: Pope blesses crowd on Easter Sunday": 1,
        "Pope Francis dies aged 88": 1,
        "Vatican announces death of Pope Francis aged 88": 3,
        "World mourns Pope Francis, who died aged 88": 1,
        "Zelensky and Trump meet at the Vatican": 1,
    }
    assert storyline_name(_placed(b, places)) == "Pope Francis dies aged 88"


def test_a_big_story_placed_second_beats_a_feature_that_led_once() -> None:
    """Prominence divides, it does not filter: 2024-W50's charge (three reports, second on
    the page) names the storyline, not the feature that led one snapshot."""
    b = Builder()
    for i, t in enumerate(
        [
            "Luigi Mangione charged with murdering healthcare CEO in New York",
            "Suspect in healthcare CEO killing charged with murder",
            "Healthcare CEO murder suspect fights extradition",
        ]
    ):
        b.add(t, 1, "BBC News", "mainstream", "charge", "ceo", hour=8 + i)
    b.add(
        "The dark fandom behind healthcare CEO murder suspect",
        2,
        "BBC News",
        "mainstream",
        "fandom",
        "ceo",
    )
    places = {
        "Luigi Mangione charged with murdering healthcare CEO in New York": 2,
        "Suspect in healthcare CEO killing charged with murder": 4,
        "Healthcare CEO murder suspect fights extradition": 6,
        "The dark fandom behind healthcare CEO murder suspect": 1,
    }
    assert storyline_name(_placed(b, places)) == (
        "Luigi Mangione charged with murdering healthcare CEO in New York"
    )


# A saga reported mostly in Japanese (designed): the Japanese press's story has the most
# reports, so without the audience's language it names the storyline; the English audience
# (BBC) ran the English story, and one Japanese-language outlet sits in the audience group too.
# (title, outlet, group, lang, story)
QUAKE = [
    ("能登半島地震 死者12人に", "NHK", "mainstream", "ja", "quake-ja"),
    ("能登半島地震 死者12人 救助続く", "Asahi", "foreign", "ja", "quake-ja"),
    ("能登半島地震 12人死亡 余震警戒", "Yomiuri", "foreign", "ja", "quake-ja"),
    ("能登半島地震 被害拡大 死者12人", "Kyodo", "foreign", "ja", "quake-ja"),
    ("Japan quake: Noto death toll reaches 12, Kyodo says", "Reuters", "wire", "en", "quake-ja"),
    ("Earthquake kills 12 on Japan's Noto peninsula", "BBC News", "mainstream", "en", "quake-en"),
    ("Noto earthquake kills 12 as rescuers dig", "The Guardian", "mainstream", "en", "quake-en"),
    ("UK inflation falls to 2.1%", "BBC News", "mainstream", "en", "inflation"),
    ("Bank of England holds rates", "BBC News", "mainstream", "en", "rates"),
]
QUAKE_EN = "Earthquake kills 12 on Japan's Noto peninsula"


def _quake() -> list[PlacedArticle]:
    b = Builder()
    for i, (title, outlet, group, _, story) in enumerate(QUAKE):
        line = "quake" if story.startswith("quake") else story
        b.add(title, 2, outlet, group, story, line, hour=6 + i)
    return [replace(a, lang=q[3]) for a, q in zip(b.articles, QUAKE, strict=True)]


def test_a_japanese_and_english_saga_is_named_in_english_for_an_english_audience() -> None:
    arts = _quake()
    line = [a for a in arts if a.storyline_id == "quake"]
    assert audience_language(arts, "mainstream") == "en"  # 4 English items, 1 Japanese
    assert audience_language(arts, "foreign") == "ja"
    # Without the language the biggest story (Japanese) names it: what every caller did.
    assert storyline_name(line).startswith("能登")
    assert storyline_name(line, "en") == QUAKE_EN
    assert storyline_name(line, "ja").startswith("能登")  # a Japanese audience reads Japanese
    # A story with reports in both languages is named in the audience's; one without any in
    # it keeps its own.
    mixed = [a for a in arts if a.story_id == "quake-ja"]
    assert story_name(mixed, "en") == "Japan quake: Noto death toll reaches 12, Kyodo says"
    assert story_name(mixed, "ko") == story_name(mixed)
    named = {c.story_id: c.headline for c in story_coverage(arts, lang="en")}
    assert named["quake-ja"] == "Japan quake: Noto death toll reaches 12, Kyodo says"
    # The brief's dominant storylines are named from all their items, in the audience's language.
    options = RankOptions(dominant_share=0.0, dominant_n=1)
    (top,) = dominant_storylines(arts, "mainstream", options)
    assert top.storyline_id == "quake" and top.headline == QUAKE_EN
    (theirs,) = dominant_storylines(arts, "foreign", options)
    assert theirs.headline.startswith("能登")


def _quake_db(path: Path) -> Settings:
    arts = [
        Article(
            id=f"q{i}",
            title=title,
            outlet=outlet,
            url=f"https://o{i}.example/{i}",
            published=datetime(2025, 4, 2, 6 + i, tzinfo=UTC),
            lang=lang,
            group=group,
        )
        for i, (title, outlet, group, lang, _) in enumerate(QUAKE)
    ]
    stories = {a.id: q[4] for a, q in zip(arts, QUAKE, strict=True)}
    with Store(path) as store:
        store.articles.insert_batch(arts, SourceIndex.build([]).resolve, 0)
        store.stories.save(
            [
                (
                    a,
                    Assignment(
                        a.id, stories[a.id], "quake" if "quake" in stories[a.id] else stories[a.id]
                    ),
                )
                for a in arts
            ]
        )
    return Settings(db=path)


def test_every_surface_names_the_saga_in_the_audience_language(tmp_path: Path) -> None:
    """`stories`, the web pages, the API and the exports pass the audience's language."""
    settings = _quake_db(tmp_path / "q.db")
    out = run_cli("--db", str(settings.db), "stories", "--week", "2025-W14", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    lines = {x["storyline_id"]: x["headline"] for x in doc["storylines"]}
    assert lines["quake"] == QUAKE_EN
    told = {x["story_id"]: x["headline"] for x in doc["stories"]}
    assert told["quake-ja"] == "Japan quake: Noto death toll reaches 12, Kyodo says"
    foreign = run_cli(
        "--db",
        str(settings.db),
        "stories",
        "--week",
        "2025-W14",
        "--format",
        "json",
        "--audience",
        "foreign",
    )
    assert json.loads(foreign.stdout)["storylines"][0]["headline"].startswith("能登")
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/stories/quake-ja").json()
        assert body["storyline_headline"] == QUAKE_EN
        assert body["headline"] == "Japan quake: Noto death toll reaches 12, Kyodo says"
        page = client.get("/storylines/quake").text
        assert f'<h1 id="storyline-headline">{QUAKE_EN}</h1>'.replace("'", "&#39;") in page
        brief = client.get("/api/weeks/2025-W14/brief").json()
        assert brief["dominant"][0]["headline"] == QUAKE_EN
        rows = client.get("/weeks/2025-W14/export/stories.json").json()
        listed = rows["rows"] if isinstance(rows, dict) else rows
        assert any(
            r["headline"] == "Japan quake: Noto death toll reaches 12, Kyodo says" for r in listed
        )
