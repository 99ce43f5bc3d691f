"""The brief's chart: daily pressure per group, and the dominant storyline's daily share (matplotlib, Agg)."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from pathlib import Path

from belowthefold.attention import TOP_K
from belowthefold.models import Brief


def dominant_daily_share(brief: Brief) -> list[tuple[str, dict[date, float]]]:
    """Each dominant storyline's share of the audience's attention, per day (for stacked bars)."""
    totals = {p.day: p.attention for p in brief.pressure if p.group == brief.audience}
    out: list[tuple[str, dict[date, float]]] = []
    for d in brief.dominant:
        held: dict[date, float] = defaultdict(float)
        for a in d.articles:
            held[a.day] += max(a.weight, 0.0)
        out.append(
            (
                d.headline,
                {day: (held[day] / t if t > 0 else 0.0) for day, t in sorted(totals.items())},
            )
        )
    return out


def chart_png(brief: Brief) -> bytes:
    """Render the chart to PNG bytes (no display, no files)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.6), dpi=100)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for group in brief.groups:
        points = sorted((p for p in brief.pressure if p.group == group), key=lambda p: p.day)
        if not any(p.articles for p in points):
            continue
        # Days without articles are gaps, not zeros: a silent feed is not a calm day. Days with
        # three items or fewer (share 1.0 by construction) are hollow, not read as a flood.
        values = [p.value if p.articles else float("nan") for p in points]
        width = 2.5 if group == brief.audience else 1.2
        (line,) = top.plot([p.day for p in points], values, lw=width, label=group)
        solid = [p for p in points if p.articles > TOP_K]
        thin = [p for p in points if 0 < p.articles <= TOP_K]
        top.plot([p.day for p in solid], [p.value for p in solid], "o", color=line.get_color())
        top.plot(
            [p.day for p in thin],
            [p.value for p in thin],
            "o",
            mfc="white",
            color=line.get_color(),
        )
    top.set_ylim(0, 1.05)
    top.set_ylabel("news pressure")
    top.set_title("Daily news pressure (top-three storyline share)", fontsize=10)
    if top.get_legend_handles_labels()[0]:
        top.legend(fontsize=8, loc="lower left", ncols=4)
    shares = dominant_daily_share(brief)
    colours = ["#b44", "#d88", "#eaa"]
    base: dict[date, float] = defaultdict(float)
    for i, (headline, series) in enumerate(shares):
        days = list(series)
        bottom.bar(days, list(series.values()), bottom=[base[d] for d in days],
                   color=colours[i % len(colours)], label=headline[:50])  # fmt: skip
        for d, v in series.items():
            base[d] += v
    if shares:
        bottom.set_title(
            f"Share of {brief.audience} coverage held by the dominant storylines", fontsize=9
        )
        bottom.legend(fontsize=7, loc="upper left")
    else:
        bottom.set_title("No dominant storyline", fontsize=9)
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("share")
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def render_chart_png(brief: Brief, path: Path) -> None:
    """Write the chart to `path` (for `--chart FILE.png`)."""
    path.write_bytes(chart_png(brief))
