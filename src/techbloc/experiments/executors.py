"""Executors: where chunks are evaluated, behind one interface.

Every executor is a context manager with one method, :meth:`Executor.imap_batches`, which
applies a picklable callable to items and yields the results as they finish, in lists of
those that finished together (:meth:`Executor.imap_unordered` yields them one by one): a
writer that falls behind its workers commits what it finds waiting in one go. The callable
(the chunk evaluator, holding the world and policies) is shipped to each worker once; items
(the chunks' parameter tables) are small. At most ``2 × workers`` items are in flight, so memory is
bounded by the chunk size, not by the study size.

- :class:`InProcessExecutor`: in this process, one chunk at a time (debugging, tests).
- :class:`ProcessExecutor`: local worker processes (:mod:`concurrent.futures`).
- :class:`DaskExecutor`: a Dask distributed cluster, given by its scheduler address, or a
  :class:`dask.distributed.LocalCluster` started for the run.

Every worker runs the model's compiled kernels on as many threads as it runs tasks
(``NUMBA_NUM_THREADS``: 1 for a process executor's worker, the worker's threads for a Dask
worker, each task then on one), so that workers do not fight over the cores, and finds the
kernels already compiled in the machine's numba cache (``NUMBA_CACHE_DIR``, passed on to a
LocalCluster's workers), so each worker loads them in well under a second instead of compiling.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, TypeVar

from techbloc.errors import Error, InputError

__all__ = [
    "CLUSTER_ATTEMPTS",
    "ClusterStartError",
    "DaskExecutor",
    "Executor",
    "ExecutorKind",
    "InProcessExecutor",
    "ProcessExecutor",
    "WorkerStartError",
    "check_main_importable",
    "check_scheduler",
    "check_workers",
    "die_with",
    "importing_main",
    "main_importable",
    "make_executor",
    "max_workers",
    "stop_if_importing_main",
    "usable_cpus",
    "with_scheduler",
    "worker_environment",
]

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=str)

ExecutorKind = Literal["local", "processes", "dask"]


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


#: Worker processes allowed per CPU: a worker evaluates one chunk at a time on one core, so
#: more than a few per core only adds memory (about 330 MB each, measured in issue 23).
WORKERS_PER_CPU = 4
#: A Dask scheduler address: ``[scheme://]host:port``.
_ADDRESS = re.compile(r"^(?:(tcp|tls|ucx|ws|wss)://)?(\[[0-9A-Fa-f:.]+\]|[\w.-]+):(\d{1,5})$")


def max_workers() -> int:
    """The most worker processes allowed: :data:`WORKERS_PER_CPU` per CPU available."""
    return WORKERS_PER_CPU * usable_cpus()


def check_workers(workers: int | None) -> int | None:
    """Refuse a number of workers below 1 or above :func:`max_workers`.

    Raises
    ------
    techbloc.errors.InputError
    """
    if workers is None:
        return None
    most = max_workers()
    if not 1 <= int(workers) <= most:
        raise InputError(
            f"--workers {workers}: give 1 to {most} ({WORKERS_PER_CPU} per CPU available; "
            "each worker process holds the model and a chunk)"
        )
    return int(workers)


def _main_path() -> str | None:
    """The file a worker process started by spawn or forkserver imports as this process's
    ``__main__`` (as :mod:`multiprocessing` finds it), or None when it imports none or
    imports it by module name (``python -m``)."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return None
    path = getattr(main, "__file__", None)
    if path is None:  # an interactive session or ``python -c``: nothing to import
        return None
    from multiprocessing import process

    original: str | None = getattr(process, "ORIGINAL_DIR", None)  # where it was started
    return os.path.join(original, path) if original and not os.path.isabs(path) else str(path)


def main_importable() -> bool:
    """Whether worker processes can start from this program: they import its main script
    again, which they cannot when it has no file (a script piped into ``python -``)."""
    path = _main_path()
    return path is None or os.path.isfile(path)


def check_main_importable(workers: str) -> None:
    """Refuse to start ``workers`` (processes) that could not import this program.

    Raises
    ------
    techbloc.errors.InputError
    """
    if not main_importable():
        raise InputError(
            f"{workers} start by importing this program's main script, and "
            f"{os.path.basename(_main_path() or '')!r} is not a file they can import (a "
            "script read from standard input?): save it to a file and run that, or run "
            "in this process (executor='local')"
        )


def importing_main() -> bool:
    """Whether this process is a worker importing the main script again, as
    :mod:`multiprocessing` (and Dask's worker processes, which it starts) do before a worker
    runs anything."""
    from multiprocessing import process

    return bool(getattr(process.current_process(), "_inheriting", False))


def stop_if_importing_main() -> None:
    """Stop, quietly, a worker process that is importing the main script and got to a
    study's start: the script runs its study when imported (no ``if __name__ ==
    "__main__":`` guard), so every worker would run it again, on the same store. The
    process that started the workers says what to do (:class:`WorkerStartError`,
    :class:`ClusterStartError`).

    Raises
    ------
    SystemExit
        In such a worker only (exit status 1, no message).
    """
    if importing_main():
        raise SystemExit(1)


def _guard_hint(subject: str = "worker processes") -> str:
    """What to do when worker processes stop as they start: the main script may run the
    study when imported."""
    name = os.path.basename(_main_path() or "") or "this program's main script"
    return (
        f"{subject} import {name} again, so if it runs the study when imported, put that "
        'code under `if __name__ == "__main__":`'
    )


class WorkerStartError(Error, RuntimeError):
    """Local worker processes stopped as they started, or one died while computing."""


def check_scheduler(address: str) -> str:
    """Refuse text that is not a Dask scheduler address (``tcp://HOST:PORT``).

    Raises
    ------
    techbloc.errors.InputError
    """
    if re.fullmatch(r"inproc://\S+", address.strip()):  # a scheduler in this process
        return address.strip()
    match = _ADDRESS.match(address.strip())
    if not match or not 1 <= int(match.group(3)) <= 65535:
        raise InputError(
            f"--scheduler {address!r} is not a Dask scheduler address; give tcp://HOST:PORT "
            "(e.g. tcp://10.0.0.5:8786)"
        )
    return address.strip()


class Executor(ABC):
    """Evaluates items with a function, in parallel where it can.

    Use as a context manager: resources (processes, cluster connections) live between
    ``__enter__`` and ``__exit__``.
    """

    #: Number of parallel workers.
    workers: int = 1
    #: Short description for messages.
    description: str = "executor"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @abstractmethod
    def imap_batches(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[list[R]]:
        """Yield ``fn(item)`` for every item, in completion order, in lists: each holds every
        result finished when it is yielded (at least one). Items to replace them are sent
        before each list is yielded, so workers keep busy while the caller handles it."""

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in completion order."""
        for batch in self.imap_batches(fn, items):
            yield from batch


def _outcomes(futures: Iterable[Any]) -> tuple[list[Any], BaseException | None]:
    """The results of finished futures, and the first error among them.

    After an item fails, an executor sends no more items, hands over the results of those
    already in flight as they finish (the runner stores them) and then raises the error:
    a failed chunk does not cost the chunks computed beside it."""
    results: list[Any] = []
    error: BaseException | None = None
    for future in futures:
        try:
            results.append(future.result())
        except BaseException as exc:  # re-raised by the caller once the others are handed over
            error = error or exc
    return results, error


class InProcessExecutor(Executor):
    """Evaluate in the calling process, one item at a time."""

    description = "in-process"

    def imap_batches(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[list[R]]:
        for item in items:
            yield [fn(item)]


#: prctl option: the signal this process gets when its parent exits (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
# A worker process's function, installed once by the pool's initializer.
_INSTALLED: dict[str, Any] = {}


def _install(fn: Callable[[Any], Any], parent: int | None = None) -> None:
    # one core per worker process: keep the model's compiled kernels from spawning a thread
    # per CPU in every worker (read when numba is first imported, on the first chunk)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    _INSTALLED["fn"] = fn
    if parent is not None:
        die_with(parent)


def die_with(parent: int) -> None:
    """Make this (worker) process exit as soon as process ``parent`` ends, however it ends.

    A ``kill -9`` of a run leaves its pool no chance to stop its workers, which would go on
    computing (about 330 MB each). Two guards: on Linux, ``PR_SET_PDEATHSIG`` (SIGKILL when
    this process's parent, the pool's fork server, exits); everywhere, a daemon thread that
    waits on ``parent`` (a pidfd where the OS has them, else a poll once a second) and exits.
    """
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))

    def watch() -> None:
        import select
        import time

        try:
            handle = os.pidfd_open(parent)  # readable once the process has exited
        except (AttributeError, OSError):
            handle = None
        if handle is not None:
            select.select([handle], [], [])
        else:
            while True:
                time.sleep(1.0)
                try:
                    os.kill(parent, 0)
                except ProcessLookupError:
                    break
                except PermissionError:  # alive, another user's (pid reused): keep waiting
                    continue
        os._exit(1)

    threading.Thread(target=watch, name="techbloc-parent-watch", daemon=True).start()


def _call_installed(item: Any) -> Any:
    return _INSTALLED["fn"](item)


class ProcessExecutor(Executor):
    """Evaluate in local worker processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    Parameters
    ----------
    workers : int, optional
        Number of processes (default: the CPUs this process may use).
    """

    def __init__(self, workers: int | None = None) -> None:
        check_main_importable("worker processes")
        self.workers = check_workers(workers) or usable_cpus()
        self.description = f"{self.workers} local processes"
        self._pools: list[Any] = []

    def __exit__(self, *exc: object) -> None:
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self._pools.clear()

    def imap_batches(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[list[R]]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        stop_if_importing_main()  # a worker importing a script that starts a pool at import
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_install,
            initargs=(fn, os.getpid()),
        )
        self._pools.append(pool)
        pending: set[Any] = set()
        iterator = iter(items)
        started = False
        try:
            for item in itertools.islice(iterator, 2 * self.workers):
                pending.add(pool.submit(_call_installed, item))
            error: BaseException | None = None
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                results, failed = _outcomes(done)
                error = error or failed
                if error is None:
                    for item in itertools.islice(iterator, len(done)):
                        pending.add(pool.submit(_call_installed, item))
                if results:
                    started = True
                    yield results
            if error is not None:
                raise error
        except (BrokenProcessPool, BrokenPipeError):  # a worker (or their server) exited
            raise WorkerStartError(
                "a worker process died while computing (killed, or out of memory?); the "
                "chunks stored before are kept: run again to resume, with fewer workers or "
                "smaller chunks if memory ran out"
                if started
                else "worker processes stopped as they started: "
                + _guard_hint("they")
                + "; otherwise run in this process (executor='local') to see what stops them"
            ) from None
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            self._pools.remove(pool)


class ClusterStartError(Error, RuntimeError):
    """A local Dask cluster's worker processes did not start, after every attempt."""


#: Attempts at starting a LocalCluster: a nanny that fails to start its worker (a worker
#: process killed or too slow while a loaded machine spawns it) is rare, and starting again
#: usually works.
CLUSTER_ATTEMPTS = 3


def _kernel_threads(nthreads: int, own_process: bool) -> None:
    """Limit the model's kernels in this Dask task to the cores the task may use.

    In a worker process of its own, before numba is imported (the worker's first task),
    numba's thread pool is sized to the worker's threads (``NUMBA_NUM_THREADS``, unless the
    worker's environment sets it). A task that shares its process with other tasks (a
    worker with several threads, or thread workers in the calling process, whose
    environment is left alone) runs its kernels on one thread.
    """
    import sys

    if own_process and "numba" not in sys.modules:
        os.environ.setdefault("NUMBA_NUM_THREADS", str(max(1, nthreads)))
    if nthreads > 1 or not own_process:
        import numba

        numba.set_num_threads(1)  # this task's thread only


def _apply(fn: Callable[[Any], Any], item: Any, caller: int = -1) -> Any:
    try:
        from distributed import get_worker

        nthreads = int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):  # not on a worker (a test's inline call)
        nthreads = 1
    _kernel_threads(nthreads, own_process=os.getpid() != caller)
    return fn(item)


def worker_environment(threads: int = 1) -> dict[str, str]:
    """Environment variables of a LocalCluster's worker processes.

    ``NUMBA_NUM_THREADS``: the worker's threads (a worker with 1 thread runs the kernels on
    1, not on every CPU of the machine); ``NUMBA_CACHE_DIR``: the numba cache of this process
    (:func:`techbloc.model.jit.cache_dir`), so workers load the kernels this machine compiled.
    """
    from techbloc.model.jit import cache_dir

    return {"NUMBA_NUM_THREADS": str(max(1, threads)), "NUMBA_CACHE_DIR": cache_dir()}


def _start_local_cluster(
    workers: int, processes: bool, attempts: int = CLUSTER_ATTEMPTS
) -> tuple[Any, Any]:
    """A LocalCluster and its client; retried when a worker fails to start.

    Raises
    ------
    ClusterStartError
        After ``attempts`` failed starts, with the last cause and what to do.
    """
    import logging

    from dask.distributed import Client, LocalCluster

    log = logging.getLogger(__name__)
    last: BaseException | None = None
    for attempt in range(1, attempts + 1):
        cluster = None
        try:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                # the scheduler's HTTP server (health and metrics; no dashboard) on a free
                # local port: its default, 8787, is taken whenever another cluster runs, and
                # Dask then warns "Port 8787 is already in use" on the user's terminal
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=40,
                # worker processes start with these (a thread worker has no environment)
                **({"env": worker_environment(1)} if processes else {}),
            )
            return cluster, Client(cluster)
        except (RuntimeError, OSError, TimeoutError) as exc:  # "Nanny failed to start."
            last = exc
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()
            log.warning("Dask LocalCluster: %s (attempt %d of %d)", _cause(exc), attempt, attempts)
    raise ClusterStartError(
        f"the Dask LocalCluster's {workers} worker "
        f"{'processes' if processes else 'threads'} did not start after {attempts} attempts "
        f"({_cause(last)}); the machine may be short of memory or processes: try fewer "
        "--workers, or --executor processes" + (f"; or {_guard_hint()}" if processes else "")
    )


def _cause(exc: BaseException | None) -> str:
    """An exception and its causes, in one line (``Nanny failed to start. <- ...``)."""
    parts: list[str] = []
    while exc is not None and len(parts) < 4:
        parts.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    return " <- ".join(parts)


class DaskExecutor(Executor):
    """Evaluate on a Dask distributed cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``. Without it a
        :class:`~dask.distributed.LocalCluster` is started for the run and closed after it.
    workers : int, optional
        Workers of the local cluster (ignored with ``scheduler``; default: the CPUs).
    processes : bool
        Whether the local cluster's workers are processes (True) or threads (False).
    """

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, processes: bool = True
    ) -> None:
        self.scheduler = check_scheduler(scheduler) if scheduler else None
        if processes and not scheduler:
            check_main_importable("a Dask LocalCluster's worker processes")
        self.processes = processes
        self.workers = (None if scheduler else check_workers(workers)) or usable_cpus()
        self._client: Any = None
        self._cluster: Any = None
        self.description = (
            f"Dask scheduler {scheduler}"
            if scheduler
            else f"Dask LocalCluster, {self.workers} {'processes' if processes else 'threads'}"
        )

    def __enter__(self) -> DaskExecutor:
        from dask.distributed import Client

        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="20s")
            except (OSError, ValueError, TypeError) as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}"
                ) from None
            n = len(self._client.scheduler_info().get("workers", {}))
            self.workers = max(1, n)
        else:
            if self.processes:  # a worker importing a script that starts a cluster at import
                stop_if_importing_main()
            self._cluster, self._client = _start_local_cluster(self.workers, self.processes)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def imap_batches(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[list[R]]:
        from dask.distributed import as_completed

        if self._client is None:
            raise RuntimeError("use DaskExecutor as a context manager")
        client = self._client
        caller = os.getpid()  # thread workers in this process leave its environment alone
        [fn_future] = client.scatter([fn], broadcast=True, hash=False)
        iterator = iter(items)
        queue = as_completed()
        for item in itertools.islice(iterator, 2 * self.workers):
            queue.add(client.submit(_apply, fn_future, item, caller, pure=False))
        error: BaseException | None = None
        for futures in queue.batches():
            results, failed = _outcomes(futures)
            error = error or failed
            for future in futures:
                future.release()
            if error is None:
                for item in itertools.islice(iterator, len(futures)):
                    queue.add(client.submit(_apply, fn_future, item, caller, pure=False))
            if results:
                yield results
        if error is not None:
            raise error


def with_scheduler(kind: K, scheduler: str | None) -> K | Literal["dask"]:
    """``kind``, or ``"dask"`` when a scheduler address comes with ``"auto"`` or ``"local"``:
    an address given alone means the chunks run on that Dask cluster."""
    return "dask" if scheduler and kind in ("auto", "local") else kind


def make_executor(
    kind: ExecutorKind = "local",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Executor:
    """Build an executor by name.

    Parameters
    ----------
    kind : {"local", "processes", "dask"}
        ``local`` = in this process; ``processes`` = local worker processes; ``dask`` = a
        Dask cluster (``scheduler`` address, or a LocalCluster of ``workers`` processes).
    workers : int, optional
    scheduler : str, optional
        Only with ``dask`` (given alone, it implies ``dask``).
    """
    kind = with_scheduler(kind, scheduler)
    if scheduler and kind != "dask":
        raise InputError("--scheduler needs --executor dask")
    if kind == "local":
        return InProcessExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler=scheduler, workers=workers)
    raise InputError(f"unknown executor {kind!r}; use local, processes or dask")
