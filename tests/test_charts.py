"""Charts that do not lie: gaps are gaps, thin days are hollow by one rule, one colour per group,
legends outside the plot and whole. SVG (web) and PNG (brief) both."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from _placed import WEEK, Builder
from belowthefold.attention import daily_pressure, measured, reliable_points, thin_days
from belowthefold.brief.chart import chart_figure, chart_png, wrap_label
from belowthefold.brief.palette import FIXED, group_palette
from belowthefold.brief.points import pressure_dict
from belowthefold.brief.svg import line_chart
from belowthefold.models import Brief, DominantStoryline
from cli_support import run_cli
from web_support import build_db

DAYS = WEEK.days()
LONG = "China says it will retaliate against the new tariffs on its steel and aluminium exports"


def _svg(series: dict[str, dict[date, float]], weak: dict[str, set[date]] | None = None) -> str:
    return str(line_chart(DAYS, series, "Daily news pressure", group_palette(series), weak=weak))


def test_thin_days_are_hollow_and_explained() -> None:
    svg = _svg({"official": {DAYS[0]: 1.0, DAYS[1]: 0.5}}, weak={"official": {DAYS[0]}})
    assert svg.count('class="point weak"') == 1
    assert svg.count('class="point"') == 1
    assert "too few items" in svg


def test_a_day_without_data_breaks_the_line_and_has_no_point() -> None:
    # Wednesday (DAYS[2]) is missing: the line stops before it and starts again after it.
    values = {d: 0.5 for i, d in enumerate(DAYS) if i != 2}
    svg = _svg({"wire": values})
    spans = re.findall(r'<polyline[^>]*data-days="([^"]*)"', svg)
    assert spans == [
        f"{DAYS[0].isoformat()} {DAYS[1].isoformat()}",
        " ".join(d.isoformat() for d in DAYS[3:]),
    ]
    assert f'data-day="{DAYS[2].isoformat()}"' not in svg
    assert svg.count('class="point"') == 6


def test_a_group_silent_all_week_is_absent_not_a_flat_zero() -> None:
    b = Builder()
    for day in range(7):
        for n in range(5):
            b.add(f"story {day} {n}", day, "BBC News", "mainstream", f"s{day}{n}")
    points = daily_pressure(b.articles, DAYS, ["mainstream", "wire"])
    wire = [p for p in points if p.group == "wire"]
    assert not any(measured(p) for p in wire)
    assert all(pressure_dict(p)["value"] is None for p in wire)
    assert all(pressure_dict(p)["concentration"] is None for p in wire)
    assert all(isinstance(pressure_dict(p)["value"], float) for p in points if p.group != "wire")


def test_one_rule_for_thin_days() -> None:
    """A day of three items (share 1.0 by construction) and a day under half the median are
    thin; the chart's hollow points and the brief's peaks use the same rule."""
    b = Builder()
    per_day = [20, 20, 20, 3, 8, 20, 0]
    for day, n in enumerate(per_day):
        for i in range(n):
            b.add(f"t{day}-{i}", day, "BBC News", "mainstream", f"s{day}-{i % 6}")
    points = daily_pressure(b.articles, DAYS, ["mainstream"])
    thin = thin_days(points)
    assert thin == {DAYS[3], DAYS[4]}
    reliable = {p.day for p in reliable_points(points)}
    assert reliable == {DAYS[0], DAYS[1], DAYS[2], DAYS[5]}
    assert DAYS[6] not in thin | reliable  # no data: neither thin nor reliable, a gap


def test_each_group_keeps_its_colour_whatever_else_is_shown() -> None:
    week_page = group_palette(["mainstream", "wire", "specialist", "blogs", "zines"])
    story_page = group_palette(["wire", "zines", "blogs"])
    for g in ("wire", "zines", "blogs"):
        assert week_page.colour(g) == story_page.colour(g)
    assert week_page.colour("mainstream") == FIXED["mainstream"]
    for g in ("blogs", "zines"):  # shown alone (the brief of a week with one odd group)
        assert group_palette([g]).colour(g) == week_page.colour(g)
    many = [f"group{i}" for i in range(6)] + list(FIXED)
    colours = [group_palette(many).colour(g) for g in many]
    assert len(set(colours)) == len(colours)


def test_svg_legend_is_below_the_plot_and_whole() -> None:
    name = "mainstream-other-very-long-group-name"
    svg = _svg({name: {DAYS[0]: 0.4, DAYS[1]: 0.6}, "wire": {DAYS[0]: 0.2}})
    plot = re.search(r'class="plot-area" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', svg)
    assert plot is not None
    bottom = int(plot.group(2)) + int(plot.group(4))
    legend_ys = [
        float(y) for y in re.findall(r'<g class="legend-item".*?<rect x="[\d.]+" y="([\d.]+)"', svg)
    ]
    assert len(legend_ys) == 2 and min(legend_ys) > bottom
    assert f">{name}</text>" in svg
    assert f'data-group="wire" data-colour="{FIXED["wire"]}"' in svg


def _brief_with_gap() -> Brief:
    b = Builder()
    for day in (0, 1, 3, 4, 5, 6):  # Wednesday: the wire feed was down
        for i in range(6):
            b.add(f"wire {day} {i}", day, "Reuters", "wire", f"w{day}{i}")
    line = [b.add(LONG, day, "BBC News", "mainstream", "tariffs", "tariffs") for day in range(7)]
    for day in range(7):
        for i in range(5):
            b.add(f"other {day} {i}", day, "BBC News", "mainstream", f"m{day}{i}")
    pressure = daily_pressure(b.articles, DAYS, ["mainstream", "wire"])
    dominant = DominantStoryline("tariffs", LONG, 0.2, tuple(line))
    return Brief(
        window=WEEK,
        audience="mainstream",
        groups=("mainstream", "wire"),
        pressure=tuple(pressure),
        dominant=(dominant,),
        missed=(),
        generated_at=datetime(2025, 4, 7, tzinfo=UTC),
    )


def test_png_draws_the_gap_as_a_gap_in_the_groups_colour() -> None:
    fig = chart_figure(_brief_with_gap())
    top = fig.axes[0]
    wire = next(line for line in top.get_lines() if line.get_label() == "wire")
    ys = [float(y) for y in wire.get_ydata()]  # type: ignore[union-attr, arg-type]
    assert ys[2] != ys[2]  # NaN: matplotlib breaks the line there
    assert all(y == y for i, y in enumerate(ys) if i != 2)
    assert wire.get_color() == FIXED["wire"]


def test_png_legends_are_outside_the_axes_inside_the_image_and_whole() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = chart_figure(_brief_with_gap())
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    for ax in fig.axes:
        legend = ax.get_legend()
        assert legend is not None
        box, plot = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert box.x0 >= plot.x1  # beside the plot: it covers no line
        assert box.x1 <= fig.bbox.x1 + 0.5 and box.y0 >= fig.bbox.y0 - 0.5
    second = fig.axes[1].get_legend()
    assert second is not None
    labels = [t.get_text() for t in second.get_texts()]
    assert labels == [wrap_label(LONG)] and labels[0].replace("\n", " ") == LONG
    assert chart_png(_brief_with_gap()).startswith(b"\x89PNG")


@pytest.mark.parametrize("width", [30, 34])
def test_long_labels_wrap_instead_of_being_cut(width: int) -> None:
    wrapped = wrap_label(LONG, width)
    assert all(len(line) <= width for line in wrapped.splitlines())
    assert wrapped.replace("\n", " ") == LONG


def test_pressure_on_the_cli_has_null_and_a_dash_for_days_without_articles(tmp_path: Path) -> None:
    """Regional outlets published on Wednesday and Thursday only (the web fixture's week)."""
    db = str(build_db(tmp_path / "cli.db").db)
    args = ("--db", db, "pressure", "--week", "2025-W14", "--group", "regional")
    result = run_cli(*args, "--format", "json", timeout=300)
    assert result.returncode == 0, result.stderr
    points = json.loads(result.stdout)
    assert len(points) == 7
    assert [p["date"] for p in points if p["value"] is not None] == ["2025-04-02", "2025-04-03"]
    assert all(p["concentration"] is None for p in points if p["articles"] == 0)
    table = run_cli(*args, timeout=300).stdout
    monday = next(line for line in table.splitlines() if "2025-03-31" in line)
    assert "–" in monday and "0.00" not in monday
