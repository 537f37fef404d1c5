"""Coalition search: the Pareto set of coalitions drawn from a candidate pool.

The search is model-agnostic: it takes an *evaluator*
``evaluate(masks: bool[P, N_pool]) -> float[P, n_objectives]`` that scores a batch of
candidate coalitions (rows of a membership mask over the pool). :func:`model_evaluator`
builds the default one on the model's static one-year characteristic functions.

Two methods return the same front on pools small enough to enumerate:

- ``exhaustive``: every subset of the free pool members (pool minus required and excluded)
  as a ``[2^f, f]`` boolean array, filtered by size, evaluated in batches, and reduced
  with a vectorized non-dominated filter (feasible up to ``2^16`` and beyond);
- ``nsga2``: pymoo's NSGA-II on a binary encoding of the free members, with a repair
  operator for the size limits; every evaluated coalition is archived (and never
  evaluated twice) and the result is the non-dominated set of the archive.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from techbloc.analysis._random import RandomState, check_rng
from techbloc.errors import InputError
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = [
    "MODEL_EXHAUSTIVE_LIMIT",
    "SEARCH_METHODS",
    "Evaluator",
    "Objective",
    "SearchResult",
    "model_evaluator",
    "pareto_mask",
    "parse_objective",
    "search_coalitions",
    "search_method",
    "subset_masks",
]

Evaluator = Callable[[np.ndarray], np.ndarray]
Direction = Literal["max", "min"]

#: Coalitions up to which ``method="auto"`` enumerates when scoring on the model
#: (:func:`model_evaluator`; ``techbloc optimize`` passes it as ``max_exhaustive``); above
#: it NSGA-II is faster and found the same front. Measured by ``benchmarks/search.py``
#: (static evaluator, 50 scenarios, 2 cores; benchmarks/README.md): NSGA-II's cost grows
#: slowly (990 to 5,762 distinct coalitions and 1.7 to 3.7 CPU-s from 10 to 16 candidates
#: at the default 100 x 100), the enumeration's doubles with each candidate; they cost the
#: same at 12 free candidates (2.0 CPU-s each) and NSGA-II is 1.7 times faster at 13, with
#: the same front at every size from 10 to 16. The generic default of
#: :func:`search_coalitions` stays ``2^16`` (cheap evaluators enumerate faster).
MODEL_EXHAUSTIVE_LIMIT = 2**12


@dataclass(frozen=True)
class Objective:
    """An objective: an outcome, a direction and a statistic across scenarios.

    Attributes
    ----------
    name : str
        Outcome name, e.g. ``"alliance_rd_share"``.
    direction : {"max", "min"}
    statistic : float or "mean"
        Percentile across scenarios (50 = median, the default; 10 = a pessimistic view
        of a ``max`` objective) or ``"mean"``.
    """

    name: str
    direction: Direction
    statistic: float | str = 50.0

    def __post_init__(self) -> None:
        if self.direction not in ("max", "min"):
            raise InputError(f"objective '{self.name}': direction must be 'max' or 'min'")
        if self.statistic != "mean" and not (
            isinstance(self.statistic, int | float) and 0 <= self.statistic <= 100
        ):
            raise InputError(
                f"objective '{self.name}': statistic must be 'mean' or a percentile 0-100"
            )

    @property
    def label(self) -> str:
        """Column name in results, e.g. ``alliance_rd_share`` or ``leakage_p90``."""
        if self.statistic == 50.0:
            return self.name
        if self.statistic == "mean":
            return f"{self.name}_mean"
        return f"{self.name}_p{self.statistic:g}"

    def reduce(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        """Reduce an array over scenarios (``axis``) with this objective's statistic."""
        if self.statistic == "mean":
            return np.nanmean(values, axis=axis)
        return _nanpercentile(np.asarray(values, float), float(self.statistic), axis)


def _nanpercentile(values: np.ndarray, q: float, axis: int) -> np.ndarray:
    """``numpy.nanpercentile`` along ``axis``, vectorized over the columns without NaN.

    numpy's version applies a 1-D percentile column by column; columns without NaN give
    the same numbers from ``numpy.percentile`` over all of them at once (tested equal).
    """
    values = np.moveaxis(values, axis, 0)
    shape = values.shape[1:]
    flat = values.reshape(len(values), -1)
    out = np.percentile(flat, q, axis=0)
    gaps = np.flatnonzero(np.isnan(flat).any(axis=0))
    if len(gaps):
        with warnings.catch_warnings():  # all-NaN columns give NaN, as numpy's does
            warnings.simplefilter("ignore", RuntimeWarning)
            out[gaps] = np.nanpercentile(flat[:, gaps], q, axis=0)
    return out.reshape(shape)


def parse_objective(spec: str | Objective) -> Objective:
    """Parse ``name[:max|min][:median|mean|pNN]``, e.g. ``"leakage:min:p90"``.

    Without ``:max``/``:min`` (``"leakage"``, ``"cohesion::p10"``) the direction is the
    registered output's (:mod:`techbloc.model.outputs`; ``leakage`` and ``stringency``
    stand for the outputs :func:`~techbloc.analysis.characteristic.resolve_outcome`
    names); an outcome the registry does not know needs an explicit direction.
    """
    from techbloc.analysis.characteristic import SEARCH_ALIASES
    from techbloc.analysis.outcomes import resolve_metric

    if isinstance(spec, Objective):
        return spec
    if str(spec).count(":") > 2:
        raise InputError(f"cannot read objective {spec!r}; write name[:max|min][:median|pNN]")
    name, direction, stat = resolve_metric(str(spec), what="objective", aliases=SEARCH_ALIASES)
    statistic: float | str = 50.0
    stat = stat.strip().lower()
    if stat in ("", "median"):
        statistic = 50.0
    elif stat == "mean":
        statistic = "mean"
    elif re.fullmatch(r"p\d+(\.\d+)?", stat):
        statistic = float(stat[1:])
    else:
        raise InputError(f"objective {spec!r}: statistic must be median, mean or pNN")
    return Objective(name, direction, statistic)


def subset_masks(
    n: int,
    *,
    min_size: int = 0,
    max_size: int | None = None,
    required: Sequence[int] = (),
    excluded: Sequence[int] = (),
) -> np.ndarray:
    """Every subset of ``n`` pool members meeting the constraints, as a bool array.

    Parameters
    ----------
    n : int
        Pool size.
    min_size, max_size : int
        Limits on the number of members chosen (inclusive).
    required, excluded : sequence of int
        Pool positions always in / always out.

    Returns
    -------
    numpy.ndarray of bool, shape (K, n)
        Rows in increasing order of the binary code of the free members.
    """
    max_size = n if max_size is None else max_size
    required, excluded = sorted(set(required)), sorted(set(excluded))
    free = [i for i in range(n) if i not in required and i not in excluded]
    f = len(free)
    if f > 30:
        raise InputError(f"{f} free pool members: too many to enumerate (use the MOEA)")
    codes = np.arange(2**f, dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(f)) & 1).astype(bool)
    sizes = bits.sum(axis=1) + len(required)
    keep = (sizes >= min_size) & (sizes <= max_size)
    masks = np.zeros((int(keep.sum()), n), bool)
    masks[:, free] = bits[keep]
    masks[:, required] = True
    return masks


def pareto_mask(values: np.ndarray, directions: Sequence[str] | None = None) -> np.ndarray:
    """Which rows are non-dominated.

    Parameters
    ----------
    values : ndarray, shape (K, M)
        Objective values.
    directions : sequence of {"max", "min"}, optional
        Per objective (default: all ``min``). NaN counts as the worst value.

    Returns
    -------
    numpy.ndarray of bool, shape (K,)
        True for the Pareto-optimal rows (ties: identical rows are all kept).

    Notes
    -----
    Rows are sorted lexicographically, so a row can only be dominated by rows before it;
    blocks of rows are compared (vectorized) against the front found so far and against
    each other. Cost is about ``K * |front|`` comparisons, not ``K^2``.
    """
    values = np.asarray(values, float)
    if values.ndim != 2:
        raise InputError(
            f"objective values must be 2-D (candidates, objectives), got {values.shape}"
        )
    k, m = values.shape
    if directions is None:
        directions = ["min"] * m
    if len(directions) != m:
        raise InputError(f"{m} objectives but {len(directions)} directions")
    sign = np.array([-1.0 if d == "max" else 1.0 for d in directions])
    f = values * sign
    f = np.where(np.isnan(f), np.inf, f)
    order = np.lexsort(f.T[::-1])
    fs = f[order]
    keep_sorted = np.zeros(k, bool)
    front = np.empty((0, m))
    block = 512
    for start in range(0, k, block):
        blk = fs[start : start + block]
        dominated = np.zeros(len(blk), bool)
        for fstart in range(0, len(front), 4096):
            fr = front[fstart : fstart + 4096]
            le = (fr[:, None, :] <= blk[None, :, :]).all(axis=2)
            lt = (fr[:, None, :] < blk[None, :, :]).any(axis=2)
            dominated |= (le & lt).any(axis=0)
        alive = np.flatnonzero(~dominated)  # compare only survivors with each other
        sub = blk[alive]
        le = (sub[:, None, :] <= sub[None, :, :]).all(axis=2)
        lt = (sub[:, None, :] < sub[None, :, :]).any(axis=2)
        dominated[alive] = (le & lt).any(axis=0)
        keep_sorted[start : start + len(blk)] = ~dominated
        front = np.concatenate([front, blk[~dominated]])
    keep = np.zeros(k, bool)
    keep[order] = keep_sorted
    return keep


@dataclass
class SearchResult:
    """The Pareto set found by :func:`search_coalitions`.

    Attributes
    ----------
    front : pandas.DataFrame
        One row per Pareto-optimal coalition: ``members`` (ISO3 codes joined by "+"),
        ``size`` (pool members chosen), one column per objective label; sorted by the first
        objective (best first).
    masks : ndarray of bool, shape (F, N_pool)
        Membership of each front row over the pool.
    pool : list of str
    objectives : list of Objective
    method : str
        ``"exhaustive"`` or ``"nsga2"``.
    n_evaluated : int
        Distinct coalitions evaluated.
    """

    front: pd.DataFrame
    masks: np.ndarray = field(repr=False)
    pool: list[str]
    objectives: list[Objective]
    method: str
    n_evaluated: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-data description (for ``--json``)."""
        return {
            "method": self.method,
            "n_evaluated": self.n_evaluated,
            "pool": self.pool,
            "objectives": [
                {
                    "name": o.name,
                    "direction": o.direction,
                    "statistic": o.statistic,
                    "label": o.label,
                }
                for o in self.objectives
            ],
            "front": self.front.replace({np.nan: None}).to_dict(orient="records"),
        }


def _positions(pool: list[str], codes: Sequence[str], what: str) -> list[int]:
    unknown = [c for c in codes if c not in pool]
    if unknown:
        raise InputError(f"{what} countries {', '.join(unknown)} are not in the candidate pool")
    return [pool.index(c) for c in codes]


def _evaluate_checked(evaluate: Evaluator, masks: np.ndarray, m: int) -> np.ndarray:
    values = np.asarray(evaluate(masks), float)
    if values.shape != (len(masks), m):
        raise InputError(
            f"the evaluator returned shape {values.shape}, expected ({len(masks)}, {m})"
        )
    return values


def search_coalitions(
    pool: Sequence[str],
    evaluate: Evaluator,
    objectives: Sequence[str | Objective],
    *,
    required: Sequence[str] = (),
    excluded: Sequence[str] = (),
    min_size: int = 1,
    max_size: int | None = None,
    method: Literal["auto", "exhaustive", "nsga2"] = "auto",
    max_exhaustive: int = 2**16,
    batch_size: int = 4096,
    pop_size: int = 100,
    n_gen: int = 100,
    rng: RandomState = 0,
    names: Mapping[str, str] | None = None,
) -> SearchResult:
    """Find the Pareto set of coalitions from a candidate pool.

    Parameters
    ----------
    pool : sequence of str
        Candidate countries (ISO3), in the column order the evaluator expects.
    evaluate : callable
        ``evaluate(masks: bool[P, len(pool)]) -> float[P, len(objectives)]``, objective
        values in the order of ``objectives`` (already reduced over scenarios).
    objectives : sequence of str or Objective
        Directions (``max``/``min``) tell the search which way is better.
    required, excluded : sequence of str
        Countries always in / never in (must be in the pool).
    min_size, max_size : int
        Limits on the number of pool members chosen.
    method : {"auto", "exhaustive", "nsga2"}
        ``auto`` enumerates when the number of subsets of the free members is at most
        ``max_exhaustive``, and runs NSGA-II otherwise.
    batch_size : int
        Coalitions per evaluator call in the exhaustive search.
    pop_size, n_gen : int
        NSGA-II settings.
    rng : int, numpy.random.Generator or None
        Random state of NSGA-II (its seed and the size repair); default 0, so the same
        call gives the same front. Independent of the scenarios the evaluator scores.
    names : mapping of str to str, optional
        Country names, to add a ``names`` column.

    Returns
    -------
    SearchResult
    """
    pool = [str(c).upper() for c in pool]
    if len(set(pool)) != len(pool):
        raise InputError("the candidate pool lists a country twice")
    if not pool:
        raise InputError("the candidate pool is empty")
    objs = [parse_objective(o) for o in objectives]
    if not objs:
        raise InputError("name at least one objective, e.g. alliance_rd_share:max")
    req = _positions(pool, [c.upper() for c in required], "required")
    exc = _positions(pool, [c.upper() for c in excluded], "excluded")
    if set(req) & set(exc):
        raise InputError("a country cannot be both required and excluded")
    n = len(pool)
    max_size = n if max_size is None else int(max_size)
    min_size = max(int(min_size), len(req))
    n_free = n - len(req) - len(exc)
    if max_size < len(req) or min_size > n - len(exc) or min_size > max_size:
        raise InputError(
            f"no coalition fits: size {min_size}-{max_size}, {len(req)} required, "
            f"{n - len(exc)} allowed"
        )
    m = len(objs)
    directions = [o.direction for o in objs]
    if method == "auto":
        method = "exhaustive" if 2**n_free <= max_exhaustive else "nsga2"
    run = search_method(method)
    space = _Space(n, evaluate, m, tuple(directions), tuple(req), tuple(exc), min_size, max_size)
    masks, values = run(space, batch_size=batch_size, pop_size=pop_size, n_gen=n_gen, rng=rng)
    n_evaluated = len(masks)
    keep = pareto_mask(values, directions)
    masks, values = masks[keep], values[keep]
    # canonical order: best first on the first objective, then by membership code
    code = masks.astype(np.int64) @ (1 << np.arange(n, dtype=np.int64))
    sign = -1.0 if directions[0] == "max" else 1.0
    order = np.lexsort((code, sign * values[:, 0]))
    masks, values = masks[order], values[order]
    pool_arr = np.array(pool)
    members = ["+".join(pool_arr[row]) for row in masks]
    front = pd.DataFrame({"members": members, "size": masks.sum(axis=1)})
    if names is not None:
        front["names"] = [", ".join(names.get(c, c) for c in pool_arr[row]) for row in masks]
    for j, o in enumerate(objs):
        front[o.label] = values[:, j]
    return SearchResult(front, masks, pool, objs, method, n_evaluated)


@dataclass(frozen=True)
class _Space:
    """The coalitions a search may return and how to score them."""

    n: int
    evaluate: Evaluator
    m: int
    directions: tuple[str, ...]
    required: tuple[int, ...]
    excluded: tuple[int, ...]
    min_size: int
    max_size: int


def _exhaustive(space: _Space, *, batch_size: int, **_: Any) -> tuple[np.ndarray, np.ndarray]:
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
    space: _Space, *, pop_size: int, n_gen: int, rng: RandomState, **_: Any
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

    class Coalitions(Problem):
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

    class SizeRepair(Repair):
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


def model_evaluator(
    world: World,
    scenarios: pd.DataFrame,
    pool: Sequence[str],
    objectives: Sequence[str | Objective],
    *,
    base: Sequence[str] = ("USA",),
    horizon: Literal["static", "end"] = "static",
    seed: int = 0,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
) -> Evaluator:
    """Default evaluator on the alliance model.

    Each candidate coalition is ``base`` (the USA) plus the chosen pool members; each
    objective's outcome is reduced over ``scenarios`` with its statistic.

    Parameters
    ----------
    world : World
    scenarios : pandas.DataFrame
        Scenario parameters (columns = registry names; missing = defaults).
    pool : sequence of str
        Candidate countries in the evaluator's column order.
    objectives : sequence of str or Objective
        Outcomes of the chosen horizon (see :mod:`techbloc.analysis.characteristic`):
        ``static`` (default, fast): ``alliance_rd_share``, ``pool_leak_rate`` (alias
        ``leakage``), ``achieved_stringency`` (alias ``stringency``), ``cohesion``,
        ``min_margin``; ``end``: any scalar output of a full run (``leakage`` =
        ``leakage_cumulative``).
    base : sequence of str
        Countries in every coalition.
    horizon : {"static", "end"}
    seed, start_year, end_year
        Settings of full runs (``end``).

    Returns
    -------
    callable
        ``evaluate(masks: bool[P, len(pool)]) -> float[P, len(objectives)]``.
    """
    from techbloc.analysis.characteristic import model_outcomes

    codes = list(world.codes)
    pool = [c.upper() for c in pool]
    missing = [c for c in [*pool, *base] if c not in codes]
    if missing:
        raise InputError(f"unknown country code(s): {', '.join(missing)}")
    overlap = sorted(set(pool) & set(base))
    if overlap:
        raise InputError(f"{', '.join(overlap)} is in every coalition; leave it out of the pool")
    if "CHN" in pool:
        raise InputError("China cannot be a coalition member")
    objs = [parse_objective(o) for o in objectives]
    names = list(dict.fromkeys(o.name for o in objs))
    score = model_outcomes(
        world,
        scenarios,
        names,
        horizon=horizon,
        seed=seed,
        start_year=start_year,
        end_year=end_year,
    )
    pool_idx = np.array([codes.index(c) for c in pool], dtype=int)
    base_idx = np.array([codes.index(c) for c in base], dtype=int)

    def evaluate(masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, bool)
        members = np.zeros((len(masks), len(codes)), bool)
        members[:, pool_idx] = masks
        members[:, base_idx] = True
        result = score(members)
        return np.column_stack([o.reduce(result[o.name], axis=0) for o in objs])

    return evaluate


#: Coalition search methods by name: ``method(space, **settings) -> (masks, values)``.
SEARCH_METHODS: Mapping[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = MappingProxyType(
    {"exhaustive": _exhaustive, "nsga2": _nsga2}
)


def search_method(name: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The search method called ``name``; unknown names are refused listing the options."""
    try:
        return SEARCH_METHODS[name]
    except (KeyError, TypeError):
        options = ", ".join(repr(n) for n in ("auto", *SEARCH_METHODS))
        raise InputError(f"unknown search method {name!r}; use one of {options}") from None
