"""The report's per-question analyses: numbers, tables and figures from a results store.

One function per question of MODEL.md section 1. Each returns a dict for the template
(figures already rendered through :class:`techbloc.report.assets.Assets`) whose ``numbers``
entry holds the decisive values :mod:`techbloc.report.answers` turns into sentences.
Percentiles are numpy's linear interpolation over futures (NaN left out); differences
between two policies are taken future by future (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.report import figures_questions as fq

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
    "technology_power",
    "us_reliability",
    "who_is_in",
]

#: Futures counted as "high friction": sampled friction_position at or above this.
HIGH_FRICTION = 1 / 3
#: China "stronger than under the status quo": china_knowledge_vs_status_quo above this.
CASE_THRESHOLD = 0.01
#: Futures (the first of the store) over which Shapley values are computed.
N_SHAPLEY_FUTURES = 200
SHAPLEY_OUTCOMES = (
    ("alliance_rd_share", "R&D share, 2050 (share of world)"),
    ("leakage_to_china", "leakage to China, 2050 (PPP $bn/yr)"),
    ("cohesion", "cohesion, 2050 (0-1)"),
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


def _country(data: StoreData, policy: str, country: str, column: str) -> pd.Series:
    c = data.countries
    part = c[(c["policy"] == policy) & (c["country"] == country)]
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
        seed=int(data.manifest.get("seed") or 0),
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
    result: dict[str, Any] = {"figures": [], "numbers": {}, "notes": []}
    result["figures"].append(
        assets.figure(
            "fig_a1_pareto",
            fq.fig_pareto(stats.loc[shown], colours),
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
                    f"Shapley contribution of each member of {shap['coalition'].iloc[0]} beyond "
                    "the USA alone: its average marginal effect over every order of joining, "
                    "from full model runs of all sub-coalitions (exact), averaged over the "
                    f"first {int(shap['n_futures'].iloc[0])} futures. Contributions add up to "
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
        }
        result["figures"].append(
            assets.figure(
                "fig_a3_korea",
                fq.fig_kor(
                    diffs,
                    [
                        ("rd_points", "R&D share (points)"),
                        ("cohesion", "cohesion (0-1)"),
                        ("leakage_to_china", "leakage (PPP $bn/yr)"),
                        ("china_knowledge_vs_status_quo", "China vs status quo (ln)"),
                    ],
                ),
                (
                    f"What adding South Korea changes, future by future: {roles.kor} minus "
                    f"{roles.core} in 2050. Boxes span the 25th-75th percentile, whiskers the "
                    "10th-90th, the line is the median; right of 0 means the outcome is larger with "
                    "Korea (better for R&D share and cohesion, worse for leakage and for China's "
                    "knowledge). Lower row: futures with friction_position ≥ 0.33 (every pairwise "
                    "friction, Japan-Korea included, towards the high end of its cited range)."
                ),
            )
        )
    if data.countries is not None:
        c = data.countries[data.countries["policy"] == roles.core]
        outsiders = c[~c["country"].isin(roles.members.get(roles.core, ()))]
        table = outsiders.groupby("country").agg(
            accepted=("accepted", "mean"),
            joining_gain=("joining_gain", "median"),
            will=("will", "median"),
        )
        table["would_join"] = (
            outsiders.assign(both=(outsiders["accepted"] > 0.5) & (outsiders["joining_gain"] > 0))
            .groupby("country")["both"]
            .mean()
        )
        table = table.sort_values(["accepted", "joining_gain"], ascending=False)
        assets.table("table_a_outsiders", table.reset_index())
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
    c = data.countries[data.countries["policy"] == roles.widest]
    will = c[c["country"].isin(members)].groupby("country")["will"]
    points = pd.DataFrame(
        {
            "capability": capability.reindex(members),
            "will": will.median().reindex(members),
            "will_p10": will.quantile(0.1).reindex(members),
            "will_p90": will.quantile(0.9).reindex(members),
        }
    )
    assets.table("table_b_capability_will", points.rename_axis("country").reset_index())
    result["figures"].append(
        assets.figure(
            "fig_b1_capability_will",
            fq.fig_capability_will(points),
            (
                f"Each member of {roles.widest} (the widest coalition studied): its protection "
                "capability, a model input built from the ITU Global Cybersecurity Index and the "
                "World Bank governance indicators (horizontal), against its will to protect shared "
                "technology in 2050, a model output (vertical: median over futures, bar 10th-90th "
                "percentile). Protection is capability times will times effort, so a country low "
                "on either axis leaks."
            ),
        )
    )
    rows, numbers = {}, []
    for partner, off, on in roles.capacity:
        leak_off = _country(data, off, partner, "leakage_to_china_by_country")
        leak_on = _country(data, on, partner, "leakage_to_china_by_country")
        fall = (1 - leak_on / leak_off.where(leak_off > 0)) * 100
        prot_off = _country(data, off, partner, "protection")
        prot_on = _country(data, on, partner, "protection")
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
                "will": quantiles(_country(data, off, partner, "will"))["p50"],
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
                    "The capacity-building experiment: forging_core plus one partner, with "
                    "US-funded capacity building for that partner off and at full strength (1), "
                    "same futures. Left: knowledge China absorbs through leakage from the "
                    "partner's stock in 2050; right: the partner's protection. Dots are medians, "
                    "bars the 10th-90th percentile."
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


# -- (c) technology versus power -----------------------------------------------------------


def _fan(paths: pd.DataFrame, policy: str) -> pd.DataFrame:
    import pandas as pd

    part = paths[paths["policy"] == policy]
    table = part.pivot_table(
        index="year",
        columns="scenario",
        values="china_knowledge_vs_status_quo_trajectory",
        aggfunc="first",
    )
    q = np.nanpercentile(table.to_numpy(float), [10, 25, 50, 75, 90], axis=1)
    return pd.DataFrame(q.T, index=table.index, columns=["p10", "p25", "p50", "p75", "p90"])


def technology_power(data: StoreData, colours: dict, assets: Assets) -> dict:
    """(c) China vs the status quo over time, per-domain gaps, the stringency ladder."""
    roles = data.roles
    result: dict[str, Any] = {"figures": [], "numbers": {}, "notes": []}
    share = {
        p: float(
            (per_future(data.outcomes, p, "china_knowledge_vs_status_quo") > CASE_THRESHOLD).mean()
        )
        for p in data.policies
    }
    result["numbers"]["share_end"] = share
    if data.china_paths is not None:
        fans = {
            p: _fan(data.china_paths, p)
            for p in dict.fromkeys([roles.core, roles.kor, roles.widest])
            if p
        }
        result["figures"].append(
            assets.figure(
                "fig_c1_china_fan",
                fq.fig_china_fan(fans, colours),
                (
                    "China's knowledge under the coalition relative to the status quo (US-only "
                    "controls) in the same future, ln ratio, year by year: median line, darker band "
                    "25th-75th, lighter band 10th-90th percentile over futures. Above 0, the "
                    "alliance base leaves China with more knowledge than the status quo would."
                ),
            )
        )
        if roles.ladder:
            cp = data.china_paths
            cp = cp[cp["policy"].isin([p for _, p in roles.ladder])]
            shares = cp.assign(
                case=cp["china_knowledge_vs_status_quo_trajectory"] > CASE_THRESHOLD
            ).pivot_table(index="year", columns="policy", values="case", aggfunc="mean")[
                [p for _, p in roles.ladder]
            ]
            assets.table("table_c_ladder_by_year", shares.reset_index())
            result["numbers"]["ladder"] = [(s, p, share[p]) for s, p in roles.ladder]
            mid = int(min(shares.index, key=lambda y: abs(y - 2030)))
            top = roles.ladder[-1][1]
            result["numbers"]["over_time"] = {
                "policy": top,
                "stringency": roles.ladder[-1][0],
                "early_year": mid,
                "early": float(shares.loc[mid, top]),
                "late_year": int(shares.index[-1]),
                "late": float(shares[top].iloc[-1]),
            }
            result["figures"].append(
                assets.figure(
                    "fig_c2_stringency_ladder",
                    fq.fig_stringency_ladder(shares, colours),
                    (
                        f"The control-stringency ladder on {roles.core}'s members: share of "
                        "futures in which China's knowledge exceeds the status quo's by more "
                        "than 1% (ln ratio > 0.01), year by year, one line per uniform control "
                        "stringency (0 none, 1 total)."
                    ),
                )
            )
    else:
        result["notes"].append("No trajectories were stored: the paths over time are not shown.")
    if data.domain_gap is not None:
        wanted = [p for p in dict.fromkeys([roles.core, roles.kor, roles.widest]) if p]
        dg = data.domain_gap[data.domain_gap["policy"].isin(wanted)]
        table = dg.pivot_table(
            index="domain", columns="policy", values="gap_capability_by_domain", aggfunc="median"
        )[wanted]
        assets.table("table_c_domain_gap", table.reset_index())
        result["figures"].append(
            assets.figure(
                "fig_c3_domain_gap",
                fq.fig_domain_gap(table, colours),
                (
                    "The coalition's realized capability over China's, by technology domain in "
                    "2050 (ln ratio; median over futures). Right of 0 the coalition leads; the "
                    "wider the coalition, the further right, but complex domains keep the widest "
                    "lead."
                ),
            )
        )
    result["notes"].append(
        "The decomposition of China's knowledge gains into own R&D, imitation and leakage "
        "is not shown: the model records leakage to China (above) and China's total "
        "knowledge, but not its own-R&D and imitation flows separately."
    )
    return result


# -- (d) US reliability ------------------------------------------------------------------------


def us_reliability(data: StoreData, assets: Assets) -> dict:
    """(d) Credibility paths by regime history; cohesion and exits against transactional years."""
    import pandas as pd

    roles, out = data.roles, data.outcomes
    result: dict[str, Any] = {"figures": [], "numbers": {}, "notes": []}
    if "transactional_years" not in data.scenarios.columns:
        result["notes"].append("Not shown: the store has no transactional_years.")
        return result
    ty = data.scenarios["transactional_years"].astype(float)
    lo_cut, hi_cut = (float(v) for v in np.percentile(ty, [100 / 3, 200 / 3]))
    low, high = ty[ty <= lo_cut].index, ty[ty >= hi_cut].index
    if lo_cut == hi_cut or not len(low) or not len(high):
        result["notes"].append("Transactional years hardly vary across these futures.")
        return result
    if data.credibility is not None:
        groups = {}
        for label, ids in (
            (f"≤ {lo_cut:.0f} (n={len(low)})", low),
            (f"≥ {hi_cut:.0f} (n={len(high)})", high),
        ):
            part = data.credibility[data.credibility["scenario"].isin(ids)]
            table = part.pivot_table(index="year", columns="scenario", values="credibility")
            q = np.nanpercentile(table.to_numpy(float), [10, 50, 90], axis=1)
            groups[label] = pd.DataFrame(q.T, index=table.index, columns=["p10", "p50", "p90"])
        result["figures"].append(
            assets.figure(
                "fig_d1_credibility",
                fq.fig_credibility_by_regime(groups),
                (
                    "US credibility year by year (0-1), futures split by the years they spend "
                    "under a transactional US administration (lower and upper third): median "
                    "line and 10th-90th percentile band."
                ),
            )
        )
    table = pd.DataFrame(
        {
            "transactional_years": ty,
            "cohesion": per_future(out, roles.core, "cohesion"),
            "members_remaining": per_future(out, roles.core, "members_remaining"),
        }
    ).dropna()
    result["figures"].append(
        assets.figure(
            "fig_d2_cohesion_exits",
            fq.fig_cohesion_exits(table, roles.core),
            (
                f"Cohesion (members with a non-negative margin) and members remaining after exits "
                f"under {roles.core} in 2050, against the years the future spends under a "
                "transactional US administration: median over the futures with that many years, "
                "band 10th-90th percentile."
            ),
        )
    )
    numbers: dict[str, Any] = {
        "policy": roles.core,
        "lo_cut": lo_cut,
        "hi_cut": hi_cut,
        "n_low": len(low),
        "n_high": len(high),
    }
    for name in ("cohesion", "members_remaining", "china_knowledge_vs_status_quo"):
        s = per_future(out, roles.core, name)
        numbers[name] = (float(np.nanmedian(s.reindex(low))), float(np.nanmedian(s.reindex(high))))
    for key, ids in (("best_low", low), ("best_high", high)):
        medians = {
            p: float(np.nanmedian(per_future(out, p, "china_knowledge_vs_status_quo").reindex(ids)))
            for p in roles.presets
        }
        numbers[key] = min(medians, key=medians.get)
    result["numbers"] = numbers
    return result
