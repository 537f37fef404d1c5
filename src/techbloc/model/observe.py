"""What the engine reports of a year: :func:`observe` (the registered outputs of one year),
:func:`accumulate` (the running sums behind cumulative outputs) and :func:`outsiders`
(outsiders' joining gains and acceptance, E12, §9.1-§9.2).

The outputs are declared, each beside its reporter, in :mod:`~techbloc.model.reporters`.
"""

from __future__ import annotations

import numpy as np

from techbloc.model.context import Context
from techbloc.model.knowledge import usable_knowledge
from techbloc.model.output_spec import Stage
from techbloc.model.partners import joining_gain, member_cost_level
from techbloc.model.power import log_tfp_terms
from techbloc.model.relative_gains import VetoInputs, veto
from techbloc.model.reporters import OUTPUTS
from techbloc.model.state import Cumulative, EngineState, Year
from techbloc.model.year_view import YearView, own_production

__all__ = ["accumulate", "observe", "outsiders"]


def observe(view: YearView, stage: Stage = "year") -> dict[str, np.ndarray]:
    """The outputs of ``stage`` for one year (MODEL.md §7, §9.8): each registered output's
    reporter applied to ``view`` (:data:`~techbloc.model.reporters.OUTPUTS`), arrays with
    leading axes (S, P) (``(S,)`` or ``(S, T)`` for scenario outputs)."""
    return {o.name: o.reporter(view) for o in OUTPUTS if o.stage == stage and o.reporter}


def accumulate(state: EngineState, year: Year, ctx: Context) -> Cumulative:
    """The running sums through this year: ``state.cumulative`` (through last year) plus this
    year's leakage, China's gains and the coalition's knowledge production (pure)."""
    flows, before = year.flows, state.cumulative
    tfp0 = before.tfp0
    if year.t == 0:  # TFP is measured against the start year (E13)
        knowledge, usable = flows.country_knowledge, flows.usable  # when the year is observed
        if knowledge is None or usable is None:
            knowledge = state.knowledge.sum(axis=2)
            usable = usable_knowledge(
                state.knowledge, state.shared, year.members, ctx.params.absorptive_multiple
            ).sum(axis=2)
        tfp0 = log_tfp_terms(
            knowledge=knowledge,
            frontier=flows.frontier,
            access=flows.access,
            china=ctx.inputs.china,
            usable=usable,
        )
    absorbed = year.absorbed
    share = np.where(
        year.exposed > 0,
        year.coalition_exposed / np.where(year.exposed > 0, year.exposed, 1.0),
        0.0,
    )
    own = own_production(state, year, ctx)
    m = year.members
    return Cumulative(
        leakage=before.leakage + absorbed.sum(axis=-1),
        leakage_coalition=before.leakage_coalition
        + (absorbed * np.clip(share, 0.0, 1.0)).sum(axis=-1),
        production=before.production
        + ctx.theta[:, year.t, None]
        * (((flows.rd - flows.contribution) * m).sum(axis=-1) + flows.pool.sum(axis=-1)),
        china_own=before.china_own + own.sum(axis=-1),
        china_imitation=before.china_imitation + (year.imitated - absorbed).sum(axis=-1),
        tfp0=tfp0,
    )


def outsiders(year: Year, ctx: Context, friction_sum: np.ndarray) -> dict[str, np.ndarray]:
    """Final year: outsiders' joining gains and acceptance (E12, §9.1-§9.2)."""
    v, p, inputs = ctx.values, ctx.params, ctx.inputs
    m = year.members
    toggles = year.toggles
    assert toggles is not None  # evaluated in the final year
    concern = p.rel_gains[:, None] * inputs.threat  # (S, N)
    target_mean = year.target.mean(axis=-1)
    rd = year.national_rd[:, :, None, :] * ctx.mix[:, None]  # (S, P, D, N)
    paid = rd * year.share[:, :, None, :]
    joining_paid = rd * toggles.joining_share[:, :, None, :]
    gains = (
        joining_gain(
            rd=rd,
            contribution=paid,
            members=m,
            joining_share=toggles.joining_share,
            target_mean=target_mean,
            floor_mean=year.floor.mean(),
            will_=year.will,
            reach=p.extraterritorial_reach,
            dependence=inputs.dependence,
            friction_sum=friction_sum,
            threat=inputs.threat,
            credibility=ctx.credibility[:, year.t],
            values=v,
        )
        - concern[:, None, :] * toggles.growth_change
    )
    least = np.where(m, year.will, np.inf).min(axis=-1)
    least = np.where(np.isfinite(least), least, 0.0)[..., None]
    # the fall in the level members' trade meets if j joins (v4: floored by the reach of
    # the US's own controls, partners.member_cost_level)
    tm = np.broadcast_to(target_mean, m.shape[:2])[..., None]
    reach = p.extraterritorial_reach[:, None, None]
    floor_mean = year.floor.mean()
    level_drop = member_cost_level(tm * least, floor_mean, reach) - member_cost_level(
        tm * np.minimum(least, year.will), floor_mean, reach
    )
    accepted = veto(
        VetoInputs(
            members=m,
            pool_paid=paid.sum(axis=-1),
            joining_paid=joining_paid,
            cap=p.absorptive_multiple[:, None, None, None] * (rd - paid),
            rd=year.flows.rd,
            synergy=p.synergy,
            trade_weight=np.broadcast_to(p.trade_cost[:, None, None] * inputs.dependence, m.shape),
            stringency_drop=level_drop,
            friction=ctx.friction,
            friction_scale=p.friction_scale,
            concern=concern,
            growth_change=toggles.growth_change,
            payoff_scale=p.payoff_scale,
            tolerance=p.veto_tolerance,
        )
    )
    candidates = ~m
    candidates[..., inputs.china] = False
    wants_in = candidates & (gains > 0) & accepted
    return {
        "external_stability": (~wants_in.any(axis=-1)).astype(float),
        "joining_gain": np.where(candidates, gains, np.nan),
        "accepted": np.where(candidates, accepted, False),
    }
