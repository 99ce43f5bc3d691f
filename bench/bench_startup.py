"""Wall time of `belowthefold --help` and `belowthefold sources` from a cold interpreter (not a test).

    .venv/bin/python bench/bench_startup.py [--runs 7]

Each run is a fresh `python -m belowthefold ...` process on an empty database; prints one JSON
line per command: median and min seconds, and the heavy modules it imported (should be none).
A plain `import typer, rich` is timed beside them as the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = (
    "numpy",
    "scipy",
    "sklearn",
    "datasketch",
    "trafilatura",
    "matplotlib",
    "httpx",
    "feedparser",
)
_PROBE = (
    "import json, sys; from belowthefold.cli import main; main(sys.argv[1:]); "
    f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)"
)


def _time(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BELOWTHEFOLD_DB": str(Path(tmp) / "b.db"), "PYTHONPATH": str(SRC)}
        floor = _time([sys.executable, "-c", "import typer, rich.console"], env, args.runs)
        print(
            json.dumps(
                {"command": "import typer, rich", "median_s": round(statistics.median(floor), 3)}
            )
        )
        for verb in (["--help"], ["sources"]):
            times = _time([sys.executable, "-m", "belowthefold", *verb], env, args.runs)
            probe = subprocess.run(
                [sys.executable, "-c", _PROBE, *verb], env=env, capture_output=True, text=True
            )
            heavy = json.loads(probe.stderr.strip().splitlines()[-1])
            print(
                json.dumps(
                    {
                        "command": "belowthefold " + " ".join(verb),
                        "median_s": round(statistics.median(times), 3),
                        "min_s": round(min(times), 3),
                        "heavy_imported": heavy,
                    }
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
