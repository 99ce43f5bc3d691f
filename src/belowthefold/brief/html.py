"""The brief as one self-contained HTML page (Jinja2, autoescaped; charts inlined as SVG)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from belowthefold.brief.column import coverage_shares
from belowthefold.brief.palette import group_palette
from belowthefold.brief.svg import brief_charts
from belowthefold.brief.view import (
    day_label,
    facts_heading,
    health_sorted,
    health_summary,
    num,
    page_href,
    pct,
    peak_of,
    pressure_table,
    quote_after,
    references,
    timeline,
    week_title,
)
from belowthefold.models import Brief


def environment() -> Environment:
    """A fresh environment per render: no module-level state, autoescape always on."""
    env = Environment(
        loader=PackageLoader("belowthefold", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = day_label
    env.filters["pct"] = pct
    env.filters["num"] = num
    env.globals.update(
        timeline=timeline,
        references=references,
        coverage_shares=coverage_shares,
        health_sorted=health_sorted,
        quote_after=quote_after,
    )
    return env


def render_html(brief: Brief, chart: bool = True, web_root: str | None = None) -> str:
    days, groups, cells = pressure_table(brief)
    charts = brief_charts(brief) if chart else None
    return (
        environment()
        .get_template("brief.html")
        .render(
            brief=brief,
            title=week_title(brief),
            days=days,
            groups=groups,
            cells=cells,
            peak=peak_of(brief, brief.audience),
            chart=charts,
            palette=group_palette(brief.groups),
            health=health_summary(brief),
            facts_heading=facts_heading(brief),
            href=lambda kind, key: page_href(web_root, kind, key, brief.window.label),
        )
    )
