"""Progress for many files: one overall count, and plain periodic lines under a pipe."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from rich.console import Console

from belowthefold import pipeline
from belowthefold.cli.progress import progress_bars
from belowthefold.config import ImportOptions
from belowthefold.models import Progress
from belowthefold.store import Store

FIX = Path(__file__).parent / "fixtures" / "import"


class Clock:
    """A clock the test moves by hand: the report interval without waiting for it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_many_files_are_one_task_of_files_and_one_count_of_records(
    tmp_path: Path, store: Store
) -> None:
    for i in range(3):
        shutil.copy(FIX / "week.jsonl", tmp_path / f"part-{i}.jsonl")
    totals: list[tuple[str, int | None]] = []
    advanced: dict[str, int] = {}

    def advance(name: str, n: int) -> None:
        advanced[name] = advanced.get(name, 0) + n

    seen = Progress(on_total=lambda name, n: totals.append((name, n)), on_advance=advance)
    pipeline.import_paths(store, [tmp_path], ImportOptions(), progress=seen)
    assert totals == [("import files", 3)]  # was one bar per file: 148 bars for GDELT's week
    assert advanced == {"import files": 3, "import records": 15}


def test_under_a_pipe_a_line_every_interval_not_a_bar() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    clock = Clock()
    with progress_bars(console, every_s=10.0, clock=clock) as progress:
        progress.total("import files", 4)
        progress.advance("import files", 1)
        progress.advance("import records", 2000)
        assert out.getvalue() == ""  # nothing before the interval
        clock.now += 10.0
        progress.advance("import records", 2000)
        clock.now += 3.0
        progress.advance("import files", 1)
    lines = out.getvalue().splitlines()
    assert lines == [
        "progress: import files 1 of 4 (0/s, ETA 30s), import records 4,000 (400/s); 10s elapsed"
    ]
    assert "\x1b" not in out.getvalue()  # plain text for logs
