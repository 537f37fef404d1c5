"""The report's scenario discovery, robustness and sensitivity sections.

- :func:`discovery`: PRIM on the futures in which China ends stronger than under the
  status quo, with coverage, density, quasi-p values and bootstrap resampling.
- :func:`robustness`: regret and satisficing of the coalition presets.
- :func:`sensitivity_section`: first-order Sobol indices of headline outcomes, estimated
  from the study's own Latin-hypercube sample (given-data estimator) with bootstrap
  confidence intervals; a Saltelli design is used instead when the study has one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from techbloc.report.formatting import format_value, percent

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.report.assets import Assets
    from techbloc.report.data import StoreData

__all__ = [
    "DISCOVERY_CASE",
    "REGRET_METRICS",
    "SATISFICING",
    "SENSITIVITY_OUTCOMES",
    "discovery",
    "robustness",
    "sensitivity_section",
]

DISCOVERY_CASE = "china_knowledge_vs_status_quo > 0"
#: Regret metrics; each takes its direction from the outputs registry.
REGRET_METRICS: tuple[str, ...] = (
    "alliance_rd_share",
    "leakage_to_china",
    "china_knowledge_vs_status_quo",
)
SATISFICING: tuple[str, ...] = ("china_knowledge_vs_status_quo<=0", "cohesion>=0.8")
SENSITIVITY_OUTCOMES: tuple[str, ...] = (
    "china_capability_vs_status_quo",
    "china_knowledge_vs_status_quo",
    "leakage_to_china",
    "cohesion",
    "alliance_rd_share",
)
#: Drivers drawn inside the model (registered outputs with ``data=True``) that PRIM takes as
#: inputs beside the sampled parameters.
_DRAWN_DESCRIPTORS = ("transactional_years",)
_FEW_CASES = 10
_RESAMPLES = 30


def _limit_text(row: pd.Series) -> str:
    low, high = row["low"] > row["min"], row["high"] < row["max"]
    if low and high:
        return f"{format_value(row['low'])} – {format_value(row['high'])}"
    return f"≥ {format_value(row['low'])}" if low else f"≤ {format_value(row['high'])}"


def _data_description(name: str) -> str:
    """The registry's description of a drawn driver, lower-cased for a sentence."""
    from techbloc.model.outputs import find_output

    meta = find_output(name)
    if meta is None:
        return ""
    return meta.description[:1].lower() + meta.description[1:]


def _qp(value: float) -> str:
    if value is None or not math.isfinite(float(value)):
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _sampled(data: StoreData, what: str) -> str:
    """The sentence saying ``what`` used a sample of the futures, or nothing."""
    if not data.sampled_from:
        return ""
    return (
        f"{what} on {len(data.scenarios):,} of the study's {data.sampled_from:,} futures, "
        "drawn at random with the study's seed (techbloc report --analysis-sample)."
    )


def discovery(data: StoreData, assets: Assets) -> dict[str, Any]:
    """PRIM box of "China stronger than under the status quo" for the core coalition."""
    from techbloc.report import figures

    policy = data.roles.core
    varied = [p for p in data.study.varied() if p in data.scenarios.columns]
    inputs = varied + [d for d in _DRAWN_DESCRIPTORS if d in data.scenarios.columns]
    drawn = [d.replace("_", " ") for d in inputs[len(varied) :]]
    result: dict[str, Any] = {
        "policy": policy,
        "case": DISCOVERY_CASE,
        "inputs": len(inputs),
        "n_varied": len(varied),
        "drawn": ", ".join(drawn),
        "sample": _sampled(data, "PRIM ran"),
        "numbers": {},
    }
    from techbloc.analysis import PrimResult

    try:
        from techbloc.analysis.discovery import discover

        prim = discover(
            data.scenarios[inputs], data.outcomes, DISCOVERY_CASE, policy=policy, method="prim"
        )
        assert isinstance(prim, PrimResult)  # method="prim"
        box = prim.box()
        rs = prim.resample(_RESAMPLES)
    except Exception as exc:  # no case of interest, nothing varies, ...: say so, go on
        result["note"] = f"Scenario discovery was not possible: {exc}."
        return result
    limits = [
        {
            "parameter": str(name),
            "box": _limit_text(row),
            "range": f"{format_value(row['min'])} – {format_value(row['max'])}",
            "qp_low": _qp(row["qp_low"]),
            "qp_high": _qp(row["qp_high"]),
            "unit": row.get("unit", "") or "",
            "description": row.get("description", "") or _data_description(str(name)),
        }
        for name, row in box.limits.iterrows()
    ]
    every = rs.inputs(prim.chosen)
    shown = every[every["restricted"] | (every["by_coverage"] >= 0.1)]
    restricted = every[every["restricted"]]["by_coverage"]
    reappear = float(restricted.min()) if len(restricted) else float("nan")
    stats = {str(k): float(v) for k, v in rs.boxes.loc[prim.chosen].to_dict().items()}
    base_rate = float(prim.y.mean())
    from techbloc.report.naming import parameter_name

    words = (
        " and ".join(f"{parameter_name(item['parameter'])} is {item['box']}" for item in limits)
        or "anywhere"
    )
    assets.table("table_c_prim_box", box.limits.reset_index())
    result.update(
        {
            "note": "",
            "label": box.label,
            "coverage": percent(box.coverage),
            "density": percent(box.density),
            "mass": percent(box.mass),
            "n": box.n,
            "n_cases": box.n_cases,
            "n_total": len(prim.y),
            "n_cases_total": int(prim.y.sum()),
            "base_rate": percent(base_rate),
            "limits": limits,
            "caution": (
                f"With only {int(prim.y.sum())} cases, treat the box as indicative."
                if prim.y.sum() < _FEW_CASES
                else ""
            ),
            "resampling": {
                "n": rs.n_resamples,
                "same": percent(stats["same_inputs_by_coverage"]),
                "overlap": format_value(stats["overlap_by_coverage"]),
                "rows": [
                    {
                        "parameter": str(name),
                        "in_box": "yes" if row["restricted"] else "",
                        "by_coverage": percent(row["by_coverage"]),
                        "by_density": percent(row["by_density"]),
                    }
                    for name, row in shown.iterrows()
                ],
            },
            "figure": assets.figure(
                "fig_c4_prim",
                figures.fig_prim_tradeoff(prim.trajectory, prim.chosen),
                (
                    "PRIM's peeling trajectory: each dot is a candidate box of futures, coverage "
                    "(share of all cases it holds) against density (share of its futures that are "
                    "cases), coloured by the number of inputs it restricts. The circled box is the "
                    "one reported. Up and right is better; peeling trades coverage for density."
                ),
            ),
            "numbers": {
                "policy": policy,
                "base_rate": base_rate,
                "coverage": float(box.coverage),
                "density": float(box.density),
                "box_words": words,
                "same_inputs": float(stats["same_inputs_by_coverage"]),
                "reappear": reappear,
                "n_resamples": int(rs.n_resamples),
            },
        }
    )
    return result


def robustness(data: StoreData, assets: Assets) -> dict[str, Any]:
    """Regret (per metric) and satisficing of the coalition presets."""
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.analysis.robustness import parse_metric, robustness_summary, satisficing
    from techbloc.model.outputs import find_output

    policies = data.roles.presets
    table = outcome_table(data.outcomes[data.outcomes["policy"].isin(policies)])
    metrics = [m for m in REGRET_METRICS if parse_metric(m).name in table.columns]
    if not metrics:
        return {"tables": [], "note": "None of the regret metrics is in the store."}
    summary = robustness_summary(table, metrics, q=(10, 50, 90))
    assets.table("table_r_regret", summary.reset_index())
    tables, best = [], []
    for spec in metrics:
        metric = parse_metric(spec)
        part = summary.xs(metric.name, level="metric").reindex(policies)
        meta = find_output(metric.name)
        rows = [
            {
                "policy": str(p),
                "median": format_value(r["p50"]),
                "worst": format_value(r["worst"]),
                "mean_regret": format_value(r["mean_regret"]),
                "p90_regret": format_value(r["p90_regret"]),
                "max_regret": format_value(r["max_regret"]),
                "best": bool(r["minimax_regret_best"]),
            }
            for p, r in part.iterrows()
        ]
        best.append(f"{', '.join(str(r['policy']) for r in rows if r['best'])} on {metric.name}")
        tables.append(
            {
                "metric": metric.name,
                "description": meta.description if meta else metric.name,
                "unit": meta.unit if meta else "",
                "direction": "more is better" if metric.direction == "max" else "less is better",
                "rows": rows,
            }
        )
    sat = satisficing(table, SATISFICING)
    assets.table("table_r_satisficing", sat.reset_index())
    sat_rows = [
        {
            "policy": str(p),
            "all": percent(r["satisficing"]),
            "each": [percent(r[t]) for t in SATISFICING],
        }
        for p, r in sat.iterrows()
    ]
    return {
        "tables": tables,
        "note": "",
        "thresholds": list(SATISFICING),
        "satisficing": sat_rows,
        "reading": "Smallest largest regret (minimax regret): " + "; ".join(best) + ". Most "
        f"often meeting every threshold: {sat_rows[0]['policy']} ({sat_rows[0]['all']} of "
        "futures).",
    }


def sensitivity_section(data: StoreData, assets: Assets) -> dict[str, Any]:
    """First-order Sobol indices of the headline outcomes under the core coalition."""
    from techbloc.analysis.sensitivity import sensitivity
    from techbloc.experiments.design_methods import Saltelli
    from techbloc.report import figures_questions as fq

    policy = data.roles.core
    varied = [p for p in data.study.varied() if p in data.scenarios.columns]
    saltelli = isinstance(data.study.design.kind, Saltelli)  # drawn for Sobol indices
    method: Literal["sobol", "given_data"] = "sobol" if saltelli else "given_data"
    tables: dict[str, pd.DataFrame] = {}
    skipped: list[str] = []
    for outcome in SENSITIVITY_OUTCOMES:
        if outcome not in data.outcomes.columns:
            continue
        try:
            tables[outcome] = sensitivity(
                data.scenarios[varied],
                data.outcomes,
                outcome,
                policy=policy,
                method=method,
                parameters=varied,
                design=data.study.design.method,
            ).sort_values("S1", ascending=False)
        except Exception as exc:  # constant outcome, too few futures, ...: say so, go on
            skipped.append(f"{outcome} ({exc})")
    if not tables:
        return {
            "note": "Sensitivity indices were not computed: " + "; ".join(skipped) + ".",
            "sample": _sampled(data, "The indices were estimated"),
            "figure": None,
            "tables": {},
        }
    import pandas as pd

    frame = pd.concat({o: t for o, t in tables.items()}, names=["outcome"]).reset_index()
    assets.table("table_s_sobol", frame)
    method_text = (
        "Sobol indices from the study's Saltelli design (first order S1)"
        if saltelli
        else f"first-order Sobol indices S1 estimated from the study's own {len(data.scenarios):,} "
        "Latin-hypercube futures with the given-data estimator (Plischke, Borgonovo & Smith "
        "2013; SALib's delta module); total-order indices cannot be estimated this way"
    )
    top = {o: t.index[0] for o, t in tables.items()}
    return {
        "note": "",
        "sample": _sampled(data, "The indices were estimated"),
        "method": method_text,
        "policy": policy,
        "tables": tables,
        "figure": assets.figure(
            "fig_s1_sobol",
            fq.fig_sensitivity(tables),
            (
                f"Share of each outcome's variance across futures under {policy} explained by "
                "each uncertain parameter on its own (first-order index S1, 0-1), the eight "
                "largest per outcome; whiskers are 95% bootstrap confidence intervals. A "
                "parameter whose interval reaches 0 has no detectable first-order effect."
            ),
        ),
        "reading": "; ".join(f"{o} depends most on {p}" for o, p in top.items())
        + "."
        + (" Not computed: " + "; ".join(skipped) + "." if skipped else ""),
    }
