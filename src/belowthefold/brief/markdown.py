"""The brief as Markdown: an analyst's weekly "headlines you missed" column."""

from __future__ import annotations

import re
from collections.abc import Sequence

from belowthefold.brief.column import coverage_shares
from belowthefold.brief.view import (
    day_label,
    facts_heading,
    health_summary,
    page_href,
    peak_of,
    pressure_table,
    quote_after,
    references,
    timeline,
    week_title,
)
from belowthefold.models import Brief, DominantStoryline, MissedHeadline

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def esc(text: str) -> str:
    """Escape Markdown syntax in untrusted text (titles, outlets) and flatten line breaks."""
    flat = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return "\\" + flat if flat[:1] in {"#", "-", "+", ">"} or re.match(r"\d+\.\s", flat) else flat


def render_markdown(brief: Brief, web_root: str | None = None) -> str:
    """The column in Markdown; with `web_root`, headlines link to their web pages."""
    parts = [
        f"# Headlines you missed: {esc(brief.audience)}, {esc(week_title(brief))}",
        "",
        *_dominant_section(brief, web_root),
        *_pressure_section(brief),
        *_missed_section(brief, brief.missed, brief.audience, web_root),
        *_versus_section(brief, web_root),
        *_methods_section(brief),
        *_health_section(brief),
        f"_Generated {brief.generated_at:%Y-%m-%d %H:%M} UTC by belowthefold._",
        "",
    ]
    return "\n".join(parts)


def _linked(text: str, href: str | None) -> str:
    return f"[{esc(text)}](<{href}>)" if href else esc(text)


def _dominant_section(brief: Brief, web_root: str | None) -> list[str]:
    out = ["## What dominated", ""]
    if brief.lead:
        out += [esc(brief.lead), ""]
    if not brief.dominant and not brief.lead:
        out += [f"No storyline dominated {esc(brief.audience)} coverage this window.", ""]
    for d in brief.dominant:
        out += _dominant(
            d, brief.audience, page_href(web_root, "storylines", d.storyline_id, brief.window.label)
        )
    peak = peak_of(brief, brief.audience)
    if peak is not None:
        out += [
            f"{esc(brief.audience).capitalize()} news pressure peaked at {peak.value:.2f} on "
            f"{day_label(peak.day)} ({peak.articles} articles).",
            "",
        ]
    out += [f"- {esc(n)}" for n in brief.notes]
    return [*out, ""] if brief.notes else out


def _dominant(d: DominantStoryline, audience: str, href: str | None) -> list[str]:
    peak = f"; peaked at {d.peak_share:.0%} on {day_label(d.peak_day)}" if d.peak_day else ""
    out = [
        f"**{_linked(d.headline, href)}** held {d.share:.0%} of {esc(audience)} coverage "
        f"({len(d.articles)} articles{peak}).",
        "",
    ]
    if d.lead:
        out += [f"> {esc(d.lead)}", ""]
    out += [f"- {esc(f)}" for f in d.facts]
    return [*out, ""] if d.facts else out


def _pressure_section(brief: Brief) -> list[str]:
    days, groups, cells = pressure_table(brief)
    if not days:
        return []
    out = [
        "## Daily news pressure",
        "",
        "Share of each group's attention held by the day's three "
        "largest storylines (articles in brackets).",
        "",
    ]
    out.append("| day | " + " | ".join(esc(g) for g in groups) + " |")
    out.append("|---|" + "---:|" * len(groups))
    for d in days:
        row = []
        for g in groups:
            p = cells.get((g, d))
            row.append(f"{p.value:.2f} ({p.articles})" if p and p.articles else "–")
        out.append(f"| {day_label(d)} | " + " | ".join(row) + " |")
    return [*out, ""]


def _missed_section(
    brief: Brief, missed: Sequence[MissedHeadline], audience: str, web_root: str | None
) -> list[str]:
    out = [f"## The headlines {esc(audience)} missed", ""]
    if not missed:
        note = brief.missed_note if audience == brief.audience else ""
        out += [esc(note or "No story met the thresholds for a missed headline this window."), ""]
    for m in missed:
        out += _missed(m, brief, page_href(web_root, "stories", m.story_id, brief.window.label))
    return out


def _missed(m: MissedHeadline, brief: Brief, href: str | None) -> list[str]:
    out = [f"### {m.rank}. {_linked(m.headline, href)}", ""]
    if m.summary:
        out += [esc(m.summary), ""]
    bar = " · ".join(f"{esc(g)} {v:.0%}" for g, v in coverage_shares(m.coverage) if v > 0)
    out += [f"Coverage by group (share of its outlets): {bar} · _score {m.score:.2f}_", ""]
    quote = quote_after(m.summary, m.lead)
    if quote:
        out += [f"> {esc(quote)}", ""]
    out += ["**Why it counts as missed**", "", *[f"- {esc(r)}" for r in m.reasons], ""]
    if m.facts:
        out += [f"**{facts_heading(brief)}**", "", *[f"- {esc(f)}" for f in m.facts], ""]
    out += ["**Timeline**", ""]
    for t in timeline(m.articles):
        out.append(
            f"- {day_label(t.day)}: {t.articles} article{'s' if t.articles != 1 else ''} in "
            f"{t.outlets} outlet{'s' if t.outlets != 1 else ''}; first: “{esc(t.first_title)}” "
            f"({esc(t.first_outlet)})"
        )
    cov = " · ".join(f"{esc(g)} {n}" for g, n in m.coverage.items())
    out += ["", f"**Coverage by group** (outlets): {cov}", "", "**References**", ""]
    for r in references(m.articles):
        label = f"{esc(r.outlet)}: {esc(r.title)}"
        line = f"[{label}](<{r.url}>)" if r.url else label
        out.append(f"- {line}, {day_label(r.day)}{' (pickup)' if r.pickup else ''}")
    return [*out, ""]


def _versus_section(brief: Brief, web_root: str | None) -> list[str]:
    if not brief.versus:
        return []
    out = [f"## Versus {esc(brief.versus)}", ""]
    for d in brief.versus_dominant[:1]:
        out += [
            f"{esc(brief.versus).capitalize()} was dominated by **{esc(d.headline)}** "
            f"({d.share:.0%} of its coverage).",
            "",
        ]
    out += _missed_section(brief, brief.versus_missed, brief.versus, web_root)
    return out


def _methods_section(brief: Brief) -> list[str]:
    return ["## Methods", "", *[f"- {esc(m)}" for m in brief.methods], ""]


def _health_section(brief: Brief) -> list[str]:
    out = ["## Source completeness", ""]
    if not brief.health:
        return [*out, "No per-source fetch records for this window (imported files only).", ""]
    summary = health_summary(brief)
    out += [esc(summary.sentence(brief.audience)), ""]
    more = (
        f"{summary.more} other sources had days without articles: the HTML and JSON briefs "
        "list every source."
    )
    if not summary.table:
        return [*out, more, ""] if summary.more else out
    out += [
        "| source | group | articles | days without | errors | last error |",
        "|---|---|---:|---:|---:|---|",
    ]
    for h in summary.table:
        out.append(
            f"| {esc(h.source)} | {esc(h.group)} | {h.articles} | {h.days_without} | {h.errors} | "
            f"{esc(h.last_error or '')} |"
        )
    if summary.more:
        out += ["", more]
    return [*out, ""]
