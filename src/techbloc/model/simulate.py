"""The vectorized alliance model: a whole batch of scenarios × policies in one call.

:func:`run_model` is the pure engine over arrays (no I/O, no logging); :func:`simulate`
is the labelled front door that reads a :class:`~techbloc.world.World`, a scenario
table and a list of :class:`~techbloc.policies.Policy` objects and returns an
:class:`xarray.Dataset`.

Arrays carry axes ``[S, P, D, N]`` (scenario, policy, domain, country). The only Python
loop is over years. China's knowledge is also run *without exclusion* (access 1, no
denial, indigenous capacity decaying), with partners' behaviour held at the main run, so
every run reports the backlash indicator without a second simulation (MODEL.md §7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.model import china as china_model
from techbloc.model import kernels
from techbloc.model.controls import (
    access,
    achieved_stringency,
    control_binding,
    control_coverage,
    exposure,
    national_leak_rate,
    pool_leak_rate,
)
from techbloc.model.flows import FlowInputs, FlowWorkspace, domain_flows
from techbloc.model.inputs import ModelInputs, prepare_inputs
from techbloc.model.knowledge import initial_stocks, know_how_step, pool_boost, pool_shares
from techbloc.model.partners import (
    capability_step,
    hedging_values,
    joining_gain,
    margins_from_flows,
    positioned,
    will,
    will_logit_base,
)
from techbloc.model.power import economic_power, log_tfp_terms
from techbloc.model.regime import credibility_paths, regime_paths
from techbloc.model.scenarios import ScenarioArrays, scenario_arrays
from techbloc.params import DOMAINS, LEVERS
from techbloc.policies import Policy

if TYPE_CHECKING:
    import xarray as xr

    from techbloc.world import World

__all__ = ["DEFAULT_END_YEAR", "DEFAULT_START_YEAR", "PolicyBatch", "run_model", "simulate"]

DEFAULT_START_YEAR = 2024
DEFAULT_END_YEAR = 2050
_STATUS_QUO_STRINGENCY = next(
    lever.default for lever in LEVERS if lever.name == "control_stringency"
)

# Outputs: name -> (description, unit). Trajectory outputs get a ``year`` axis.
SCALAR_OUTPUTS: dict[str, tuple[str, str]] = {
    "alliance_rd_share": ("Coalition share of world R&D flow", "share"),
    "alliance_knowledge_share": ("Coalition share of modelled countries' knowledge stock", "share"),
    "gap_knowledge": ("ln(K_F / K_China), mean over domains", "log ratio"),
    "gap_capability": ("ln(M_US / M_China), mean over domains", "log ratio"),
    "leakage_exposed": ("Knowledge exposed to China this year / coalition R&D", "share"),
    "leakage_absorbed": ("Exposed knowledge China absorbed this year / coalition R&D", "share"),
    "leakage_cumulative": (
        "Absorbed leakage since the start / coalition R&D since the start", "share"
    ),
    "achieved_stringency": ("Achieved export-control stringency, mean over domains", "0-1"),
    "pool_leak_rate": ("Annual leak rate of the joint pool (weakest-link power mean)", "1/yr"),
    "exclusion": ("China's exclusion from foreign technology (1 - access), domain mean", "0-1"),
    "cohesion": ("Share of members whose membership margin is non-negative", "share"),
    "min_margin": ("Lowest membership margin among members (US excluded)", "dimensionless"),
    "internally_stable": ("1 if every member's margin is non-negative", "0/1"),
    "externally_stable": ("1 if no outsider would both gain by joining and be accepted", "0/1"),
    "china_self_sufficiency": ("China's self-sufficiency, mean over domains", "share"),
    "china_knowledge": ("China's knowledge stock, all domains", "PPP $bn"),
    "china_capability": ("China's realized capability min(K, I), all domains", "PPP $bn"),
    "backlash": ("ln(China's knowledge with exclusion / without it); > 0: exclusion backfired",
                 "log ratio"),
    "power_ratio_china_us": ("China's composite power / US composite power", "ratio"),
    "power_ratio_china_coalition": ("China's composite power / coalition composite power", "ratio"),
    "control_cost": ("Mean cost of controls per member (trade_cost x stringency x dependence)",
                     "dimensionless"),
    "members_remaining": ("Coalition members (USA included) after exits", "count"),
}
_DOMAIN_SCALARS = ("gap_capability", "china_self_sufficiency")


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
        stringency: float = _STATUS_QUO_STRINGENCY,
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
        Compute outsiders' joining gains and acceptance in the final year (a loop over
        countries; switch off when only members' outcomes are needed).

    Returns
    -------
    dict of str to ndarray
        ``SCALAR_OUTPUTS`` at the final year (shape (S, P)); per-domain end values
        ``<name>_by_domain`` (S, P, D); per-country end values ``margin``,
        ``joining_gain``, ``accepted``, ``member``, ``control_cost_by_member``
        (S, P, N); scenario descriptors ``transactional_years``, ``credibility_final``
        (S,); and, with ``trajectories``, ``traj_<name>`` arrays.
    """
    v = scenarios.values
    S, P, N, D = scenarios.size, len(policies.names), inputs.n, len(DOMAINS)
    T = len(years)
    c, u = inputs.china, inputs.usa
    t_index = np.arange(T)

    depreciation = np.array([d.depreciation for d in DOMAINS])[None, :] * v[
        "depreciation_multiplier"
    ][:, None]
    complexity = np.array([d.complexity for d in DOMAINS])[None, :] * v["complexity_multiplier"][
        :, None
    ]
    ss_drift = v["ss_drift"][:, None] * np.array([d.ss_drift_factor for d in DOMAINS])[None, :]
    military_weight = np.array([d.military_weight for d in DOMAINS])
    mix = inputs.domain_mix(v["semis_share_of_world_rd"])  # (S, D, N)
    rd_intensity = inputs.rd / inputs.gdp
    base_output = inputs.gdp[None, :] * (1.0 + inputs.gdp_growth[None, :]) ** t_index[:, None]
    row_rd = inputs.row_rd * (1.0 + inputs.row_growth) ** t_index
    theta = (1.0 - v["productivity_decline"][:, None]) ** t_index[None, :]  # (S, T)

    k0 = initial_stocks(inputs.rd[None, None, :] * mix, depreciation, inputs.rd_growth)
    knowledge = np.repeat(k0[:, None], P, axis=1)  # (S, P, D, N)
    know_how = knowledge.copy()
    know_how[..., c] *= v["china_know_how_ratio"][:, None, None]
    capability = np.broadcast_to(inputs.capability, (S, P, N)).copy()
    members = np.broadcast_to(policies.members, (S, P, N)).copy()
    us_only = np.zeros(N, dtype=bool)
    us_only[u] = True
    holders = np.ones(N, dtype=bool)  # technology holders China could reach: all but China
    holders[c] = False
    margin = np.zeros((S, P, N))

    engaged = regime_paths(
        years, scenarios.election_draws, v["p_engaged_to_transactional"],
        v["p_transactional_to_engaged"],
    )
    institutional, credibility = credibility_paths(
        engaged, v["initial_institutional_credibility"], v["cred_decay"],
        v["cred_recovery_fraction"], v["w_inst"],
    )
    hedging = hedging_values(inputs, v["hedging_position"])
    logit_base = will_logit_base(inputs, v, hedging)
    reach = v["extraterritorial_reach"]
    r = v["weakest_link_exponent"]
    delta3 = depreciation[:, None, :]
    complexity3 = complexity[:, None, :]

    # status quo: US-only controls at the default stringency, at the start year
    will0 = will(logit_base, v["will_credibility"], credibility[:, 0], v["will_value"],
                 np.zeros((S, 1, N)), u)
    sq_members = np.broadcast_to(us_only, (S, 1, N))
    sq_target = np.full((1, D), _STATUS_QUO_STRINGENCY)
    sq_cover = control_coverage(
        achieved_stringency(sq_target, will0, sq_members),
        inputs.capability[None, None, :] * will0, sq_members, reach,
    )
    exclusion0 = 1.0 - access(sq_cover, k0[:, None], holders, v["holder_concentration"], r)
    frontier0 = k0.sum(axis=-1) - k0[..., c]
    relative0 = (k0[..., c] / frontier0)[:, None, :]

    capacity = np.repeat(exclusion0, P, axis=1)  # Z, (S, P, D)
    self_sufficiency = np.broadcast_to(
        np.array([d.self_sufficiency0 for d in DOMAINS]), (S, P, D)
    ).copy()
    china_rd0 = rd_intensity[c]
    china_rd = np.full((S, P), china_rd0)
    # the same China without exclusion (access 1, no denial), partners held as in the main run
    twin_k = knowledge[..., c].copy()
    twin_i = know_how[..., c].copy()
    twin_z = capacity.copy()
    twin_ss = self_sufficiency.copy()
    twin_rd = china_rd.copy()
    no_exclusion = np.zeros((S, P, D))
    full_access = np.ones((S, P, D))

    experience = base_output[0] / base_output[0].max()
    sources = base_output.copy()  # diffusion weights: every country's output but China's
    sources[:, c] = 0.0
    workspace = FlowWorkspace((S, P, D, N)) if kernels.compiled() else None
    friction_members = None
    population = inputs.population
    known_pop = np.isfinite(population)
    trajectory: dict[str, np.ndarray] = {}
    cumulative_absorbed = np.zeros((S, P))
    cumulative_rd = np.zeros((S, P))
    end: dict[str, np.ndarray] = {}

    def record(name: str, t: int, value: np.ndarray) -> None:
        if trajectories:
            if name not in trajectory:
                trajectory[name] = np.empty((*value.shape[:2], T, *value.shape[2:]))
            trajectory[name][:, :, t] = value
        if t == T - 1:
            end[name] = value

    for t in range(T):
        output = base_output[t]
        active = t >= policies.start_offset
        m = np.where(active[None, :, None], members, us_only)
        pool_share = np.where(active, policies.pool_share, 0.0)
        target = np.where(active[:, None], policies.stringency, _STATUS_QUO_STRINGENCY)
        building = np.where(active[:, None], policies.capacity_building, 0.0)
        th = theta[:, t]

        national_rd = np.broadcast_to(rd_intensity * output, (S, P, N)).copy()
        national_rd[..., c] = china_rd * output[c]
        keep = trajectories or t == T - 1  # outputs are recorded this year

        will_ = will(logit_base, v["will_credibility"], credibility[:, t], v["will_value"],
                     np.where(m, margin, 0.0), u)
        protection = capability * will_
        stringency = achieved_stringency(target, will_, m)
        us_factor = np.where(engaged[:, t], 1.0, v["us_pool_commitment_transactional"])
        share = pool_shares(m, pool_share, us_factor, u)
        leak = national_leak_rate(v["base_leak_rate"], protection)
        flows = domain_flows(
            FlowInputs(
                knowledge=knowledge, know_how=know_how, national_rd=national_rd, mix=mix,
                members=m, share=share, boost=pool_boost(m, v["synergy"]),
                stringency=stringency, binding=control_binding(protection, m, reach),
                holders=holders, concentration=v["holder_concentration"], exponent=r,
                leak=leak, theta=th, absorptive_multiple=v["absorptive_multiple"],
                output=output, size=sources[t], rate=v["diffusion"],
                allied=v["allied_diffusion"], depreciation=depreciation,
                complexity=complexity, learning_rate=v["learning_rate"],
                experience=experience, military_weight=military_weight,
            ),
            c, update=t < T - 1, outputs=keep, workspace=workspace,
        )
        access_ = flows.access
        exclusion = 1.0 - access_
        member_contribution = flows.contribution
        pool_leak = pool_leak_rate(leak, member_contribution, r)
        exposed = exposure(flows.stock_exposure, v["stock_leak_share"], pool_leak, th, flows.pool)
        frontier = flows.frontier
        leader = flows.leader
        china_k = knowledge[..., c]
        china_i = know_how[..., c]
        imitated, absorbed = china_model.imitation(
            china_k, china_i, frontier, leader, access_, exposed, complexity3,
            v["max_conversion"], v["absorption_exponent"], v["catch_up_rate"],
        )

        # E12 payoffs
        if friction_members is None or not np.array_equal(m, friction_members):
            # frictions change only with membership (policy starts and exits)
            friction_sum = _friction_sum(m, inputs, v["friction_position"])
            friction_members = m
        target_mean = target.mean(axis=-1)
        margin_now = margins_from_flows(
            flows.gain, member_contribution, flows.allied_bonus, flows.rd, th, target_mean,
            will_, m, reach, inputs.dependence, friction_sum, inputs.threat, credibility[:, t], v,
        )

        # state accumulated for the outputs
        alliance_rd = (national_rd * m).sum(axis=-1)
        cumulative_absorbed += absorbed.sum(axis=-1)
        cumulative_rd += alliance_rd
        if t == 0:
            domestic0, foreign0 = log_tfp_terms(knowledge, frontier, access_, c)

        # outputs: every year with trajectories, otherwise only the final year
        if keep:
            n_members = m.sum(axis=-1)
            realized_u = np.minimum(knowledge[..., u], know_how[..., u])
            realized_c = np.minimum(china_k, china_i)
            country_k = flows.country_knowledge
            record("alliance_rd_share", t, alliance_rd / (national_rd.sum(axis=-1) + row_rd[t]))
            record("alliance_knowledge_share", t, (country_k * m).sum(-1) / country_k.sum(-1))
            gap_k = np.log(frontier / np.maximum(china_k, 1e-12))
            gap_m = np.log(realized_u / np.maximum(realized_c, 1e-12))
            record("gap_knowledge_by_domain", t, gap_k)
            record("gap_capability_by_domain", t, gap_m)
            record("gap_knowledge", t, gap_k.mean(axis=-1))
            record("gap_capability", t, gap_m.mean(axis=-1))
            record("leakage_exposed", t, exposed.sum(axis=-1) / alliance_rd)
            record("leakage_absorbed", t, absorbed.sum(axis=-1) / alliance_rd)
            record("leakage_cumulative", t, cumulative_absorbed / cumulative_rd)
            record("achieved_stringency", t, stringency.mean(axis=-1))
            record("pool_leak_rate", t, pool_leak)
            record("exclusion", t, exclusion.mean(axis=-1))
            member_margins = np.where(m, margin_now, np.nan)
            non_us = m.copy()
            non_us[..., u] = False
            record("cohesion", t, ((margin_now >= 0) & m).sum(axis=-1) / n_members)
            lowest = np.where(non_us, margin_now, np.inf).min(axis=-1)
            record("min_margin", t, np.where(np.isfinite(lowest), lowest, np.nan))
            record("internally_stable", t, (~((margin_now < 0) & m).any(axis=-1)).astype(float))
            record("china_self_sufficiency_by_domain", t, self_sufficiency)
            record("china_self_sufficiency", t, self_sufficiency.mean(axis=-1))
            record("china_knowledge", t, china_k.sum(axis=-1))
            record("china_capability", t, realized_c.sum(axis=-1))
            record("china_knowledge_without_exclusion", t, twin_k.sum(axis=-1))
            record("backlash", t, np.log(china_k.sum(axis=-1) / twin_k.sum(axis=-1)))
            cost = v["trade_cost"][:, None, None] * stringency.mean(axis=-1)[..., None] * (
                inputs.dependence
            )
            record("control_cost", t, (cost * m).sum(axis=-1) / n_members)
            record("members_remaining", t, n_members.astype(float))

            domestic, foreign = (
                (domestic0, foreign0) if t == 0
                else log_tfp_terms(knowledge, frontier, access_, c)
            )
            tfp = np.exp(v["beta_domestic"][:, None, None] * (domestic - domestic0)
                         + v["beta_foreign"][:, None, None] * (foreign - foreign0))
            gdp = output * tfp
            economic = economic_power(gdp, population)
            military = flows.military
            coalition_pop = (m & known_pop) * np.where(known_pop, population, 0.0)
            coalition_gdp = (gdp * (m & known_pop)).sum(axis=-1)
            coalition_economic = coalition_gdp**2 / coalition_pop.sum(axis=-1)
            coalition_military = (military * m).sum(axis=-1)
            # composite power: geometric mean of the two components (normalising each by the
            # US at the start year cancels in the ratios reported here)
            china_power = np.sqrt(economic[..., c] * military[..., c])
            us_power = np.sqrt(economic[..., u] * military[..., u])
            coalition_power = np.sqrt(coalition_economic * coalition_military)
            record("power_ratio_china_us", t, china_power / us_power)
            record("power_ratio_china_coalition", t, china_power / coalition_power)

        if t == T - 1 and not external_stability:
            end["margin"] = member_margins
            end["member"] = m.copy()
            break
        if t == T - 1:
            rd = national_rd[:, :, None, :] * mix[:, None]
            gains = joining_gain(
                rd, rd * share[:, :, None, :], m, pool_share, target_mean, will_, reach,
                inputs.dependence, friction_sum, inputs.threat, credibility[:, t], v,
            )
            accepted = _acceptance(m, margin_now, will_, target_mean, inputs, v)
            candidates = ~m
            candidates[..., c] = False
            wants_in = candidates & (gains > 0) & accepted
            end["externally_stable"] = (~wants_in.any(axis=-1)).astype(float)
            end["margin"] = member_margins
            end["joining_gain"] = np.where(candidates, gains, np.nan)
            end["accepted"] = np.where(candidates, accepted, False)
            end["member"] = m.copy()
            end["control_cost_by_member"] = np.where(m, cost, np.nan)
            if trajectories:
                trajectory["externally_stable"] = np.full((S, P, T), np.nan)
                trajectory["externally_stable"][:, :, t] = end["externally_stable"]
            break

        # state update, year t -> t + 1
        new_knowledge = flows.knowledge
        new_knowledge[..., c] = china_model.knowledge_step(
            china_k, national_rd[..., c, None] * mix[:, None, :, c], th, delta3, v["denial"],
            exclusion, v["indigenization"], capacity, imitated,
        )
        new_know_how = flows.know_how
        new_know_how[..., c] = know_how_step(
            china_i, china_k, v["learning_rate"][:, None, None], complexity3, self_sufficiency
        )
        self_sufficiency = china_model.self_sufficiency_step(
            self_sufficiency, ss_drift[:, None, :], china_k / frontier, relative0,
            v["ss_exponent"], v["ss_exclusion_boost"], capacity, exclusion0,
        )
        china_rd = china_model.rd_intensity_step(
            china_rd, china_rd0, capacity, exclusion0, v["rd_response"], v["rd_adjustment"],
            v["rd_max"],
        )
        capacity = china_model.indigenous_capacity_step(
            capacity, exclusion, v["indigenization_lag"]
        )

        twin_imitated, _ = china_model.imitation(
            twin_k, twin_i, frontier, leader, full_access, exposed, complexity3,
            v["max_conversion"], v["absorption_exponent"], v["catch_up_rate"],
        )
        twin_rd_domain = (twin_rd * output[c])[..., None] * mix[:, None, :, c]
        new_twin_k = china_model.knowledge_step(
            twin_k, twin_rd_domain, th, delta3, v["denial"], no_exclusion, v["indigenization"],
            twin_z, twin_imitated,
        )
        twin_i = know_how_step(twin_i, twin_k, v["learning_rate"][:, None, None], complexity3,
                               twin_ss)
        twin_ss = china_model.self_sufficiency_step(
            twin_ss, ss_drift[:, None, :], twin_k / frontier, relative0, v["ss_exponent"],
            v["ss_exclusion_boost"], twin_z, exclusion0,
        )
        twin_rd = china_model.rd_intensity_step(
            twin_rd, china_rd0, twin_z, exclusion0, v["rd_response"], v["rd_adjustment"],
            v["rd_max"],
        )
        twin_z = china_model.indigenous_capacity_step(twin_z, no_exclusion, v["indigenization_lag"])
        twin_k = new_twin_k

        if building.any():  # capability moves only with capacity building
            capability = capability_step(capability, v["capacity_gain"], building[None])
        if workspace is not None:
            workspace.recycle(knowledge, know_how)
        knowledge, know_how = new_knowledge, new_know_how
        margin = np.where(m, margin_now, 0.0)

        # E12 exits at four-year reviews after the regime starts
        since = t + 1 - policies.start_offset
        review = (since > 0) & (since % 4 == 0)
        leaving = (
            m & (margin_now < 0) & review[None, :, None]
            & (scenarios.exit_draws[:, t, None, :] < v["exit_probability"][:, None, None])
        )
        leaving[..., u] = False
        members &= ~leaving

    result = {f"traj_{name}": value for name, value in trajectory.items()}
    result.update(end)
    for name in _DOMAIN_SCALARS:
        result[f"{name}_by_domain"] = end[f"{name}_by_domain"]
    result["transactional_years"] = (~engaged[:, 1:]).sum(axis=1).astype(float)
    result["credibility_final"] = credibility[:, -1]
    result["institutional_credibility_final"] = institutional[:, -1]
    result["traj_credibility"] = credibility
    result["traj_institutional_credibility"] = institutional
    result["traj_engaged"] = engaged
    return result


def _acceptance(
    members: np.ndarray,
    margin: np.ndarray,
    will_: np.ndarray,
    target_mean: np.ndarray,
    inputs: ModelInputs,
    v: dict[str, np.ndarray],
    *,
    use_compiled: bool = True,
) -> np.ndarray:
    """Whether the incumbents would accept each outsider (E12 external stability).

    An outsider ``i`` is accepted when no incumbent's margin would turn negative after
    paying the friction ``f_ij`` and the change in trade cost from the lower achieved
    stringency (first-order: pool effects of one more member are left out). The loop
    over outsiders runs compiled when numba is available (``use_compiled``).

    Returns
    -------
    ndarray of bool, shape (S, P, N)
    """
    S, P, N = members.shape
    least = np.where(members, will_, np.inf).min(axis=-1)
    least = np.where(np.isfinite(least), least, 0.0)
    friction = positioned(inputs.friction, inputs.friction_low, inputs.friction_high,
                          v["friction_position"])  # (S, N, N)
    incumbent_margin = np.where(members, np.nan_to_num(margin, nan=0.0), np.inf)
    if use_compiled:
        change = target_mean[..., None] * (np.minimum(least[..., None], will_) - least[..., None])
        accepted = kernels.acceptance(incumbent_margin, friction, v["friction_scale"],
                                      v["trade_cost"], inputs.dependence, change)
        if accepted is not None:
            return accepted
    accepted = np.zeros((S, P, N), dtype=bool)
    for i in range(N):
        change = target_mean * (np.minimum(least, will_[..., i]) - least)  # (S, P), <= 0
        after = (
            incumbent_margin
            - v["friction_scale"][:, None, None] * friction[:, None, i, :]
            - v["trade_cost"][:, None, None] * inputs.dependence * change[..., None]
        )
        accepted[..., i] = (after >= 0).all(axis=-1)
    return accepted


def simulate(
    world: World,
    scenarios: pd.DataFrame,
    policies: Sequence[Policy],
    *,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
    seed: int = 0,
    trajectories: bool = True,
    check_ranges: bool = True,
) -> xr.Dataset:
    """Run a batch of scenarios × policies on ``world`` in one vectorized call.

    Parameters
    ----------
    world : World
        Countries and their inputs (:func:`techbloc.world.load_world`).
    scenarios : DataFrame
        One row per scenario; the index holds global integer scenario ids, the columns
        any registered parameters (missing ones take their defaults).
    policies : sequence of Policy
    start_year, end_year : int
        First and last simulated year (inclusive).
    seed : int
        Root seed; scenario ``i`` draws from ``SeedSequence([seed, i])``.
    trajectories : bool
        Also return yearly values (dimension ``year``).
    check_ranges : bool
        Reject parameter values outside their registered ranges.

    Returns
    -------
    xarray.Dataset
        Dimensions ``scenario``, ``policy``, ``year``, ``domain``, ``country``.
        End-of-horizon scalar outcomes have dims exactly ``(scenario, policy)``;
        scenario descriptors ``(scenario,)``; trajectories carry ``year``.

    Examples
    --------
    >>> import pandas as pd
    >>> from techbloc import load_world, Coalition, Policy, simulate
    >>> world = load_world()
    >>> policy = Policy(Coalition.from_preset("forging_core"))
    >>> ds = simulate(world, pd.DataFrame(index=range(4)), [policy], end_year=2030)
    >>> float(ds.alliance_rd_share.sel(policy=policy.label).median()) > 0.3
    True
    """

    if end_year < start_year:
        raise InputError(f"end_year {end_year} is before start_year {start_year}")
    if not policies:
        raise InputError("at least one policy is needed")
    names = [p.label for p in policies]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"policy names must be unique; repeated: {', '.join(duplicated)}")
    inputs = prepare_inputs(world)
    years = np.arange(start_year, end_year + 1)
    batch = PolicyBatch.from_policies(world, policies, inputs, start_year)
    arrays = scenario_arrays(
        scenarios, seed=seed, n_years=len(years), n_countries=inputs.n, check_ranges=check_ranges
    )
    result = run_model(inputs, arrays, batch, years, trajectories=trajectories)
    return to_dataset(result, arrays.ids, batch.names, years, inputs.codes, scenarios)


def to_dataset(
    result: dict[str, np.ndarray],
    scenario_ids: np.ndarray,
    policy_names: Sequence[str],
    years: np.ndarray,
    codes: Sequence[str],
    scenarios: pd.DataFrame | None = None,
) -> xr.Dataset:
    """Label the arrays of :func:`run_model` as an :class:`xarray.Dataset`."""
    import xarray as xr

    domains = [d.name for d in DOMAINS]
    data: dict[str, tuple] = {}
    for name, value in result.items():
        if name.startswith("traj_"):
            base = name[len("traj_"):]
            if value.ndim == 2:  # (S, T) scenario trajectories
                data[f"{base}"] = (("scenario", "year"), value)
                continue
            dims = ("scenario", "policy", "year", "domain")[: value.ndim]
            data[f"{base}_trajectory"] = (dims, value)
        elif value.ndim == 1:
            data[name] = (("scenario",), value)
        elif value.ndim == 2:
            data[name] = (("scenario", "policy"), value)
        elif name.endswith("_by_domain"):
            data[name] = (("scenario", "policy", "domain"), value)
        else:
            data[name] = (("scenario", "policy", "country"), value)
    ds = xr.Dataset(
        data,
        coords={
            "scenario": np.asarray(scenario_ids),
            "policy": list(policy_names),
            "year": years,
            "domain": domains,
            "country": list(codes),
        },
    )
    for name, (description, unit) in SCALAR_OUTPUTS.items():
        if name in ds:
            ds[name].attrs.update(description=description, unit=unit)
    ds["transactional_years"].attrs.update(
        description="Years under a transactional US administration after the start year",
        unit="years",
    )
    ds["credibility_final"].attrs.update(description="US credibility in the final year", unit="0-1")
    ds["institutional_credibility_final"].attrs.update(
        description="Institutional credibility of US commitments in the final year", unit="0-1"
    )
    return ds
