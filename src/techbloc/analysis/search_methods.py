"""Coalition search methods, by name: how a search visits the coalitions it scores.

Each method takes a :class:`SearchSpace` (the pool's size, the evaluator, the objectives'
directions and the constraints) and returns every coalition it scored with its values:

- ``exhaustive``: every subset of the free pool members
  (:func:`~techbloc.analysis.search_pareto.subset_masks`), scored in batches;
- ``nsga2``: pymoo's NSGA-II on a binary encoding of the free members, with a repair
  operator for the size limits; every coalition it scores is archived (and never scored
  twice).

:data:`SEARCH_METHODS` is the registry; :func:`search_method` looks a name up and refuses
an unknown one, listing the options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from techbloc.analysis._random import RandomState, check_rng
from techbloc.analysis.search_pareto import subset_masks
from techbloc.errors import InputError

__all__ = ["SEARCH_METHODS", "Evaluator", "SearchMethod", "SearchSpace", "search_method"]

#: ``evaluate(masks: bool[P, N_pool]) -> float[P, n_objectives]``.
Evaluator = Callable[[np.ndarray], np.ndarray]
#: ``method(space, **settings) -> (masks, values)``.
SearchMethod = Callable[..., tuple[np.ndarray, np.ndarray]]


def _evaluate_checked(evaluate: Evaluator, masks: np.ndarray, m: int) -> np.ndarray:
    values = np.asarray(evaluate(masks), float)
    if values.shape != (len(masks), m):
        raise InputError(
            f"the evaluator returned shape {values.shape}, expected ({len(masks)}, {m})"
        )
    return values


@dataclass(frozen=True)
class SearchSpace:
    """The coalitions a search may return and how to score them."""

    n: int
    evaluate: Evaluator
    m: int
    directions: tuple[str, ...]
    required: tuple[int, ...]
    excluded: tuple[int, ...]
    min_size: int
    max_size: int


def _exhaustive(space: SearchSpace, *, batch_size: int, **_: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every coalition of the space, scored in calls of ``batch_size``."""
    masks = subset_masks(
        space.n,
        min_size=space.min_size,
        max_size=space.max_size,
        required=list(space.required),
        excluded=list(space.excluded),
    )
    values = np.concatenate(
        [
            _evaluate_checked(space.evaluate, masks[i : i + batch_size], space.m)
            for i in range(0, len(masks), batch_size)
        ]
    )
    return masks, values


def _repair_sizes(
    x: np.ndarray, free_min: int, free_max: int, rng: np.random.Generator
) -> np.ndarray:
    """Switch random bits on/off so every row has between free_min and free_max ones."""
    x = x.astype(bool).copy()
    sizes = x.sum(axis=1)
    for i in np.flatnonzero((sizes < free_min) | (sizes > free_max)):
        row = x[i]
        if sizes[i] < free_min:
            off = np.flatnonzero(~row)
            row[rng.choice(off, free_min - sizes[i], replace=False)] = True
        else:
            on = np.flatnonzero(row)
            row[rng.choice(on, sizes[i] - free_max, replace=False)] = False
    return x


def _nsga2(
    space: SearchSpace, *, pop_size: int, n_gen: int, rng: RandomState, **_: Any
) -> tuple[np.ndarray, np.ndarray]:
    """NSGA-II (pymoo) over the free members; every coalition it scores is returned."""
    n, evaluate, m, directions = space.n, space.evaluate, space.m, space.directions
    req, exc, min_size, max_size = space.required, space.excluded, space.min_size, space.max_size
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.core.repair import Repair
    from pymoo.operators.crossover.hux import HUX
    from pymoo.operators.mutation.bitflip import BitflipMutation
    from pymoo.operators.sampling.rnd import BinaryRandomSampling
    from pymoo.optimize import minimize

    free = [i for i in range(n) if i not in req and i not in exc]
    f = len(free)
    free_min, free_max = max(0, min_size - len(req)), min(f, max_size - len(req))
    sign = np.array([-1.0 if d == "max" else 1.0 for d in directions])
    archive: dict[bytes, np.ndarray] = {}
    generator = check_rng(rng)
    seed = int(generator.integers(0, 2**31 - 1))  # pymoo takes an int seed

    def full(x: np.ndarray) -> np.ndarray:
        masks = np.zeros((len(x), n), bool)
        masks[:, free] = x
        masks[:, req] = True
        return masks

    class Coalitions(Problem):  # type: ignore[misc]  # pymoo ships no type information
        def __init__(self) -> None:
            super().__init__(n_var=f, n_obj=m, xl=0, xu=1, vtype=bool)

        def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            x = np.asarray(x, bool)
            keys = [row.tobytes() for row in x]
            new = {k: i for i, k in enumerate(keys) if k not in archive}
            if new:
                rows = np.array(list(new.values()))
                values = _evaluate_checked(evaluate, full(x[rows]), m)
                for key, value in zip(new, values, strict=True):
                    archive[key] = value
            values = np.array([archive[k] for k in keys])
            out["F"] = np.where(np.isnan(values), np.inf, values * sign)

    class SizeRepair(Repair):  # type: ignore[misc]
        def _do(self, problem: Any, x: np.ndarray, **kwargs: Any) -> np.ndarray:
            return _repair_sizes(np.asarray(x), free_min, free_max, generator)

    algorithm = NSGA2(
        pop_size=pop_size,
        sampling=BinaryRandomSampling(),
        crossover=HUX(),
        mutation=BitflipMutation(),
        repair=SizeRepair(),
        eliminate_duplicates=True,
    )
    minimize(Coalitions(), algorithm, ("n_gen", n_gen), seed=seed, verbose=False)
    keys = list(archive)
    x = np.array([np.frombuffer(k, dtype=bool) for k in keys]).reshape(len(keys), f)
    return full(x), np.array([archive[k] for k in keys]).reshape(len(keys), m)


#: Coalition search methods by name: ``method(space, **settings) -> (masks, values)``.
SEARCH_METHODS: Mapping[str, SearchMethod] = MappingProxyType(
    {"exhaustive": _exhaustive, "nsga2": _nsga2}
)


def search_method(name: str) -> SearchMethod:
    """The search method called ``name``; unknown names are refused listing the options."""
    try:
        return SEARCH_METHODS[name]
    except (KeyError, TypeError):
        options = ", ".join(repr(n) for n in ("auto", *SEARCH_METHODS))
        raise InputError(f"unknown search method {name!r}; use one of {options}") from None
