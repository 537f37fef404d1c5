"""Run a study: split scenarios into chunks, evaluate them, store them, resume.

Each chunk is evaluated by one vectorized :func:`techbloc.model.simulate` call over all its
scenarios and all the study's policies. Chunks go to an executor
(:mod:`techbloc.experiments.executors`); their results come back to this process, which alone
writes the store. Finished chunks are skipped when a run is repeated, so a killed run resumes
where it stopped; the design is drawn once for the whole study, so results do not depend on
the chunk size, the executor or the number of workers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.errors import InputError
from techbloc.experiments.executors import Executor, ExecutorKind, make_executor
from techbloc.experiments.store import ChunkResult, ResultsStore

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from techbloc.experiments.study import Study
    from techbloc.policies import Policy

__all__ = [
    "ChunkEvaluator",
    "ChunkTask",
    "RunSummary",
    "dataset_to_chunk",
    "default_chunk_size",
    "plan_chunks",
    "run_study",
]


@dataclass(frozen=True)
class ChunkTask:
    """A chunk to evaluate: scenario ids ``[start, stop)`` and their parameter values."""

    start: int
    stop: int
    inputs: pd.DataFrame


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


def default_chunk_size(n_scenarios: int, n_policies: int, workers: int, trajectories: bool) -> int:
    """A chunk size that keeps every worker busy and memory small.

    About four chunks per worker, capped so that a chunk holds at most 1,000 scenario × policy
    pairs (200 with trajectories): the model's working arrays then take a few hundred MB at
    most, and larger chunks are no faster.
    """
    cap = max(1, (200 if trajectories else 1000) // max(1, n_policies))
    return max(1, min(cap, math.ceil(n_scenarios / (4 * max(1, workers)))))


def _group_key(dims: Sequence[str]) -> str:
    return "-".join(dims)


def _long_table(ds: xr.Dataset, names: list[str], dims: tuple[str, ...]):
    import pyarrow as pa

    sizes = [ds.sizes[d] for d in dims]
    total = int(np.prod(sizes))
    columns: dict[str, Any] = {}
    for i, d in enumerate(dims):
        coord = ds[d].values
        inner = int(np.prod(sizes[i + 1 :]))
        outer = int(np.prod(sizes[:i]))
        if d == "policy" or coord.dtype.kind in "OU":
            indices = np.tile(np.repeat(np.arange(len(coord), dtype=np.int32), inner), outer)
            columns[d] = pa.DictionaryArray.from_arrays(indices, pa.array([str(c) for c in coord]))
        else:
            columns[d] = np.tile(np.repeat(coord, inner), outer)
    for name in names:
        values = ds[name].transpose(*dims).values.reshape(total)
        columns[name] = values
    return pa.table(columns)


def dataset_to_chunk(
    ds: xr.Dataset,
    inputs: pd.DataFrame,
    start: int,
    stop: int,
    seconds: float = 0.0,
    *,
    trajectories: bool = True,
) -> ChunkResult:
    """Turn :func:`~techbloc.model.simulate`'s Dataset into a :class:`ChunkResult`.

    The rules come from the model's contract, not from a list of names: variables with dims
    exactly ``("scenario", "policy")`` are scalar outcomes, ``("scenario",)`` are scenario
    descriptors, anything else with a ``scenario`` dim is an array (a trajectory when it has
    a ``year`` dim), grouped by its dims. Variables without a ``scenario`` dim are skipped,
    and so are variables with a ``year`` dim when ``trajectories`` is false.
    """
    import pandas as pd

    scenario_ids = ds["scenario"].values
    policy_names = [str(p) for p in ds["policy"].values]
    n_s, n_p = len(scenario_ids), len(policy_names)
    scalars: dict[str, np.ndarray] = {}
    descriptors: dict[str, np.ndarray] = {}
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, var in ds.data_vars.items():
        dims = tuple(var.dims)
        if set(dims) == {"scenario", "policy"} and len(dims) == 2:
            scalars[str(name)] = var.transpose("scenario", "policy").values.reshape(n_s * n_p)
        elif dims == ("scenario",):
            descriptors[str(name)] = var.values
        elif "scenario" in dims and (trajectories or "year" not in dims):
            order = (
                "scenario",
                *(d for d in ("policy", "year") if d in dims),
                *(d for d in dims if d not in ("scenario", "policy", "year")),
            )
            groups.setdefault(tuple(map(str, order)), []).append(str(name))
    scenarios = inputs.loc[scenario_ids].reset_index()
    scenarios["scenario"] = scenarios["scenario"].astype("int64")
    for name, values in descriptors.items():
        scenarios[name] = values
    outcomes = pd.DataFrame(
        {
            "scenario": np.repeat(scenario_ids.astype("int64"), n_p),
            "policy": np.tile(np.array(policy_names, dtype=object), n_s),
            **scalars,
        }
    )
    arrays = {_group_key(dims): _long_table(ds, names, dims) for dims, names in groups.items()}
    variables = {name: list(dims) for dims, names in groups.items() for name in names}
    return ChunkResult(start, stop, scenarios, outcomes, arrays, variables, seconds)


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
        The model function (default :func:`techbloc.model.simulate`).
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

    def __call__(self, task: ChunkTask) -> ChunkResult:
        simulate = self.simulate
        if simulate is None:
            from techbloc.model import simulate as model_simulate

            simulate = model_simulate
        if self.world is None:
            self.world = self.study.load_world()
        study = self.study
        began = time.perf_counter()
        ds = simulate(
            self.world,
            task.inputs,
            self.policies,
            start_year=study.years.start,
            end_year=study.years.end,
            seed=study.seed,
            trajectories=study.outputs.trajectories,
        )
        seconds = time.perf_counter() - began
        return dataset_to_chunk(
            ds, task.inputs, task.start, task.stop, seconds, trajectories=study.outputs.trajectories
        )


def _load_study(study: Study | str | Path) -> Study:
    from techbloc.experiments.study import Study

    if isinstance(study, Study):
        return study
    return Study.from_yaml(study)


def run_study(
    study: Study | str | Path,
    out: str | Path,
    *,
    executor: ExecutorKind | Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    fresh: bool = False,
    progress: bool = False,
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
    executor : {"local", "processes", "dask"} or Executor
    workers : int, optional
        Processes or Dask workers (default: the CPUs available).
    scheduler : str, optional
        Dask scheduler address (``tcp://host:port``).
    chunk_size : int, optional
        Scenarios per chunk (default: :func:`default_chunk_size`). Does not affect results.
    fresh : bool
        Discard an existing store at ``out``.
    progress : bool
        Show a progress bar (chunks done, scenarios per second, time left).
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
    began = time.perf_counter()
    say = echo or (lambda message: None)
    study = _load_study(study)
    world = study.load_world()
    policies = study.check_world(world)
    out = Path(out)
    if isinstance(executor, Executor):
        engine = executor
    else:
        engine = make_executor(executor, workers=workers, scheduler=scheduler)
    created = not ResultsStore.exists(out)
    try:
        return _run_into(
            study,
            world,
            policies,
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
    study: Study,
    world: Any,
    policies: list[Policy],
    out: Path,
    engine: Executor,
    *,
    chunk_size: int | None,
    fresh: bool,
    progress: bool,
    max_chunks: int | None,
    simulate: Callable[..., xr.Dataset] | None,
    say: Callable[[str], None],
    began: float,
) -> RunSummary:
    n_scenarios = study.n_scenarios
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
        design = study.sampler()  # rows drawn per chunk: memory does not grow with the study
        evaluator = ChunkEvaluator(study, world, policies, simulate=simulate)
        tasks = (ChunkTask(a, b, design.rows(a, b)) for a, b in chunks)
        n_run = 0
        scenarios_run = 0
        with (
            engine,
            _Progress(
                progress, len(chunks), sum(b - a for a, b in chunks), engine.description
            ) as bar,
        ):
            for result in engine.imap_unordered(evaluator, tasks):
                store.write_chunk(result)
                n_run += 1
                scenarios_run += result.stop - result.start
                bar.advance(result.stop - result.start)
        remaining = plan_chunks(n_scenarios, store.done_ranges(), size)
    status = "complete" if not remaining else "stopped"
    return RunSummary(
        out,
        n_scenarios,
        len(policies),
        n_run,
        skipped,
        scenarios_run,
        time.perf_counter() - began,
        status,
    )


class _Progress:
    """A rich progress bar over chunks (or nothing)."""

    def __init__(self, enabled: bool, chunks: int, scenarios: int, description: str) -> None:
        self.enabled = enabled
        self.chunks = chunks
        self.scenarios = scenarios
        self.description = description
        self._progress: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
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
            self._task = self._progress.add_task("run", total=self.chunks, rate="")
            self._began = time.perf_counter()
            self._done = 0
        return self

    def advance(self, scenarios: int) -> None:
        if self._progress is None:
            return
        self._done += scenarios
        elapsed = max(time.perf_counter() - self._began, 1e-9)
        self._progress.update(self._task, advance=1, rate=f"{self._done / elapsed:,.0f} scen/s")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
