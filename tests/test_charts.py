"""Charts: thin days are drawn hollow and say why; the PNG chart renders them too."""

from __future__ import annotations

from datetime import date

from belowthefold.web.charts import line_chart


def test_thin_days_are_hollow_and_explained() -> None:
    days = [date(2025, 4, 7), date(2025, 4, 8)]
    svg = str(
        line_chart(
            days,
            {"official": {days[0]: 1.0, days[1]: 0.5}},
            "Daily news pressure",
            weak={"official": {days[0]}},
        )
    )
    assert svg.count('class="point weak"') == 1
    assert svg.count('class="point"') == 1
    assert "too few items" in svg
