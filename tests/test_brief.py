"""Brief: the JSON shape, the same facts in every format, escaping, the chart, history, facts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from _placed import SUDAN_TEXT, WEEK, Builder, tariff_week
from belowthefold.brief import brief_to_dict, build_brief, render, render_chart_png
from belowthefold.brief.facts import acronyms, extract_facts, figures, lead_of
from belowthefold.brief.jsondoc import ARTICLE_FIELDS
from belowthefold.config import RankOptions
from belowthefold.errors import BelowTheFoldError
from belowthefold.models import Brief, BriefInputs, SourceHealth
from belowthefold.pipeline import parse_window
from belowthefold.store import Store

NOW = datetime(2025, 4, 7, 6, 0, tzinfo=UTC)
OUTSIDE = [
    ("Al Jazeera", "foreign"),
    ("DW", "foreign"),
    ("France 24", "foreign"),
    ("Reuters", "wire"),
]


def _week(evil: bool = False) -> BriefInputs:
    b = Builder()
    tariff_week(b)
    for outlet, group in OUTSIDE:
        title = "<script>alert(1)</script> Famine declared" if evil else "Famine declared in Darfur"
        url = "javascript:alert(document.cookie)" if evil and outlet == "DW" else None
        b.add(title, 3, outlet, group, "sudan", text=SUDAN_TEXT, url=url)
    groups = tuple(sorted({a.group for a in b.articles}))
    health = (SourceHealth("DW", "foreign", 1, 6, 2, "HTTP 503 <b>"),)
    return BriefInputs(WEEK, "mainstream", tuple(b.articles), groups=groups, health=health, now=NOW)


@pytest.fixture
def brief() -> Brief:
    return build_brief(_week(), RankOptions())


def test_json_has_the_documented_shape(brief: Brief) -> None:
    doc = json.loads(render(brief, "json"))
    assert doc == brief_to_dict(brief)
    assert {"week", "start", "end", "audience", "pressure", "dominant", "missed"} <= set(doc)
    assert (doc["week"], doc["start"], doc["end"]) == ("2025-W14", "2025-03-31", "2025-04-06")
    assert {"date", "group", "value", "articles"} <= set(doc["pressure"][0])
    assert {"storyline_id", "headline", "share", "articles"} <= set(doc["dominant"][0])
    (m,) = doc["missed"]
    assert {"rank", "story_id", "headline", "score", "reasons", "coverage", "articles"} <= set(m)
    assert tuple(m["articles"][0]) == ARTICLE_FIELDS  # the one article shape, CSV columns too
    assert m["coverage"]["mainstream"] == 0 and m["coverage"]["foreign"] == 3


def test_markdown_and_html_tell_the_same_story(brief: Brief) -> None:
    md, html = render(brief, "md"), render(brief, "html")
    m = brief.missed[0]
    for text in (md, html):
        assert "What dominated" in text and "Methods" in text and "Source completeness" in text
        assert "Famine declared in Darfur" in text
        assert "1.2 million people" in text  # a key fact
        assert "WFP = World Food Programme" in text
        assert f"{m.score:.2f}" in text
    assert "[Al Jazeera: Famine declared in Darfur](<https://aljazeera.example/" in md
    assert 'href="https://reuters.example/' in html
    assert '<svg class="chart line-chart"' in html and "data:image/png" not in html
    assert 'src="http' not in html and "<script" not in html.lower()  # nothing fetched from a CDN


def test_untrusted_text_is_escaped_and_javascript_urls_are_never_links() -> None:
    brief = build_brief(_week(evil=True), RankOptions())
    html = render(brief, "html")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "javascript:" not in html
    assert "HTTP 503 &lt;b&gt;" in html
    md = render(brief, "md")
    assert "javascript:" not in md
    assert "\\<script\\>" in md


def test_the_chart_is_a_png(brief: Brief, tmp_path: Path) -> None:
    out = tmp_path / "chart.png"
    render_chart_png(brief, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 5000


def test_without_matplotlib_the_html_brief_has_its_charts_and_a_png_says_what_it_needs(
    brief: Brief, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from belowthefold.errors import ConfigError

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    html = render(brief, "html")
    assert html.count('<svg class="chart line-chart"') == 2  # pressure, dominant share
    assert "Dominant storylines&#39; share" in html
    with pytest.raises(ConfigError, match=r"belowthefold\[charts\]"):
        render_chart_png(brief, tmp_path / "chart.png")
    assert not (tmp_path / "chart.png").exists()


def test_without_groups_the_brief_still_renders_and_says_why() -> None:
    b = Builder()
    tariff_week(b)
    b.add("Something", 3, "Site", "other", "x")
    b.add("Something", 3, "Site 2", "other", "x")
    brief = build_brief(BriefInputs(WEEK, "mainstream", tuple(b.articles), now=NOW), RankOptions())
    assert brief.missed == ()
    for fmt in ("md", "html", "json"):
        assert "has none besides" in render(brief, fmt)


def test_an_empty_window_renders() -> None:
    brief = build_brief(BriefInputs(WEEK, "mainstream", (), now=NOW), RankOptions())
    assert "No articles in this window" in render(brief, "md")
    assert render(brief, "html").startswith("<!doctype html>")


def test_versus_compares_two_audiences() -> None:
    brief = build_brief(replace(_week(), versus="foreign"), RankOptions())
    assert brief.versus == "foreign"
    assert any("ran in foreign outlets" in n for n in brief.notes)
    assert "Versus foreign" in render(brief, "md")
    assert json.loads(render(brief, "json"))["versus"] == "foreign"


def test_unknown_format_is_an_error(brief: Brief) -> None:
    with pytest.raises(BelowTheFoldError):
        render(brief, "pdf")


def test_history_counts_consecutive_missed_weeks(store: Store) -> None:
    inputs = _week()
    for week in ("2025-W12", "2025-W13"):
        w = parse_window(week)
        store.briefs.record(build_brief(replace(inputs, window=w), RankOptions()))
    history = store.briefs.history("mainstream", WEEK)
    (story,) = history
    assert history[story] == 2
    brief = build_brief(replace(inputs, history=history), RankOptions())
    assert "missed for the 3rd week" in brief.missed[0].reasons
    assert store.briefs.history("mainstream", parse_window("2025-W16")) == {}  # a gap breaks it
    assert store.briefs.history("foreign", WEEK) == {}


def test_facts_figures_names_and_acronyms() -> None:
    text = (
        "The International Atomic Energy Agency (IAEA) said the US imposed a 25% tariff on steel, "
        "worth $3.4 billion in trade, about 2.1% of GDP. Prime Minister Keir Starmer said 1,200 "
        "people were evacuated from Port Sudan in 2024."
    )
    figs = figures(text)
    assert {"25% tariff", "$3.4 billion in trade", "2.1% of GDP", "1,200 people"} <= set(figs)
    assert not any(f.endswith("2024") for f in figs)
    assert acronyms(text) == [("IAEA", "International Atomic Energy Agency")]
    b = Builder()
    b.add("Evacuation", 1, "Reuters", "wire", "s", text=text)
    facts = extract_facts(b.articles)
    assert "Keir Starmer" in facts.people and "Port Sudan" in facts.places
    assert "International Atomic Energy Agency" in facts.organisations
    assert lead_of(b.articles).startswith("The International Atomic Energy Agency (IAEA) said")


def test_facts_do_not_mistake_companies_demonyms_or_possessives() -> None:
    b = Builder()
    text = (
        "Carrow Motors said output would fall. Carrow Motors lost 14% in Asian trading. "
        "Officials from Trump's team met in Geneva. The Party said nothing."
    )
    b.add("Markets fall", 1, "Wire", "wire", "s", text=text)
    facts = extract_facts(b.articles)
    assert "Carrow Motors" in facts.organisations and "Carrow Motors" not in facts.people
    assert "Geneva" in facts.places
    assert not {"Asian", "Trump"} & set(facts.places)
    assert "Party" not in facts.organisations
