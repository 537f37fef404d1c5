"""The one runner: split scenarios into chunks, evaluate them, hand them to a sink.

Every evaluation (``techbloc evaluate``, :func:`techbloc.evaluate_coalitions`, the service's
evaluations and studies, ``techbloc run``) is a study, resolved into its world, policies and
design (:mod:`techbloc.experiments.resolve`) and run by :func:`run_chunks`: each chunk is one
vectorized model call over all its scenarios and all the policies, sent to an executor
(:mod:`techbloc.experiments.executors`); each result comes back to this process and goes to
a sink (:mod:`techbloc.experiments.sinks`): the results store for studies, memory for
evaluations. A worker that can see the store's directory writes its chunk's Parquet files
itself and sends back only their names and checksums; this process renames them into place
and commits the chunk (:mod:`techbloc.experiments.chunks`). One progress callback,
``progress(chunks_done, chunks_total)``, serves every caller (the CLI's bar is one:
:class:`~techbloc.experiments.progress.RichProgress`).

:func:`run_study` runs into the store: finished chunks are skipped when a run is repeated, so
a killed run resumes where it stopped. Each chunk's rows of the design are drawn when the
chunk is sent (:class:`~techbloc.experiments.design_base.DesignSampler`), equal to the
whole table's, so memory does not grow with the study and results do not depend on the
chunk size, the executor or the number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

import numpy as np

from techbloc.errors import InputError
from techbloc.experiments.budget import choose_executor, default_chunk_size
from techbloc.experiments.chunk_tables import arrays_to_chunk, dataset_to_chunk
from techbloc.experiments.chunks import Staging, stage_arrays
from techbloc.experiments.executors import (
    Executor,
    ExecutorKind,
    InProcessExecutor,
    make_executor,
    stop_if_importing_main,
    with_scheduler,
)
from techbloc.experiments.progress import Progress, RichProgress
from techbloc.experiments.resolve import Resolved, resolve
from techbloc.experiments.sinks import ChunkTask, MemorySink, Sink, StoreSink
from techbloc.experiments.store import ChunkResult, ResultsStore
from techbloc.experiments.study import Study

if TYPE_CHECKING:
    import xarray as xr

    from techbloc.experiments.design_base import DesignSampler
    from techbloc.policies import Policy


class _ChunkOutput(Protocol):
    """What every evaluator returns: a result that knows its chunk's first scenario."""

    @property
    def start(self) -> int: ...


R = TypeVar("R", bound=_ChunkOutput)

__all__ = [
    "ChunkEvaluator",
    "ChunkTask",
    "RunSummary",
    "dataset_to_chunk",
    "evaluate_in_memory",
    "plan_chunks",
    "run_chunks",
    "run_study",
]


@dataclass(frozen=True)
class RunSummary:
    """What a call to :func:`run_study` did.

    Attributes
    ----------
    directory : Path
        The store.
    n_scenarios, n_policies : int
    chunks_run, chunks_skipped : int
        Chunks evaluated now, and chunks already in the store (or scenario ranges of them).
    scenarios_run : int
    seconds : float
        Wall time of this call.
    status : str
        ``"complete"`` or ``"already complete"`` (nothing to do) or ``"stopped"``.
    """

    directory: Path
    n_scenarios: int
    n_policies: int
    chunks_run: int
    chunks_skipped: int
    scenarios_run: int
    seconds: float
    status: str

    @property
    def experiments_per_second(self) -> float:
        """Scenario × policy evaluations per second in this call."""
        return self.scenarios_run * self.n_policies / self.seconds if self.seconds else 0.0


def plan_chunks(
    n_scenarios: int, done: Sequence[tuple[int, int]], chunk_size: int
) -> list[tuple[int, int]]:
    """Split the scenarios not yet done into ranges of at most ``chunk_size``.

    Parameters
    ----------
    n_scenarios : int
    done : sequence of (start, stop)
        Finished ranges (any chunking).
    chunk_size : int

    Returns
    -------
    list of (start, stop)
    """
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1, got {chunk_size}")
    todo = np.ones(n_scenarios, dtype=bool)
    for a, b in done:
        todo[a:b] = False
    chunks = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], todo.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        for start in range(int(a), int(b), chunk_size):
            chunks.append((start, min(start + chunk_size, int(b))))
    return chunks


class ChunkEvaluator:
    """Evaluate chunks of a study's scenarios: a picklable callable shipped to workers.

    Parameters
    ----------
    study : Study
        The study (years, seed, outputs, and how to load its world).
    world : World, optional
        The study's world, if already loaded; it travels with the evaluator to worker
        processes, so override files need not exist on remote workers. If None, it is
        loaded from the study on the first chunk.
    policies : list of Policy, optional
        Default: built from the study.
    simulate : callable, optional
        A model function with :func:`techbloc.model.simulate`'s signature, returning a
        Dataset (read by :func:`dataset_to_chunk`). Default: the engine, whose arrays go
        straight to the chunk's tables (:func:`~techbloc.model.dataset.simulate_arrays`,
        :func:`~techbloc.experiments.chunk_tables.arrays_to_chunk`: the same tables and
        files as through :func:`techbloc.model.simulate`, without building a Dataset).
    """

    def __init__(
        self,
        study: Study,
        world: Any = None,
        policies: Sequence[Policy] | None = None,
        *,
        simulate: Callable[..., xr.Dataset] | None = None,
    ) -> None:
        self.study = study
        self.world = world
        self.policies = list(policies) if policies is not None else study.build_policies()
        self.simulate = simulate

    #: Where this evaluator writes its chunks' Parquet files itself when it can see the
    #: store (:meth:`ResultsStore.staging`); None ships them to the writing process.
    staging: Staging | None = None

    def __call__(self, task: ChunkTask) -> ChunkResult:
        if self.world is None:
            self.world = self.study.load_world()
        study = self.study
        options: dict[str, Any] = {
            "start_year": study.years.start,
            "end_year": study.years.end,
            "seed": study.seed,
            "trajectories": study.outputs.trajectories,
        }
        began = time.perf_counter()
        if self.simulate is None:  # the engine's arrays, straight to the chunk's tables
            from techbloc.model.dataset import simulate_arrays

            run = simulate_arrays(self.world, task.inputs, self.policies, **options)
            seconds = time.perf_counter() - began
            result = arrays_to_chunk(
                run.variables(),
                run.coords,
                task.inputs,
                task.start,
                task.stop,
                seconds,
                trajectories=study.outputs.trajectories,
            )
        else:  # a user's model: its Dataset, read by the same rules
            ds = self.simulate(self.world, task.inputs, self.policies, **options)
            seconds = time.perf_counter() - began
            result = dataset_to_chunk(
                ds,
                task.inputs,
                task.start,
                task.stop,
                seconds,
                trajectories=study.outputs.trajectories,
            )
        return stage_arrays(result, self.staging)


def _load_study(study: Study | str | Path) -> Study:
    if isinstance(study, Study):
        return study
    return Study.from_yaml(study)


#: Seconds a study's chunks that finish on worker processes may wait to be committed, so
#: that those finishing close together share one transaction. On 2 cores, 2 Dask workers
#: and 50,000 futures in chunks of 500: 18 commits instead of 100, the main process's
#: CPU 2.7-3.5 s instead of 4.1-4.7, the run 21.1-22.8 s instead of 22.1-23.9
#: (benchmarks/README.md). A kill loses at most this much computing; an interruption or a
#: failed chunk commits what waits first.
COMMIT_SECONDS = 1.0


def run_chunks(
    evaluator: Callable[[ChunkTask], R],
    design: DesignSampler,
    chunks: Sequence[tuple[int, int]],
    sink: Sink[R],
    *,
    executor: Executor,
    progress: Progress | None = None,
    every: float = 0.0,
) -> tuple[int, int]:
    """Evaluate scenario ranges of ``design`` on ``executor`` and write each to ``sink``.

    Parameters
    ----------
    evaluator : callable
        ``ChunkTask -> result``, picklable for executors with worker processes.
    design : DesignSampler
        The design, drawn by row range as each chunk is sent.
    chunks : sequence of (start, stop)
    sink : Sink
        Receives the results as they finish, those that finished together in one batch
        (:mod:`techbloc.experiments.sinks`).
    executor : Executor
        Entered and left here.
    progress : callable, optional
        ``progress(chunks_done, chunks_total)``, called before the first chunk and after each
        batch handed to the sink.
    every : float
        Hand results to the sink at most every ``every`` seconds: those that finish in
        between go in one batch (0: each batch as it finishes). A result that holds
        arrays in memory (``result.arrays``, a chunk whose worker could not write its files)
        is handed over at once, with those waiting. Whatever waits is handed over when the
        run ends, is interrupted or a chunk fails.

    Returns
    -------
    chunks_run, scenarios_run : int
    """
    tasks = (ChunkTask(a, b, design.rows(a, b)) for a, b in chunks)
    sizes = {a: b - a for a, b in chunks}
    done = scenarios = 0
    waiting: list[R] = []
    last = time.monotonic()

    def hand_over() -> None:
        nonlocal done, scenarios, waiting, last
        batch, waiting, last = waiting, [], time.monotonic()
        if not batch:
            return
        sink.write_batch(batch)
        done += len(batch)
        scenarios += sum(sizes[result.start] for result in batch)
        if progress is not None:
            progress(done, len(chunks))

    if progress is not None:
        progress(0, len(chunks))
    with executor:
        try:
            for results in executor.imap_batches(evaluator, tasks):
                waiting.extend(results)
                held = any(getattr(result, "arrays", None) for result in results)
                if held or time.monotonic() - last >= every:
                    hand_over()
        finally:
            hand_over()
    return done, scenarios


def evaluate_in_memory(
    resolved: Resolved,
    sink: MemorySink,
    *,
    chunk_size: int,
    progress: Progress | None = None,
) -> MemorySink:
    """Run a resolved study in this process into a :class:`MemorySink` (evaluations).

    Parameters
    ----------
    resolved : Resolved
    sink : MemorySink
        Says what to keep besides the scalar outcomes.
    chunk_size : int
        Scenarios per model call (bounds memory; does not affect results).
    progress : callable, optional
        As :func:`run_chunks`.

    Returns
    -------
    MemorySink
        ``sink``, filled.
    """
    chunks = plan_chunks(resolved.design.size, [], chunk_size)
    run_chunks(
        sink.evaluator(resolved),
        resolved.design,
        chunks,
        sink,
        executor=InProcessExecutor(),
        progress=progress,
    )
    return sink


def run_study(
    study: Study | str | Path,
    out: str | Path,
    *,
    executor: ExecutorKind | Literal["auto"] | Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    fresh: bool = False,
    progress: bool | Progress = False,
    max_chunks: int | None = None,
    simulate: Callable[..., xr.Dataset] | None = None,
    echo: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run (or resume) a study into the results store at ``out``.

    Everything is validated before any chunk runs: the study, its world and policies, and
    the store (a store holding a different study is refused unless ``fresh``).

    Parameters
    ----------
    study : Study or path to a YAML file
    out : path
        Store directory (created if needed).
    executor : {"local", "processes", "dask", "auto"} or Executor
        ``auto``: worker processes for a study large enough to gain from them, on a machine
        with a CPU to spare (:func:`~techbloc.experiments.budget.choose_executor`), else
        this process.
    workers : int, optional
        Processes or Dask workers (default: the CPUs available).
    scheduler : str, optional
        Dask scheduler address (``tcp://host:port``).
    chunk_size : int, optional
        Scenarios per chunk (default:
        :func:`~techbloc.experiments.budget.default_chunk_size`). Does not affect results.
    fresh : bool
        Discard an existing store at ``out``.
    progress : bool or callable
        True: show a progress bar (chunks done, scenarios per second, time left); a
        callable: ``progress(chunks_done, chunks_total)`` (as :func:`run_chunks`).
    max_chunks : int, optional
        Stop after this many chunks (for tests and staged runs; resume later).
    simulate : callable, optional
        Replace the model (tests).
    echo : callable, optional
        Receives one-line status messages (default: silent).

    Returns
    -------
    RunSummary
    """
    stop_if_importing_main()  # a worker importing a script that runs this at import
    began = time.perf_counter()
    say = echo or (lambda message: None)
    resolved = resolve(_load_study(study))
    out = Path(out)
    if isinstance(executor, Executor):
        engine = executor
    else:
        kind: str = with_scheduler(executor, scheduler)
        if kind == "auto":
            kind = choose_executor(resolved.study, workers=workers)
        engine = make_executor(cast("ExecutorKind", kind), workers=workers, scheduler=scheduler)
    created = not ResultsStore.exists(out)
    try:
        return _run_into(
            resolved,
            out,
            engine,
            chunk_size=chunk_size,
            fresh=fresh,
            progress=progress,
            max_chunks=max_chunks,
            simulate=simulate,
            say=say,
            began=began,
        )
    except BaseException:
        # a store this call created and never wrote to (an unreachable scheduler, a kill
        # before the first chunk) is not left behind
        if created and ResultsStore.exists(out):
            _remove_if_empty(out)
        raise


def _remove_if_empty(out: Path) -> None:
    import contextlib

    try:
        with ResultsStore.open(out, check=False) as store:
            empty = not store.done_ranges()
    except Exception:  # unreadable: leave it for the user to inspect
        return
    if empty:
        ResultsStore.delete(out)
        with contextlib.suppress(OSError):
            out.rmdir()


def _run_into(
    resolved: Resolved,
    out: Path,
    engine: Executor,
    *,
    chunk_size: int | None,
    fresh: bool,
    progress: bool | Progress,
    max_chunks: int | None,
    simulate: Callable[..., xr.Dataset] | None,
    say: Callable[[str], None],
    began: float,
) -> RunSummary:
    study, policies = resolved.study, resolved.policies
    n_scenarios = resolved.design.size
    with ResultsStore.create(out, study, fresh=fresh) as store:
        done = store.done_ranges()
        skipped = len(done)
        size = chunk_size or default_chunk_size(
            n_scenarios, len(policies), engine.workers, study.outputs.trajectories
        )
        chunks = plan_chunks(n_scenarios, done, size)
        if not chunks:
            noun = "policy" if len(policies) == 1 else "policies"
            say(
                f"{out}: the study is already complete ({n_scenarios:,} scenarios × "
                f"{len(policies)} {noun}); nothing to do"
            )
            return RunSummary(
                out,
                n_scenarios,
                len(policies),
                0,
                skipped,
                0,
                time.perf_counter() - began,
                "already complete",
            )
        if skipped:
            say(
                f"{out}: resuming; {n_scenarios - sum(b - a for a, b in done)} of "
                f"{n_scenarios} scenarios left"
            )
        if max_chunks is not None:
            chunks = chunks[:max_chunks]
        evaluator = ChunkEvaluator(study, resolved.world, policies, simulate=simulate)
        evaluator.staging = store.staging()  # workers that see the store write its files
        report: Progress | None
        if progress is True:
            report = RichProgress(sum(b - a for a, b in chunks), engine.description)
        else:
            report = progress or None
        try:
            chunks_run, scenarios_run = run_chunks(
                evaluator,
                resolved.design,
                chunks,
                StoreSink(store),
                executor=engine,
                progress=report,
                # chunks computed in this process commit as they finish; on workers they
                # wait a little, so that several share a commit (the main process's CPU
                # is the workers' on a small machine)
                every=0.0 if isinstance(engine, InProcessExecutor) else COMMIT_SECONDS,
            )
        finally:
            if isinstance(report, RichProgress):
                report.stop()
        remaining = plan_chunks(n_scenarios, store.done_ranges(), size)
    status = "complete" if not remaining else "stopped"
    return RunSummary(
        out,
        n_scenarios,
        len(policies),
        chunks_run,
        skipped,
        scenarios_run,
        time.perf_counter() - began,
        status,
    )
