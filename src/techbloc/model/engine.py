"""The batch engine: a state, a pure year step and an observer, over ``[S, P, D, N]`` arrays.

:func:`run_model` runs a whole batch of scenarios × policies: it builds the run's fixed
:class:`Context` (the baseline paths of :mod:`~techbloc.model.baseline`, parameters, the
observed history of :mod:`~techbloc.model.history` and the start-year status quo), the initial
:class:`EngineState`, and then, for each year, computes the year's flows
(:func:`year_flows`), lets the recorder observe them (:func:`observe`) and advances the
state (:func:`advance`). The only Python loop is over years.

Every batch also runs the **status-quo policy** (US-only controls at each year's
status-quo stringency, no pool, no capacity building) as one extra policy, with common random
numbers, so that each policy's effect on China is measured against it in the same future
(MODEL.md §9.5); and every China (the main run, the status quo and the twin without
exclusion behind ``backlash_exclusion``) advances through one function,
:func:`~techbloc.model.china.china_step`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.errors import InputError
from techbloc.model import china as china_model
from techbloc.model.baseline import baseline, rd_ceiling
from techbloc.model.china import ChinaState, china_step
from techbloc.model.controls import (
    access,
    achieved_stringency,
    control_binding,
    control_coverage,
    member_level,
    national_leak_rate,
    pool_leak_rate,
    us_level,
)
from techbloc.model.flows import DomainFlows, FlowInputs, FlowWorkspace, domain_flows
from techbloc.model.history import (
    STATUS_QUO_STRINGENCY,
    self_sufficiency_start,
    status_quo_stringency_path,
)
from techbloc.model.inputs import ModelInputs
from techbloc.model.knowledge import (
    initial_stocks,
    pool_boost,
    pool_shares,
    usable_knowledge,
)
from techbloc.model.outputs import Recorder
from techbloc.model.partners import (
    capability_step,
    hedging_values,
    joining_gain,
    margins_from_flows,
    member_cost_level,
    positioned,
    will,
    will_logit_base,
)
from techbloc.model.power import economic_power, log_tfp_terms
from techbloc.model.regime import credibility_paths, regime_paths, start_credibility
from techbloc.model.relative_gains import growth_changes, growth_slopes, veto
from techbloc.model.scenarios import ScenarioArrays
from techbloc.params import DOMAINS
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR, check_years

if TYPE_CHECKING:
    from techbloc.policies import Policy
    from techbloc.world import World

__all__ = [
    "DEFAULT_END_YEAR",
    "DEFAULT_START_YEAR",
    "STATUS_QUO_STRINGENCY",
    "Context",
    "EngineState",
    "PolicyBatch",
    "run_model",
]

_DOMAIN_SCALARS = ("gap_capability", "china_self_sufficiency")
_STATUS_QUO = "__status_quo__"


@dataclass(frozen=True)
class PolicyBatch:
    """Policies as raw arrays over the modelled countries (ROW excluded).

    Build it with :meth:`from_policies`, or directly from membership masks (coalition
    search evaluates tens of thousands of masks without creating Policy objects).
    """

    names: list[str]
    members: np.ndarray  # (P, N) bool
    pool_share: np.ndarray  # (P,)
    stringency: np.ndarray  # (P, D)
    capacity_building: np.ndarray  # (P, N)
    start_offset: np.ndarray  # (P,) int

    @classmethod
    def from_policies(
        cls, world: World, policies: Sequence[Policy], inputs: ModelInputs, start_year: int
    ) -> PolicyBatch:
        """Stack :class:`Policy` objects over ``inputs.codes``."""
        if not policies:
            raise InputError("at least one policy is needed")
        position = {code: i for i, code in enumerate(inputs.codes)}
        columns = [list(world.codes).index(code) for code in inputs.codes]
        building = np.zeros((len(policies), inputs.n))
        for row, policy in enumerate(policies):
            for code, value in policy.capacity_building.items():
                building[row, position[code]] = value
        return cls(
            names=[p.label for p in policies],
            members=np.stack([p.coalition.mask(world)[columns] for p in policies]),
            pool_share=np.array([p.pool_share for p in policies]),
            stringency=np.array([p.control_stringency for p in policies]),
            capacity_building=building,
            start_offset=np.array(
                [max(0, (p.start_year or start_year) - start_year) for p in policies], dtype=int
            ),
        )

    @classmethod
    def from_masks(
        cls,
        members: np.ndarray,
        inputs: ModelInputs,
        *,
        pool_share: float = 0.05,
        stringency: float = STATUS_QUO_STRINGENCY,
        names: Sequence[str] | None = None,
    ) -> PolicyBatch:
        """Policies that differ only in membership (USA forced in, China forced out)."""
        members = np.array(members, dtype=bool, copy=True)
        if members.ndim != 2 or members.shape[1] != inputs.n:
            raise InputError(f"membership masks must have shape (P, {inputs.n})")
        members[:, inputs.usa] = True
        members[:, inputs.china] = False
        p = members.shape[0]
        return cls(
            names=list(names) if names is not None else [f"coalition_{i}" for i in range(p)],
            members=members,
            pool_share=np.full(p, float(pool_share)),
            stringency=np.full((p, len(DOMAINS)), float(stringency)),
            capacity_building=np.zeros((p, inputs.n)),
            start_offset=np.zeros(p, dtype=int),
        )

    def with_status_quo(self, usa: int) -> PolicyBatch:
        """These policies plus the status quo as the last one."""
        n = self.members.shape[1]
        alone = np.zeros((1, n), dtype=bool)
        alone[0, usa] = True
        return PolicyBatch(
            names=[*self.names, _STATUS_QUO],
            members=np.concatenate([self.members, alone]),
            pool_share=np.append(self.pool_share, 0.0),
            stringency=np.concatenate(
                [self.stringency, np.full((1, self.stringency.shape[1]), STATUS_QUO_STRINGENCY)]
            ),
            capacity_building=np.concatenate([self.capacity_building, np.zeros((1, n))]),
            start_offset=np.append(self.start_offset, 0),
        )


@dataclass(frozen=True)
class Context:
    """What stays fixed through one run: inputs, parameters, paths and start-year values.

    Arrays are indexed by scenario ``S``, year ``T``, domain ``D`` and country ``N``;
    :meth:`build` derives them from the inputs, scenarios, policies and years.
    """

    inputs: ModelInputs
    values: dict[str, np.ndarray]
    policies: PolicyBatch
    exit_draws: np.ndarray
    depreciation: np.ndarray  # (S, D)
    complexity: np.ndarray  # (S, D)
    ss_drift: np.ndarray  # (S, D)
    mix: np.ndarray  # (S, D, N)
    intensity: np.ndarray  # (S, T, N) R&D per unit of the central GDP path (baseline.py)
    output: np.ndarray  # (T, N) central GDP path
    gdp_ratio: np.ndarray  # (S, T, N) each scenario's GDP over the central path
    sources: np.ndarray  # (T, N) diffusion weights (China 0)
    row_rd: np.ndarray  # (T,)
    theta: np.ndarray  # (S, T)
    engaged: np.ndarray  # (S, T)
    institutional: np.ndarray  # (S, T)
    credibility: np.ndarray  # (S, T)
    logit_base: np.ndarray  # (S, N)
    friction: np.ndarray  # (S, N, N) positioned
    holders: np.ndarray  # (N,)
    us_only: np.ndarray  # (N,)
    experience: np.ndarray  # (N,)
    military_weight: np.ndarray  # (D,)
    start_knowledge: np.ndarray  # (S, D, N)
    exclusion0: np.ndarray  # (S, 1, D)
    relative0: np.ndarray  # (S, 1, D)
    status_quo_stringency: np.ndarray  # (T,) the US's status-quo controls by year
    follows_status_quo: np.ndarray  # (P,) bool: the status-quo reference policy
    self_sufficiency0: np.ndarray  # (D,) China's self-sufficiency at the start year
    rd_ceiling: float  # highest R&D / GDP of any country (baseline.rd_ceiling)

    def china_intensity(self, t: int, extra: np.ndarray) -> np.ndarray:
        """China's R&D per unit of central GDP with its E8 response ``extra`` (S, P), capped
        so that its R&D intensity stays at or below :attr:`rd_ceiling`."""
        c = self.inputs.china
        cap = self.rd_ceiling * self.gdp_ratio[:, t, c]
        return np.minimum(self.intensity[:, t, c][:, None] + extra, cap[:, None])

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(S, P, D, N)``."""
        return (self.theta.shape[0], len(self.policies.names), len(DOMAINS), self.inputs.n)

    @classmethod
    def build(
        cls,
        inputs: ModelInputs,
        scenarios: ScenarioArrays,
        policies: PolicyBatch,
        years: np.ndarray,
    ) -> Context:
        v = scenarios.values
        S, N = scenarios.size, inputs.n
        c, u = inputs.china, inputs.usa
        t_index = np.arange(len(years))
        depreciation = (
            np.array([d.depreciation for d in DOMAINS])[None, :]
            * v["depreciation_multiplier"][:, None]
        )
        complexity = (
            np.array([d.complexity for d in DOMAINS])[None, :] * v["complexity_multiplier"][:, None]
        )
        ss_drift = v["ss_drift"][:, None] * np.array([d.ss_drift_factor for d in DOMAINS])[None, :]
        mix = inputs.domain_mix(v["semis_share_of_world_rd"])

        # baseline (MODEL.md §9.7, baseline.py): observed GDP and R&D up to each country's
        # data year, then converging GDP growth and fading R&D-intensity trends
        check_years(int(years[0]), int(years[-1]))
        paths = baseline(inputs, v, years)
        intensity, output, row_rd = paths.intensity, paths.output, paths.row_rd
        start_rd = paths.rd[:, 0]  # (S, N)
        theta = (1.0 - v["productivity_decline"][:, None]) ** t_index[None, :]

        engaged = regime_paths(
            years,
            scenarios.election_draws,
            v["p_engaged_to_transactional"],
            v["p_transactional_to_engaged"],
        )
        institutional, credibility = credibility_paths(
            engaged,
            start_credibility(
                int(years[0]),
                v["initial_institutional_credibility"],
                v["cred_decay"],
                v["cred_recovery_fraction"],
            ),
            v["cred_decay"],
            v["cred_recovery_fraction"],
            v["w_inst"],
        )
        logit_base = will_logit_base(inputs, v, hedging_values(inputs, v["hedging_position"]))
        holders = np.ones(N, dtype=bool)  # technology holders China could reach: all but China
        holders[c] = False
        us_only = np.zeros(N, dtype=bool)
        us_only[u] = True
        sources = output.copy()
        sources[:, c] = 0.0
        k0 = initial_stocks(start_rd[:, None, :] * mix, depreciation, paths.start_growth)
        sq_path = status_quo_stringency_path(years)

        # the status quo at the start year: US-only controls at the default stringency
        will0 = will(
            logit_base,
            v["will_credibility"],
            credibility[:, 0],
            v["will_value"],
            np.zeros((S, 1, N)),
            u,
        )
        alone = np.broadcast_to(us_only, (S, 1, N))
        protection0 = inputs.capability[None, None, :] * will0 * _effort(v, credibility[:, 0], u, N)
        status_quo = np.full((1, len(DOMAINS)), sq_path[0])
        cover = control_coverage(
            achieved_stringency(status_quo, will0, alone),
            protection0,
            alone,
            v["extraterritorial_reach"],
            u,
            status_quo[0],
        )
        exclusion0 = 1.0 - access(
            cover, k0[:, None], holders, v["holder_concentration"], v["weakest_link_exponent"]
        )
        frontier0 = k0.sum(axis=-1) - k0[..., c]
        return cls(
            inputs=inputs,
            values=v,
            policies=policies,
            exit_draws=scenarios.exit_draws,
            depreciation=depreciation,
            complexity=complexity,
            ss_drift=ss_drift,
            mix=mix,
            intensity=intensity,
            output=output,
            gdp_ratio=paths.gdp / output[None],
            sources=sources,
            row_rd=row_rd,
            theta=theta,
            engaged=engaged,
            institutional=institutional,
            credibility=credibility,
            logit_base=logit_base,
            friction=positioned(
                inputs.friction, inputs.friction_low, inputs.friction_high, v["friction_position"]
            ),
            holders=holders,
            us_only=us_only,
            experience=output[0] / output[0].max(),
            military_weight=np.array([d.military_weight for d in DOMAINS]),
            start_knowledge=k0,
            exclusion0=exclusion0,
            relative0=(k0[..., c] / frontier0)[:, None, :],
            status_quo_stringency=sq_path,
            follows_status_quo=np.array([name == _STATUS_QUO for name in policies.names]),
            self_sufficiency0=self_sufficiency_start(int(years[0])),
            rd_ceiling=rd_ceiling(inputs),
        )


@dataclass(frozen=True)
class EngineState:
    """Everything that changes from year to year.

    Attributes
    ----------
    knowledge, know_how : ndarray, shape (S, P, D, N)
        K and I of every country (China's columns mirror ``china``).
    capability : ndarray, shape (S, P, N)
        Protection capability (moved by capacity building).
    members : ndarray of bool, shape (S, P, N)
        Membership after exits.
    margin : ndarray, shape (S, P, N)
        Last year's membership margins (0 outside the coalition).
    relative : ndarray, shape (S, P, N)
        The relative-gains term of the margins, held between the years it is evaluated.
    shared : ndarray, shape (S, P, D)
        The coalition's shared stock of pool output (MODEL.md §9.3).
    china, twin : ChinaState
        China in the main run, and China without exclusion (partners held).
    cumulative : dict of str to ndarray (S, P)
        Running sums for cumulative outputs.
    """

    knowledge: np.ndarray
    know_how: np.ndarray
    capability: np.ndarray
    members: np.ndarray
    margin: np.ndarray
    relative: np.ndarray
    shared: np.ndarray
    china: ChinaState
    twin: ChinaState
    cumulative: dict[str, Any]  # running sums, and the start year's TFP terms (a pair)

    @classmethod
    def initial(cls, ctx: Context) -> EngineState:
        S, P, D, N = ctx.shape
        c = ctx.inputs.china
        knowledge = np.repeat(ctx.start_knowledge[:, None], P, axis=1)
        know_how = knowledge.copy()
        know_how[..., c] *= ctx.values["china_know_how_ratio"][:, None, None]
        ss0 = np.broadcast_to(ctx.self_sufficiency0, (S, P, D))
        china = ChinaState(
            knowledge=knowledge[..., c].copy(),
            know_how=know_how[..., c].copy(),
            capacity=np.repeat(ctx.exclusion0, P, axis=1),
            self_sufficiency=ss0.copy(),
            rd_extra=np.zeros((S, P)),
        )
        zeros = np.zeros((S, P))
        return cls(
            knowledge=knowledge,
            know_how=know_how,
            capability=np.broadcast_to(ctx.inputs.capability, (S, P, N)).copy(),
            members=np.broadcast_to(ctx.policies.members, (S, P, N)).copy(),
            margin=np.zeros((S, P, N)),
            relative=np.zeros((S, P, N)),
            shared=np.zeros((S, P, D)),
            china=china,
            twin=replace(china),
            cumulative={
                "leakage": zeros.copy(),
                "leakage_coalition": zeros.copy(),
                "production": zeros.copy(),
                "china_own": zeros.copy(),
                "china_imitation": zeros.copy(),
            },
        )


@dataclass(frozen=True)
class Year:
    """One year's flows: what :func:`observe` records and :func:`advance` uses."""

    t: int
    members: np.ndarray
    target: np.ndarray
    floor: np.ndarray
    national_rd: np.ndarray
    will: np.ndarray
    protection: np.ndarray
    stringency: np.ndarray
    share: np.ndarray
    leak: np.ndarray
    flows: DomainFlows
    pool_leak: np.ndarray
    exposed: np.ndarray
    coalition_exposed: np.ndarray
    imitated: np.ndarray
    absorbed: np.ndarray
    margin: np.ndarray
    relative: np.ndarray
    building: np.ndarray
    review: np.ndarray
    toggles: dict[str, np.ndarray] | None


def _effort(v: dict[str, np.ndarray], credibility: np.ndarray, usa: int, n: int) -> np.ndarray:
    """Partners' effort ``1 - credibility_sensitivity (1 - Cred)`` (MODEL.md §9.6), (S, 1, N).

    It scales partners' pool contributions and protection; the USA's is 1.
    """
    effort = 1.0 - v["credibility_sensitivity"] * (1.0 - credibility)
    return np.where(np.arange(n) == usa, 1.0, effort[:, None])[:, None, :]


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
    effort = _effort(v, cred, u, N)
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
    if (last_year and relative_gains) or review.any():  # the relative-gains term (§9.1)
        toggles = _toggle_effects(
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


def _toggle_effects(
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


def observe(state: EngineState, year: Year, ctx: Context, cumulative) -> dict[str, np.ndarray]:
    """The outputs of one year (MODEL.md §7, §9.8), arrays with leading axes (S, P)."""
    v, inputs = ctx.values, ctx.inputs
    c, u = inputs.china, inputs.usa
    t, m, flows = year.t, year.members, year.flows
    national_rd = year.national_rd
    n_members = m.sum(axis=-1)
    alliance_rd = (national_rd * m).sum(axis=-1)
    china_k, china_i = state.china.knowledge, state.china.know_how
    realized_c = np.minimum(china_k, china_i)
    country_k = flows.country_knowledge
    assert country_k is not None and flows.military is not None  # computed when observed
    frontier = flows.frontier
    usable = usable_knowledge(state.knowledge, state.shared, m, v["absorptive_multiple"])
    shared_total = state.shared.sum(axis=-1)
    realized_u = np.minimum(usable[..., u], state.know_how[..., u])
    gap_k = np.log(frontier / np.maximum(china_k, 1e-12))
    gap_m = np.log(realized_u / np.maximum(realized_c, 1e-12))
    margin = year.margin
    non_us = m.copy()
    non_us[..., u] = False
    lowest = np.where(non_us, margin, np.inf).min(axis=-1)
    cost = (
        v["trade_cost"][:, None, None]
        * year.stringency.mean(axis=-1)[..., None]
        * (inputs.dependence)
    )
    china_total = china_k.sum(axis=-1)
    capability_c = realized_c.sum(axis=-1)
    world_rd = national_rd.sum(axis=-1) + ctx.row_rd[t]
    out = {
        "alliance_rd_share": alliance_rd / world_rd,
        "china_rd_share": national_rd[..., c] / world_rd,
        "rd_ratio_china_us": national_rd[..., c] / national_rd[..., u],
        # the shared stock counted once, as the coalition's (v4)
        "alliance_knowledge_share": ((country_k * m).sum(-1) + shared_total)
        / (country_k.sum(-1) + shared_total),
        "gap_knowledge_by_domain": gap_k,
        "gap_capability_by_domain": gap_m,
        "gap_knowledge": gap_k.mean(axis=-1),
        "gap_capability": gap_m.mean(axis=-1),
        "leakage_to_china": year.absorbed.sum(axis=-1),
        "leakage_to_china_cumulative": cumulative["leakage"].copy(),
        "china_gain_own_rd_cumulative": cumulative["china_own"].copy(),
        "china_gain_imitation_cumulative": cumulative["china_imitation"].copy(),
        "leakage_share": cumulative["leakage_coalition"]
        / np.maximum(cumulative["production"], 1e-12),
        "leakage_exposed": year.exposed.sum(axis=-1) / alliance_rd,
        "leakage_absorbed": year.absorbed.sum(axis=-1) / alliance_rd,
        "achieved_stringency": year.stringency.mean(axis=-1),
        "pool_leak_rate": year.pool_leak,
        "exclusion": 1.0 - flows.access.mean(axis=-1),
        "cohesion": ((margin >= 0) & m).sum(axis=-1) / n_members,
        "min_margin": np.where(np.isfinite(lowest), lowest, np.nan),
        "internal_stability": (~((margin < 0) & m).any(axis=-1)).astype(float),
        "china_self_sufficiency_by_domain": state.china.self_sufficiency,
        "china_self_sufficiency": state.china.self_sufficiency.mean(axis=-1),
        "china_knowledge": china_total,
        "china_knowledge_share": country_k[..., c] / country_k.sum(axis=-1),
        "china_capability": capability_c,
        "china_knowledge_without_exclusion": state.twin.knowledge.sum(axis=-1),
        "backlash_exclusion": np.log(china_total / state.twin.knowledge.sum(axis=-1)),
        "china_knowledge_vs_status_quo": np.log(china_total / china_total[:, -1:]),
        "china_capability_vs_status_quo": np.log(capability_c / capability_c[:, -1:]),
        "control_cost": (cost * m).sum(axis=-1) / n_members,
        "members_remaining": n_members.astype(float),
        "china_knowledge_production_share": cumulative["china_production_share"].copy(),
    }
    # realized capability of the coalition's members, under the policy and the status quo
    # (v4: members realize what they can use of the shared stock, not a national copy)
    country_m = flows.military  # Σ_k v_k min(U, I), per country
    realized = np.minimum(usable, state.know_how).sum(axis=2)
    coalition_m = (realized * m).sum(axis=-1)
    coalition_sq = (realized[:, -1:] * m).sum(axis=-1)
    out["capability_gap_vs_status_quo"] = np.log(coalition_m / capability_c) - np.log(
        coalition_sq / capability_c[:, -1:]
    )
    domestic, foreign = log_tfp_terms(state.knowledge, frontier, flows.access, c, usable)
    domestic0, foreign0 = cumulative["tfp0"]
    tfp = np.exp(
        v["beta_domestic"][:, None, None] * (domestic - domestic0)
        + v["beta_foreign"][:, None, None] * (foreign - foreign0)
    )
    gdp = (ctx.output[t] * ctx.gdp_ratio[:, t])[:, None, :] * tfp
    population = inputs.population
    known = np.isfinite(population)
    economic = economic_power(gdp, population)
    coalition_pop = ((m & known) * np.where(known, population, 0.0)).sum(axis=-1)
    coalition_economic = (gdp * (m & known)).sum(axis=-1) ** 2 / coalition_pop
    coalition_military = (country_m * m).sum(axis=-1)
    china_power = np.sqrt(economic[..., c] * country_m[..., c])
    us_power = np.sqrt(economic[..., u] * country_m[..., u])
    ratio = china_power / us_power
    out["power_ratio_china_us"] = ratio
    out["power_ratio_china_us_vs_status_quo"] = np.log(ratio / ratio[:, -1:])
    out["power_ratio_china_coalition"] = china_power / np.sqrt(
        coalition_economic * coalition_military
    )
    out["_control_cost_by_member"] = cost
    return out


def advance(state: EngineState, year: Year, ctx: Context) -> EngineState:
    """The state of the next year (pure)."""
    v, inputs = ctx.values, ctx.inputs
    c, u = inputs.china, inputs.usa
    t, m, flows = year.t, year.members, year.flows
    th = ctx.theta[:, t]
    delta3 = ctx.depreciation[:, None, :]
    complexity3 = ctx.complexity[:, None, :]
    common: dict[str, Any] = dict(
        theta=th,
        depreciation=delta3,
        complexity=complexity3,
        frontier=flows.frontier,
        relative0=ctx.relative0,
        exclusion0=ctx.exclusion0,
        ss_drift=ctx.ss_drift[:, None, :],
        rd_initial=ctx.intensity[:, 0, c][:, None],  # (S, 1): each future's start intensity
        values=v,
    )
    china_rd = year.national_rd[..., c, None] * ctx.mix[:, None, :, c]
    china = china_step(
        state.china, rd=china_rd, exclusion=1.0 - flows.access, imitated=year.imitated, **common
    )
    # the same China without exclusion (access 1, no denial), partners held as in the main run
    twin_imitated, _ = china_model.imitation(
        state.twin.knowledge,
        state.twin.know_how,
        flows.frontier,
        flows.leader,
        np.ones_like(flows.access),
        year.exposed,
        complexity3,
        v["max_conversion"],
        v["absorption_exponent"],
        v["catch_up_rate"],
    )
    twin_rd = (ctx.china_intensity(t, state.twin.rd_extra) * ctx.output[t, c])[..., None] * ctx.mix[
        :, None, :, c
    ]
    twin = china_step(
        state.twin,
        rd=twin_rd,
        exclusion=np.zeros_like(flows.access),
        imitated=twin_imitated,
        **common,
    )
    knowledge, know_how = flows.knowledge, flows.know_how
    assert knowledge is not None and know_how is not None  # computed but in the final year
    knowledge[..., c] = china.knowledge
    know_how[..., c] = china.know_how
    capability = state.capability
    if year.building.any():  # capability moves only with capacity building
        capability = capability_step(capability, v["capacity_gain"], year.building[None])
    # E12 exits at four-year reviews after the regime starts (never the USA)
    leaving = (
        m
        & (year.margin < 0)
        & year.review[None, :, None]
        & (ctx.exit_draws[:, t, None, :] < v["exit_probability"][:, None, None])
    )
    leaving[..., u] = False
    return EngineState(
        knowledge=knowledge,
        know_how=know_how,
        capability=capability,
        members=state.members & ~leaving,
        margin=np.where(m, year.margin, 0.0),
        relative=year.relative,
        shared=(1.0 - delta3) * state.shared + th[:, None, None] * flows.pool,
        china=china,
        twin=twin,
        cumulative=state.cumulative,
    )


def _friction_sum(members: np.ndarray, inputs: ModelInputs, position: np.ndarray) -> np.ndarray:
    """``Σ_{j∈C} f_ij`` with frictions placed by ``friction_position`` (shape (S, P, N))."""
    m = members.astype(float)
    up = np.maximum(position, 0.0)[:, None, None]
    down = np.maximum(-position, 0.0)[:, None, None]
    return (
        m @ inputs.friction
        + up * (m @ (inputs.friction_high - inputs.friction))
        - down * (m @ (inputs.friction - inputs.friction_low))
    )


def _outsiders(year: Year, ctx: Context, friction_sum: np.ndarray) -> dict[str, np.ndarray]:
    """Final year: outsiders' joining gains and acceptance (E12, §9.1-§9.2)."""
    v, inputs = ctx.values, ctx.inputs
    m = year.members
    toggles = year.toggles
    assert toggles is not None  # evaluated in the final year
    concern = v["rel_gains"][:, None] * inputs.threat  # (S, N)
    target_mean = year.target.mean(axis=-1)
    rd = year.national_rd[:, :, None, :] * ctx.mix[:, None]  # (S, P, D, N)
    paid = rd * year.share[:, :, None, :]
    joining_paid = rd * toggles["joining_share"][:, :, None, :]
    gains = (
        joining_gain(
            rd,
            paid,
            m,
            toggles["joining_share"],
            target_mean,
            year.floor.mean(),
            year.will,
            v["extraterritorial_reach"],
            inputs.dependence,
            friction_sum,
            inputs.threat,
            ctx.credibility[:, year.t],
            v,
        )
        - concern[:, None, :] * toggles["growth_change"]
    )
    least = np.where(m, year.will, np.inf).min(axis=-1)
    least = np.where(np.isfinite(least), least, 0.0)[..., None]
    # the fall in the level members' trade meets if j joins (v4: floored by the reach of
    # the US's own controls, partners.member_cost_level)
    tm = np.broadcast_to(target_mean, m.shape[:2])[..., None]
    reach = v["extraterritorial_reach"][:, None, None]
    floor_mean = year.floor.mean()
    level_drop = member_cost_level(tm * least, floor_mean, reach) - member_cost_level(
        tm * np.minimum(least, year.will), floor_mean, reach
    )
    accepted = veto(
        m,
        paid.sum(axis=-1),
        joining_paid,
        v["absorptive_multiple"][:, None, None, None] * (rd - paid),
        year.flows.rd,
        v["synergy"],
        np.broadcast_to(v["trade_cost"][:, None, None] * inputs.dependence, m.shape),
        level_drop,
        ctx.friction,
        v["friction_scale"],
        concern,
        toggles["growth_change"],
        v["payoff_scale"],
        v["veto_tolerance"],
    )
    candidates = ~m
    candidates[..., inputs.china] = False
    wants_in = candidates & (gains > 0) & accepted
    return {
        "external_stability": (~wants_in.any(axis=-1)).astype(float),
        "joining_gain": np.where(candidates, gains, np.nan),
        "accepted": np.where(candidates, accepted, False),
    }


def run_model(
    inputs: ModelInputs,
    scenarios: ScenarioArrays,
    policies: PolicyBatch,
    years: np.ndarray,
    *,
    trajectories: bool = True,
    external_stability: bool = True,
) -> dict[str, np.ndarray]:
    """Run the model on arrays (pure; no I/O).

    Parameters
    ----------
    inputs : ModelInputs
    scenarios : ScenarioArrays
    policies : PolicyBatch
    years : ndarray of int, shape (T,)
        Consecutive calendar years, the first being the start year.
    trajectories : bool
        Keep yearly values (``[S, P, T, ...]``) as well as end-of-horizon values.
    external_stability : bool
        Compute outsiders' joining gains and acceptance in the final year (switch off when
        only members' outcomes are needed).

    Returns
    -------
    dict of str to ndarray
        The outputs of :data:`techbloc.model.outputs.OUTPUTS` at the final year (scalars
        (S, P), per-domain (S, P, D), per-country (S, P, N), scenario descriptors (S,)),
        and, with ``trajectories``, ``traj_<name>`` arrays. The status-quo reference
        policy is not among the policies returned.
    """
    ctx = Context.build(inputs, scenarios, policies.with_status_quo(inputs.usa), years)
    S, P, D, N = ctx.shape
    T = len(years)
    state = EngineState.initial(ctx)
    workspace = FlowWorkspace((S, P, D, N)) if _compiled() else None
    recorder = Recorder(T, trajectories)
    friction_members: np.ndarray | None = None
    friction_sum = np.empty((S, P, N))
    for t in range(T):
        last = t == T - 1
        m = np.where((t >= ctx.policies.start_offset)[None, :, None], state.members, ctx.us_only)
        if friction_members is None or not np.array_equal(m, friction_members):
            friction_sum = _friction_sum(m, inputs, ctx.values["friction_position"])
            friction_members = m
        year = year_flows(
            state,
            ctx,
            t,
            workspace,
            friction_sum,
            last_year=last,
            keep=recorder.wants(t),
            outsiders=last and external_stability,
        )
        _accumulate(state, year, ctx)
        if recorder.wants(t):
            recorder.record(t, observe(state, year, ctx, state.cumulative))
        if last:
            break
        if workspace is not None:
            workspace.recycle(state.knowledge, state.know_how)
        state = advance(state, year, ctx)

    result = recorder.result()
    end = result
    end["control_cost_by_member"] = np.where(
        year.members, end.pop("_control_cost_by_member"), np.nan
    )
    result.pop("traj__control_cost_by_member", None)
    end["margin"] = np.where(year.members, year.margin, np.nan)
    end["member"] = year.members.copy()
    end["will"] = year.will
    end["protection"] = year.protection
    absorbed_share = np.where(
        year.exposed > 0, year.absorbed / np.where(year.exposed > 0, year.exposed, 1.0), 0.0
    )  # (S, P, D)
    end["leakage_to_china_by_country"] = ctx.values["stock_leak_share"][:, None, None] * (
        np.einsum("spdn,spd->spn", state.knowledge, absorbed_share)
        * np.where(ctx.holders, year.leak, 0.0)
    )
    if external_stability:
        end.update(_outsiders(year, ctx, friction_sum))
        if trajectories:
            end["traj_external_stability"] = np.full((S, P, T), np.nan)
            end["traj_external_stability"][:, :, -1] = end["external_stability"]
    # drop the status-quo reference policy (the last)
    for name, value in list(result.items()):
        if value.ndim >= 2 and value.shape[1] == P:
            result[name] = value[:, :-1]
    for name in _DOMAIN_SCALARS:
        result[f"{name}_by_domain"] = end[f"{name}_by_domain"]
    result["transactional_years"] = (~ctx.engaged[:, 1:]).sum(axis=1).astype(float)
    result["credibility_final"] = ctx.credibility[:, -1]
    result["institutional_credibility_final"] = ctx.institutional[:, -1]
    result["traj_credibility"] = ctx.credibility
    result["traj_institutional_credibility"] = ctx.institutional
    result["traj_engaged"] = ctx.engaged
    return result


def _accumulate(state: EngineState, year: Year, ctx: Context) -> None:
    """Add this year's leakage and the coalition's knowledge production to the running sums."""
    flows = year.flows
    cumulative = state.cumulative
    if year.t == 0:  # TFP is measured against the start year (E13)
        usable = usable_knowledge(
            state.knowledge, state.shared, year.members, ctx.values["absorptive_multiple"]
        )
        cumulative["tfp0"] = log_tfp_terms(
            state.knowledge, flows.frontier, flows.access, ctx.inputs.china, usable
        )
    absorbed = year.absorbed
    share = np.where(
        year.exposed > 0,
        year.coalition_exposed / np.where(year.exposed > 0, year.exposed, 1.0),
        0.0,
    )
    cumulative["leakage"] += absorbed.sum(axis=-1)
    v, c = ctx.values, ctx.inputs.china
    china_rd = year.national_rd[..., c, None] * ctx.mix[:, None, :, c]
    china_own = china_model.own_production(
        china_rd,
        ctx.theta[:, year.t],
        v["denial"],
        1.0 - flows.access,
        v["indigenization"],
        state.china.capacity,
        state.china.self_sufficiency,
    ).sum(axis=-1)
    cumulative["china_own"] += china_own
    # this year's knowledge production from R&D (issue 19): China's own production against
    # every other modelled country's own R&D plus the pool's output, counted once
    others = np.delete(flows.rd - flows.contribution, ctx.inputs.china, axis=-1).sum(axis=-1)
    produced = ctx.theta[:, year.t, None] * (others + flows.pool.sum(axis=-1))
    cumulative["china_production_share"] = china_own / (china_own + produced)
    cumulative["china_imitation"] += (year.imitated - absorbed).sum(axis=-1)
    cumulative["leakage_coalition"] += (absorbed * np.clip(share, 0.0, 1.0)).sum(axis=-1)
    m = year.members
    cumulative["production"] += ctx.theta[:, year.t, None] * (
        ((flows.rd - flows.contribution) * m).sum(axis=-1) + flows.pool.sum(axis=-1)
    )


def _compiled() -> bool:
    from techbloc.model import kernels

    return kernels.compiled()
