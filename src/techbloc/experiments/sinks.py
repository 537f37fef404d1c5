"""Where a run's chunks go: the results store, or memory.

The runner (:func:`techbloc.experiments.runner.run_chunks`) evaluates chunks with an
evaluator and hands the results, as they finish, to a sink (EMA Workbench's evaluator and
result callback):

- :class:`StoreSink`: a study's results store (:class:`~techbloc.experiments.store.
  ResultsStore`), kept, resumable, read later;
- :class:`MemorySink`: an evaluation's outcome tables (and, for the service's detailed
  runs, the trajectories it draws), gathered in memory in scenario order. It brings its
  own evaluator, :class:`OutcomeEvaluator`, which skips what the sink does not keep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.experiments.resolve import Resolved
    from techbloc.experiments.store import ChunkResult, ResultsStore
    from techbloc.policies import Policy
    from techbloc.world import World

__all__ = ["ChunkTask", "MemoryPart", "MemorySink", "OutcomeEvaluator", "Sink", "StoreSink"]

R_contra = TypeVar("R_contra", contravariant=True)


@dataclass(frozen=True)
class ChunkTask:
    """A chunk to evaluate: scenario ids ``[start, stop)`` and their parameter values."""

    start: int
    stop: int
    inputs: pd.DataFrame


class Sink(Protocol[R_contra]):
    """Receives the chunks' results, in the order chunks finish."""

    def write_batch(self, results: Sequence[R_contra]) -> None:
        """Keep the results of chunks that finished together."""


class StoreSink:
    """Write chunks to a study's results store (the store checks and commits them); chunks
    that finished together are committed in one transaction."""

    def __init__(self, store: ResultsStore) -> None:
        self.store = store

    def write_batch(self, results: Sequence[ChunkResult]) -> None:
        self.store.write_chunks(results)


@dataclass(frozen=True)
class MemoryPart:
    """What :class:`OutcomeEvaluator` returns for one chunk.

    Attributes
    ----------
    start : int
        First scenario id of the chunk (parts are put back in this order).
    outcomes : pandas.DataFrame
        Scalar outcomes indexed by ``(scenario, policy)``.
    arrays : dict
        Name -> float32 array ``(scenario, policy, ...)`` of the variables kept.
    coords : dict
        Dimension -> labels (``year``, ``country``, ``domain``), when arrays are kept.
    """

    start: int
    outcomes: pd.DataFrame
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    coords: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class OutcomeEvaluator:
    """Evaluate a chunk into a :class:`MemoryPart` (picklable: it may go to workers).

    Neither path builds an xarray Dataset: without ``arrays`` the model runs without
    trajectories (:func:`techbloc.model.dataset.simulate_scalars`); with them it runs with
    trajectories (:func:`techbloc.model.dataset.simulate_arrays`) and only the named
    variables are kept. The outcomes are those of ``outcome_table(simulate(...))``.
    """

    world: World
    policies: Sequence[Policy]
    start_year: int
    end_year: int
    seed: int
    arrays: tuple[str, ...] = ()

    def __call__(self, task: ChunkTask) -> MemoryPart:
        from techbloc.model.dataset import scalar_frame, simulate_arrays, simulate_scalars

        policies = list(self.policies)
        options: dict[str, Any] = {
            "start_year": self.start_year,
            "end_year": self.end_year,
            "seed": self.seed,
        }
        if not self.arrays:
            table = simulate_scalars(self.world, task.inputs, policies, **options)
            return MemoryPart(task.start, table)
        run = simulate_arrays(self.world, task.inputs, policies, trajectories=True, **options)
        variables = run.variables()
        arrays = {
            name: np.asarray(_scenario_policy_first(*variables[name]), dtype=np.float32)
            for name in self.arrays
            if name in variables
        }
        labels = run.coords
        coords: dict[str, list[Any]] = {
            "year": [int(v) for v in labels["year"]],
            "country": [str(v) for v in labels["country"]],
            "domain": [str(v) for v in labels["domain"]],
        }
        table = scalar_frame(run.result, run.scenario_ids, run.policy_names)
        return MemoryPart(task.start, table, arrays, coords)


def _scenario_policy_first(dims: tuple[str, ...], values: np.ndarray) -> np.ndarray:
    """``values`` with its axes ordered ``scenario``, ``policy``, then the others."""
    missing = [d for d in ("scenario", "policy") if d not in dims]
    if missing:
        raise ValueError(f"a kept variable needs dims scenario and policy; it has {dims}")
    first = [dims.index("scenario"), dims.index("policy")]
    return np.transpose(values, first + [i for i in range(len(dims)) if i not in first])


class MemorySink:
    """Gather an evaluation's chunks in memory, put back in scenario order at the end.

    Parameters
    ----------
    arrays : sequence of str
        Variables (trajectories, per-country or per-domain outcomes) to keep besides the
        scalar outcomes; none by default.
    """

    def __init__(self, arrays: Sequence[str] = ()) -> None:
        self.arrays = tuple(arrays)
        self._parts: list[MemoryPart] = []

    def evaluator(self, resolved: Resolved) -> OutcomeEvaluator:
        """The evaluator whose parts this sink gathers."""
        study = resolved.study
        return OutcomeEvaluator(
            resolved.world,
            tuple(resolved.policies),
            study.years.start,
            study.years.end,
            study.seed,
            self.arrays,
        )

    def write_batch(self, results: Sequence[MemoryPart]) -> None:
        self._parts.extend(results)

    def _ordered(self) -> list[MemoryPart]:
        return sorted(self._parts, key=lambda part: part.start)

    def outcomes(self) -> pd.DataFrame:
        """Scalar outcomes of every chunk, indexed by ``(scenario, policy)``."""
        import pandas as pd

        return pd.concat([part.outcomes for part in self._ordered()])

    def array(self, name: str) -> np.ndarray | None:
        """A kept variable over every scenario (None if the model did not produce it)."""
        parts = [part.arrays[name] for part in self._ordered() if name in part.arrays]
        return np.concatenate(parts) if parts else None

    @property
    def coords(self) -> dict[str, list[Any]]:
        """Labels of the kept variables' dimensions (``year``, ``country``, ``domain``)."""
        return self._parts[-1].coords if self._parts else {}
