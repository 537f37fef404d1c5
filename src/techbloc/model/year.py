"""One year's flows (E1-E12) from the state at its start: :func:`year_flows`.

The year's R&D, will, protection and controls, the flows of knowledge
(:func:`~techbloc.model.flows.domain_flows`), what China imitates, the members' margins and,
in review years and the final year, what each country's membership does to China's growth
(:func:`toggle_effects`, MODEL.md §9.1).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from techbloc.model import china as china_model
from techbloc.model.context import Context, partner_effort
from techbloc.model.controls import (
    achieved_stringency,
    control_binding,
    member_level,
    national_leak_rate,
    pool_leak_rate,
    us_level,
)
from techbloc.model.flows import DomainFlows, FlowInputs, FlowWorkspace, domain_flows
from techbloc.model.inputs import ModelInputs
from techbloc.model.knowledge import pool_boost, pool_shares
from techbloc.model.partners import margins_from_flows, will
from techbloc.model.relative_gains import growth_changes, growth_slopes
from techbloc.model.state import EngineState, Toggles, Year
from techbloc.params import DOMAINS

__all__ = ["ToggleInputs", "friction_sum", "toggle_effects", "year_flows"]


def year_flows(
    state: EngineState,
    ctx: Context,
    t: int,
    workspace: FlowWorkspace | None,
    friction_sum: np.ndarray,
    *,
    last_year: bool,
    keep: bool,
    outsiders: bool = False,
) -> Year:
    """The year's flows (E1-E12) from the state at its start.

    Pure but for ``workspace``, whose buffers the compiled kernel reuses. ``keep``: the
    year's outputs will be observed (per-country sums are computed only then);
    ``outsiders``: also what each outsider's joining would do to China (the final year,
    when external stability is asked for).
    """
    v, p, inputs, pol = ctx.values, ctx.params, ctx.inputs, ctx.policies
    S, P, _, N = ctx.shape
    c, u = inputs.china, inputs.usa
    active = t >= pol.start_offset
    m = np.where(active[None, :, None], state.members, ctx.us_only)
    pool_share = np.where(active, pol.pool_share, 0.0)
    # the status quo's stringency this year: the target before a policy starts, and the
    # US's own level, which it keeps whatever the coalition agrees (v4)
    status_quo = np.full(len(DOMAINS), ctx.status_quo_stringency[t])
    target = np.where((active & ~ctx.follows_status_quo)[:, None], pol.stringency, status_quo)
    building = np.where(active[:, None], pol.capacity_building, 0.0)
    th = ctx.theta[:, t]
    output = ctx.output[t]
    cred = ctx.credibility[:, t]

    national_rd = np.broadcast_to((ctx.intensity[:, t] * output)[:, None, :], (S, P, N)).copy()
    national_rd[..., c] = ctx.china_intensity(t, state.china.rd_extra) * output[c]
    will_ = will(
        base=ctx.logit_base,
        credibility_weight=p.will_credibility,
        credibility=cred,
        value_weight=p.will_value,
        margin=np.where(m, state.margin, 0.0),
        usa=u,
    )
    effort = partner_effort(p, cred, u, N)
    protection = state.capability * will_ * effort
    stringency = achieved_stringency(target, will_, m)
    binding, us_binding = control_binding(protection, m, p.extraterritorial_reach, u)
    us_factor = np.where(ctx.engaged[:, t], 1.0, p.us_pool_commitment_transactional)
    share = pool_shares(m, pool_share, us_factor, u) * effort
    leak = national_leak_rate(p.base_leak_rate, protection)
    reach = p.extraterritorial_reach
    r = p.weakest_link_exponent
    flows = domain_flows(
        FlowInputs(
            knowledge=state.knowledge,
            know_how=state.know_how,
            national_rd=national_rd,
            mix=ctx.mix,
            members=m,
            share=share,
            boost=pool_boost(m, p.synergy),
            member_level=member_level(stringency, status_quo, p.extraterritorial_reach),
            us_level=us_level(stringency, status_quo),
            binding=binding,
            us_binding=us_binding,
            holders=ctx.holders,
            concentration=p.holder_concentration,
            exponent=r,
            leak=leak,
            theta=th,
            absorptive_multiple=p.absorptive_multiple,
            shared=state.shared,
            output=output,
            size=ctx.sources[t],
            rate=p.diffusion,
            allied=p.allied_diffusion,
            depreciation=ctx.depreciation,
            complexity=ctx.complexity,
            learning_rate=p.learning_rate,
            experience=ctx.experience,
            military_weight=ctx.military_weight,
        ),
        c,
        update=not last_year,
        outputs=keep,
        workspace=workspace,
    )
    sls = p.stock_leak_share[:, None, None]
    pool_leak = pool_leak_rate(leak, flows.contribution, r)
    shared_exposed = sls * pool_leak[..., None] * state.shared  # §9.3: the shared stock leaks
    exposed = sls * flows.stock_exposure + shared_exposed
    coalition_exposed = sls * flows.member_exposure + shared_exposed
    complexity3 = ctx.complexity[:, None, :]
    china_k, china_i = state.china.knowledge, state.china.know_how
    imitated, absorbed = china_model.imitation(
        knowledge=china_k,
        know_how=china_i,
        frontier=flows.frontier,
        leader=flows.leader,
        access=flows.access,
        exposed=exposed,
        complexity=complexity3,
        max_conversion=p.max_conversion,
        absorption_exponent=p.absorption_exponent,
        catch_up_rate=p.catch_up_rate,
    )
    target_mean = target.mean(axis=-1)
    margin = margins_from_flows(
        gain=flows.gain,
        contribution=flows.contribution,
        allied_bonus=flows.allied_bonus,
        rd=flows.rd,
        theta=th,
        target_mean=target_mean,
        floor_mean=status_quo.mean(),
        will_=will_,
        members=m,
        reach=reach,
        dependence=inputs.dependence,
        friction_sum=friction_sum,
        threat=inputs.threat,
        credibility=cred,
        values=v,
    )
    since = t + 1 - pol.start_offset
    review = (since > 0) & (since % 4 == 0)
    relative = state.relative
    toggles = None
    if last_year or review.any():  # the relative-gains term (§9.1), closed form
        toggles = toggle_effects(
            state,
            ctx,
            ToggleInputs(
                t=t,
                members=m,
                will=will_,
                target=target,
                stringency=stringency,
                floor=status_quo,
                protection=protection,
                leak=leak,
                share=share,
                national_rd=national_rd,
                flows=flows,
                exposed=exposed,
                pool_share=pool_share,
                effort=effort,
            ),
            workspace,
            outsiders=outsiders,
        )
        concern = p.rel_gains[:, None, None] * inputs.threat
        relative = np.where(m, concern * toggles.growth_change, 0.0)
    return Year(
        t=t,
        members=m,
        target=target,
        floor=status_quo,
        national_rd=national_rd,
        will=will_,
        protection=protection,
        stringency=stringency,
        share=share,
        leak=leak,
        flows=flows,
        pool_leak=pool_leak,
        exposed=exposed,
        coalition_exposed=coalition_exposed,
        imitated=imitated,
        absorbed=absorbed,
        margin=margin + relative,
        relative=relative,
        building=building,
        review=review,
        toggles=toggles,
    )


class ToggleInputs(NamedTuple):
    """What :func:`toggle_effects` reads of the year being computed (built by keyword).

    Arrays have leading axes ``(S, P)``; ``floor`` is the US's own level by domain (D,),
    ``pool_share`` each policy's pool share this year (P,) and ``effort`` the partners'
    effort (S, 1, N) of :func:`~techbloc.model.context.partner_effort`.
    """

    t: int
    members: np.ndarray
    will: np.ndarray
    target: np.ndarray
    stringency: np.ndarray
    floor: np.ndarray
    protection: np.ndarray
    leak: np.ndarray
    share: np.ndarray
    national_rd: np.ndarray
    flows: DomainFlows
    exposed: np.ndarray
    pool_share: np.ndarray
    effort: np.ndarray


def toggle_effects(
    state: EngineState,
    ctx: Context,
    x: ToggleInputs,
    workspace: FlowWorkspace | None,
    *,
    outsiders: bool,
) -> Toggles:
    """China's growth change for each country's membership toggled (§9.1), and joining terms."""
    p = ctx.params
    t, m, flows, exposed, national_rd = x.t, x.members, x.flows, x.exposed, x.national_rd
    c = ctx.inputs.china
    th = ctx.theta[:, t]
    complexity3 = ctx.complexity[:, None, :]
    china_k = state.china.knowledge
    conversion = china_model.conversion_rate(
        knowledge=china_k,
        know_how=state.china.know_how,
        leader=flows.leader,
        complexity=complexity3,
        max_conversion=p.max_conversion,
        absorption_exponent=p.absorption_exponent,
    )
    gap = np.maximum(flows.frontier - china_k, 0.0)
    wanted = p.catch_up_rate[:, None, None] * flows.access * gap + exposed
    china_rd = national_rd[..., c, None] * ctx.mix[:, None, :, c]
    per_access, per_exposure = growth_slopes(
        rd=china_rd,
        theta=th,
        denial=p.denial,
        self_sufficiency=state.china.self_sufficiency,
        indigenization=p.indigenization,
        capacity=state.china.capacity,
        conversion=conversion,
        uncapped=conversion * wanted < gap,
        catch_up_rate=p.catch_up_rate,
        gap=gap,
    )
    joining_share = np.where(m, 0.0, x.pool_share[None, :, None] * x.effort)
    growth_change = growth_changes(
        members=m,
        will=x.will,
        target=x.target,
        stringency=x.stringency,
        protection=x.protection,
        reach=p.extraterritorial_reach,
        knowledge=state.knowledge,
        holders=ctx.holders,
        concentration=p.holder_concentration,
        exponent=p.weakest_link_exponent,
        leak=x.leak,
        contribution=flows.contribution,
        national_rd=national_rd,
        mix=ctx.mix,
        share=x.share,
        joining_share=joining_share,
        shared=state.shared,
        stock_leak_share=p.stock_leak_share,
        per_access=per_access,
        per_exposure=per_exposure,
        floor=x.floor,
        china=c,
        usa=ctx.inputs.usa,
        outsiders=outsiders,
        powered=None if workspace is None else workspace.weight,
    )
    return Toggles(growth_change=growth_change, joining_share=joining_share)


def friction_sum(members: np.ndarray, inputs: ModelInputs, position: np.ndarray) -> np.ndarray:
    """``Σ_{j∈C} f_ij`` with frictions placed by ``friction_position`` (shape (S, P, N))."""
    m = members.astype(float)
    up = np.maximum(position, 0.0)[:, None, None]
    down = np.maximum(-position, 0.0)[:, None, None]
    return (
        m @ inputs.friction
        + up * (m @ (inputs.friction_high - inputs.friction))
        - down * (m @ (inputs.friction - inputs.friction_low))
    )
