"""Progress for long work, adapted to the pipeline's Progress callbacks.

On a terminal: rich bars (count, rate, elapsed, ETA), each hidden once done. Under a pipe (cron,
CI, `| tee`): no bars, but one plain line on stderr every `every_s` seconds, so a long import or
clustering run still shows it is alive and how far it got.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from belowthefold.models import Progress as PipelineProgress


class _RateColumn(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")


@contextmanager
def progress_bars(
    console: Console, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic
) -> Iterator[PipelineProgress]:
    """Bars on a terminal, else a one-line report every `every_s` seconds (`clock` is a seam)."""
    if not console.is_terminal:
        yield _lines(console, every_s, clock)
        return
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def total(name: str, n: int | None) -> None:
        if name in tasks:
            bars.update(tasks[name], total=n, completed=0, visible=True)
        else:
            tasks[name] = bars.add_task(name, total=n)

    def advance(name: str, n: int) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=None)
        task = tasks[name]
        bars.advance(task, n)
        if bars.tasks[task].finished:  # a finished bar collapses; the others stay in place
            bars.update(task, visible=False)

    with bars:
        yield PipelineProgress(on_total=total, on_advance=advance)


@dataclass
class _Count:
    done: int = 0
    total: int | None = None


def _lines(console: Console, every_s: float, clock: Callable[[], float]) -> PipelineProgress:
    started = clock()
    last = [started]
    counts: dict[str, _Count] = {}

    def total(name: str, n: int | None) -> None:
        counts[name] = _Count(0, n)

    def advance(name: str, n: int) -> None:
        count = counts.setdefault(name, _Count())
        count.done += n
        now = clock()
        if now - last[0] < every_s:
            return
        last[0] = now
        elapsed = max(now - started, 1e-9)
        parts = []
        for label, c in counts.items():
            of = f" of {c.total:,}" if c.total is not None else ""
            eta = (
                f", ETA {(c.total - c.done) * elapsed / c.done:,.0f}s"
                if c.total is not None and 0 < c.done < c.total
                else ""
            )
            parts.append(f"{label} {c.done:,}{of} ({c.done / elapsed:,.0f}/s{eta})")
        console.print(
            f"progress: {', '.join(parts)}; {elapsed:,.0f}s elapsed", highlight=False, markup=False
        )

    return PipelineProgress(on_total=total, on_advance=advance)
