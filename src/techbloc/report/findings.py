"""The decisive numbers of the report's four findings, each with its Monte Carlo uncertainty.

:func:`findings` computes, from a results store and nothing else, the one comparison each
question turns on, with a bootstrap interval over futures
(:mod:`techbloc.analysis.uncertainty`): (a) how every coalition preset leaves China against
US-only controls, which preset does best and whether its lead over the runner-up is larger
than the sampling error, and what adding South Korea changes; (b) how much full capacity
building cuts leakage through a low-will and a high-will partner, and which gains more;
(c) China's power relative to the US and how often its capability ends higher; (d) how
much more often members leave when the US spends more years transactional. No figure is
drawn here, so a seed-stability check can call it on two stores cheaply;
:mod:`techbloc.report.summary` turns the result into sentences. :func:`quoted` lists every
interval a sentence quotes, under a stable key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.analysis.uncertainty import Estimate, Lead, bootstrap, difference, lead
from techbloc.model.outputs import HEADLINE
from techbloc.report.questions import per_future

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.report.data import StoreData

__all__ = ["HEADLINE_ORDER", "findings", "headline_outcome", "quoted"]

#: The report leads with the first of these the store holds: the four comparisons with the
#: status quo at the head of the outputs registry's one headline order (China's capability
#: and power, the allies' capability lead, absolute knowledge last).
HEADLINE_ORDER: tuple[str, ...] = tuple(
    name for name in HEADLINE if name.endswith("_vs_status_quo")
)
_POWER = "power_ratio_china_us_vs_status_quo"


def headline_outcome(outcomes: pd.DataFrame) -> str:
    """The first outcome of :data:`HEADLINE_ORDER` present in ``outcomes``."""
    for name in HEADLINE_ORDER:
        if name in outcomes.columns:
            return name
    raise KeyError("the store holds none of the headline outcomes " + ", ".join(HEADLINE_ORDER))


def _lower_is_better(name: str) -> bool:
    from techbloc.model.outputs import Direction, find_output

    meta = find_output(name)
    return meta is None or meta.direction is not Direction.MAXIMIZE


def _who(data: StoreData, name: str, seed: int) -> dict[str, Any]:
    import pandas as pd

    out, roles = data.outcomes, data.roles
    presets = list(roles.presets)
    table = pd.DataFrame({p: per_future(out, p, name) for p in presets})
    estimates = {p: bootstrap(table[p], seed=seed + i) for i, p in enumerate(presets)}
    lower = _lower_is_better(name)
    result: dict[str, Any] = {
        "outcome": name,
        "lower_is_better": lower,
        "policies": estimates,
        "n": len(presets),
        "n_below": sum(e.high < 0 for e in estimates.values()),
        "n_above": sum(e.low > 0 for e in estimates.values()),
        "lead": lead(table, lower_is_better=lower, seed=seed) if len(presets) > 1 else None,
        "kor": None,
    }
    if roles.kor is not None:
        diff = per_future(out, roles.kor, name) - per_future(out, roles.core, name)
        result["kor"] = {
            "core": roles.core,
            "with": roles.kor,
            "change": bootstrap(diff, seed=seed),
        }
    return result


def _will(data: StoreData, seed: int) -> dict[str, Any] | None:
    import pandas as pd

    if data.countries is None or not data.roles.capacity:
        return None
    partners: list[dict[str, Any]] = []
    falls = {}
    for partner, off, on in data.roles.capacity:
        leak_off = data.country(off, partner, "leakage_to_china_by_country")
        leak_on = data.country(on, partner, "leakage_to_china_by_country")
        fall = 100 * (1 - leak_on / leak_off.where(leak_off > 0))
        falls[partner] = fall
        partners.append(
            {
                "partner": partner,
                "will": float(np.nanmedian(data.country(off, partner, "will"))),
                "fall": bootstrap(fall, seed=seed),
            }
        )
    partners.sort(key=lambda p: float(p["will"]))
    table = pd.DataFrame(falls)[[p["partner"] for p in partners]]
    return {
        "partners": partners,
        "lead": lead(table, seed=seed) if len(partners) > 1 else None,
    }


def _power(data: StoreData, name: str, seed: int) -> dict[str, Any]:
    out, policy = data.outcomes, data.roles.core
    return {
        "policy": policy,
        "power": bootstrap(per_future(out, policy, _POWER), seed=seed)
        if _POWER in out.columns
        else None,
        "stronger": bootstrap(per_future(out, policy, name) > 0, "share", seed=seed),
        "outcome": name,
    }


def _trust(data: StoreData, name: str, seed: int) -> dict[str, Any] | None:
    scenarios, out, roles = data.scenarios, data.outcomes, data.roles
    if "transactional_years" not in scenarios.columns:
        return None
    years = scenarios["transactional_years"].astype(float)
    lo_cut, hi_cut = (float(v) for v in np.percentile(years, [100 / 3, 200 / 3]))
    low, high = years[years <= lo_cut].index, years[years >= hi_cut].index
    if lo_cut == hi_cut or not len(low) or not len(high):
        return None
    policy = roles.widest
    members = len(roles.members.get(policy, ()))
    left = (per_future(out, policy, "members_remaining") < members).astype(float)
    china = per_future(out, policy, name)
    return {
        "policy": policy,
        "lo_cut": lo_cut,
        "hi_cut": hi_cut,
        "n_low": len(low),
        "n_high": len(high),
        "exit_high": bootstrap(left.reindex(high), "share", seed=seed),
        "exit_low": bootstrap(left.reindex(low), "share", seed=seed + 1),
        "exit_diff": difference(left.reindex(high), left.reindex(low), "mean", seed=seed),
        "china_diff": difference(china.reindex(high), china.reindex(low), seed=seed),
    }


def findings(data: StoreData, *, seed: int = 0) -> dict[str, Any]:
    """The decisive numbers of the four findings, with bootstrap intervals over futures.

    Parameters
    ----------
    data : StoreData
        What the report read from the store (:func:`techbloc.report.data.read_store`).
    seed : int
        Seed of the bootstrap resampling.

    Returns
    -------
    dict
        ``headline`` (the outcome the report leads with), ``end_year``, and ``who``,
        ``will``, ``power``, ``trust`` (``None`` when the study lacks the experiment),
        holding :class:`~techbloc.analysis.uncertainty.Estimate` and
        :class:`~techbloc.analysis.uncertainty.Lead` values.
    """
    name = headline_outcome(data.outcomes)
    return {
        "headline": name,
        "end_year": data.study.years.end,
        "who": _who(data, name, seed),
        "will": _will(data, seed),
        "power": _power(data, name, seed),
        "trust": _trust(data, name, seed),
    }


def quoted(result: dict[str, Any]) -> tuple[dict[str, Estimate], dict[str, Lead]]:
    """Every interval and every lead the summary quotes, under stable keys.

    Returns
    -------
    (dict of Estimate, dict of Lead)
    """
    estimates: dict[str, Estimate] = {}
    leads: dict[str, Lead] = {}
    who = result["who"]
    for policy, est in who["policies"].items():
        estimates[f"a.{policy}"] = est
    if who["lead"] is not None:
        leads["a.best"] = who["lead"]
    if who["kor"] is not None:
        estimates["a.kor"] = who["kor"]["change"]
    if result["will"] is not None:
        for p in result["will"]["partners"]:
            estimates[f"b.{p['partner']}"] = p["fall"]
        if result["will"]["lead"] is not None:
            leads["b.best"] = result["will"]["lead"]
    power = result["power"]
    if power["power"] is not None:
        estimates["c.power"] = power["power"]
    estimates["c.stronger"] = power["stronger"]
    if result["trust"] is not None:
        for key in ("exit_high", "exit_low", "exit_diff", "china_diff"):
            estimates[f"d.{key}"] = result["trust"][key]
    return estimates, leads
