"""The brief as a column: a lead paragraph, a summary per missed story, one content in every format."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import date
from urllib.parse import quote

from _placed import WEEK, Builder, tariff_week
from belowthefold.brief import build_brief, render
from belowthefold.brief.column import (
    CROWDED_MENTION,
    audience_name,
    coverage_shares,
    missed_summary,
    span_phrase,
)
from belowthefold.brief.facts import lead_of, sentences
from belowthefold.config import RankOptions
from belowthefold.models import BriefInputs, SourceHealth, Window

TEXT = (
    "Treasury Secretary Scott Bessent met Mr. Lindvik in the U.S. capital on Jan. 5 to discuss "
    "the famine in North Darfur. Bessent said aid would follow."
)


def _inputs() -> BriefInputs:
    b = Builder()
    tariff_week(b)
    for outlet, group in [("Reuters", "wire"), ("AP", "wire"), ("Al Jazeera", "foreign"),
                          ("DW", "foreign"), ("Relief Ministry", "official")]:  # fmt: skip
        b.add("Famine declared in North Darfur camps", 3, outlet, group, "famine", text=TEXT)
    health = (
        SourceHealth("Quiet Feed", "wire", 0, 7, 3, "timeout"),
        SourceHealth("Reuters", "wire", 9, 0, 0),
    )
    groups = tuple(sorted({a.group for a in b.articles}))
    return BriefInputs(WEEK, "mainstream", tuple(b.articles), groups=groups, health=health)


def test_sentences_do_not_end_at_abbreviations() -> None:
    assert len(sentences(TEXT)) == 2
    assert sentences(TEXT)[0].endswith("North Darfur.")


def test_the_lead_paragraph_says_what_dominated_and_how_hard() -> None:
    brief = build_brief(_inputs(), RankOptions())
    assert brief.lead.startswith("“Tariff shock")
    assert "held 75% of the 4 mainstream outlets' attention this week" in brief.lead
    assert "News pressure on" in brief.lead
    assert brief.audience_outlets[0] in {"BBC News", "CNN", "New York Times", "The Guardian"}


def test_each_missed_story_says_what_happened_who_covered_it_and_who_did_not() -> None:
    (m,) = build_brief(_inputs(), RankOptions()).missed
    assert m.summary.startswith("Treasury Secretary Scott Bessent met Mr. Lindvik in the U.S.")
    assert "5 outlets in 3 groups reported it (2 foreign, 2 wire, 1 official)" in m.summary
    assert "the 4 mainstream outlets gave it no headline" in m.summary
    assert "while “Tariff shock" in m.summary and m.crowded_share > 0
    shares = dict(coverage_shares(m.coverage))
    assert abs(sum(shares.values()) - 1.0) < 1e-9 and shares["mainstream"] == 0


def test_markdown_html_and_json_carry_the_same_column() -> None:
    brief = build_brief(_inputs(), RankOptions())
    md, page, doc = (render(brief, f) for f in ("md", "html", "json"))
    opening = sentences(brief.missed[0].summary)[0]
    assert md.count(opening) == 1 and page.count(opening) == 1  # quoted below only past it
    data = json.loads(doc)
    (m,) = brief.missed
    assert data["lead"] == brief.lead and data["missed"][0]["summary"] == m.summary
    assert brief.lead.replace("’", "'")[:40] in md.replace("’", "'")
    assert html.escape(m.summary, quote=False)[:60] in page
    assert 'class="bar"' in page and "wire 40%" in page
    assert "background: #D55E00" in page  # the wire colour of the app's one palette
    assert "wire 40%" in md


def test_the_completeness_appendix_puts_sources_with_gaps_first() -> None:
    brief = build_brief(_inputs(), RankOptions())
    md, page = render(brief, "md"), render(brief, "html")
    assert "2 sources; 1 had articles in this window, 1 had none; 1 had fetch errors." in md
    assert "| Quiet Feed | wire | 0 | 7 | 3 | timeout |" in md
    assert "| Reuters |" not in md  # only the sources with gaps are tabled in Markdown
    assert "<details><summary>All sources</summary>" in page
    assert page.index("Quiet Feed</td>") < page.index("Reuters</td>")


def test_audience_names_read_like_a_column() -> None:
    assert audience_name(["BBC News"], "mainstream") == "BBC News"
    assert audience_name(["BBC News", "New York Times"], "x") == "BBC News and New York Times"
    assert audience_name(["a", "b", "c"], "mainstream") == "the 3 mainstream outlets"


def test_the_lead_prefers_the_readers_language() -> None:
    b = Builder()
    zh = "神舟二十号载人飞船于四月二十四日在酒泉卫星发射中心发射成功并进入预定轨道。"
    en = "China launched the Shenzhou-20 crewed spacecraft on Thursday from Jiuquan."
    first = b.add("神舟二十号发射成功", 1, "Xinhua", "wire", "s", text=zh)
    second = b.add("China launches Shenzhou-20", 1, "SHINE", "foreign", "s", text=en, hour=12)
    placed = [replace(first, lang="zh"), replace(second, lang="en")]
    assert lead_of(placed, lang="en").startswith("China launched")
    assert lead_of(placed).startswith("神舟")


def test_without_groups_the_brief_says_what_dominated_across_all_outlets() -> None:
    b = Builder()
    tariff_week(b)
    b.articles[:] = [replace(a, group="other") for a in b.articles]
    brief = build_brief(BriefInputs(WEEK, "mainstream", tuple(b.articles)), RankOptions())
    assert brief.dominant and brief.dominant[0].headline.startswith("Tariff shock")
    assert "of all outlets' attention" in brief.lead
    assert brief.missed == () and "--sources" in brief.missed_note
    assert brief.missed_note in render(brief, "md").replace("\\", "")


def test_headlines_link_to_their_web_pages_only_for_the_web() -> None:
    brief = build_brief(_inputs(), RankOptions())
    (m,) = brief.missed
    d = brief.dominant[0]
    page = render(brief, "html", web_root="")
    # With the brief's week: the page names the storyline from that week's items, as the brief.
    week = f"?week={brief.window.label}"
    assert f'href="/stories/{quote(m.story_id, safe="")}{week}"' in page
    assert f'href="/storylines/{quote(d.storyline_id, safe="")}{week}"' in page
    md = render(brief, "md", web_root="http://127.0.0.1:8000/")
    assert f"[{m.headline}](<http://127.0.0.1:8000/stories/{m.story_id}{week}>)" in md
    assert "/stories/" not in render(brief, "html") and "/stories/" not in render(brief, "md")


def test_a_small_share_is_not_called_crowding_out() -> None:
    (m,) = build_brief(_inputs(), RankOptions()).missed
    quiet = replace(m, crowded_share=CROWDED_MENTION / 2)
    assert "while" not in missed_summary(quiet, "mainstream", "BBC News")
    assert "while “" in missed_summary(m, "mainstream", "BBC News")


def test_the_lead_names_its_span() -> None:
    assert span_phrase(WEEK) == "this week"
    ten = Window(date(2025, 4, 19), date(2025, 4, 28), "2025-04-19..28")
    assert span_phrase(ten) == "from 19 to 28 April"
    assert (
        span_phrase(Window(date(2025, 3, 29), date(2025, 4, 8), "x")) == "from 29 March to 8 April"
    )
