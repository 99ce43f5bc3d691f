"""Rich progress bars for long work, adapted to the pipeline's Progress callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from belowthefold.models import Progress as PipelineProgress


@contextmanager
def progress_bars(console: Console) -> Iterator[PipelineProgress]:
    """One bar per task name; hidden when stderr is not a terminal (CI, pipes)."""
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def total(name: str, n: int | None) -> None:
        if name in tasks:
            bars.update(tasks[name], total=n, completed=0)
        else:
            tasks[name] = bars.add_task(name, total=n)

    def advance(name: str, n: int) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=None)
        bars.advance(tasks[name], n)

    with bars:
        yield PipelineProgress(on_total=total, on_advance=advance)
