"""One-year characteristic functions of coalitions (MODEL.md E12, the fast default).

Coalition search, stability and Shapley attribution score thousands of coalitions. Full
runs of each are affordable only for small pools; these functions evaluate the model's
start year only (pool, controls, leakage and membership margins, no dynamics), for many
membership masks at once, in memory-bounded batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.model import kernels
from techbloc.model.engine import (
    DEFAULT_START_YEAR,
    Context,
    EngineState,
    PolicyBatch,
    Year,
    _friction_sum,
    year_flows,
)
from techbloc.model.flows import FlowWorkspace
from techbloc.model.inputs import prepare_inputs
from techbloc.model.scenarios import scenario_arrays
from techbloc.params import DOMAINS

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


def _start_year_run(
    world: World, scenarios: pd.DataFrame, members: np.ndarray, seed: int, *, margins: bool
):
    """Yield ``(rows, year, ctx, columns)``: the start year's flows of batches of coalitions.

    The same arithmetic as the first year of :func:`~techbloc.model.engine.run_model`
    (its :func:`~techbloc.model.engine.year_flows` is called as is), with what a one-year
    run of membership-only policies does not need left out, so that many coalitions cost
    little more than their flows:

    - the context (scenario paths, start-year stocks) is built once for all batches, and no
      status-quo reference policy is added (each policy's flows are its own);
    - no outputs are recorded (the static outcomes are read from the year's flows) and no
      running sums kept; without ``margins`` the relative-gains term of the margins (the
      membership toggles, §9.1) is not evaluated either;
    - frictions ``Σ_j f_ij`` are summed per coalition, then placed per scenario (the
      sums' terms do not depend on the scenario);
    - the knowledge-intensity order the flows kernel sorts is the same for every coalition
      (start-year stocks do not depend on membership): it is sorted once per scenario and
      domain and handed to the kernel, whose warm-started sort then only checks it; the
      access weights ``K^η`` are computed in the first batch and reused.
    """
    inputs = prepare_inputs(world)
    codes = list(world.codes)
    members = np.asarray(members, dtype=bool)
    if members.ndim != 2 or members.shape[1] != len(codes):
        raise InputError(f"membership masks must have shape (P, {len(codes)}) over world.codes")
    columns = [codes.index(c) for c in inputs.codes]
    arrays = scenario_arrays(scenarios, seed=seed, n_years=1, n_countries=inputs.n)
    years = np.array([DEFAULT_START_YEAR])
    step = max(1, _MAX_CELLS // (arrays.size * len(DOMAINS) * inputs.n))
    first_batch = PolicyBatch.from_masks(members[:step, columns], inputs)
    template = Context.build(inputs, arrays, first_batch, years)
    # the kernel's diffusion order: knowledge intensity K / output, ascending, ties by index
    intensity = template.start_knowledge * (1.0 / template.output[0])
    order = np.argsort(intensity, axis=-1, kind="stable")[:, None]  # (S, 1, D, N)
    position = template.values["friction_position"]
    # the start-year state and the kernel's buffers, allocated once: the year's flows do not
    # write into the state, and only membership differs between batches
    state0 = EngineState.initial(template)
    workspace0 = FlowWorkspace(template.shape) if kernels.compiled() else None
    if workspace0 is not None:
        workspace0.order[...] = order  # stays sorted: the kernel's sort only checks it
    for first in range(0, len(members), step):
        batch = (
            first_batch
            if first == 0
            else PolicyBatch.from_masks(members[first : first + step, columns], inputs)
        )
        ctx = replace(template, policies=batch)
        state, workspace = state0, workspace0
        if ctx.shape != template.shape:  # the last, smaller batch
            state, workspace = EngineState.initial(ctx), None
            if kernels.compiled():
                workspace = FlowWorkspace(ctx.shape)
                workspace.order[...] = order
        state = replace(state, members=np.broadcast_to(batch.members, (*ctx.shape[:2], inputs.n)))
        friction_sum = _friction_sum(batch.members[None], inputs, position)
        year = year_flows(
            state,
            ctx,
            0,
            workspace,
            friction_sum,
            last_year=True,
            keep=False,
            outsiders=False,
            relative_gains=margins,
        )
        if workspace is not None:
            workspace.weights_current = True  # same knowledge in every batch
        yield slice(first, first + step), year, ctx, columns


def _outcomes(year: Year, ctx: Context, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Static outcomes of one year's flows, as :func:`~techbloc.model.engine.observe`
    computes them."""
    m, margin, national_rd = year.members, year.margin, year.national_rd
    out: dict[str, np.ndarray] = {}
    if "alliance_rd_share" in names:
        world_rd = national_rd.sum(axis=-1) + ctx.row_rd[year.t]
        out["alliance_rd_share"] = (national_rd * m).sum(axis=-1) / world_rd
    if "pool_leak_rate" in names:
        out["pool_leak_rate"] = year.pool_leak
    if "achieved_stringency" in names:
        out["achieved_stringency"] = year.stringency.mean(axis=-1)
    if "cohesion" in names:
        out["cohesion"] = ((margin >= 0) & m).sum(axis=-1) / m.sum(axis=-1)
    if "min_margin" in names:
        non_us = m.copy()
        non_us[..., ctx.inputs.usa] = False
        lowest = np.where(non_us, margin, np.inf).min(axis=-1)
        out["min_margin"] = np.where(np.isfinite(lowest), lowest, np.nan)
    return out


def static_outcomes(
    world: World,
    scenarios: pd.DataFrame,
    members: np.ndarray,
    *,
    seed: int = 0,
    outcomes: Sequence[str] = STATIC_OUTCOMES,
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
    outcomes : sequence of str
        Which of :data:`STATIC_OUTCOMES` to compute (default all); ``cohesion`` and
        ``min_margin`` need the members' margins, the costliest part, the others do not.

    Returns
    -------
    dict of str to ndarray, shape (S, P)
        ``alliance_rd_share``, ``pool_leak_rate`` (1/yr), ``achieved_stringency``,
        ``cohesion``, ``min_margin`` at the start year, with the policy's default levers
        (those asked for).
    """
    unknown = [name for name in outcomes if name not in STATIC_OUTCOMES]
    if unknown:
        raise InputError(
            f"unknown static outcome(s) {', '.join(unknown)}; known: {', '.join(STATIC_OUTCOMES)}"
        )
    names = [name for name in STATIC_OUTCOMES if name in outcomes]
    margins = "cohesion" in names or "min_margin" in names
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for _, year, ctx, _ in _start_year_run(world, scenarios, members, seed, margins=margins):
        result = _outcomes(year, ctx, names)
        for name in names:
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
    for rows, year, _, columns in _start_year_run(world, scenarios, members, seed, margins=True):
        out[:, rows, columns] = np.where(year.members, year.margin, np.nan)
    return out
