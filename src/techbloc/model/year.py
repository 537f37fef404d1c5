"""One year's flows (E1-E12) from the state at its start: :func:`year_flows`.

The year's R&D, will, protection and controls, the flows of knowledge
(:func:`~techbloc.model.flows.domain_flows`), what China imitates, the members' margins and,
in review years and the final year, what each country's membership does to China's growth
(:func:`toggle_effects`, MODEL.md §9.1).
"""

from __future__ import annotations

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
from techbloc.model.state import EngineState, Year
from techbloc.params import DOMAINS

__all__ = ["friction_sum", "toggle_effects", "year_flows"]


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
    v, inputs, pol = ctx.values, ctx.inputs, ctx.policies
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
        ctx.logit_base,
        v["will_credibility"],
        cred,
        v["will_value"],
        np.where(m, state.margin, 0.0),
        u,
    )
    effort = partner_effort(v, cred, u, N)
    protection = state.capability * will_ * effort
    stringency = achieved_stringency(target, will_, m)
    binding, us_binding = control_binding(protection, m, v["extraterritorial_reach"], u)
    us_factor = np.where(ctx.engaged[:, t], 1.0, v["us_pool_commitment_transactional"])
    share = pool_shares(m, pool_share, us_factor, u) * effort
    leak = national_leak_rate(v["base_leak_rate"], protection)
    reach = v["extraterritorial_reach"]
    r = v["weakest_link_exponent"]
    flows = domain_flows(
        FlowInputs(
            knowledge=state.knowledge,
            know_how=state.know_how,
            national_rd=national_rd,
            mix=ctx.mix,
            members=m,
            share=share,
            boost=pool_boost(m, v["synergy"]),
            member_level=member_level(stringency, status_quo, v["extraterritorial_reach"]),
            us_level=us_level(stringency, status_quo),
            binding=binding,
            us_binding=us_binding,
            holders=ctx.holders,
            concentration=v["holder_concentration"],
            exponent=r,
            leak=leak,
            theta=th,
            absorptive_multiple=v["absorptive_multiple"],
            shared=state.shared,
            output=output,
            size=ctx.sources[t],
            rate=v["diffusion"],
            allied=v["allied_diffusion"],
            depreciation=ctx.depreciation,
            complexity=ctx.complexity,
            learning_rate=v["learning_rate"],
            experience=ctx.experience,
            military_weight=ctx.military_weight,
        ),
        c,
        update=not last_year,
        outputs=keep,
        workspace=workspace,
    )
    sls = v["stock_leak_share"][:, None, None]
    pool_leak = pool_leak_rate(leak, flows.contribution, r)
    shared_exposed = sls * pool_leak[..., None] * state.shared  # §9.3: the shared stock leaks
    exposed = sls * flows.stock_exposure + shared_exposed
    coalition_exposed = sls * flows.member_exposure + shared_exposed
    complexity3 = ctx.complexity[:, None, :]
    china_k, china_i = state.china.knowledge, state.china.know_how
    imitated, absorbed = china_model.imitation(
        china_k,
        china_i,
        flows.frontier,
        flows.leader,
        flows.access,
        exposed,
        complexity3,
        v["max_conversion"],
        v["absorption_exponent"],
        v["catch_up_rate"],
    )
    target_mean = target.mean(axis=-1)
    margin = margins_from_flows(
        flows.gain,
        flows.contribution,
        flows.allied_bonus,
        flows.rd,
        th,
        target_mean,
        status_quo.mean(),
        will_,
        m,
        reach,
        inputs.dependence,
        friction_sum,
        inputs.threat,
        cred,
        v,
    )
    since = t + 1 - pol.start_offset
    review = (since > 0) & (since % 4 == 0)
    relative = state.relative
    toggles = None
    if last_year or review.any():  # the relative-gains term (§9.1), closed form
        toggles = toggle_effects(
            state,
            ctx,
            t,
            m,
            will_,
            target,
            stringency,
            status_quo,
            protection,
            leak,
            share,
            national_rd,
            flows,
            exposed,
            pool_share,
            effort,
            workspace,
            outsiders=outsiders,
        )
        concern = v["rel_gains"][:, None, None] * inputs.threat
        relative = np.where(m, concern * toggles["growth_change"], 0.0)
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


def toggle_effects(
    state: EngineState,
    ctx: Context,
    t: int,
    m: np.ndarray,
    will_: np.ndarray,
    target: np.ndarray,
    stringency: np.ndarray,
    floor: np.ndarray,
    protection: np.ndarray,
    leak: np.ndarray,
    share: np.ndarray,
    national_rd: np.ndarray,
    flows: DomainFlows,
    exposed: np.ndarray,
    pool_share: np.ndarray,
    effort: np.ndarray,
    workspace: FlowWorkspace | None,
    *,
    outsiders: bool,
) -> dict[str, np.ndarray]:
    """China's growth change for each country's membership toggled (§9.1), and joining terms."""
    v = ctx.values
    c = ctx.inputs.china
    th = ctx.theta[:, t]
    complexity3 = ctx.complexity[:, None, :]
    china_k = state.china.knowledge
    conversion = china_model.conversion_rate(
        china_k,
        state.china.know_how,
        flows.leader,
        complexity3,
        v["max_conversion"],
        v["absorption_exponent"],
    )
    gap = np.maximum(flows.frontier - china_k, 0.0)
    wanted = v["catch_up_rate"][:, None, None] * flows.access * gap + exposed
    china_rd = national_rd[..., c, None] * ctx.mix[:, None, :, c]
    per_access, per_exposure = growth_slopes(
        china_rd,
        th,
        v["denial"],
        state.china.self_sufficiency,
        v["indigenization"],
        state.china.capacity,
        conversion,
        conversion * wanted < gap,
        v["catch_up_rate"],
        gap,
    )
    joining_share = np.where(m, 0.0, pool_share[None, :, None] * effort)
    growth_change = growth_changes(
        m,
        will_,
        target,
        stringency,
        protection,
        v["extraterritorial_reach"],
        state.knowledge,
        ctx.holders,
        v["holder_concentration"],
        v["weakest_link_exponent"],
        leak,
        flows.contribution,
        national_rd,
        ctx.mix,
        share,
        joining_share,
        state.shared,
        v["stock_leak_share"],
        per_access,
        per_exposure,
        floor,
        c,
        ctx.inputs.usa,
        outsiders=outsiders,
        powered=None if workspace is None else workspace.weight,
    )
    return {"growth_change": growth_change, "joining_share": joining_share}


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
