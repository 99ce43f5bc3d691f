"""The brief's chart: daily pressure per group, and the dominant storylines' daily share.

matplotlib with the Agg backend, for `--chart FILE.png` (an optional extra: the HTML brief
draws the same charts as SVG, brief/svg.py). Days without data are gaps (NaN breaks the line), thin days
are hollow (one rule: `attention.thin_days`), colours come from the one group palette, and
legends sit outside the axes with headlines wrapped, never cut, so they cover no line.
"""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from belowthefold.attention import measured, thin_days
from belowthefold.brief.palette import GroupPalette, group_palette
from belowthefold.brief.svg import dominant_daily_share
from belowthefold.errors import ConfigError
from belowthefold.models import Brief

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LEGEND_WRAP = 34  # characters per legend line: long headlines wrap instead of running off
SHADES = (1.0, 0.6, 0.35)  # the audience's colour, fading, for the 1st, 2nd, 3rd storyline


def wrap_label(text: str, width: int = LEGEND_WRAP) -> str:
    """A legend label on as many lines as it needs (at most four; the last says it goes on)."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > 4:
        lines = [*lines[:3], textwrap.shorten(" ".join(lines[3:]), width, placeholder=" …")]
    return "\n".join(lines)


def chart_figure(brief: Brief, palette: GroupPalette | None = None) -> Figure:
    """The chart as a matplotlib Figure (no display, no files); tests read its geometry."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ConfigError(
            "a PNG chart needs matplotlib: pip install 'belowthefold[charts]' "
            "(the HTML brief draws its charts without it)"
        ) from exc

    matplotlib.use("Agg")
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    palette = palette or group_palette(brief.groups)
    fig = Figure(figsize=(10, 5.4), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for group in brief.groups:
        points = sorted((p for p in brief.pressure if p.group == group), key=lambda p: p.day)
        if not any(measured(p) for p in points):
            continue
        thin = thin_days(points)
        colour = palette.colour(group)
        values = [p.value if measured(p) else float("nan") for p in points]
        width = 2.5 if group == brief.audience else 1.4
        top.plot([p.day for p in points], values, lw=width, color=colour, label=group)
        solid = [p for p in points if measured(p) and p.day not in thin]
        hollow = [p for p in points if p.day in thin]
        top.plot([p.day for p in solid], [p.value for p in solid], "o", color=colour)
        top.plot([p.day for p in hollow], [p.value for p in hollow], "o", mfc="white", color=colour)
    top.set_ylim(0, 1.05)
    top.set_ylabel("news pressure")
    top.set_title("Daily news pressure (top-three storyline share; hollow: few items)", fontsize=10)
    if top.get_legend_handles_labels()[0]:
        top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    shares = dominant_daily_share(brief)
    base: dict[date, float] = defaultdict(float)
    audience_colour = palette.colour(brief.audience)
    for i, (headline, series) in enumerate(shares):
        days = list(series)
        bottom.bar(
            days,
            list(series.values()),
            bottom=[base[d] for d in days],
            color=audience_colour,
            alpha=SHADES[i % len(SHADES)],
            label=wrap_label(headline),
        )
        for d, v in series.items():
            base[d] += v
    if shares:
        bottom.set_title(
            f"Share of {brief.audience} coverage held by the dominant storylines", fontsize=9
        )
        bottom.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    else:
        bottom.set_title("No dominant storyline", fontsize=9)
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("share")
    bottom.xaxis.set_major_formatter(DateFormatter("%a %d %b"))  # type: ignore[no-untyped-call]
    for label in bottom.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    return fig


def chart_png(brief: Brief, palette: GroupPalette | None = None) -> bytes:
    """Render the chart to PNG bytes; `bbox_inches="tight"` keeps every label inside the image."""
    buf = io.BytesIO()
    chart_figure(brief, palette).savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def render_chart_png(brief: Brief, path: Path, palette: GroupPalette | None = None) -> None:
    """Write the chart to `path` (for `--chart FILE.png`)."""
    path.write_bytes(chart_png(brief, palette))
