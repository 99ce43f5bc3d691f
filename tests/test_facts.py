"""Key facts: a name the story uses for a person is never listed as a place."""

from __future__ import annotations

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
