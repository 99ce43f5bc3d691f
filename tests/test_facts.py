"""Key facts: a name the story uses for a person is never listed as a place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from belowthefold.brief.facts import extract_facts
from belowthefold.models import PlacedArticle


def _p(title: str, text: str = "") -> PlacedArticle:
    return PlacedArticle(
        id=title,
        title=title,
        published=datetime(2025, 4, 3, tzinfo=UTC),
        url=None,
        outlet="x",
        source=None,
        group="g",
        weight=1.0,
        story_id=None,
        storyline_id=None,
        text=text,
    )


def test_a_person_named_after_in_is_not_a_place() -> None:
    facts = extract_facts(
        [
            _p("Anger in Trump heartland over tariffs"),
            _p("Trump says the tariffs will stay"),
            _p("Protests grow in Chicago", "Thousands marched in Chicago on Saturday."),
        ]
    )
    assert "Chicago" in facts.places
    assert "Trump" not in facts.places


def test_acronyms_resolve_where_the_text_defines_them() -> None:
    facts = extract_facts(
        [
            _p(
                "Inspectors find cracks",
                "The International Atomic Energy Agency (IAEA) said on Monday.",
            ),
        ]
    )
    assert ("IAEA", "International Atomic Energy Agency") in facts.acronyms


EARLIER = datetime(2025, 4, 2, tzinfo=UTC)


def _s(title: str, story: str, outlet: str = "BBC News", text: str = "") -> PlacedArticle:
    return replace(_p(title, text), id=f"{story}:{title}", story_id=story, outlet=outlet)


def test_a_place_only_one_side_story_names_is_not_a_key_fact_of_the_storyline() -> None:
    """The pope's death is named and quoted; "Africa" is in one explainer, "Rome" in two stories."""
    death = [_s("Pope Francis dies aged 88", "death"), _s("Vatican mourns Pope Francis", "death")]
    side = [
        _s("Might the next pope come from Africa?", "next"),
        _s("Crowds gather in Rome for the funeral", "funeral"),
        _s("Leaders fly in Rome for the pope's burial", "burial"),
    ]
    facts = extract_facts([*death, *side], quoted=death)
    assert "Africa" not in facts.places
    assert "Rome" in facts.places


def test_one_amount_is_one_figure_whatever_its_wording() -> None:
    facts = extract_facts(
        [
            _s("Drought", "s", "Wire A", "Rain fell short in 40% of the region this spring."),
            _s("Drought hits", "s", "Wire B", "Farms in 40% of regional districts went dry."),
            _s("Jet lost", "s", "Wire C", "The Navy lost a $60M fighter jet, officials said."),
            _s("Jet lost at sea", "s", "Wire D", "The jet cost $60 million, the Navy said."),
        ]
    )
    assert sum("40%" in f for f in facts.figures) == 1, facts.figures
    assert sum("60" in f for f in facts.figures) == 1, facts.figures


def test_a_figure_from_one_unrelated_headline_is_not_a_fact() -> None:
    """The quoted report's figures and those two outlets state are facts; one headline's is not."""
    quoted = "Troops from both countries, more than 14,000 troops, began the annual exercise."
    facts = extract_facts(
        [
            replace(_s("Exercise opens", "s", "Wire A", quoted), published=EARLIER),
            _s("Drills begin", "s", "Wire B", "The drills run for 19 days at sea."),
            _s("Allies train", "s", "Wire C", "Crews will train for 19 days in the strait."),
            _s("'100% better than last time' - fans cheer", "s", "Paper D"),
        ]
    )
    assert "14,000 troops" in facts.figures and "19 days" in facts.figures
    assert not any("100%" in f for f in facts.figures), facts.figures
