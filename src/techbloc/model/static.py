"""One-year characteristic functions of coalitions (MODEL.md E12, the fast default).

Coalition search, stability and Shapley attribution score thousands of coalitions. Full
runs of each are affordable only for small pools; these functions evaluate the model's
start year only (pool, controls, leakage and membership margins, no dynamics), for many
membership masks at once, in memory-bounded batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.model import china as china_model
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
from techbloc.model.inputs import ModelInputs, prepare_inputs
from techbloc.model.knowledge import diffusion_scale
from techbloc.model.relative_gains import growth_slopes
from techbloc.model.scenarios import scenario_arrays
from techbloc.model.year import year_terms
from techbloc.params import DOMAINS

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = [
    "MARGIN_OUTCOMES",
    "STATIC_OUTCOMES",
    "StaticModel",
    "member_margins",
    "static_outcomes",
]

#: Outcomes of :func:`static_outcomes`.
STATIC_OUTCOMES = (
    "alliance_rd_share",
    "pool_leak_rate",
    "achieved_stringency",
    "cohesion",
    "min_margin",
)

#: The static outcomes that need the members' margins: the start year's flows and the
#: membership toggles (§9.1), which cost about 4 times the others per coalition with the
#: compiled margins kernel (6.5 against 1.5 CPU-s for 2^16 coalitions and 50 futures) and
#: about 40 times without it.
MARGIN_OUTCOMES = ("cohesion", "min_margin")

#: Bound on scenario x coalition x domain x country cells per engine call (memory).
_MAX_CELLS = 4_000_000
#: Bound on scenario x coalition x country cells per step of the membership-only outcomes
#: (small enough for the arrays to stay in cache).
_MAX_SHARED_CELLS = 200_000
#: Coalitions per call of the compiled margins kernel (its per-coalition inputs, the
#: frictions ``(P, N)``, stay small; each call tabulates openness afresh per scenario).
_MARGIN_STEP = 8192


class StaticModel:
    """The model's start year, prepared once to score many batches of coalitions.

    The same arithmetic as the first year of :func:`~techbloc.model.engine.run_model`
    (tests compare the two bit for bit), with what one-year runs of membership-only
    policies do not need left out. Outcomes without margins (``alliance_rd_share``,
    ``pool_leak_rate``, ``achieved_stringency``) come from start-year terms that no
    coalition changes, computed once (:class:`_SharedTerms`): a coalition only picks which
    countries count, and no flows are computed. Margins (``cohesion``, ``min_margin``,
    :meth:`margins`) come from a compiled kernel of their own
    (:mod:`techbloc.model.jit.static_margins`) that takes what no coalition changes at the
    start year, computed once per scenario (:class:`_MarginTerms`), and a batch of masks,
    and does the flows kernel's, the margins kernel's and the toggle kernel's arithmetic
    for the parts a coalition changes, in the same order (the same numbers; tests compare).
    Without numba they call the engine's :func:`~techbloc.model.engine.year_flows` as is
    (:meth:`years`), so that a coalition costs little more than its flows and toggles:

    - the context (scenario paths, start-year stocks) and the start-year state are built
      once, and no status-quo reference policy is added (each policy's flows are its own);
    - no outputs are recorded (the static outcomes are read from the year's flows) and no
      running sums kept;
    - frictions ``Σ_j f_ij`` are summed per coalition, then placed per scenario;
    - what the flows kernel computes from the start-year stocks alone, the same for every
      coalition, is computed once per scenario and handed to it: the knowledge-intensity
      order (its warm-started sort then only checks it) and the access weights ``K^η``.

    Parameters
    ----------
    world : World
    scenarios : DataFrame
        Scenario parameters (missing columns take defaults).
    seed : int
        Root seed (only the start-year regime, which is history, is used).
    """

    def __init__(self, world: World, scenarios: pd.DataFrame, *, seed: int = 0) -> None:
        inputs = prepare_inputs(world)
        self.inputs = inputs
        self.codes = list(world.codes)
        self.columns = [self.codes.index(c) for c in inputs.codes]
        arrays = scenario_arrays(scenarios, seed=seed, n_years=1, n_countries=inputs.n)
        self.n_scenarios = arrays.size
        self.step = max(1, _MAX_CELLS // (arrays.size * len(DOMAINS) * inputs.n))
        alone = PolicyBatch.from_masks(np.zeros((1, inputs.n), bool), inputs)
        self.context = Context.build(inputs, arrays, alone, np.array([DEFAULT_START_YEAR]))
        k0 = self.context.start_knowledge[:, None]  # (S, 1, D, N)
        # the flows kernel's diffusion order: K / output ascending, ties by index (stable)
        self._order = np.argsort(k0 * (1.0 / self.context.output[0]), axis=-1, kind="stable")
        self._weight: np.ndarray | None = None
        if kernels.compiled():  # max(K, 0)^η as the kernel's driver computes it
            weight = np.maximum(k0, 0.0)
            with np.errstate(divide="ignore"):  # log 0 = -inf, and exp(-inf) = 0 = 0^η
                np.log(weight, out=weight)
            eta = self.context.values["holder_concentration"][:, None, None, None]
            self._weight = np.exp(np.multiply(weight, eta, out=weight), out=weight)
        self._full: tuple[EngineState, FlowWorkspace | None] | None = None
        self._shared = _SharedTerms.build(self.context, inputs)
        self._margin_terms: _MarginTerms | None = None

    def _check(self, members: np.ndarray) -> np.ndarray:
        members = np.asarray(members, dtype=bool)
        if members.ndim != 2 or members.shape[1] != len(self.codes):
            raise InputError(
                f"membership masks must have shape (P, {len(self.codes)}) over world.codes"
            )
        return members

    def _buffers(self, ctx: Context) -> tuple[EngineState, FlowWorkspace | None]:
        """The start-year state and the kernel's buffers for a batch of ``ctx``'s shape;
        those of full batches are kept for the next (the start year's flows read the state
        and the workspace's order and weights, and write into none of them)."""
        if self._full is not None and self._full[0].members.shape[1] == ctx.shape[1]:
            return self._full
        state = EngineState.initial(ctx)
        workspace = None
        if self._weight is not None:
            workspace = FlowWorkspace(ctx.shape)
            workspace.order[...] = self._order
            workspace.weight[...] = self._weight
            workspace.weights_current = True
        if ctx.shape[1] == self.step:
            self._full = (state, workspace)
        return state, workspace

    def years(
        self, members: np.ndarray, *, margins: bool = True
    ) -> Iterator[tuple[slice, Year, Context]]:
        """Yield ``(rows, year, ctx)``: the start year's flows of batches of coalitions.

        ``members``: bool ``(P, len(world.codes))``; ``margins``: evaluate the members'
        margins in full (with the relative-gains term).
        """
        members = self._check(members)
        inputs = self.inputs
        position = self.context.values["friction_position"]
        for first in range(0, len(members), self.step):
            batch = PolicyBatch.from_masks(members[first : first + self.step, self.columns], inputs)
            ctx = replace(self.context, policies=batch)
            state, workspace = self._buffers(ctx)
            state = replace(
                state, members=np.broadcast_to(batch.members, (*ctx.shape[:2], inputs.n))
            )
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
            yield slice(first, first + self.step), year, ctx

    def outcomes(
        self, members: np.ndarray, outcomes: Sequence[str] = STATIC_OUTCOMES
    ) -> dict[str, np.ndarray]:
        """:func:`static_outcomes` of ``members`` (bool ``(P, len(world.codes))``)."""
        unknown = [name for name in outcomes if name not in STATIC_OUTCOMES]
        if unknown:
            raise InputError(
                f"unknown static outcome(s) {', '.join(unknown)}; "
                f"known: {', '.join(STATIC_OUTCOMES)}"
            )
        names = [name for name in STATIC_OUTCOMES if name in outcomes]
        if not len(members):
            return {name: np.empty((self.n_scenarios, 0)) for name in names}
        with_margins = [name for name in names if name in MARGIN_OUTCOMES]
        if with_margins and not self._compiled():  # the engine's year, as it runs
            parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
            for _, year, ctx in self.years(members, margins=True):
                result = _outcomes(year, ctx, names)
                for name in names:
                    parts[name].append(result[name])
            return {name: np.concatenate(values, axis=1) for name, values in parts.items()}
        members = self._masks(members)
        out = {name: np.empty((self.n_scenarios, len(members))) for name in names}
        if with_margins:
            for rows, (cohesion, lowest, _) in self._kernel_margins(members, write=False):
                for name, values in (("cohesion", cohesion), ("min_margin", lowest)):
                    if name in out:
                        out[name][:, rows] = values
        shared = [name for name in names if name not in MARGIN_OUTCOMES]
        step = max(1, _MAX_SHARED_CELLS // (self.n_scenarios * self.inputs.n))
        for first in range(0, len(members) if shared else 0, step):
            rows = slice(first, first + step)
            for name, values in self._shared.outcomes(members[rows], shared).items():
                out[name][:, rows] = values
        return out

    def margins(self, members: np.ndarray) -> np.ndarray:
        """:func:`member_margins` of ``members`` (bool ``(P, len(world.codes))``)."""
        members = self._check(members)
        out = np.full((self.n_scenarios, len(members), len(self.codes)), np.nan)
        if not self._compiled():
            for rows, year, _ in self.years(members):
                out[:, rows, self.columns] = np.where(year.members, year.margin, np.nan)
            return out
        for rows, (_, _, margin) in self._kernel_margins(self._masks(members), write=True):
            out[:, rows, self.columns] = margin
        return out

    def _compiled(self) -> bool:
        """Whether margins come from the compiled margins kernel (numba runs, and ran when
        the model was prepared: the kernel reads the access weights prepared then)."""
        return kernels.compiled() and self._weight is not None

    def _masks(self, members: np.ndarray) -> np.ndarray:
        """Masks over the model's countries, the USA in and China out (as
        :meth:`PolicyBatch.from_masks`), C-ordered as the engine's ``(S, P, N)`` arrays (a
        column-selected mask is in Fortran order, and numpy then sums over countries in
        another order: other last bits)."""
        members = np.ascontiguousarray(self._check(members)[:, self.columns])
        members[:, self.inputs.usa] = True
        members[:, self.inputs.china] = False
        return members

    def _kernel_margins(
        self, members: np.ndarray, *, write: bool
    ) -> Iterator[tuple[slice, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        """Yield ``(rows, (cohesion, min_margin, margins))`` of masks ``members`` (over the
        model's countries, from :meth:`_masks`) by the compiled margins kernel, in steps of
        :data:`_MARGIN_STEP` coalitions; margins ``(S, P, N)`` only with ``write`` (then in
        steps of at most :data:`_MAX_CELLS` cells)."""
        from techbloc.model.jit import static_margins

        if self._margin_terms is None:
            self._margin_terms = _MarginTerms.build(self)
        inputs = self.inputs
        friction = inputs.friction
        high, low = inputs.friction_high - friction, friction - inputs.friction_low
        step = _MARGIN_STEP
        if write:
            step = min(step, max(1, _MAX_CELLS // (self.n_scenarios * inputs.n)))
        for first in range(0, len(members), step):
            rows = slice(first, first + step)
            m = members[None, rows].astype(float)  # (1, P, N) as friction_sum's
            own, up, down = (np.ascontiguousarray((m @ f)[0]) for f in (friction, high, low))
            parts = (own, up, down)
            yield (
                rows,
                static_margins.run(self._margin_terms, members[rows], parts, write_margins=write),
            )


class _SharedTerms(NamedTuple):
    """What the start year's membership-only outcomes take that no coalition changes.

    At the start year every coalition starts from the same state, with zero margins and
    the default levers of :meth:`PolicyBatch.from_masks`: will, effort, protection, leak
    rates, national R&D and each country's would-be pool contribution are the same for
    every coalition; a coalition only picks which countries count. ``alliance_rd_share``,
    ``pool_leak_rate`` and ``achieved_stringency`` are then the engine's own expressions
    over ``(S, P, N)`` arrays built from these terms (the same operations on the same
    values, so the same numbers bit for bit; tests compare), without the flows kernel.
    """

    will: np.ndarray  # (S, 1, N)
    national_rd: np.ndarray  # (S, 1, N)
    world_rd: np.ndarray  # (S, 1)
    contribution: np.ndarray  # (S, 1, N) Σ_d R&D x mix x pool share, paid if a member
    leak_power: np.ndarray  # (S, 1, N) l_j^r
    exponent: np.ndarray  # (S, 1) r
    target: np.ndarray  # (1, D)

    @classmethod
    def build(cls, ctx: Context, inputs: ModelInputs) -> _SharedTerms:
        """The terms of the start year, from the year terms of a coalition of everyone
        (China excluded): its shares are what each country pays in when a member."""
        everyone = PolicyBatch.from_masks(np.ones((1, inputs.n), bool), inputs)
        ctx = replace(ctx, policies=everyone)
        x = year_terms(EngineState.initial(ctx), ctx, 0)
        contribution = np.zeros_like(x.national_rd)
        for d in range(ctx.mix.shape[1]):  # the flows kernel's order of summation
            contribution += x.national_rd * ctx.mix[:, None, d, :] * x.share
        r = ctx.params.weakest_link_exponent[:, None]
        return cls(
            will=x.will,
            national_rd=x.national_rd,
            world_rd=x.national_rd.sum(axis=-1) + ctx.row_rd[0],
            contribution=contribution,
            leak_power=np.power(x.leak, r[..., None]),
            exponent=r,
            target=x.target,
        )

    def outcomes(self, members: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
        """``names`` (no margins) of coalitions ``members`` (bool ``(P, N)`` over the
        model's countries, the USA in and China out), arrays ``(S, P)``."""
        m = members[None]
        out: dict[str, np.ndarray] = {}
        if "alliance_rd_share" in names:  # as _outcomes
            out["alliance_rd_share"] = (self.national_rd * m).sum(axis=-1) / self.world_rd
        if "pool_leak_rate" in names:  # controls.pool_leak_rate
            contribution = np.where(m, self.contribution, 0.0)
            total = contribution.sum(axis=-1)
            weight = contribution / np.where(total > 0, total, 1.0)[..., None]
            mean = (weight * self.leak_power).sum(axis=-1)
            out["pool_leak_rate"] = np.where(total > 0, np.power(mean, 1.0 / self.exponent), 0.0)
        if "achieved_stringency" in names:  # controls.achieved_stringency, then _outcomes
            least = np.where(m, self.will, np.inf).min(axis=-1)
            least = np.where(np.isfinite(least), least, 0.0)
            out["achieved_stringency"] = (self.target * least[..., None]).mean(axis=-1)
        return out


class _MarginTerms(NamedTuple):
    """What the start year's margins take that no coalition changes, per scenario, in the
    order of the compiled kernel's arguments (:func:`techbloc.model.jit.static_margins.margins`).

    Every coalition starts from the same state with zero margins and the default levers of
    :meth:`PolicyBatch.from_masks`: will, protection, R&D, what a member pays into the
    pool, the diffusion order, the access weights and what the flows give China to imitate
    (frontier, leading holder, exposed stocks: the shared stock is zero) are those of a
    coalition of everyone, computed by the engine's own functions; each slope of China's
    growth with respect to its access takes one of two values, as imitation is capped by
    the gap or not, and both are computed here with :func:`growth_slopes`. Arrays are
    ``(S, N)``, ``(S, D)``, ``(S, D, N)``, per scenario ``(S,)`` or per country ``(N,)``.
    """

    will: np.ndarray
    protection: np.ndarray
    target: np.ndarray  # (D,) the policies' stringency
    floor: np.ndarray  # (D,) the US's own level
    reach: np.ndarray
    r: np.ndarray
    weight_k: np.ndarray  # max(K, 0)^η
    holders: np.ndarray
    conversion: np.ndarray
    gap: np.ndarray
    exposed: np.ndarray
    catch_up_rate: np.ndarray
    per_access_uncapped: np.ndarray
    per_access_capped: np.ndarray
    national_rd: np.ndarray
    share: np.ndarray  # of R&D paid in, if a member
    mix: np.ndarray
    absorptive: np.ndarray
    theta: np.ndarray
    synergy: np.ndarray
    kappa: np.ndarray  # knowledge intensity K / output
    order: np.ndarray  # its ascending order (int64)
    size: np.ndarray
    scale: np.ndarray
    rate: np.ndarray
    allied: np.ndarray
    target_mean: float
    floor_mean: float
    dependence: np.ndarray
    threat: np.ndarray
    credibility: np.ndarray
    payoff_scale: np.ndarray
    trade_cost: np.ndarray
    friction_scale: np.ndarray
    security_value: np.ndarray
    rel_gains: np.ndarray
    up: np.ndarray  # frictions' position above 0
    down: np.ndarray  # and below
    usa: int

    @classmethod
    def build(cls, model: StaticModel) -> _MarginTerms:
        """The terms of ``model``'s scenarios at the start year (the compiled path only:
        it reads the access weights ``model`` computed with numpy as the flows kernel's
        driver does)."""
        inputs, weight = model.inputs, model._weight
        assert weight is not None  # set whenever the kernels are compiled
        everyone = PolicyBatch.from_masks(np.ones((1, inputs.n), bool), inputs)
        ctx = replace(model.context, policies=everyone)
        p, v, c = ctx.params, ctx.values, inputs.china
        state = EngineState.initial(ctx)
        x = year_terms(state, ctx, 0)
        position = v["friction_position"]
        year = year_flows(  # the flows no coalition changes: frontier, leader, exposure
            state,
            ctx,
            0,
            None,
            _friction_sum(everyone.members[None], inputs, position),
            last_year=True,
            keep=False,
            relative_gains=False,
        )
        china = state.china
        conversion = china_model.conversion_rate(  # as toggle_effects
            knowledge=china.knowledge,
            know_how=china.know_how,
            leader=year.flows.leader,
            complexity=ctx.complexity[:, None, :],
            max_conversion=p.max_conversion,
            absorption_exponent=p.absorption_exponent,
        )
        gap = np.maximum(year.flows.frontier - china.knowledge, 0.0)

        def per_access(uncapped: bool) -> np.ndarray:
            slopes = growth_slopes(
                rd=x.national_rd[..., c, None] * ctx.mix[:, None, :, c],
                theta=ctx.theta[:, 0],
                denial=p.denial,
                self_sufficiency=china.self_sufficiency,
                indigenization=p.indigenization,
                capacity=china.capacity,
                conversion=conversion,
                uncapped=np.full(gap.shape, uncapped),
                catch_up_rate=p.catch_up_rate,
                gap=gap,
            )
            return slopes[0][:, 0]

        size = ctx.sources[0]
        c_ = kernels.contiguous
        return cls(
            will=c_(x.will[:, 0]),
            protection=c_(x.protection[:, 0]),
            target=c_(x.target[0]),
            floor=c_(np.broadcast_to(x.floor, x.target.shape[-1:])),
            reach=c_(p.extraterritorial_reach),
            r=c_(p.weakest_link_exponent),
            weight_k=c_(weight[:, 0]),
            holders=c_(ctx.holders, np.bool_),
            conversion=c_(conversion[:, 0]),
            gap=c_(gap[:, 0]),
            exposed=c_(year.exposed[:, 0]),
            catch_up_rate=c_(p.catch_up_rate),
            per_access_uncapped=c_(per_access(True)),
            per_access_capped=c_(per_access(False)),
            national_rd=c_(x.national_rd[:, 0]),
            share=c_(x.share[:, 0]),
            mix=c_(ctx.mix),
            absorptive=c_(p.absorptive_multiple),
            theta=c_(ctx.theta[:, 0]),
            synergy=c_(p.synergy),
            kappa=c_(ctx.start_knowledge * (1.0 / ctx.output[0])),
            order=c_(model._order[:, 0], np.int64),
            size=c_(size),
            scale=c_(diffusion_scale(size)),
            rate=c_(p.diffusion),
            allied=c_(p.allied_diffusion),
            target_mean=float(x.target.mean(axis=-1)[0]),
            floor_mean=float(x.floor.mean()),
            dependence=c_(inputs.dependence),
            threat=c_(inputs.threat),
            credibility=c_(ctx.credibility[:, 0]),
            payoff_scale=c_(v["payoff_scale"]),
            trade_cost=c_(v["trade_cost"]),
            friction_scale=c_(v["friction_scale"]),
            security_value=c_(v["security_value"]),
            rel_gains=c_(p.rel_gains),
            up=c_(np.maximum(position, 0.0)),
            down=c_(np.maximum(-position, 0.0)),
            usa=inputs.usa,
        )


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
    return StaticModel(world, scenarios, seed=seed).outcomes(members, outcomes)


def member_margins(
    world: World, scenarios: pd.DataFrame, members: np.ndarray, *, seed: int = 0
) -> np.ndarray:
    """Each member's one-year membership margin ``V_i(C) - V_i(C∖{i})`` (E12).

    Returns
    -------
    ndarray, shape (S, P, len(world.codes))
        Margins of members; NaN for non-members (and ROW).
    """
    return StaticModel(world, scenarios, seed=seed).margins(members)
