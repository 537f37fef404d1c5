"""Progress of a run: one callback, ``progress(chunks_done, chunks_total)``.

The runner (:func:`techbloc.experiments.runner.run_chunks`) calls it before the first chunk
and after each; the service sends it to the client, and the command line draws
:class:`RichProgress`, a rich progress bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["Progress", "RichProgress"]

#: ``progress(chunks_done, chunks_total)``: called before the first chunk and after each.
Progress = Callable[[int, int], None]


class RichProgress:
    """A progress callback drawing a rich bar: chunks done, scenarios per second, time left.

    Parameters
    ----------
    scenarios : int
        Scenarios the chunks hold (the rate assumes chunks of about equal size).
    description : str
        Shown after the bar (e.g. the executor).
    """

    def __init__(self, scenarios: int, description: str = "") -> None:
        self.scenarios = scenarios
        self.description = description
        self._progress: Any = None
        self._task: Any = None
        self._began = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            self._start(total)
        elapsed = max(time.perf_counter() - self._began, 1e-9)
        rate = self.scenarios * done / max(total, 1) / elapsed
        self._progress.update(
            self._task, completed=done, rate=f"{rate:,.0f} scen/s" if done else ""
        )

    def _start(self, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]chunks"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn(f"[dim]{self.description}"),
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("run", total=total, rate="")
        self._began = time.perf_counter()

    def stop(self) -> None:
        """Leave the bar as it is (call once the run ends, however it ends)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
