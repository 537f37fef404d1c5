"""``POST /api/evaluate`` off the server's process: bounded, with a timeout, cancellable.

An :class:`EvaluationWorker` keeps one worker process (started on first use or by
:meth:`EvaluationWorker.start`; it warms up at once and stays warm) that evaluates one request
at a time. The server awaits the answer without blocking its event
loop or its thread pool, so the other endpoints answer while a long evaluation runs. A request
whose client disconnects, or that runs past the timeout, has its worker process killed (a
new one starts at once and warms up for the next request); at most ``max_waiting``
requests wait for the worker, the next is refused (:class:`WorkerBusyError`, 429).

The worker is shared by the server's event loop (``POST /api/evaluate``) and the job
manager's evaluation lane (``POST /api/evaluations``, which runs on its own thread and event
loop): one request at a time is ensured by a thread lock, awaited by polling, not by a lock
bound to one event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from techbloc.errors import Error, InputError

__all__ = [
    "EVALUATE_TIMEOUT",
    "MAX_WAITING",
    "EvaluationCancelledError",
    "EvaluationTimeoutError",
    "EvaluationWorker",
    "WorkerBusyError",
]

#: Seconds an evaluation may run before it is stopped.
EVALUATE_TIMEOUT = 120.0
#: Evaluations that may wait for the worker; more are refused with 429.
MAX_WAITING = 4
#: Seconds between looks at the worker's answer, the client and the lock.
_POLL = 0.02


class WorkerBusyError(Error):
    """Too many evaluations are waiting (HTTP 429)."""


class EvaluationTimeoutError(Error):
    """An evaluation ran past its time limit and was stopped (HTTP 503)."""


class EvaluationCancelledError(Error):
    """The client went away; the evaluation was stopped."""


def _serve(connection: Any) -> None:
    """The worker process: evaluate requests from ``connection`` until it closes.

    Each message is ``(request, detail)``; while it runs the worker sends
    ``("progress", done, total)`` after each part, then ``(kind, answer)``.
    """
    from techbloc.service.compute import evaluate_request
    from techbloc.service.schemas import EvaluateRequest

    with contextlib.suppress(Exception):  # warm up: data, caches, compiled kernels
        evaluate_request(EvaluateRequest(scenarios=1, end_year=2025), budget=None, detail=True)

    def report(done: int, total: int) -> None:
        connection.send(("progress", done, total))

    while True:
        try:
            payload, detail = connection.recv()
        except (EOFError, OSError):
            return
        try:
            request = EvaluateRequest.model_validate(payload)
            # the server checked the budget (its own, which may differ from the default)
            result = evaluate_request(request, budget=None, detail=detail, progress=report)
            answer: tuple[str, Any] = ("ok", result.model_dump(mode="json"))
        except InputError as exc:
            answer = ("input", str(exc))
        except Error as exc:
            answer = ("error", str(exc))
        except Exception as exc:  # report, never die silently
            answer = ("error", f"{type(exc).__name__}: {exc}")
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return


class EvaluationWorker:
    """One worker process that evaluates requests, one at a time.

    Parameters
    ----------
    timeout : float
        Seconds one evaluation may run.
    max_waiting : int
        Evaluations that may wait while one runs.
    """

    def __init__(self, timeout: float = EVALUATE_TIMEOUT, max_waiting: int = MAX_WAITING) -> None:
        self.timeout = timeout
        self.max_waiting = max_waiting
        self._process: Any = None
        self._connection: Any = None
        self._busy = threading.Lock()  # held while one evaluation uses the process
        self._waiting = 0
        self._guard = threading.Lock()  # the process, the connection and the count
        self._closed = False

    # -- the process ---------------------------------------------------------------------
    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child,), daemon=True, name="techbloc-evaluate"
        )
        process.start()
        child.close()
        self._process, self._connection = process, parent

    def _kill(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)

    def _discard(self, process: Any) -> None:
        """Forget ``process``, which stopped on its own (the next evaluation starts one)."""
        with self._guard:
            if self._process is process:
                self._kill()

    def _restart(self, process: Any) -> None:
        """Kill the busy ``process`` and start its successor now, so it warms up before it is
        needed (unless the worker was closed meanwhile)."""
        with self._guard:
            if self._process is process:
                self._kill()
            if not self._closed and self._process is None:
                self._start()

    def start(self) -> None:
        """Start the worker process now (it warms up) instead of at the first evaluation."""
        with self._guard:
            self._closed = False
            if self._process is None or not self._process.is_alive():
                self._start()

    def close(self) -> None:
        """Stop the worker process."""
        with self._guard:
            self._closed = True
            self._kill()

    @property
    def pid(self) -> int | None:
        """Process id of the worker (None before the first evaluation)."""
        return None if self._process is None else self._process.pid

    # -- evaluating ----------------------------------------------------------------------
    async def evaluate(
        self,
        payload: dict[str, Any],
        disconnected: Callable[[], Awaitable[bool]] | None = None,
        *,
        detail: bool = False,
        progress: Callable[[int, int], None] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Evaluate one request (``EvaluateRequest`` as JSON data) in the worker.

        ``detail`` asks for a ``RunResult`` (fans, domains, stability); ``progress(done,
        total)`` is called as parts finish; ``timeout`` overrides the worker's own limit;
        ``disconnected`` (checked while waiting and running) stops the evaluation.

        Raises
        ------
        WorkerBusyError
            ``max_waiting`` evaluations are already waiting.
        InputError
            The request is invalid.
        EvaluationTimeoutError
            It ran past ``timeout`` seconds (the worker is restarted).
        EvaluationCancelledError
            ``disconnected()`` became true (the worker is restarted).
        """
        with self._guard:
            if self._busy.locked() and self._waiting >= self.max_waiting:
                raise WorkerBusyError(
                    f"{self._waiting} evaluations are already waiting (the limit); try again "
                    "when one has finished, or run a study (POST /api/studies)"
                )
            self._waiting += 1
        try:
            while not self._busy.acquire(blocking=False):
                if disconnected is not None and await disconnected():
                    raise EvaluationCancelledError("cancelled before it started")
                await asyncio.sleep(_POLL)
        finally:
            with self._guard:
                self._waiting -= 1
        try:
            if disconnected is not None and await disconnected():
                raise EvaluationCancelledError("cancelled before it started")
            return await self._run(payload, disconnected, detail, progress, timeout)
        finally:
            self._busy.release()

    async def _run(
        self,
        payload: dict[str, Any],
        disconnected: Callable[[], Awaitable[bool]] | None,
        detail: bool,
        progress: Callable[[int, int], None] | None,
        timeout: float | None,
    ) -> dict[str, Any]:
        if self._process is None or not self._process.is_alive():
            await asyncio.to_thread(self.start)
        process, connection = self._process, self._connection
        stopped = Error("the evaluation worker stopped unexpectedly; try again")
        try:
            connection.send((payload, detail))
        except (AttributeError, OSError):  # closed meanwhile
            raise stopped from None
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            try:
                ready = connection.poll()
                message = connection.recv() if ready else None
            except (EOFError, OSError):  # the process died, or the worker was closed
                self._discard(process)
                raise stopped from None
            if message is not None:
                if message[0] != "progress":
                    break
                if progress is not None:
                    progress(message[1], message[2])
                continue
            if disconnected is not None and await disconnected():
                self._restart(process)
                raise EvaluationCancelledError("the client disconnected; evaluation stopped")
            if time.monotonic() > deadline:
                self._restart(process)
                raise EvaluationTimeoutError(
                    f"the evaluation took longer than the limit of {limit:g} s and was "
                    "stopped; ask for fewer scenarios, coalitions or years, or run a study "
                    "(POST /api/studies)"
                )
            if not process.is_alive():
                self._discard(process)
                raise stopped
            await asyncio.sleep(_POLL)
        kind, value = message
        if kind == "ok":
            answer: dict[str, Any] = value
            return answer
        if kind == "input":
            raise InputError(value)
        raise Error(value)
