"""Every output of the engine, declared once beside the function that computes it.

Each output is an :class:`~techbloc.model.output_spec.Output` (as EMA Workbench's
``ScalarOutcome``) registered, in reporting order, with its *reporter*: the function that
computes it from one year (a :class:`~techbloc.model.year_view.YearView`), as Mesa's
``DataCollector`` takes model reporters by name. :func:`~techbloc.model.observe.observe` is
a loop over :data:`OUTPUTS`; adding an output is one entry here and its test.

An output's ``stage`` says when the engine computes it: every recorded year (``year``),
the final year (``final``), once per run from the context (``scenario``), or with the
outsiders' joining gains (``outsiders``, computed together by
:func:`~techbloc.model.observe.outsiders`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from techbloc.model.output_spec import INFO, MAX, MIN, Direction, Kind, Output, Reporter, Stage
from techbloc.model.year_view import YearView

__all__ = ["OUTPUTS"]

_REGISTERED: list[Output] = []


def _declare(
    name: str,
    description: str,
    unit: str,
    kind: Kind = "scalar",
    direction: Direction = INFO,
    data: bool = False,
    *,
    stage: Stage = "year",
    reporter: Reporter | None = None,
) -> Output:
    """Register one output (names are unique)."""
    if any(o.name == name for o in _REGISTERED):
        raise ValueError(f"output {name!r} is registered twice")
    if (reporter is None) != (stage == "outsiders"):
        raise ValueError(
            f"output {name!r}: a reporter computes every output but the outsiders' "
            "(stage 'outsiders', computed together by techbloc.model.observe.outsiders)"
        )
    out = Output(name, description, unit, kind, direction, data, stage=stage, reporter=reporter)
    _REGISTERED.append(out)
    return out


def _output(
    name: str,
    description: str,
    unit: str,
    kind: Kind = "scalar",
    direction: Direction = INFO,
    data: bool = False,
    *,
    stage: Stage = "year",
) -> Callable[[Reporter], Reporter]:
    """Register the decorated function as the reporter of a new output."""

    def register(reporter: Reporter) -> Reporter:
        _declare(name, description, unit, kind, direction, data, stage=stage, reporter=reporter)
        return reporter

    return register


@_output("alliance_rd_share", "Coalition share of world R&D flow", "share", direction=MAX)
def _alliance_rd_share(y: YearView) -> np.ndarray:
    return np.asarray(y.alliance_rd / y.world_rd)


@_output(
    "alliance_knowledge_share",
    "Coalition share of modelled countries' knowledge stock",
    "share",
    direction=MAX,
)
def _alliance_knowledge_share(y: YearView) -> np.ndarray:
    # the shared stock counted once, as the coalition's (v4)
    k = y.country_knowledge
    return np.asarray(((k * y.members).sum(-1) + y.shared_total) / (k.sum(-1) + y.shared_total))


@_output("china_rd_share", "China's share of world R&D flow", "share", direction=MIN)
def _china_rd_share(y: YearView) -> np.ndarray:
    return np.asarray(y.year.national_rd[..., y.china] / y.world_rd)


@_output(
    "china_rd_intensity",
    "China's R&D flow / its GDP (baseline path), its E8 response included; capped at the "
    "highest observed R&D intensity",
    "share",
)
def _china_rd_intensity(y: YearView) -> np.ndarray:
    c, t = y.china, y.t
    gdp = y.ctx.output[t, c] * y.ctx.gdp_ratio[:, t, c]  # (S,) the future's GDP path
    return np.asarray(y.year.national_rd[..., c] / gdp[:, None])


@_output("rd_ratio_china_us", "China's R&D flow / the US's", "ratio", direction=MIN)
def _rd_ratio_china_us(y: YearView) -> np.ndarray:
    return np.asarray(y.year.national_rd[..., y.china] / y.year.national_rd[..., y.usa])


@_output(
    "china_knowledge_production_share",
    "China's share of the modelled countries' knowledge production from R&D this year "
    "(its own production after denial and indigenization; others' own R&D and the "
    "pool's output, counted once)",
    "share",
    direction=MIN,
)
def _china_knowledge_production_share(y: YearView) -> np.ndarray:
    # China's own production against every other modelled country's own R&D plus the
    # pool's output, counted once (issue 19)
    flows, c = y.flows, y.china
    own = y.china_own_production.sum(axis=-1)
    others = np.delete(flows.rd - flows.contribution, c, axis=-1).sum(axis=-1)
    produced = y.ctx.theta[:, y.t, None] * (others + flows.pool.sum(axis=-1))
    return np.asarray(own / (own + produced))


@_output("gap_knowledge", "ln(K_F / K_China), mean over domains", "log ratio", direction=MAX)
def _gap_knowledge(y: YearView) -> np.ndarray:
    return np.asarray(y.gap_knowledge_by_domain.mean(axis=-1))


@_output("gap_capability", "ln(M_US / M_China), mean over domains", "log ratio", direction=MAX)
def _gap_capability(y: YearView) -> np.ndarray:
    return np.asarray(y.gap_capability_by_domain.mean(axis=-1))


@_output(
    "leakage_to_china",
    "Knowledge China absorbed through leakage this year, from every "
    "country's stock and the shared pool stock",
    "PPP $bn/yr",
    direction=MIN,
)
def _leakage_to_china(y: YearView) -> np.ndarray:
    return np.asarray(y.year.absorbed.sum(axis=-1))


@_output(
    "leakage_to_china_cumulative",
    "Knowledge China absorbed through leakage since the start",
    "PPP $bn",
    direction=MIN,
)
def _leakage_to_china_cumulative(y: YearView) -> np.ndarray:
    return y.cumulative.leakage


@_output(
    "leakage_share",
    "Absorbed leakage from coalition members' stocks and the shared stock "
    "since the start / the coalition's knowledge production since the start",
    "share",
    direction=MIN,
)
def _leakage_share(y: YearView) -> np.ndarray:
    return np.asarray(y.cumulative.leakage_coalition / np.maximum(y.cumulative.production, 1e-12))


@_output(
    "leakage_exposed",
    "Knowledge exposed to China this year / coalition R&D",
    "x coalition R&D",
    direction=MIN,
)
def _leakage_exposed(y: YearView) -> np.ndarray:
    return np.asarray(y.year.exposed.sum(axis=-1) / y.alliance_rd)


@_output(
    "leakage_absorbed",
    "Exposed knowledge China absorbed this year / coalition R&D",
    "x coalition R&D",
    direction=MIN,
)
def _leakage_absorbed(y: YearView) -> np.ndarray:
    return np.asarray(y.year.absorbed.sum(axis=-1) / y.alliance_rd)


@_output(
    "achieved_stringency",
    "Achieved export-control stringency, mean over domains",
    "0-1",
    direction=MAX,
)
def _achieved_stringency(y: YearView) -> np.ndarray:
    return np.asarray(y.year.stringency.mean(axis=-1))


@_output(
    "pool_leak_rate",
    "Annual leak rate of the joint pool (weakest-link power mean)",
    "1/yr",
    direction=MIN,
)
def _pool_leak_rate(y: YearView) -> np.ndarray:
    return y.year.pool_leak


@_output(
    "exclusion",
    "China's exclusion from foreign technology (1 - access), domain mean",
    "0-1",
    direction=MAX,
)
def _exclusion(y: YearView) -> np.ndarray:
    return np.asarray(1.0 - y.flows.access.mean(axis=-1))


@_output(
    "cohesion", "Share of members whose membership margin is non-negative", "share", direction=MAX
)
def _cohesion(y: YearView) -> np.ndarray:
    return np.asarray(((y.year.margin >= 0) & y.members).sum(axis=-1) / y.n_members)


@_output(
    "min_margin",
    "Lowest membership margin among members (US excluded)",
    "dimensionless",
    direction=MAX,
)
def _min_margin(y: YearView) -> np.ndarray:
    non_us = y.members.copy()
    non_us[..., y.usa] = False
    lowest = np.where(non_us, y.year.margin, np.inf).min(axis=-1)
    return np.where(np.isfinite(lowest), lowest, np.nan)


@_output("internal_stability", "1 if every member's margin is non-negative", "0/1", direction=MAX)
def _internal_stability(y: YearView) -> np.ndarray:
    return np.asarray((~((y.year.margin < 0) & y.members).any(axis=-1)).astype(float))


_declare(
    "external_stability",
    "1 if no outsider would both gain by joining and be accepted",
    "0/1",
    direction=MAX,
    stage="outsiders",
)


@_output(
    "china_self_sufficiency", "China's self-sufficiency, mean over domains", "share", direction=MIN
)
def _china_self_sufficiency(y: YearView) -> np.ndarray:
    return np.asarray(y.state.china.self_sufficiency.mean(axis=-1))


@_output("china_knowledge", "China's knowledge stock, all domains", "PPP $bn", direction=MIN)
def _china_knowledge(y: YearView) -> np.ndarray:
    return y.china_knowledge


@_output(
    "china_knowledge_share",
    "China's share of the modelled countries' knowledge stocks, all domains",
    "share",
    direction=MIN,
)
def _china_knowledge_share(y: YearView) -> np.ndarray:
    k = y.country_knowledge
    return np.asarray(k[..., y.china] / k.sum(axis=-1))


@_output(
    "china_capability",
    "China's realized capability min(K, I), all domains",
    "PPP $bn",
    direction=MIN,
)
def _china_capability(y: YearView) -> np.ndarray:
    return y.china_capability


@_output(
    "china_gain_own_rd_cumulative",
    "Knowledge China produced with its own R&D since the start (after denial and indigenization)",
    "PPP $bn",
)
def _china_gain_own_rd_cumulative(y: YearView) -> np.ndarray:
    return y.cumulative.china_own


@_output(
    "china_gain_imitation_cumulative",
    "Knowledge China imitated from accessible foreign technology since the start (legal "
    "catch-up; leakage is leakage_to_china_cumulative)",
    "PPP $bn",
)
def _china_gain_imitation_cumulative(y: YearView) -> np.ndarray:
    return y.cumulative.china_imitation


@_output(
    "china_knowledge_without_exclusion",
    "China's knowledge with access 1 and no denial, partners held as in the main run",
    "PPP $bn",
)
def _china_knowledge_without_exclusion(y: YearView) -> np.ndarray:
    return np.asarray(y.state.twin.knowledge.sum(axis=-1))


@_output(
    "china_knowledge_vs_status_quo",
    "ln(China's knowledge under the policy / under the "
    "status quo, same future); > 0: the policy leaves China stronger",
    "log ratio",
    direction=MIN,
)
def _china_knowledge_vs_status_quo(y: YearView) -> np.ndarray:
    return np.asarray(np.log(y.china_knowledge / y.china_knowledge[:, -1:]))


@_output(
    "china_capability_vs_status_quo",
    "ln(China's realized capability under the policy / under the status quo, same future)",
    "log ratio",
    direction=MIN,
)
def _china_capability_vs_status_quo(y: YearView) -> np.ndarray:
    return np.asarray(np.log(y.china_capability / y.china_capability[:, -1:]))


@_output(
    "power_ratio_china_us_vs_status_quo",
    "ln(China/US composite power under the policy / under the status quo, same future)",
    "log ratio",
    direction=MIN,
)
def _power_ratio_china_us_vs_status_quo(y: YearView) -> np.ndarray:
    ratio = y.power_ratio_china_us
    return np.asarray(np.log(ratio / ratio[:, -1:]))


@_output(
    "capability_gap_vs_status_quo",
    "Change in ln(coalition capability / China's) against "
    "the status quo, same future; > 0: the coalition's lead widened",
    "log ratio",
    direction=MAX,
)
def _capability_gap_vs_status_quo(y: YearView) -> np.ndarray:
    # realized capability of the coalition's members, under the policy and the status quo
    # (v4: members realize what they can use of the shared stock, not a national copy)
    realized = y.realized
    coalition = (realized * y.members).sum(axis=-1)
    coalition_sq = (realized[:, -1:] * y.members).sum(axis=-1)
    china = y.china_capability
    return np.asarray(np.log(coalition / china) - np.log(coalition_sq / china[:, -1:]))


@_output(
    "backlash_exclusion",
    "ln(China's knowledge with exclusion / without it, frontier held); "
    "> 0: exclusion alone backfired",
    "log ratio",
    direction=MIN,
)
def _backlash_exclusion(y: YearView) -> np.ndarray:
    return np.asarray(np.log(y.china_knowledge / y.state.twin.knowledge.sum(axis=-1)))


@_output(
    "power_ratio_china_us", "China's composite power / US composite power", "ratio", direction=MIN
)
def _power_ratio_china_us(y: YearView) -> np.ndarray:
    return y.power_ratio_china_us


@_output(
    "power_ratio_china_coalition",
    "China's composite power / coalition composite power",
    "ratio",
    direction=MIN,
)
def _power_ratio_china_coalition(y: YearView) -> np.ndarray:
    population = y.ctx.inputs.population
    known = np.isfinite(population)
    m = y.members
    coalition_pop = ((m & known) * np.where(known, population, 0.0)).sum(axis=-1)
    economic = (y.gdp * (m & known)).sum(axis=-1) ** 2 / coalition_pop
    military = (y.military * m).sum(axis=-1)
    return np.asarray(y.china_power / np.sqrt(economic * military))


@_output(
    "control_cost",
    "Mean cost of controls per member (trade_cost x stringency x dependence)",
    "dimensionless",
    direction=MIN,
)
def _control_cost(y: YearView) -> np.ndarray:
    return np.asarray((y.control_cost * y.members).sum(axis=-1) / y.n_members)


@_output("members_remaining", "Coalition members (USA included) after exits", "count")
def _members_remaining(y: YearView) -> np.ndarray:
    return y.n_members.astype(float)


@_output("gap_knowledge_by_domain", "ln(K_F / K_China) per domain", "log ratio", "domain")
def _gap_knowledge_by_domain(y: YearView) -> np.ndarray:
    return y.gap_knowledge_by_domain


@_output("gap_capability_by_domain", "ln(M_US / M_China) per domain", "log ratio", "domain")
def _gap_capability_by_domain(y: YearView) -> np.ndarray:
    return y.gap_capability_by_domain


@_output(
    "china_self_sufficiency_by_domain", "China's self-sufficiency per domain", "share", "domain"
)
def _china_self_sufficiency_by_domain(y: YearView) -> np.ndarray:
    return y.state.china.self_sufficiency


@_output(
    "margin",
    "Membership margin V_i(C) - V_i(C minus i) of each member (NaN outside)",
    "dimensionless",
    "country",
    stage="final",
)
def _margin(y: YearView) -> np.ndarray:
    return np.where(y.members, y.year.margin, np.nan)


_declare(
    "joining_gain",
    "What each outsider would gain by joining, V_j(C plus j) - V_j(C)",
    "dimensionless",
    "country",
    stage="outsiders",
)


_declare(
    "accepted",
    "1 if no incumbent's payoff would fall (beyond veto_tolerance) were the outsider to join",
    "0/1",
    "country",
    stage="outsiders",
)


@_output(
    "member", "1 if the country is a member in the final year", "0/1", "country", stage="final"
)
def _member(y: YearView) -> np.ndarray:
    return y.members.copy()


@_output("will", "Willingness to protect shared technology (E10)", "0-1", "country", stage="final")
def _will(y: YearView) -> np.ndarray:
    return y.year.will


@_output(
    "protection", "Protection p = capability x will x effort (E10)", "0-1", "country", stage="final"
)
def _protection(y: YearView) -> np.ndarray:
    return y.year.protection


@_output(
    "control_cost_by_member",
    "Cost of controls of each member",
    "dimensionless",
    "country",
    stage="final",
)
def _control_cost_by_member(y: YearView) -> np.ndarray:
    return np.where(y.members, y.control_cost, np.nan)


@_output(
    "leakage_to_china_by_country",
    "Knowledge China absorbed through leakage from each "
    "country's stock in the final year (the shared stock's part is not assigned)",
    "PPP $bn/yr",
    "country",
    stage="final",
)
def _leakage_to_china_by_country(y: YearView) -> np.ndarray:
    year = y.year
    absorbed_share = np.where(
        year.exposed > 0, year.absorbed / np.where(year.exposed > 0, year.exposed, 1.0), 0.0
    )  # (S, P, D)
    return np.asarray(
        y.params.stock_leak_share[:, None, None]
        * (
            np.einsum("spdn,spd->spn", y.state.knowledge, absorbed_share)
            * np.where(y.ctx.holders, year.leak, 0.0)
        )
    )


@_output(
    "transactional_years",
    "Years under a transactional US administration after the start year",
    "years",
    "scenario",
    data=True,
    stage="scenario",
)
def _transactional_years(y: YearView) -> np.ndarray:
    return np.asarray((~y.ctx.engaged[:, 1:]).sum(axis=1).astype(float))


@_output(
    "credibility_final",
    "US credibility in the final year",
    "0-1",
    "scenario",
    data=True,
    stage="scenario",
)
def _credibility_final(y: YearView) -> np.ndarray:
    return y.ctx.credibility[:, -1]


@_output(
    "institutional_credibility_final",
    "Institutional credibility of US commitments in the final year",
    "0-1",
    "scenario",
    data=True,
    stage="scenario",
)
def _institutional_credibility_final(y: YearView) -> np.ndarray:
    return y.ctx.institutional[:, -1]


@_output("credibility", "US credibility each year", "0-1", "scenario", data=True, stage="scenario")
def _credibility(y: YearView) -> np.ndarray:
    return y.ctx.credibility


@_output(
    "institutional_credibility",
    "Institutional credibility each year",
    "0-1",
    "scenario",
    data=True,
    stage="scenario",
)
def _institutional_credibility(y: YearView) -> np.ndarray:
    return y.ctx.institutional


@_output(
    "engaged",
    "1 in years under an engaged US administration",
    "0/1",
    "scenario",
    data=True,
    stage="scenario",
)
def _engaged(y: YearView) -> np.ndarray:
    return y.ctx.engaged


#: Every output of the engine, in reporting order.
OUTPUTS: tuple[Output, ...] = tuple(_REGISTERED)
