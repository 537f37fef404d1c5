"""Coalition search: the Pareto set of coalitions drawn from a candidate pool.

The search is model-agnostic: it takes an *evaluator*
``evaluate(masks: bool[P, N_pool]) -> float[P, n_objectives]`` that scores a batch of
candidate coalitions (rows of a membership mask over the pool). :func:`model_evaluator`
builds the default one on the model's static one-year characteristic functions.

Two methods (:mod:`~techbloc.analysis.search_methods`) return the same front on pools small
enough to enumerate: ``exhaustive`` (every subset of the free pool members, feasible up to
``2^16`` and beyond) and ``nsga2`` (pymoo's NSGA-II, archiving every coalition it scores);
the result is the non-dominated set (:func:`~techbloc.analysis.search_pareto.pareto_mask`)
of what the method scored. Objectives are :class:`Objective`
(:mod:`~techbloc.analysis.search_objectives`); their names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from techbloc.analysis._random import RandomState
from techbloc.analysis.search_methods import (
    SEARCH_METHODS,
    Evaluator,
    SearchSpace,
    search_method,
)
from techbloc.analysis.search_objectives import Objective, parse_objective
from techbloc.analysis.search_pareto import pareto_mask, subset_masks
from techbloc.errors import InputError
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = [
    "MODEL_EXHAUSTIVE_LIMIT",
    "MODEL_EXHAUSTIVE_LIMIT_END",
    "MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS",
    "SEARCH_METHODS",
    "Evaluator",
    "Objective",
    "SearchResult",
    "model_evaluator",
    "model_exhaustive_limit",
    "pareto_mask",
    "parse_objective",
    "search_coalitions",
    "search_method",
    "subset_masks",
]

#: Coalitions up to which ``method="auto"`` enumerates when scoring on the model
#: (:func:`model_evaluator`) with static objectives that need the members' margins
#: (``cohesion``, ``min_margin``: the start year's flows and membership toggles, by the
#: compiled margins kernel of :class:`techbloc.model.StaticModel`); above it NSGA-II is
#: faster and found the same front. Measured by ``benchmarks/search.py`` (50 scenarios, 2
#: cores, median CPU-s of 3; benchmarks/README.md): enumeration 0.86 against NSGA-II's 1.49
#: at 13 free candidates, 1.67 against 1.55 at 14 (6.60 against 1.54 at 16), the same front
#: at every size from 12 to 16. :func:`model_exhaustive_limit` picks this,
#: :data:`MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS` or :data:`MODEL_EXHAUSTIVE_LIMIT_END` by the
#: objectives and the horizon. The generic default of :func:`search_coalitions` stays
#: ``2^16`` (cheap evaluators enumerate faster).
MODEL_EXHAUSTIVE_LIMIT = 2**13
#: The same on the ``end`` horizon (a full run per coalition): the limit static objectives
#: with margins had when their path cost about as much per coalition (2^11, measured on
#: model v4 before the margins kernel), not measured on full runs.
MODEL_EXHAUSTIVE_LIMIT_END = 2**11
MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS = 2**15


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
    space = SearchSpace(
        n, evaluate, m, tuple(directions), tuple(req), tuple(exc), min_size, max_size
    )
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


def model_exhaustive_limit(
    objectives: Sequence[str | Objective], horizon: Literal["static", "end"] = "static"
) -> int:
    """The ``max_exhaustive`` of a search on :func:`model_evaluator` with ``objectives``.

    :data:`MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS` when every objective is a static outcome that
    needs no margins, :data:`MODEL_EXHAUSTIVE_LIMIT` when one needs the members' margins,
    :data:`MODEL_EXHAUSTIVE_LIMIT_END` on the ``end`` horizon: the sizes up to which
    enumeration costs no more than NSGA-II, measured by ``benchmarks/search.py``.
    """
    from techbloc.analysis.characteristic import resolve_outcome
    from techbloc.model.static import MARGIN_OUTCOMES, STATIC_OUTCOMES

    if horizon != "static":
        return MODEL_EXHAUSTIVE_LIMIT_END
    names = [resolve_outcome(parse_objective(o).name, horizon) for o in objectives]
    cheap = all(name in STATIC_OUTCOMES and name not in MARGIN_OUTCOMES for name in names)
    return MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS if cheap else MODEL_EXHAUSTIVE_LIMIT
