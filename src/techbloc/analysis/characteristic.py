"""Characteristic functions of coalitions on the alliance model.

:func:`model_outcomes` returns a function that scores a batch of coalitions (membership
masks over ``world.codes``) across a fixed set of scenarios. Coalition search
(:mod:`~techbloc.analysis.search`) and Shapley attribution
(:mod:`~techbloc.analysis.shapley`) both build on it.

Two horizons:

- ``static``: the model's one-year characteristic functions
  (:func:`techbloc.model.static_outcomes`: ``alliance_rd_share``, ``pool_leak_rate``,
  ``achieved_stringency``, ``cohesion``, ``min_margin``); fast, the default.
- ``end``: end-of-horizon scalar outcomes of full runs (:func:`techbloc.model.run_model`
  with membership-only policies at default levers); slower, any scalar output of
  :data:`techbloc.model.SCALARS` (the outputs registry).

Aliases: ``leakage`` is ``pool_leak_rate`` (static) or ``leakage_to_china`` (end);
``stringency`` is ``achieved_stringency``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = ["SEARCH_ALIASES", "Horizon", "model_outcomes", "resolve_outcome"]

Horizon = Literal["static", "end"]

_ALIASES: dict[str, dict[str, str]] = {
    "static": {"leakage": "pool_leak_rate", "stringency": "achieved_stringency"},
    "end": {"leakage": "leakage_to_china", "stringency": "achieved_stringency"},
}

#: Short names for coalition search and Shapley values -> the registered output whose
#: direction they take (the static horizon's; the end horizon's has the same direction).
SEARCH_ALIASES: dict[str, str] = dict(_ALIASES["static"])


def resolve_outcome(name: str, horizon: Horizon) -> str:
    """The model's name for an outcome (resolving aliases such as ``leakage``)."""
    if horizon not in _ALIASES:
        raise InputError(f"unknown horizon {horizon!r}; use 'static' or 'end'")
    return _ALIASES[horizon].get(name, name)


def model_outcomes(
    world: World,
    scenarios: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    horizon: Horizon = "static",
    seed: int = 0,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
    max_cells: int = 20_000_000,
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """A vectorized scorer of coalitions on the model.

    Parameters
    ----------
    world : World
    scenarios : pandas.DataFrame
        Scenario parameters (columns = registry names; missing ones take defaults).
    outcomes : sequence of str
        Outcome names (aliases allowed), checked at the first call.
    horizon : {"static", "end"}
    seed : int
        Root seed of the scenarios' random streams (``end``).
    start_year, end_year : int
        Simulated years (``end``).
    max_cells : int
        Bound on ``scenarios x coalitions x countries`` per model call (memory).

    Returns
    -------
    callable
        ``score(members: bool[P, len(world.codes)]) -> {outcome: float[S, P]}``, keyed
        by the names given in ``outcomes``.
    """
    codes = list(world.codes)
    keys = [resolve_outcome(o, horizon) for o in outcomes]
    n_scenarios = max(1, len(scenarios))
    chunk = max(1, max_cells // (n_scenarios * len(codes) * (1 if horizon == "static" else 6)))

    if horizon == "static":
        from techbloc.model import STATIC_OUTCOMES, StaticModel

        # prepared once for every call (scenario arrays, start-year state, kernel buffers);
        # only the outcomes asked for (margins, the costliest, only when needed); an
        # unknown name is reported below with the full list
        static = StaticModel(world, scenarios)
        wanted = [k for k in keys if k in STATIC_OUTCOMES]
        if len(wanted) < len(keys):
            wanted = list(STATIC_OUTCOMES)

        def compute(members: np.ndarray) -> dict[str, np.ndarray]:
            return static.outcomes(members, wanted)

    else:
        from techbloc.model import PolicyBatch, run_model
        from techbloc.model.inputs import prepare_inputs
        from techbloc.model.scenarios import scenario_arrays

        inputs = prepare_inputs(world)
        years = np.arange(start_year, end_year + 1)
        arrays = scenario_arrays(
            scenarios, seed=seed, n_years=len(years), n_countries=inputs.n, check_ranges=True
        )
        columns = [codes.index(c) for c in inputs.codes]

        def compute(members: np.ndarray) -> dict[str, np.ndarray]:
            batch = PolicyBatch.from_masks(members[:, columns], inputs)
            return run_model(inputs, arrays, batch, years, trajectories=False)

    def score(members: np.ndarray) -> dict[str, np.ndarray]:
        members = np.asarray(members, bool)
        if members.ndim != 2 or members.shape[1] != len(codes):
            raise InputError(f"membership masks must have shape (P, {len(codes)})")
        parts: dict[str, list[np.ndarray]] = {o: [] for o in outcomes}
        for start in range(0, len(members), chunk):
            result = compute(members[start : start + chunk])
            missing = [k for k in keys if k not in result]
            if missing:
                from techbloc.model.outputs import suggest

                known = sorted(k for k, v in result.items() if np.ndim(v) == 2)
                hint = suggest(missing[0], known) if len(missing) == 1 else ""
                raise InputError(
                    f"unknown outcome(s) {', '.join(missing)}{hint} for the {horizon} model; "
                    f"known: {', '.join(known)}"
                )
            for o, k in zip(outcomes, keys, strict=True):
                parts[o].append(np.asarray(result[k], float))
        return {o: np.concatenate(v, axis=1) for o, v in parts.items()}

    return score
