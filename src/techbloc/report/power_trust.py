"""The report's analyses of questions (c) and (d): technology versus power, US reliability.

See :mod:`techbloc.report.questions` for the conventions (``numbers`` for the answers,
figures rendered through :class:`techbloc.report.assets.Assets`, future-by-future
comparisons).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.report import figures_questions as fq
from techbloc.report.arrays import StoredArrays, median, quantile, share
from techbloc.report.naming import policy_name
from techbloc.report.questions import CASE_THRESHOLD, per_future

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.report.assets import Assets
    from techbloc.report.data import StoreData

__all__ = ["technology_power", "us_reliability"]


# -- (c) technology versus power -----------------------------------------------------------


def _percentiles(
    arrays: StoredArrays,
    policy: str | None,
    column: str,
    levels: Sequence[int],
    scenarios: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Percentiles over futures (``scenarios`` alone when given) of ``column`` by year:
    columns ``p10``, ``p50``, ..."""
    statistics = {f"p{q}": quantile(column, q / 100) for q in levels}
    if scenarios is not None:
        arrays = arrays.restricted(scenarios)
    return arrays.summary(policy, **statistics)


def _fan(paths: StoredArrays, policy: str) -> pd.DataFrame:
    column = "china_knowledge_vs_status_quo_trajectory"
    q = _percentiles(paths, policy, column, [10, 25, 50, 75, 90])
    return q.apply(np.expm1) * 100  # ln ratio -> % change (monotone: percentiles carry over)


def technology_power(data: StoreData, colours: dict, assets: Assets) -> dict:
    """(c) China vs the status quo over time, per-domain gaps, the stringency ladder."""
    import pandas as pd

    roles, end = data.roles, data.study.years.end
    result: dict[str, Any] = {"figures": [], "numbers": {}, "notes": []}
    share_end = {
        p: float(
            (per_future(data.outcomes, p, "china_knowledge_vs_status_quo") > CASE_THRESHOLD).mean()
        )
        for p in data.policies
    }
    result["numbers"]["share_end"] = share_end
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
                    "controls) in the same future, % change, year by year: median line, darker "
                    "band 25th-75th, lighter band 10th-90th percentile over futures. Above 0, the "
                    "alliance base leaves China with more knowledge than the status quo would."
                ),
            )
        )
        if roles.ladder:
            case = share(f"china_knowledge_vs_status_quo_trajectory > {CASE_THRESHOLD!r}")
            shares = pd.DataFrame(
                {p: data.china_paths.summary(p, case=case)["case"] for _, p in roles.ladder}
            )
            assets.table("table_c_ladder_by_year", shares.reset_index())
            result["numbers"]["ladder"] = [(s, p, share_end[p]) for s, p in roles.ladder]
            mid = int(min(shares.index, key=lambda y: abs(y - 2030)))
            top = roles.ladder[-1][1]
            result["numbers"]["over_time"] = {
                "policy": top,
                "stringency": roles.ladder[-1][0],
                "early_year": mid,
                "early": float(shares[top].loc[mid]),
                "late_year": int(shares.index[-1]),
                "late": float(shares[top].iloc[-1]),
            }
            result["figures"].append(
                assets.figure(
                    "fig_c2_stringency_ladder",
                    fq.fig_stringency_ladder(
                        shares,
                        colours,
                        {p: f"{policy_name(p)} (stringency {s:g})" for s, p in roles.ladder},
                    ),
                    (
                        "The control-stringency ladder on "
                        f"{policy_name(roles.core)}'s members: share of "
                        "futures in which China's knowledge exceeds the status quo's "
                        "(ln ratio > 0), year by year, one line per uniform control "
                        "stringency (0 none, 1 total)."
                    ),
                )
            )
    else:
        result["notes"].append("No trajectories were stored: the paths over time are not shown.")
    if data.domain_gap is not None:
        wanted = [p for p in dict.fromkeys([roles.core, roles.kor, roles.widest]) if p]
        under = (
            f"under {policy_name(wanted[0])}"
            if len(wanted) == 1
            else f"under {({2: 'two', 3: 'three'})[len(wanted)]} coalitions"
        )
        gap = median("gap_capability_by_domain")
        table = pd.DataFrame({p: data.domain_gap.summary(p, gap=gap)["gap"] for p in wanted})
        assets.table("table_c_domain_gap", table.reset_index())
        result["figures"].append(
            assets.figure(
                "fig_c3_domain_gap",
                fq.fig_domain_gap(table, colours),
                (
                    f"The USA's realized capability over China's by technology domain in {end} "
                    f"(the ratio of the two, ×, on a log scale; median over futures), {under}. "
                    "Right of 1× the USA leads in that domain; the "
                    "coalition matters through what it leaks to China and adds to the USA."
                ),
            )
        )
    sources = {
        "own R&D": "china_gain_own_rd_cumulative",
        "imitation": "china_gain_imitation_cumulative",
        "leakage": "leakage_to_china_cumulative",
    }
    out = data.outcomes
    if all(name in out.columns for name in sources.values()):
        import pandas as pd

        wanted = [p for p in dict.fromkeys([roles.core, roles.kor, roles.widest]) if p]
        rows = out[out["policy"].isin(wanted)]
        total = sum(rows[name] for name in sources.values())
        shares = pd.DataFrame(
            {label: rows[name] / total for label, name in sources.items()}
        ).assign(policy=rows["policy"])
        table = shares.groupby("policy").median().reindex(wanted)
        assets.table("table_c_gain_sources", table.reset_index())
        result["figures"].append(
            assets.figure(
                "fig_c3b_gain_sources",
                fq.fig_gain_sources(table),
                (
                    f"Where China's knowledge gains from the start to {end} come from: its own "
                    "R&D (after denial and indigenization), legal imitation of accessible "
                    "foreign technology, and leakage it absorbs (median share across futures, "
                    "so a bar may "
                    "not sum exactly to 100%). Gains are before depreciation."
                ),
            )
        )
    else:
        result["notes"].append(
            "The decomposition of China's knowledge gains is not shown: this store has no "
            "china_gain_* outputs (written by an older techbloc)."
        )
    return result


# -- (d) US reliability ------------------------------------------------------------------------


def us_reliability(data: StoreData, colours: dict, assets: Assets) -> dict:
    """(d) Credibility paths by regime history; cohesion and exits against transactional years."""
    import pandas as pd

    roles, out, end = data.roles, data.outcomes, data.study.years.end
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
    if data.credibility is None:
        result["notes"].append("Credibility paths are not shown: the study stored no trajectories.")
    else:
        groups = {}
        for label, ids in (
            (f"≤ {lo_cut:.0f} (n={len(low)})", low),
            (f"≥ {hi_cut:.0f} (n={len(high)})", high),
        ):
            groups[label] = _percentiles(
                data.credibility, None, "credibility", [10, 50, 90], scenarios=ids
            )
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
    shown = [p for p in dict.fromkeys([roles.core, roles.kor, roles.widest]) if p]
    rows = []
    for policy in shown:
        n_members = len(roles.members.get(policy, ()))
        frame = pd.DataFrame(
            {
                "transactional_years": ty,
                "cohesion": per_future(out, policy, "cohesion"),
                "exit": per_future(out, policy, "members_remaining") < n_members,
                "split": per_future(out, policy, "cohesion") < 1,
            }
        ).dropna()
        frame["policy"] = policy
        rows.append(frame)
    table = pd.concat(rows).rename_axis("scenario").reset_index()
    by_years = (
        table.groupby(["policy", "transactional_years"], sort=False)
        .agg(cohesion=("cohesion", "mean"), exit=("exit", "mean"), n=("exit", "size"))
        .reset_index()
    )
    assets.table("table_d_cohesion_exits", by_years)
    result["figures"].append(
        assets.figure(
            "fig_d2_cohesion_exits",
            fq.fig_cohesion_exits(by_years, shown, colours),
            (
                f"Left: mean cohesion in {end} (share of members with a non-negative margin); "
                f"right: share of futures in which at least one member has left by {end}; both "
                "against the years the future spends under a transactional US administration, "
                "one line per coalition (futures with the same number of years pooled)."
            ),
        )
    )
    policy = roles.widest
    numbers: dict[str, Any] = {
        "policy": policy,
        "lo_cut": lo_cut,
        "hi_cut": hi_cut,
        "n_low": len(low),
        "n_high": len(high),
        "end_year": data.study.years.end,
    }
    mine = table[table["policy"] == policy].set_index("scenario")
    for key, column in (("split", "split"), ("exit", "exit")):
        numbers[key] = (
            float(mine[column].reindex(low).mean()),
            float(mine[column].reindex(high).mean()),
        )
    s = per_future(out, policy, "china_knowledge_vs_status_quo")
    numbers["china"] = (float(np.nanmedian(s.reindex(low))), float(np.nanmedian(s.reindex(high))))
    from techbloc.analysis.uncertainty import lead

    seed = data.seed
    for key, ids in (("best_low", low), ("best_high", high)):
        table = pd.DataFrame(
            {
                p: per_future(out, p, "china_knowledge_vs_status_quo").reindex(ids)
                for p in roles.presets
            }
        )
        numbers[key] = lead(table, lower_is_better=True, seed=seed) if table.shape[1] > 1 else None
    result["numbers"] = numbers
    return result
