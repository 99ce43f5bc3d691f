"""Charts as inline SVG: no JavaScript, no CDN, nothing to load offline, no plotting library.

The web pages and the HTML brief draw the same charts from here (the brief is one file that
opens anywhere; matplotlib is needed only for `--chart FILE.png`).

Every text that goes into the SVG is escaped here; colours use presentation attributes so the
strict CSP (no inline style) still applies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

from markupsafe import Markup, escape

from belowthefold.attention import measured, thin_days
from belowthefold.brief.palette import SPARE, GroupPalette, group_palette
from belowthefold.models import Brief

LEGEND_ROW = 16  # px per legend row
MAX_LEGEND_NAME = 60  # a longer group name is shortened, with the whole name in its tooltip


def _label(day: date) -> str:
    return day.strftime("%a %d %b")


def _runs(indices: Sequence[int]) -> list[list[int]]:
    """Consecutive day indices, split wherever a day is missing (a gap is never bridged)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _legend(
    names: Sequence[str], palette: GroupPalette, x0: float, y0: float, width: float
) -> tuple[str, float]:
    """Legend entries in rows below the plot, each name whole: never over a line, never cut.

    Returns the SVG and the height it takes. Widths are estimated from the font size (11px,
    about 6.6px per character), which errs wide so entries never overlap.
    """
    out = ['<g class="legend">']
    x, y = x0, y0
    for name in names:
        text = name if len(name) <= MAX_LEGEND_NAME else name[: MAX_LEGEND_NAME - 1] + "…"
        w = 18 + 6.6 * len(text) + 14
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + LEGEND_ROW
        c = palette.colour(name)
        out.append(
            f'<g class="legend-item" data-group="{escape(name)}" data-colour="{c}">'
            f"<title>{escape(name)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" fill="{c}"/>'
            f'<text x="{x + 14:.1f}" y="{y + 9:.1f}" font-size="11" fill="#222">'
            f"{escape(text)}</text></g>"
        )
        x += w
    out.append("</g>")
    return "".join(out), (y - y0) + LEGEND_ROW if names else 0.0


def line_chart(
    days: Sequence[date],
    series: Mapping[str, Mapping[date, float]],
    title: str,
    palette: GroupPalette,
    y_max: float = 1.0,
    width: int = 640,
    height: int = 200,
    weak: Mapping[str, set[date]] | None = None,
) -> Markup:
    """One line per series over the days (e.g. daily news pressure per group), legend below.

    A day missing from a series is a gap: the line stops there and no point is drawn, so a
    silent feed never reads as a calm day. Points in `weak` (days too thin for their share to
    mean much, `attention.thin_days`) are drawn hollow and say so.
    """
    weak = weak or {}
    left, right, top, axis = 40, 30, 12, 24  # right: room for the last day label
    plot_w, plot_h = width - left - right, height - top - axis
    n = max(1, len(days) - 1)
    names = sorted(series)
    legend, legend_h = _legend(names, palette, left, height + 4, plot_w)
    total_h = height + legend_h + 8

    def x(i: int) -> float:
        return left + plot_w * (i / n if len(days) > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v / y_max if y_max else 0, 0.0), 1.0))

    out = [
        f'<svg class="chart line-chart" role="img" viewBox="0 0 {width} {total_h:.0f}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" data-series="{len(series)}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect class="plot-area" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        f'fill="none"/>',
    ]
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        yy = y(frac * y_max)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#555">{frac * y_max:.2f}</text>'
        )
    for i, day in enumerate(days):
        out.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="10" '
            f'fill="#555">{escape(day.strftime("%a %d"))}</text>'
        )
    for name in names:
        values = series[name]
        c, dash = palette.colour(name), palette.dash(name)
        present = [i for i, d in enumerate(days) if d in values]
        for run in _runs(present):
            if len(run) < 2:
                continue
            path = " ".join(f"{x(i):.1f},{y(values[days[i]]):.1f}" for i in run)
            span = " ".join(days[i].isoformat() for i in run)
            # Dashes differ per group so lines that coincide (two groups at 1.0) stay visible.
            out.append(
                f'<polyline class="series" fill="none" stroke="{c}" stroke-width="2" '
                f'stroke-dasharray="{dash}" data-group="{escape(name)}" data-days="{span}" '
                f'points="{path}"/>'
            )
        for i in present:
            v = values[days[i]]
            thin = days[i] in weak.get(name, set())
            fill = f'"white" stroke="{c}" stroke-width="1.5"' if thin else f'"{c}"'
            note = " (too few items for the share to mean much)" if thin else ""
            out.append(
                f'<circle class="point{" weak" if thin else ""}" cx="{x(i):.1f}" cy="{y(v):.1f}" '
                f'r="3.5" fill={fill} data-group="{escape(name)}" '
                f'data-day="{days[i].isoformat()}" data-value="{v:.3f}">'
                f"<title>{escape(name)} {escape(_label(days[i]))}: {v:.2f}{note}</title></circle>"
            )
    out.append(legend)
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bars(
    days: Sequence[date],
    counts: Mapping[str, Mapping[date, int]],
    title: str,
    palette: GroupPalette,
    width: int = 640,
    height: int = 170,
) -> Markup:
    """Bars per day stacked by group (e.g. a story's articles per day per group), legend below."""
    left, right, top, axis = 30, 12, 10, 22
    plot_w, plot_h = width - left - right, height - top - axis
    groups = sorted(counts)
    legend, legend_h = _legend(groups, palette, left, height + 4, plot_w)
    totals = [sum(counts[g].get(d, 0) for g in groups) for d in days]
    peak = max(totals, default=0) or 1
    slot = plot_w / max(1, len(days))
    bar = max(2.0, min(slot * 0.7, 36.0))  # a one-day story is a bar, not a wall
    out = [
        f'<svg class="chart bar-chart" role="img" viewBox="0 0 {width} {height + legend_h + 8:.0f}" '
        f'width="100%" data-bars="{sum(1 for t in totals if t)}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>",
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" font-size="10" fill="#555">{peak}</text>',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x0 = left + slot * i + (slot - bar) / 2
        base: float = top + plot_h
        for g in groups:
            n = counts[g].get(day, 0)
            if not n:
                continue
            h = plot_h * n / peak
            base -= h
            out.append(
                f'<rect class="bar" x="{x0:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{palette.colour(g)}" data-group="{escape(g)}">'
                f"<title>{escape(g)} {escape(_label(day))}: {n}</title></rect>"
            )
        if i % every == 0:
            out.append(
                f'<text x="{x0 + bar / 2:.1f}" y="{top + plot_h + 15}" text-anchor="middle" '
                f'font-size="10" fill="#555">{escape(day.strftime("%d %b"))}</text>'
            )
    out.append(legend)
    out.append("</svg>")
    return Markup("".join(out))


def coverage_bar(shares: Sequence[tuple[str, float]], palette: GroupPalette, label: str) -> Markup:
    """One bar split by group (e.g. "wire 50% · specialist 33%"), in the groups' colours, the
    way the brief draws it: who covered a missed story at a glance."""
    width, height = 320, 14
    out = [
        f'<svg class="coverage-bar" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    x = 0.0
    for group, share in shares:
        w = width * share
        out.append(
            f'<rect class="segment" x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
            f'fill="{palette.colour(group)}" data-group="{escape(group)}">'
            f"<title>{escape(group)} {share:.0%}</title></rect>"
        )
        x += w
    out.append("</svg>")
    return Markup("".join(out))


def spark_bars(
    days: Sequence[date], counts: Mapping[date, int], label: str, colour: str = "#1f5fa8"
) -> Markup:
    """A small bar per day in the group's colour; days with nothing get a red tick so gaps
    stand out."""
    width, height = max(60, 4 * len(days)), 24
    peak = max(counts.values(), default=0) or 1
    step = width / max(1, len(days))
    out = [
        f'<svg class="spark" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for i, day in enumerate(days):
        n = counts.get(day, 0)
        x0 = i * step
        if n:
            h = max(1.5, (height - 2) * n / peak)
            out.append(
                f'<rect x="{x0:.1f}" y="{height - h:.1f}" width="{max(1.0, step - 1):.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(_label(day))}: {n}</title></rect>'
            )
        else:
            out.append(
                f'<rect class="gap" x="{x0:.1f}" y="{height - 2}" width="{max(1.0, step - 1):.1f}" '
                f'height="2" fill="#d1495b"><title>{escape(_label(day))}: none</title></rect>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def pressure_series(
    brief: Brief,
) -> tuple[dict[str, dict[date, float]], dict[str, set[date]], int]:
    """Per group: its measured days' pressure, its thin days, and how many group-days are gaps."""
    series: dict[str, dict[date, float]] = defaultdict(dict)
    weak: dict[str, set[date]] = {}
    gaps = 0
    for group in sorted({p.group for p in brief.pressure}):
        points = [p for p in brief.pressure if p.group == group]
        if not any(measured(p) for p in points):
            continue  # a group silent all week has no line at all, not a flat 0
        weak[group] = thin_days(points)
        for p in points:
            if measured(p):
                series[group][p.day] = p.value
            else:
                gaps += 1
    return dict(series), weak, gaps


def dominant_daily_share(brief: Brief) -> list[tuple[str, dict[date, float]]]:
    """Each dominant storyline's share of the audience's attention per day with data (no key
    for a day the audience has nothing: that is a gap, not a share of 0)."""
    totals = {p.day: p.attention for p in brief.pressure if p.group == brief.audience}
    out: list[tuple[str, dict[date, float]]] = []
    for d in brief.dominant:
        held: dict[date, float] = defaultdict(float)
        for a in d.articles:
            held[a.day] += max(a.weight, 0.0)
        out.append((d.headline, {day: held[day] / t for day, t in sorted(totals.items()) if t > 0}))
    return out


def brief_charts(brief: Brief) -> Markup:
    """The brief's two charts: pressure per group, and the dominant storylines' daily share."""
    series, weak, _ = pressure_series(brief)
    days = brief.window.days()
    out = line_chart(
        days, series, f"Daily news pressure per group, {brief.window.label}",
        group_palette(brief.groups), weak=weak,
    )  # fmt: skip
    shares = dict(dominant_daily_share(brief))
    if shares:
        colours = {name: SPARE[i % len(SPARE)] for i, name in enumerate(sorted(shares))}
        out += line_chart(
            days, shares, f"Dominant storylines' share of {brief.audience}'s attention per day",
            GroupPalette(colours),
        )  # fmt: skip
    return Markup(out)
