"""The report's per-question analyses: numbers, tables and figures from a results store.

Questions (a) and (b) here, (c) and (d) in :mod:`techbloc.report.power_trust`. Each
returns a dict for the template (figures already rendered through
:class:`techbloc.report.assets.Assets`) whose ``numbers`` entry holds the decisive values
:mod:`techbloc.report.answers` turns into sentences.
Percentiles are numpy's linear interpolation over futures (NaN left out); differences
between two policies are taken future by future (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.report import figures_questions as fq
from techbloc.report.arrays import mean, median, quantile, share
from techbloc.report.naming import policy_name

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.report.assets import Assets
    from techbloc.report.data import StoreData

__all__ = [
    "CASE_THRESHOLD",
    "HIGH_FRICTION",
    "N_SHAPLEY_FUTURES",
    "capability_will",
    "per_future",
    "quantiles",
    "who_is_in",
]

#: Futures counted as "high friction": sampled friction_position at or above this.
HIGH_FRICTION = 1 / 3
#: China "stronger than under the status quo": china_knowledge_vs_status_quo above this (0,
#: as the headline table's share of futures above 0 and the summary: one definition).
CASE_THRESHOLD = 0.0
#: Futures (the first of the store) over which Shapley values are computed.
N_SHAPLEY_FUTURES = 500
SHAPLEY_OUTCOMES = (
    ("alliance_rd_share", "R&D share, final year (share of world)"),
    ("leakage_to_china", "leakage to China, final year (PPP $bn/yr)"),
    ("cohesion", "cohesion, final year (0-1)"),
)


def quantiles(values: Any) -> dict[str, float]:
    """``p10``, ``p50``, ``p90`` (and ``n``) of finite values; NaN when there are none."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return {"p10": float("nan"), "p50": float("nan"), "p90": float("nan"), "n": 0}
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "n": len(v)}


def per_future(outcomes: pd.DataFrame, policy: str, column: str) -> pd.Series:
    """One outcome of one policy, indexed by scenario."""
    part = outcomes[outcomes["policy"] == policy]
    return part.set_index("scenario")[column].astype(float)


# -- (a) who is in -----------------------------------------------------------------------


def _shapley(data: StoreData) -> pd.DataFrame | None:
    from techbloc.analysis.shapley import model_game, shapley

    coalition = data.roles.kor or data.roles.core
    members = data.roles.members.get(coalition, ())
    if len(members) < 2 or len(members) > 9:
        return None
    varied = [p for p in data.study.varied() if p in data.scenarios.columns]
    futures = data.scenarios[varied].iloc[:N_SHAPLEY_FUTURES]
    game, players = model_game(
        data.study.load_world(),
        futures,
        members,
        outcomes=[o for o, _ in SHAPLEY_OUTCOMES],
        horizon="end",
        seed=data.seed,
        start_year=data.study.years.start,
        end_year=data.study.years.end,
    )
    table = shapley(game, players, method="exact")
    table["se"] = table["scenario_sd"] / np.sqrt(len(futures))
    table["n_futures"] = len(futures)
    table["coalition"] = coalition
    return table[["coalition", "outcome", "country", "value", "se", "scenario_sd", "n_futures"]]


def who_is_in(data: StoreData, stats: pd.DataFrame, colours: dict, assets: Assets) -> dict:
    """(a) Pareto view, Shapley contributions, the South Korea comparison, outsiders."""
    import pandas as pd

    roles, out = data.roles, data.outcomes
    shown = [p for p in roles.presets if p in stats.index]
    result: dict[str, Any] = {
        "figures": [],
        "numbers": {"end_year": data.study.years.end},
        "notes": [],
    }
    result["figures"].append(
        assets.figure(
            "fig_a1_pareto",
            fq.fig_pareto(
                stats.loc[shown].rename(index=policy_name),
                {policy_name(p): c for p, c in colours.items()},
            ),
            (
                "Each point is a coalition preset at the median over futures; the faint bar spans "
                "the 10th to 90th percentile of the horizontal quantity. Left: share of world R&D "
                "inside the coalition against the knowledge China absorbs through leakage (up and "
                "left is better). Right: the same share against cohesion (up and right is better). "
                "Variants (capacity building, stringency ladder) appear in their own sections."
            ),
        )
    )
    shap = _shapley(data)
    if shap is not None:
        assets.table("table_a_shapley", shap)
        result["shapley"] = shap
        result["figures"].append(
            assets.figure(
                "fig_a2_shapley",
                fq.fig_shapley(shap, SHAPLEY_OUTCOMES),
                (
                    "Shapley contribution of each member of "
                    f"{policy_name(shap['coalition'].iloc[0])} beyond "
                    "the USA alone: its average marginal effect over every order of joining, "
                    "from full model runs of all sub-coalitions (exact), averaged over the "
                    f"first {int(shap['n_futures'].iloc[0])} futures, in the final year with "
                    "exits on (not the one-year static game `techbloc shapley` plays by "
                    "default). Contributions add up to "
                    "the coalition's value minus the USA's alone; bars show the mean, whiskers "
                    "±1.96 standard errors of that mean across futures."
                ),
            )
        )
    else:
        result["notes"].append(
            "Shapley contributions are not shown: the coalition has "
            "fewer than 2 or more than 9 members."
        )
    if roles.kor is not None:
        diffs = pd.DataFrame(
            {
                "rd_points": 100
                * (
                    per_future(out, roles.kor, "alliance_rd_share")
                    - per_future(out, roles.core, "alliance_rd_share")
                ),
            }
        )
        for name in ("cohesion", "leakage_to_china", "china_knowledge_vs_status_quo"):
            diffs[name] = per_future(out, roles.kor, name) - per_future(out, roles.core, name)
        friction = data.scenarios.get("friction_position")
        diffs["high_friction"] = (
            (friction.reindex(diffs.index) >= HIGH_FRICTION).to_numpy()
            if friction is not None
            else False
        )
        assets.table("table_a_korea", diffs.reset_index())
        weaker = diffs["china_knowledge_vs_status_quo"] < 0
        high = diffs["high_friction"].astype(bool)
        result["numbers"]["kor"] = {
            "core": roles.core,
            "kor": roles.kor,
            "rd": quantiles(diffs["rd_points"]),
            "cohesion": quantiles(diffs["cohesion"]),
            "leakage": quantiles(diffs["leakage_to_china"]),
            "weaker": float(weaker.mean()),
            "n_high": int(high.sum()),
            "weaker_high": float(weaker[high].mean()) if high.any() else float("nan"),
            "kor_in": (
                float(data.country(roles.kor, "KOR", "member").mean())
                if data.countries is not None
                else float("nan")
            ),
        }
        result["figures"].append(
            assets.figure(
                "fig_a3_korea",
                fq.fig_kor(
                    diffs.assign(  # a difference of log ratios, shown as % change
                        china_knowledge_vs_status_quo=100
                        * np.expm1(diffs["china_knowledge_vs_status_quo"])
                    ),
                    [
                        ("rd_points", "R&D share (points)"),
                        ("cohesion", "cohesion (0-1)"),
                        ("leakage_to_china", "leakage (PPP $bn/yr)"),
                        ("china_knowledge_vs_status_quo", "China's knowledge (% change)"),
                    ],
                ),
                (
                    "What adding South Korea changes, future by future: "
                    f"{policy_name(roles.kor)} minus {policy_name(roles.core)} in "
                    f"{data.study.years.end}. Boxes span the 25th-75th "
                    "percentile, whiskers the 10th-90th, the line is the median; right of 0 "
                    "means the outcome is larger with Korea (better for R&D share and "
                    "cohesion, worse for leakage and for China's knowledge). Lower row: futures "
                    "in which every pairwise friction (Japan-Korea included) sits in the upper "
                    "third of its cited range."
                ),
            )
        )
    if data.countries is not None:
        table = data.countries.summary(
            roles.core,
            exclude=roles.members.get(roles.core, ()),
            accepted=mean("accepted"),
            joining_gain=median("joining_gain"),
            will=median("will"),
            wants=share("joining_gain > 0"),
            would_join=share("accepted::DOUBLE > 0.5 AND joining_gain > 0"),
        )
        table = table.sort_values(["accepted", "joining_gain"], ascending=False)
        assets.table("table_a_outsiders", table.reset_index())
        result["outsiders_table"] = table
        result["outsiders"] = [
            {"country": code, **{k: float(v) for k, v in row.items()}}
            for code, row in table.head(12).iterrows()
        ]
        result["numbers"]["outsiders"] = {
            "policy": roles.core,
            "top": [(r["country"], r["accepted"]) for r in result["outsiders"][:3]],
            "n_majority": int((table["accepted"] > 0.5).sum()),
            "n_outsiders": len(table),
        }
    return result


# -- (b) capability versus will ----------------------------------------------------------


def capability_will(data: StoreData, assets: Assets) -> dict:
    """(b) Members' capability against will, and the capacity-building experiment."""
    import pandas as pd

    roles = data.roles
    result: dict[str, Any] = {"figures": [], "numbers": {}, "notes": []}
    if data.countries is None:
        result["notes"].append("Not shown: the store holds no per-country outputs.")
        return result
    capability = data.study.load_world().model_inputs()["protection_capability"]
    members = [m for m in roles.members.get(roles.widest, ()) if m in capability.index]
    will = data.countries.summary(
        roles.widest,
        keys=members,
        will=median("will"),
        will_p10=quantile("will", 0.1),
        will_p90=quantile("will", 0.9),
    ).reindex(members)
    points = pd.DataFrame({"capability": capability.reindex(members)}).join(will)
    assets.table("table_b_capability_will", points.rename_axis("country").reset_index())
    result["figures"].append(
        assets.figure(
            "fig_b1_capability_will",
            fq.fig_capability_will(points),
            (
                f"Each member of {policy_name(roles.widest)} (the widest coalition studied): its "
                "protection "
                "capability, a model input built from the ITU Global Cybersecurity Index and the "
                "World Bank governance indicators (horizontal), against its will to protect shared "
                f"technology in {data.study.years.end}, a model output (vertical: median "
                "over futures, bar 10th-90th percentile). Protection is capability times will "
                "times effort, so a country low "
                "on either axis leaks."
            ),
        )
    )
    rows: dict[tuple[str, str], dict[str, float]] = {}
    numbers: list[dict[str, Any]] = []
    for partner, off, on in roles.capacity:
        leak_off = data.country(off, partner, "leakage_to_china_by_country")
        leak_on = data.country(on, partner, "leakage_to_china_by_country")
        fall = (1 - leak_on / leak_off.where(leak_off > 0)) * 100
        prot_off = data.country(off, partner, "protection")
        prot_on = data.country(on, partner, "protection")
        for setting, leak, prot in (("off", leak_off, prot_off), ("on", leak_on, prot_on)):
            q_l, q_p = quantiles(leak), quantiles(prot)
            rows[(partner, setting)] = {f"leak_{k}": q_l[k] for k in ("p10", "p50", "p90")} | {
                f"prot_{k}": q_p[k] for k in ("p10", "p50", "p90")
            }
        numbers.append(
            {
                "partner": partner,
                "off": off,
                "on": on,
                "will": quantiles(data.country(off, partner, "will"))["p50"],
                "fall": quantiles(fall),
                "fall_series": fall,
                "protection_gain": quantiles(prot_on - prot_off),
            }
        )
    if numbers:
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.names = ["partner", "capacity_building"]
        assets.table("table_b_capacity_building", table.reset_index())
        result["figures"].append(
            assets.figure(
                "fig_b2_capacity_building",
                fq.fig_capacity_building(table),
                (
                    "The capacity-building experiment: "
                    f"{policy_name(roles.core)} plus one partner, with "
                    "US-funded capacity building for that partner off and at full strength (1), "
                    "same futures. Left: knowledge China absorbs through leakage from the "
                    f"partner's stock in {data.study.years.end}; right: the partner's "
                    "protection. Dots are medians, bars the 10th-90th percentile."
                ),
            )
        )
        numbers.sort(key=lambda n: n["will"])
        result["numbers"]["capacity"] = numbers
    else:
        result["notes"].append(
            "The study has no capacity-building pair (the same coalition "
            "with capacity building off and on for one partner)."
        )
    return result
