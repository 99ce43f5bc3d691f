"""Running the real CLI as a process, and where the real data lives: shared by the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BELOWTHEFOLD_SHARED", REPO.parent / "shared"))


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`python -m belowthefold ARGS` with a wide terminal, output captured, never raising."""
    return subprocess.run(
        [sys.executable, "-m", "belowthefold", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=timeout,
        check=False,
    )
