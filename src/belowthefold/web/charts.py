"""Charts as server-rendered inline SVG: no JavaScript, no CDN, nothing to load offline.

Every text that goes into the SVG is escaped here; colours use presentation attributes so the
strict CSP (no inline style) still applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from markupsafe import Markup, escape

PALETTE = (
    "#1f5fa8",
    "#d1495b",
    "#2e933c",
    "#edae49",
    "#6a4c93",
    "#00798c",
    "#8d6a4f",
    "#444444",
)


DASHES = ("none", "6 3", "2 3", "10 4 2 4")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _label(day: date) -> str:
    return day.strftime("%a %d %b")


def line_chart(
    days: Sequence[date],
    series: Mapping[str, Mapping[date, float]],
    title: str,
    y_max: float = 1.0,
    width: int = 640,
    height: int = 220,
    weak: Mapping[str, set[date]] | None = None,
) -> Markup:
    """One line per series over the days (e.g. daily news pressure per group), with a legend.

    Points in `weak` (e.g. a day with three items or fewer, whose top-three share is 1.0 by
    construction) are drawn hollow and say so, rather than read as a flood.
    """
    weak = weak or {}
    left, right, top, bottom = 40, 110, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + plot_w * (i / n if len(days) > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v / y_max if y_max else 0, 0.0), 1.0))

    out = [
        f'<svg class="chart line-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" data-series="{len(series)}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
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
            f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="10" '
            f'fill="#555">{escape(day.strftime("%a %d"))}</text>'
        )
    for k, (name, values) in enumerate(sorted(series.items())):
        c = colour(k)
        pts = [(i, values[d]) for i, d in enumerate(days) if d in values]
        if len(pts) > 1:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in pts)
            # Dashes differ per series so lines that coincide (two groups at 1.0) stay visible.
            out.append(
                f'<polyline class="series" fill="none" stroke="{c}" stroke-width="2" '
                f'stroke-dasharray="{DASHES[k % len(DASHES)]}" points="{path}"/>'
            )
        for i, v in pts:
            thin = days[i] in weak.get(name, set())
            fill = f'"white" stroke="{c}" stroke-width="1.5"' if thin else f'"{c}"'
            note = " (too few items for the share to mean much)" if thin else ""
            out.append(
                f'<circle class="point{" weak" if thin else ""}" cx="{x(i):.1f}" cy="{y(v):.1f}" '
                f'r="3.5" fill={fill} data-group="{escape(name)}" data-value="{v:.3f}">'
                f"<title>{escape(name)} {escape(_label(days[i]))}: {v:.2f}{note}</title></circle>"
            )
        ly = top + 14 * k + 8
        out.append(
            f'<rect x="{left + plot_w + 10}" y="{ly - 8}" width="10" height="10" fill="{c}"/>'
            f'<text x="{left + plot_w + 24}" y="{ly + 1}" font-size="11" fill="#222">'
            f"{escape(name[:14])}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bars(
    days: Sequence[date],
    counts: Mapping[str, Mapping[date, int]],
    title: str,
    width: int = 640,
    height: int = 180,
) -> Markup:
    """Bars per day stacked by group (e.g. a story's articles per day per group)."""
    left, right, top, bottom = 30, 110, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    groups = sorted(counts)
    totals = [sum(counts[g].get(d, 0) for g in groups) for d in days]
    peak = max(totals, default=0) or 1
    slot = plot_w / max(1, len(days))
    bar = max(2.0, slot * 0.7)
    out = [
        f'<svg class="chart bar-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'data-bars="{sum(1 for t in totals if t)}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>",
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" font-size="10" fill="#555">{peak}</text>',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x0 = left + slot * i + (slot - bar) / 2
        base: float = top + plot_h
        for k, g in enumerate(groups):
            n = counts[g].get(day, 0)
            if not n:
                continue
            h = plot_h * n / peak
            base -= h
            out.append(
                f'<rect class="bar" x="{x0:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour(k)}"><title>{escape(g)} {escape(_label(day))}: {n}</title></rect>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{x0 + bar / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="10" '
                f'fill="#555">{escape(day.strftime("%d %b"))}</text>'
            )
    for k, g in enumerate(groups):
        ly = top + 14 * k + 8
        out.append(
            f'<rect x="{left + plot_w + 10}" y="{ly - 8}" width="10" height="10" fill="{colour(k)}"/>'
            f'<text x="{left + plot_w + 24}" y="{ly + 1}" font-size="11" fill="#222">'
            f"{escape(g[:14])}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def spark_bars(days: Sequence[date], counts: Mapping[date, int], label: str) -> Markup:
    """A small bar per day; days with nothing get a red tick so gaps stand out."""
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
                f'height="{h:.1f}" fill="#1f5fa8"><title>{escape(_label(day))}: {n}</title></rect>'
            )
        else:
            out.append(
                f'<rect class="gap" x="{x0:.1f}" y="{height - 2}" width="{max(1.0, step - 1):.1f}" '
                f'height="2" fill="#d1495b"><title>{escape(_label(day))}: none</title></rect>'
            )
    out.append("</svg>")
    return Markup("".join(out))
