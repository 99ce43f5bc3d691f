"""On the real BBC/NYT front pages, the tariff week of early April 2025 shows as high news pressure."""

from __future__ import annotations

import json
import statistics
from datetime import date
from pathlib import Path

import pytest

from belowthefold.pipeline import parse_window
from cli_support import run_cli as run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.slow
def test_tariff_week_pressure_stands_above_the_quiet_weeks(
    shared_dir: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "fp.db")
    imported = run(
        "--db",
        db,
        "import",
        str(shared_dir / "data/frontpages-bbc-nyt/output"),
        "--sources",
        str(EXAMPLES / "frontpages-sources.toml"),
    )
    assert imported.returncode == 0, imported.stderr
    out = run(
        "--db",
        db,
        "pressure",
        "--from",
        "2025-03-03",
        "--to",
        "2025-04-20",
        "--group",
        "mainstream",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    points = {date.fromisoformat(p["date"]): p["value"] for p in json.loads(out.stdout)}

    def week_mean(label: str) -> float:
        return float(statistics.mean(points[d] for d in parse_window(label).days()))

    tariff = week_mean("2025-W14")  # 'Liberation Day' tariffs announced Apr 2, markets fall
    # W10 is not quiet: US-Ukraine after the Oval Office row (9% of the week), the first
    # Canada/Mexico/China tariffs (8%), Trump's address to Congress (4%), the Oscars (3%). With
    # whole storylines (issue 10) its pressure came to 0.29 against W14's 0.30, and with the
    # daily regrouping, whose storylines of that week are each one event and whole, to 0.31
    # against 0.30: level with W14, above every other week around it; its busiest day (5 March:
    # the address, the intelligence pause, the tariffs) is now the peak of the seven weeks, a
    # hair above W14's. With storylines claiming their strays (regroup.claim_strays) W11's
    # dominant storyline holds more of its week too: W14 0.282, W11 0.276, W12 0.231,
    # so W14's margin over the two quieter weeks' mean fell from over 0.03 to 0.029; it is
    # still above every week around it, which is what issue 10 asks to keep.
    quiet = [week_mean(f"2025-W{w}") for w in (11, 12)]
    around = [week_mean(f"2025-W{w}") for w in (11, 12, 13, 15, 16)]
    assert tariff > statistics.mean(quiet) + 0.025, (tariff, quiet)
    assert tariff > max(around), (tariff, around)
    assert tariff > week_mean("2025-W10") - 0.03
    peak = max(points, key=lambda d: points[d])
    assert any(parse_window(w).contains(peak) for w in ("2025-W10", "2025-W14")), peak
    w14 = max(points[d] for d in parse_window("2025-W14").days())
    assert w14 >= points[peak] - 0.05, (w14, points[peak])
