"""Evaluations as background runs: submitted, watched, cancelled, read when done.

``POST /api/evaluations`` answers at once with a run id; the run waits for the service's
:class:`~techbloc.service.evaluator.EvaluationWorker` (one evaluation at a time, in its own
process), reports its progress part by part (``GET /api/evaluations/{id}``: parts done,
scenarios per second, time left) and can be cancelled (``DELETE``), which stops the worker
process at once. The dashboard runs every evaluation this way, so the page never waits on a
long request and the other endpoints keep answering. Runs live in memory: the last
``keep`` finished ones are kept, with their results.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from techbloc.errors import Error, InputError
from techbloc.service.evaluator import EvaluationCancelledError, EvaluationWorker
from techbloc.service.jobs import progress_timing

__all__ = ["RUN_TIMEOUT", "Run", "RunLimitError", "RunManager"]

#: Seconds one background evaluation may run.
RUN_TIMEOUT = 900.0

RunState = Literal["queued", "running", "done", "failed", "cancelled"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunLimitError(Error):
    """Too many evaluations are queued or running (HTTP 429)."""


@dataclass
class Run:
    """One background evaluation and its state."""

    id: str
    request: dict[str, Any]
    scenarios: int
    coalitions: int
    status: RunState = "queued"
    error: str | None = None
    parts_done: int = 0
    parts_total: int | None = None
    submitted: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    result: dict[str, Any] | None = None
    cancel_requested: bool = False
    _began: float | None = None
    _ended: float | None = None

    @property
    def progress(self) -> float:
        if self.status == "done":
            return 1.0
        return min(1.0, self.parts_done / self.parts_total) if self.parts_total else 0.0

    def timing(self) -> dict[str, float | None]:
        """Elapsed seconds, scenarios per second and estimated seconds left."""
        if self._began is None:
            return {"elapsed_seconds": None, "rate": None, "eta_seconds": None}
        elapsed = (self._ended or time.monotonic()) - self._began
        return progress_timing(
            elapsed, self.progress, self.scenarios, running=self.status == "running", digits=2
        )


class RunManager:
    """Background evaluations on one :class:`EvaluationWorker`.

    Parameters
    ----------
    worker : EvaluationWorker
    max_active : int
        Runs queued or running at once (429 beyond).
    keep : int
        Finished runs kept in memory (oldest forgotten first).
    timeout : float
        Seconds one run may take.
    """

    def __init__(
        self,
        worker: EvaluationWorker,
        *,
        max_active: int = 4,
        keep: int = 50,
        timeout: float = RUN_TIMEOUT,
    ) -> None:
        self.worker = worker
        self.max_active = max_active
        self.keep = keep
        self.timeout = timeout
        self._runs: dict[str, Run] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, request: dict[str, Any], coalitions: int) -> Run:
        """Start evaluating ``request`` (an ``EvaluateRequest`` as JSON data); needs a loop.

        Raises
        ------
        RunLimitError
            ``max_active`` runs are queued or running.
        """
        active = [r for r in self._runs.values() if r.status in ("queued", "running")]
        if len(active) >= self.max_active:
            raise RunLimitError(
                f"{len(active)} evaluations are queued or running (the limit); wait for one "
                "to finish or cancel one (DELETE /api/evaluations/{id})"
            )
        run = Run(
            id=secrets.token_hex(6),
            request=request,
            scenarios=int(request.get("scenarios", 200)),
            coalitions=coalitions,
        )
        self._runs[run.id] = run
        self._forget_old()
        task = asyncio.get_running_loop().create_task(self._go(run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def _go(self, run: Run) -> None:
        def progress(done: int, total: int) -> None:
            if run.status == "queued":
                run.status, run.started, run._began = "running", _now(), time.monotonic()
            run.parts_done, run.parts_total = done, total

        async def cancelled() -> bool:
            return run.cancel_requested

        try:
            run.result = await self.worker.evaluate(
                run.request, cancelled, detail=True, progress=progress, timeout=self.timeout
            )
        except EvaluationCancelledError:
            run.status, run.error = "cancelled", "cancelled by the user"
        except InputError as exc:
            run.status, run.error = "failed", str(exc)
        except Error as exc:
            run.status, run.error = "failed", str(exc)
        except Exception as exc:  # never lose a run silently
            run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"
        else:
            run.status = "done"
            run.parts_done = run.parts_total or run.parts_done
        run.finished, run._ended = _now(), time.monotonic()

    def _forget_old(self) -> None:
        finished = [r for r in self._runs.values() if r.status not in ("queued", "running")]
        for run in finished[: max(0, len(finished) - self.keep)]:
            del self._runs[run.id]

    def get(self, run_id: str) -> Run | None:
        """The run called ``run_id``, or None."""
        return self._runs.get(run_id)

    def runs(self) -> list[Run]:
        """Every run kept, oldest first."""
        return list(self._runs.values())

    def cancel(self, run_id: str) -> bool:
        """Cancel a queued or running run (stops the worker); forget a finished one."""
        run = self._runs.get(run_id)
        if run is None:
            return False
        if run.status in ("queued", "running"):
            run.cancel_requested = True
        else:
            del self._runs[run_id]
        return True
