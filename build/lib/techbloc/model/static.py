"""One-year characteristic functions of coalitions (MODEL.md E12, the fast default).

Coalition search, stability and Shapley attribution score thousands of coalitions. Full
runs of each are affordable only for small pools; these functions evaluate the model's
start year only (pool, controls, leakage and membership margins, no dynamics), for many
membership masks at once, in memory-bounded batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.model.engine import DEFAULT_START_YEAR, PolicyBatch, run_model
from techbloc.model.inputs import prepare_inputs
from techbloc.model.scenarios import scenario_arrays

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = ["STATIC_OUTCOMES", "member_margins", "static_outcomes"]

#: Outcomes of :func:`static_outcomes`.
STATIC_OUTCOMES = (
    "alliance_rd_share",
    "pool_leak_rate",
    "achieved_stringency",
    "cohesion",
    "min_margin",
)

#: Bound on scenario x coalition x domain x country cells per engine call (memory).
_MAX_CELLS = 4_000_000


def _start_year_run(world: World, scenarios: pd.DataFrame, members: np.ndarray, seed: int):
    """Yield (slice, result) of one-year runs over batches of coalitions."""
    inputs = prepare_inputs(world)
    codes = list(world.codes)
    members = np.asarray(members, dtype=bool)
    if members.ndim != 2 or members.shape[1] != len(codes):
        raise InputError(f"membership masks must have shape (P, {len(codes)}) over world.codes")
    columns = [codes.index(c) for c in inputs.codes]
    arrays = scenario_arrays(scenarios, seed=seed, n_years=1, n_countries=inputs.n)
    years = np.array([DEFAULT_START_YEAR])
    per_coalition = arrays.size * 6 * inputs.n
    step = max(1, _MAX_CELLS // per_coalition)
    for first in range(0, len(members), step):
        batch = PolicyBatch.from_masks(members[first : first + step, columns], inputs)
        result = run_model(
            inputs, arrays, batch, years, trajectories=False, external_stability=False
        )
        yield slice(first, first + step), result, columns


def static_outcomes(
    world: World, scenarios: pd.DataFrame, members: np.ndarray, *, seed: int = 0
) -> dict[str, np.ndarray]:
    """One-year outcomes of many coalitions across scenarios.

    Parameters
    ----------
    world : World
    scenarios : DataFrame
        Scenario parameters (missing columns take defaults).
    members : ndarray of bool, shape (P, len(world.codes))
        Membership masks over ``world.codes`` (the USA is forced in, China and ROW out).
    seed : int
        Root seed (only the start-year regime, which is history, is used).

    Returns
    -------
    dict of str to ndarray, shape (S, P)
        ``alliance_rd_share``, ``pool_leak_rate`` (1/yr), ``achieved_stringency``,
        ``cohesion``, ``min_margin`` at the start year, with the policy's default levers.
    """
    parts: dict[str, list[np.ndarray]] = {name: [] for name in STATIC_OUTCOMES}
    for _, result, _ in _start_year_run(world, scenarios, members, seed):
        for name in STATIC_OUTCOMES:
            parts[name].append(result[name])
    return {name: np.concatenate(values, axis=1) for name, values in parts.items()}


def member_margins(
    world: World, scenarios: pd.DataFrame, members: np.ndarray, *, seed: int = 0
) -> np.ndarray:
    """Each member's one-year membership margin ``V_i(C) - V_i(C∖{i})`` (E12).

    Returns
    -------
    ndarray, shape (S, P, len(world.codes))
        Margins of members; NaN for non-members (and ROW).
    """
    members = np.asarray(members, dtype=bool)
    out = np.full((len(scenarios), len(members), len(world.codes)), np.nan)
    for rows, result, columns in _start_year_run(world, scenarios, members, seed):
        out[:, rows, columns] = result["margin"]
    return out
