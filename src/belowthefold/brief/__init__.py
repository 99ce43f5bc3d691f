"""Brief: the week's column as data (`build_brief`) and as Markdown, HTML, JSON or a chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from belowthefold.errors import BelowTheFoldError
from belowthefold.lazy import lazy_getattr
from belowthefold.models import Brief, BriefFormat

if TYPE_CHECKING:
    from belowthefold.brief.build import build_brief
    from belowthefold.brief.chart import render_chart_png
    from belowthefold.brief.facts import Facts, extract_facts, lead_of
    from belowthefold.brief.jsondoc import brief_to_dict, render_json

FORMATS: tuple[str, ...] = get_args(BriefFormat)

# The builders (and the ranking and numpy under them) load on first use, not with the package:
# `pressure` prints its points through `brief.points` without them.
_LAZY = {
    "build_brief": "build",
    "render_chart_png": "chart",
    "Facts": "facts",
    "extract_facts": "facts",
    "lead_of": "facts",
    "brief_to_dict": "jsondoc",
    "render_json": "jsondoc",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


def render(brief: Brief, fmt: str, web_root: str | None = None) -> str:
    """The brief in one of FORMATS; the same Brief gives the same facts in each.

    With `web_root` ("" for root-relative links, or "http://host:port"), the dominant storylines
    and the missed stories in Markdown and HTML link to their pages in the web UI.
    """
    if fmt in ("md", "markdown"):
        from belowthefold.brief.markdown import render_markdown

        return render_markdown(brief, web_root)
    if fmt == "html":
        from belowthefold.brief.html import render_html

        return render_html(brief, web_root=web_root)
    if fmt == "json":
        from belowthefold.brief.jsondoc import render_json

        return render_json(brief)
    raise BelowTheFoldError(f"unknown brief format {fmt!r}: use one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "Facts",
    "brief_to_dict",
    "build_brief",
    "extract_facts",
    "lead_of",
    "render",
    "render_chart_png",
    "render_json",
]
