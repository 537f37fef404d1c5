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
from techbloc.model.controls import member_level, pool_leak_rate, us_level
from techbloc.model.flows import DomainFlows, FlowInputs, FlowWorkspace, domain_flows
from techbloc.model.inputs import ModelInputs
from techbloc.model.knowledge import pool_boost
from techbloc.model.partners import margins_from_flows
from techbloc.model.protection import ProtectionInputs, protection_terms
from techbloc.model.relative_gains import ToggleInputs, growth_changes, growth_slopes
from techbloc.model.state import EngineState, Toggles, Year
from techbloc.params import DOMAINS

__all__ = [
    "YearTerms",
    "flow_inputs",
    "friction_sum",
    "toggle_effects",
    "year_flows",
    "year_terms",
]


class YearTerms(NamedTuple):
    """The year's policy terms, R&D, will, protection and controls, before the flows
    (:func:`year_terms`); arrays with leading axes ``(S, P)`` unless said otherwise."""

    t: int
    members: np.ndarray  # (S, P, N) bool, the US alone before a policy starts
    pool_share: np.ndarray  # (P,) each policy's pool share this year
    floor: np.ndarray  # (D,) the status quo's stringency, the US's own level
    target: np.ndarray  # (P, D) the stringency each policy aims at
    building: np.ndarray  # (P, N) capacity building this year
    national_rd: np.ndarray  # (S, P, N)
    will: np.ndarray  # (S, P, N)
    effort: np.ndarray  # (S, 1, N)
    protection: np.ndarray  # (S, P, N)
    stringency: np.ndarray  # (S, P, D) achieved
    binding: np.ndarray
    us_binding: np.ndarray
    share: np.ndarray  # (S, P, N) share of R&D paid into the pool
    leak: np.ndarray  # (S, P, N) national leak rates


def year_terms(state: EngineState, ctx: Context, t: int) -> YearTerms:
    """The year's policy terms, R&D, will (E10), protection and controls (E4) (pure)."""
    p, inputs, pol = ctx.params, ctx.inputs, ctx.policies
    S, P, _, N = ctx.shape
    c, u = inputs.china, inputs.usa
    active = t >= pol.start_offset
    m = np.where(active[None, :, None], state.members, ctx.us_only)
    pool_share = np.where(active, pol.pool_share, 0.0)
    # the status quo's stringency this year: the target before a policy starts, and the
    # US's own level, which it keeps whatever the coalition agrees (v4)
    status_quo = np.full(len(DOMAINS), ctx.status_quo_stringency[t])
    target = np.where((active & ~ctx.follows_status_quo)[:, None], pol.stringency, status_quo)
    output = ctx.output[t]
    cred = ctx.credibility[:, t]
    national_rd = np.broadcast_to((ctx.intensity[:, t] * output)[:, None, :], (S, P, N)).copy()
    national_rd[..., c] = ctx.china_intensity(t, state.china.rd_extra) * output[c]
    effort = partner_effort(p, cred, u, N)
    terms = protection_terms(
        ProtectionInputs(
            members=m,
            margin=state.margin,
            logit_base=ctx.logit_base,
            will_credibility=p.will_credibility,
            credibility=cred,
            will_value=p.will_value,
            effort=effort,
            capability=state.capability,
            reach=p.extraterritorial_reach,
            pool_share=pool_share,
            us_factor=np.where(ctx.engaged[:, t], 1.0, p.us_pool_commitment_transactional),
            base_leak_rate=p.base_leak_rate,
            target=target,
            usa=u,
        )
    )
    return YearTerms(
        t=t,
        members=m,
        pool_share=pool_share,
        floor=status_quo,
        target=target,
        building=np.where(active[:, None], pol.capacity_building, 0.0),
        national_rd=national_rd,
        will=terms.will,
        effort=effort,
        protection=terms.protection,
        stringency=terms.stringency,
        binding=terms.binding,
        us_binding=terms.us_binding,
        share=terms.share,
        leak=terms.leak,
    )


def flow_inputs(state: EngineState, ctx: Context, x: YearTerms) -> FlowInputs:
    """What :func:`~techbloc.model.flows.domain_flows` takes this year, by name."""
    p, t, m = ctx.params, x.t, x.members
    return FlowInputs(
        knowledge=state.knowledge,
        know_how=state.know_how,
        national_rd=x.national_rd,
        mix=ctx.mix,
        members=m,
        share=x.share,
        boost=pool_boost(m, p.synergy),
        member_level=member_level(x.stringency, x.floor, p.extraterritorial_reach),
        us_level=us_level(x.stringency, x.floor),
        binding=x.binding,
        us_binding=x.us_binding,
        holders=ctx.holders,
        concentration=p.holder_concentration,
        exponent=p.weakest_link_exponent,
        leak=x.leak,
        theta=ctx.theta[:, t],
        absorptive_multiple=p.absorptive_multiple,
        shared=state.shared,
        output=ctx.output[t],
        size=ctx.sources[t],
        rate=p.diffusion,
        allied=p.allied_diffusion,
        depreciation=ctx.depreciation,
        complexity=ctx.complexity,
        learning_rate=p.learning_rate,
        experience=ctx.experience,
        military_weight=ctx.military_weight,
    )


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
    relative_gains: bool = True,
) -> Year:
    """The year's flows (E1-E12) from the state at its start.

    Pure but for ``workspace``, whose buffers the compiled kernel reuses. ``keep``: the
    year's outputs will be observed (per-country sums are computed only then);
    ``outsiders``: also what each outsider's joining would do to China (the final year,
    when external stability is asked for); ``relative_gains``: the relative-gains term in the
    final year (off when the year's margins are not wanted).
    """
    v, p, inputs, pol = ctx.values, ctx.params, ctx.inputs, ctx.policies
    x = year_terms(state, ctx, t)
    m = x.members
    flows = domain_flows(
        flow_inputs(state, ctx, x),
        inputs.china,
        update=not last_year,
        outputs=keep,
        workspace=workspace,
    )
    sls = p.stock_leak_share[:, None, None]
    pool_leak = pool_leak_rate(x.leak, flows.contribution, p.weakest_link_exponent)
    shared_exposed = sls * pool_leak[..., None] * state.shared  # §9.3: the shared stock leaks
    exposed = sls * flows.stock_exposure + shared_exposed
    imitated, absorbed = china_model.imitation(
        knowledge=state.china.knowledge,
        know_how=state.china.know_how,
        frontier=flows.frontier,
        leader=flows.leader,
        access=flows.access,
        exposed=exposed,
        complexity=ctx.complexity[:, None, :],
        max_conversion=p.max_conversion,
        absorption_exponent=p.absorption_exponent,
        catch_up_rate=p.catch_up_rate,
    )
    margin = margins_from_flows(
        gain=flows.gain,
        contribution=flows.contribution,
        allied_bonus=flows.allied_bonus,
        rd=flows.rd,
        theta=ctx.theta[:, t],
        target_mean=x.target.mean(axis=-1),
        floor_mean=x.floor.mean(),
        will_=x.will,
        members=m,
        reach=p.extraterritorial_reach,
        dependence=inputs.dependence,
        friction_sum=friction_sum,
        threat=inputs.threat,
        credibility=ctx.credibility[:, t],
        values=v,
    )
    since = t + 1 - pol.start_offset
    review = (since > 0) & (since % 4 == 0)
    relative = state.relative
    toggles = None
    if (last_year and relative_gains) or review.any():  # the relative-gains term (§9.1)
        toggles = toggle_effects(
            state,
            ctx,
            terms=x,
            flows=flows,
            exposed=exposed,
            workspace=workspace,
            outsiders=outsiders,
        )
        concern = p.rel_gains[:, None, None] * inputs.threat
        fresh = np.where(m, concern * toggles.growth_change, 0.0)
        # a policy's term is evaluated at its own reviews (and in the final year) and
        # carried in between, so no policy's numbers depend on the others in its batch
        refresh = review | (last_year and relative_gains)
        relative = np.where(refresh[None, :, None], fresh, state.relative)
    return Year(
        t=t,
        members=m,
        target=x.target,
        floor=x.floor,
        national_rd=x.national_rd,
        will=x.will,
        protection=x.protection,
        stringency=x.stringency,
        share=x.share,
        leak=x.leak,
        flows=flows,
        pool_leak=pool_leak,
        exposed=exposed,
        coalition_exposed=sls * flows.member_exposure + shared_exposed,
        imitated=imitated,
        absorbed=absorbed,
        margin=margin + relative,
        relative=relative,
        building=x.building,
        review=review,
        toggles=toggles,
    )


def toggle_effects(
    state: EngineState,
    ctx: Context,
    *,
    terms: YearTerms,
    flows: DomainFlows,
    exposed: np.ndarray,
    workspace: FlowWorkspace | None,
    outsiders: bool,
) -> Toggles:
    """China's growth change for each country's membership toggled (§9.1), and joining terms.

    ``terms``: the year's policy terms (:func:`year_terms`); ``flows``: its flows;
    ``exposed``: knowledge exposed to China this year (S, P, D); ``workspace``: the flows
    kernel's buffers (it leaves ``K^η`` there); ``outsiders``: also toggle outsiders.
    """
    p, x = ctx.params, terms
    t, m, national_rd = x.t, x.members, x.national_rd
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
    powered = None if workspace is None else workspace.weight
    # The status-quo reference (the last policy, when there) has the USA as its only member,
    # whose will is 1 and who never leaves: its toggles move nothing the run returns. In the
    # final year, when outsiders are toggled too (most of the toggles' work), it is left out
    # and gets 0.
    n_policies = m.shape[1]
    keep = slice(None)
    if outsiders and n_policies > 1 and ctx.follows_status_quo[-1]:
        keep = slice(0, n_policies - 1)
    growth_change = np.zeros(m.shape)
    growth_change[:, keep] = growth_changes(
        ToggleInputs(
            members=m[:, keep],
            will=x.will[:, keep],
            target=x.target[keep] if x.target.ndim == 2 else x.target[:, keep],
            stringency=x.stringency[:, keep],
            protection=x.protection[:, keep],
            reach=p.extraterritorial_reach,
            knowledge=state.knowledge[:, keep],
            holders=ctx.holders,
            concentration=p.holder_concentration,
            exponent=p.weakest_link_exponent,
            leak=x.leak[:, keep],
            contribution=flows.contribution[:, keep],
            national_rd=national_rd[:, keep],
            mix=ctx.mix,
            share=x.share[:, keep],
            joining_share=joining_share[:, keep],
            shared=state.shared[:, keep],
            stock_leak_share=p.stock_leak_share,
            per_access=per_access[:, keep],
            per_exposure=per_exposure[:, keep],
            floor=x.floor,
            china=c,
            usa=ctx.inputs.usa,
        ),
        outsiders=outsiders,
        powered=None if powered is None else powered[:, keep],
    )
    return Toggles(growth_change=growth_change, joining_share=joining_share)


def friction_sum(members: np.ndarray, inputs: ModelInputs, position: np.ndarray) -> np.ndarray:
    """``Σ_{j∈C} f_ij`` with frictions placed by ``friction_position`` (shape (S, P, N))."""
    m = members.astype(float)
    up = np.maximum(position, 0.0)[:, None, None]
    down = np.maximum(-position, 0.0)[:, None, None]
    result: np.ndarray = (
        m @ inputs.friction
        + up * (m @ (inputs.friction_high - inputs.friction))
        - down * (m @ (inputs.friction - inputs.friction_low))
    )
    return result
