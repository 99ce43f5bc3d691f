"""`belowthefold run` on a new database starts from the shipped catalog and still writes the brief."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import run_cli

# Offline here: fail each feed fast instead of retrying.
FAST_FAIL = {"BELOWTHEFOLD_FETCH__RETRIES": "0", "BELOWTHEFOLD_FETCH__TIMEOUT_S": "3"}


def test_first_run_uses_the_catalog_and_writes_a_brief(tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    out = tmp_path / "brief.json"
    result = run_cli(
        "--db", str(db), "run", "-f", "json", "-o", str(out), env=FAST_FAIL, timeout=600
    )
    assert "no sources yet: using the shipped catalog" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.exists(), result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["audience"] == "mainstream"
    listed = run_cli("--db", str(db), "sources", "--format", "json", env=FAST_FAIL, timeout=120)
    assert listed.returncode == 0, listed.stderr
    groups = {r["group"] for r in json.loads(listed.stdout) if r["source"]}
    assert {"mainstream", "specialist", "official"} <= groups
    if result.returncode != 0:  # offline: every failing source is named on its own line
        assert result.stderr.count("failed ") >= 1
