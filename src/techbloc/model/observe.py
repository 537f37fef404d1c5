"""What the engine reports of a year: :func:`observe` (the outputs of one year),
:func:`accumulate` (the running sums behind cumulative outputs), :func:`final_outputs` (the
final year's per-country outputs) and :func:`outsiders` (outsiders' joining gains and
acceptance, E12, §9.1-§9.2).

The outputs are declared in :mod:`~techbloc.model.outputs`.
"""

from __future__ import annotations

import numpy as np

from techbloc.model import china as china_model
from techbloc.model.context import Context
from techbloc.model.knowledge import usable_knowledge
from techbloc.model.partners import joining_gain, member_cost_level
from techbloc.model.power import economic_power, log_tfp_terms
from techbloc.model.relative_gains import veto
from techbloc.model.state import EngineState, Year

__all__ = ["accumulate", "final_outputs", "observe", "outsiders"]


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


def accumulate(state: EngineState, year: Year, ctx: Context) -> None:
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
    cumulative["china_own"] += china_model.own_production(
        china_rd,
        ctx.theta[:, year.t],
        v["denial"],
        1.0 - flows.access,
        v["indigenization"],
        state.china.capacity,
        state.china.self_sufficiency,
    ).sum(axis=-1)
    cumulative["china_imitation"] += (year.imitated - absorbed).sum(axis=-1)
    cumulative["leakage_coalition"] += (absorbed * np.clip(share, 0.0, 1.0)).sum(axis=-1)
    m = year.members
    cumulative["production"] += ctx.theta[:, year.t, None] * (
        ((flows.rd - flows.contribution) * m).sum(axis=-1) + flows.pool.sum(axis=-1)
    )


def final_outputs(state: EngineState, year: Year, ctx: Context) -> dict[str, np.ndarray]:
    """Per-country outputs of the final year: margins, membership, will, protection and each
    country's leakage to China (arrays with leading axes (S, P))."""
    absorbed_share = np.where(
        year.exposed > 0, year.absorbed / np.where(year.exposed > 0, year.exposed, 1.0), 0.0
    )  # (S, P, D)
    return {
        "margin": np.where(year.members, year.margin, np.nan),
        "member": year.members.copy(),
        "will": year.will,
        "protection": year.protection,
        "leakage_to_china_by_country": ctx.values["stock_leak_share"][:, None, None]
        * (
            np.einsum("spdn,spd->spn", state.knowledge, absorbed_share)
            * np.where(ctx.holders, year.leak, 0.0)
        ),
    }


def outsiders(year: Year, ctx: Context, friction_sum: np.ndarray) -> dict[str, np.ndarray]:
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
