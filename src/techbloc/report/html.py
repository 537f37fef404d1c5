"""A self-contained HTML report of a finished study.

:func:`write_report` reads a results store (see :class:`techbloc.experiments.ResultsStore`)
and writes one HTML file with everything inline: CSS, tables, and figures as base64 PNG
images. No asset is loaded from anywhere else, so the file can be mailed, archived or
opened offline.

The report follows MODEL.md section 1: a headline table of the key outcomes per policy,
the four trade-offs (who is in, capability or will, does technology become power, will
partners trust the US) as figures, a regret table, scenario discovery of the futures in
which China ends stronger than under the status quo, and the parameters varied with
their sources.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from techbloc.errors import StoreError

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.experiments.study import Study

__all__ = [
    "DISCOVERY_CASE",
    "HEADLINE_OUTCOMES",
    "REGRET_METRICS",
    "format_value",
    "headline_stats",
    "report_context",
    "write_report",
]

#: Outcomes of the headline table, in display order.
HEADLINE_OUTCOMES: tuple[str, ...] = (
    "alliance_rd_share",
    "china_knowledge_vs_status_quo",
    "capability_gap_vs_status_quo",
    "leakage_to_china",
    "achieved_stringency",
    "cohesion",
    "external_stability",
    "backlash_exclusion",
    "power_ratio_china_us",
    "members_remaining",
)
#: Outcomes whose headline cell is the share of futures above 0 (with the median below).
_SHARE_POSITIVE = ("china_knowledge_vs_status_quo", "backlash_exclusion", "external_stability")
#: Metrics of the regret table, ``name:max`` when more is better, ``name:min`` when less.
REGRET_METRICS: tuple[str, ...] = ("alliance_rd_share:max", "leakage_to_china:min")
#: Case of interest of the scenario-discovery section.
DISCOVERY_CASE = "china_knowledge_vs_status_quo > 0.01"
#: Scenario descriptors that are inputs (drawn, not computed), offered to PRIM as well.
_DRAWN_DESCRIPTORS = ("transactional_years",)
_STATS = ("p10", "p50", "p90")
_FEW_CASES = 10  # below this many cases, a PRIM box is flagged as indicative only
_RESAMPLES = 30  # bootstrap resamples of PRIM (the significance of the box's inputs)


def format_value(value: float | None) -> str:
    """Three significant digits, no exponent, thousands separators above 1,000.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    str
        ``"–"`` for a missing value; ``"0.512"``, ``"0.00123"``, ``"5.3"``, ``"12,345"``.
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _percent(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{100 * value:.0f}%"


def headline_stats(
    outcomes: pd.DataFrame,
    policies: list[str],
    names: tuple[str, ...] | list[str] = HEADLINE_OUTCOMES,
) -> pd.DataFrame:
    """Median and 10th/90th percentiles of outcomes across scenarios, per policy.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Columns ``policy`` and one per outcome (``ResultsStore.outcomes()``).
    policies : list of str
        Policies in display order.
    names : sequence of str
        Outcomes to summarise (those missing from ``outcomes`` are skipped).

    Returns
    -------
    pandas.DataFrame
        Index policy; columns ``(outcome, statistic)`` with statistics ``p10``, ``p50``
        (the median) and ``p90`` (linear interpolation, NaN ignored) and ``share_positive``
        (share of scenarios with a value above 0).
    """
    import pandas as pd

    present = [n for n in names if n in outcomes.columns]
    grouped = outcomes.groupby("policy", sort=False)[present]
    parts = {
        "p10": grouped.quantile(0.1),
        "p50": grouped.median(),
        "p90": grouped.quantile(0.9),
        "share_positive": grouped.agg(lambda s: float((s.dropna() > 0).mean())),
    }
    frame = pd.concat(parts, axis=1).swaplevel(axis=1)
    columns = pd.MultiIndex.from_product([present, [*_STATS, "share_positive"]])
    return frame.reindex(index=policies, columns=columns)


@dataclass(frozen=True)
class _StoreData:
    manifest: dict[str, Any]
    study: Study
    scenarios: pd.DataFrame
    outcomes: pd.DataFrame
    credibility: pd.DataFrame | None


def _read_store(store_dir: Path) -> _StoreData:
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store_dir) as store:
        manifest = store.manifest
        study = store.study
        scenarios = store.scenarios()
        outcomes = store.outcomes()
        credibility = None
        if store.array_variables().get("credibility") == ["scenario", "year"]:
            credibility = store.trajectories("credibility")
    if outcomes.empty:
        raise StoreError(
            f"{store_dir}: the store holds no results yet; run the study first (`techbloc explore`)"
        )
    return _StoreData(manifest, study, scenarios, outcomes, credibility)


# -- sections ----------------------------------------------------------------------------


def _header(data: _StoreData, title: str | None) -> dict[str, Any]:
    import techbloc

    study, manifest = data.study, data.manifest
    design = study.design.method
    if design == "factorial":
        design += f" ({study.design.levels} levels)"
    elif design == "sobol":
        design += " (Saltelli, second order)" if study.design.second_order else " (Saltelli)"
    elif design == "lhs":
        design = "Latin hypercube (lhs)"
    n_policies = data.outcomes["policy"].nunique()
    n_years = study.years.end - study.years.start + 1
    return {
        "title": title or f"techbloc study report: {study.name}",
        "study": study.name,
        "report_date": time.strftime("%Y-%m-%d %H:%M"),
        "created": str(manifest.get("created", "")).replace("T", " "),
        "version": manifest.get("version", ""),
        "report_version": techbloc.__version__,
        "seed": manifest.get("seed"),
        "study_hash": str(manifest.get("study_hash", ""))[:12],
        "n_scenarios": int(manifest.get("scenarios_done", data.scenarios.shape[0])),
        "n_scenarios_planned": int(manifest.get("n_scenarios", 0)),
        "complete": bool(manifest.get("complete", True)),
        "n_policies": int(n_policies),
        "n_years": n_years,
        "years": f"{study.years.start}-{study.years.end}",
        "design": design,
        "n_varied": len(study.varied()),
        "trajectories": data.credibility is not None,
    }


def _policies(study: Study) -> list[dict[str, Any]]:
    rows = []
    for spec in study.policies:
        members, note = list(spec.members or []), ""
        try:
            policy = spec.to_policy(study.world.presets)
            members = list(policy.coalition.members)
            note = policy.coalition.certainty or ""
        except Exception as exc:  # a presets file gone missing must not stop the report
            note = f"members not resolved: {exc}"
        stringency = spec.control_stringency
        if isinstance(stringency, dict):
            stringency = ", ".join(f"{k} {format_value(v)}" for k, v in stringency.items())
        else:
            stringency = format_value(stringency)
        rows.append(
            {
                "label": spec.label,
                "members": ", ".join(members) or (spec.preset or ""),
                "n_members": len(members),
                "pool_share": format_value(spec.pool_share),
                "stringency": stringency,
                "start_year": spec.start_year or study.years.start,
                "note": note,
            }
        )
    return rows


def _headline(stats: pd.DataFrame) -> dict[str, Any]:
    from techbloc.model.outputs import SCALAR_OUTPUTS

    names = list(dict.fromkeys(stats.columns.get_level_values(0)))
    columns = []
    for name in names:
        description, unit = SCALAR_OUTPUTS.get(name, (name, ""))
        backlash = name in _SHARE_POSITIVE
        columns.append(
            {
                "name": name,
                "description": description,
                "unit": unit,
                "unit_label": "share of futures > 0" if backlash else unit,
                "detail": f"{description}; unit: {unit}"
                + (
                    "; the cell gives the share of futures above 0 and the median"
                    if backlash
                    else ""
                ),
                "kind": "share_positive" if backlash else "median",
            }
        )
    rows = []
    for policy in stats.index:
        cells = []
        for column in columns:
            name = column["name"]
            p10, p50, p90 = (float(stats.loc[policy, (name, s)]) for s in _STATS)
            share = float(stats.loc[policy, (name, "share_positive")])
            cell = {
                "outcome": name,
                "median": p50,
                "median_text": format_value(p50),
                "range_text": f"{format_value(p10)} – {format_value(p90)}",
                "share": share,
                "share_text": _percent(share),
                "kind": column["kind"],
            }
            cells.append(cell)
        rows.append({"policy": policy, "cells": cells})
    return {"columns": columns, "rows": rows}


def _extreme(stats: pd.DataFrame, name: str, stat: str, best: str) -> tuple[str, float]:
    series = stats[(name, stat)]
    policy = series.idxmax() if best == "max" else series.idxmin()
    return str(policy), float(series[policy])


def _reading_who(stats: pd.DataFrame) -> str:
    rd_policy, rd = _extreme(stats, "alliance_rd_share", "p50", "max")
    rd_low_policy, rd_low = _extreme(stats, "alliance_rd_share", "p50", "min")
    lk_policy, lk = _extreme(stats, "leakage_to_china", "p50", "min")
    lk_high_policy, lk_high = _extreme(stats, "leakage_to_china", "p50", "max")
    if len(stats) == 1:
        return (
            f"{rd_policy} pools a median {format_value(rd)} of world R&D and leaks a "
            f"median {format_value(lk)} PPP $bn a year to China."
        )
    return (
        f"Median coalition R&D share runs from {format_value(rd_low)} ({rd_low_policy}) to "
        f"{format_value(rd)} ({rd_policy}); median leakage absorbed by China from "
        f"{format_value(lk)} ({lk_policy}) to {format_value(lk_high)} ({lk_high_policy}) PPP $bn "
        "a year. "
        "Up and to the left is better."
    )


def _reading_will(stats: pd.DataFrame) -> str:
    s_policy, s = _extreme(stats, "achieved_stringency", "p50", "max")
    s_low_policy, s_low = _extreme(stats, "achieved_stringency", "p50", "min")
    c_low_policy, c_low = _extreme(stats, "cohesion", "p50", "min")
    c_policy, c = _extreme(stats, "cohesion", "p50", "max")
    return (
        f"Median achieved stringency runs from {format_value(s_low)} ({s_low_policy}) to "
        f"{format_value(s)} ({s_policy}); median cohesion from {format_value(c_low)} "
        f"({c_low_policy}) to {format_value(c)} ({c_policy})."
    )


def _reading_power(stats: pd.DataFrame) -> str:
    share = stats[("china_knowledge_vs_status_quo", "share_positive")]
    power = stats[("power_ratio_china_us", "p50")]
    if len(stats) == 1 or _percent(float(share.min())) == _percent(float(share.max())):
        where = "" if len(stats) == 1 else " under every policy"
        return (
            f"China ends with more knowledge than under the status quo (US-only controls) in "
            f"{_percent(float(share.iloc[0]))} of futures{where}; the median China/US "
            f"power ratio is {format_value(float(power.min()))}"
            + ("." if len(stats) == 1 else f" to {format_value(float(power.max()))}.")
        )
    return (
        f"China ends with more knowledge than under the status quo (US-only controls) in "
        f"{_percent(float(share.min()))} ({share.idxmin()}) to {_percent(float(share.max()))} "
        f"({share.idxmax()}) of futures; the median China/US power ratio ranges from "
        f"{format_value(float(power.min()))} to {format_value(float(power.max()))}."
    )


def _reading_trust(scenarios: pd.DataFrame) -> str:
    import numpy as np

    x = scenarios["transactional_years"].to_numpy(float)
    y = scenarios["credibility_final"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return (
            f"Final US credibility has median {format_value(float(np.median(y)))}; "
            "transactional years do not vary enough to relate the two."
        )
    slope = float(np.polyfit(x, y, 1)[0])
    r2 = float(np.corrcoef(x, y)[0, 1] ** 2)
    return (
        f"Each year under a transactional administration changes final credibility by "
        f"{slope:+.3f} on average; transactional years explain {_percent(r2)} of its "
        f"variation across futures (R² of a linear fit). Median transactional years: "
        f"{format_value(float(np.median(x)))}."
    )


def _tradeoffs(data: _StoreData, stats: pd.DataFrame, policies: list[str]) -> list[dict]:
    from techbloc.report import figures

    needed = {
        "who": ("alliance_rd_share", "leakage_to_china"),
        "will": ("achieved_stringency", "cohesion"),
        "power": ("china_knowledge_vs_status_quo", "power_ratio_china_us"),
    }
    have = set(stats.columns.get_level_values(0))
    sections = []

    def add(key: str, heading: str, question: str, make, reading) -> None:
        missing = [n for n in needed.get(key, ()) if n not in have]
        if missing:
            sections.append(
                {
                    "heading": heading,
                    "question": question,
                    "image": None,
                    "reading": f"Not shown: the store has no {', '.join(missing)}.",
                }
            )
            return
        sections.append(
            {
                "heading": heading,
                "question": question,
                "image": figures.figure_to_data_uri(make()),
                "reading": reading(),
            }
        )

    add(
        "who",
        "(a) Who is in?",
        "A broader base pools more R&D but gives more members to leak through.",
        lambda: figures.fig_who_is_in(stats),
        lambda: _reading_who(stats),
    )
    add(
        "will",
        "(b) Capability or will?",
        "Partners protect shared technology only if they can and want to.",
        lambda: figures.fig_capability_vs_will(stats),
        lambda: _reading_will(stats),
    )
    add(
        "power",
        "(c) Does technology become power?",
        "Excluding China may push it to self-sufficiency and make it stronger.",
        lambda: figures.fig_technology_vs_power(data.outcomes, policies),
        lambda: _reading_power(stats),
    )
    descriptors = {"transactional_years", "credibility_final"}
    if descriptors <= set(data.scenarios.columns):
        sections.append(
            {
                "heading": "(d) Will partners trust the US?",
                "question": "US administrations alternate between engaged and transactional; "
                "confidence falls fast and recovers slowly.",
                "image": figures.figure_to_data_uri(
                    figures.fig_us_reliability(data.scenarios, data.credibility)
                ),
                "reading": _reading_trust(data.scenarios)
                + (
                    ""
                    if data.credibility is not None
                    else " (Credibility paths are not shown: the study stored no trajectories.)"
                ),
            }
        )
    return sections


def _robustness(outcomes: pd.DataFrame, policies: list[str]) -> dict[str, Any]:
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.analysis.robustness import parse_metric, robustness_summary
    from techbloc.model.outputs import SCALAR_OUTPUTS

    table = outcome_table(outcomes)
    metrics = [m for m in REGRET_METRICS if parse_metric(m).name in table.columns]
    if not metrics:
        return {"tables": [], "note": "None of the regret metrics is in the store."}
    summary = robustness_summary(table, metrics, q=(10, 50, 90))
    tables, best = [], []
    for spec in metrics:
        metric = parse_metric(spec)
        part = summary.xs(metric.name, level="metric").reindex(policies)
        description, unit = SCALAR_OUTPUTS.get(metric.name, (metric.name, ""))
        rows = [
            {
                "policy": str(policy),
                "median": format_value(row["p50"]),
                "worst": format_value(row["worst"]),
                "mean_regret": format_value(row["mean_regret"]),
                "p90_regret": format_value(row["p90_regret"]),
                "max_regret": format_value(row["max_regret"]),
                "best": bool(row["minimax_regret_best"]),
            }
            for policy, row in part.iterrows()
        ]
        winners = [r["policy"] for r in rows if r["best"]]
        best.append(f"{', '.join(winners)} on {metric.name}")
        tables.append(
            {
                "metric": metric.name,
                "direction": "more is better" if metric.direction == "max" else "less is better",
                "description": description,
                "unit": unit,
                "rows": rows,
            }
        )
    reading = "Smallest largest regret (minimax regret): " + "; ".join(best) + "."
    return {"tables": tables, "note": "", "reading": reading}


def _discovery(data: _StoreData, policies: list[str]) -> dict[str, Any]:
    from techbloc.report import figures

    policy = policies[0]
    varied = [p for p in data.study.varied() if p in data.scenarios.columns]
    inputs = varied + [d for d in _DRAWN_DESCRIPTORS if d in data.scenarios.columns]
    drawn = [d.replace("_", " ") for d in inputs[len(varied) :]]
    result: dict[str, Any] = {
        "policy": policy,
        "case": DISCOVERY_CASE,
        "inputs": len(inputs),
        "n_varied": len(varied),
        "drawn": ", ".join(drawn),
    }
    try:
        from techbloc.analysis.discovery import discover

        prim = discover(
            data.scenarios[inputs], data.outcomes, DISCOVERY_CASE, policy=policy, method="prim"
        )
        box = prim.box()
    except Exception as exc:  # no case of interest, nothing varies, ...: say so, go on
        result["note"] = f"Scenario discovery was not possible: {exc}."
        return result
    n_total = len(prim.y)
    base_rate = float(prim.y.mean())
    limits = []
    for name, row in box.limits.iterrows():
        limits.append(
            {
                "parameter": str(name),
                "box": _limit_text(row),
                "range": f"{format_value(row['min'])} – {format_value(row['max'])}",
                "qp_low": _qp(row["qp_low"]),
                "qp_high": _qp(row["qp_high"]),
                "unit": row.get("unit", "") or "",
                "description": row.get("description", "")
                or (
                    "years under a transactional US administration"
                    if name == "transactional_years"
                    else ""
                ),
            }
        )
    resampling = _resampling(prim)
    restricted = ", ".join(item["parameter"] for item in limits) or "no parameter"
    caution = (
        f" With only {int(prim.y.sum())} cases, treat the box as indicative."
        if prim.y.sum() < _FEW_CASES
        else ""
    )
    result.update(
        {
            "note": "",
            "label": box.label,
            "coverage": _percent(box.coverage),
            "density": _percent(box.density),
            "mass": _percent(box.mass),
            "n": box.n,
            "n_cases": box.n_cases,
            "n_total": n_total,
            "n_cases_total": int(prim.y.sum()),
            "base_rate": _percent(base_rate),
            "limits": limits,
            "resampling": resampling,
            "image": figures.figure_to_data_uri(
                figures.fig_prim_tradeoff(prim.trajectory, prim.chosen)
            ),
            "reading": (
                f"Under {policy}, China ends more than 1% stronger than under the status quo "
                f"in {_percent(base_rate)} of all futures but in {_percent(box.density)} of "
                f"those inside {box.label}, which holds {_percent(box.coverage)} of all such "
                f"cases; it restricts {restricted}." + caution
            ),
        }
    )
    return result


def _resampling(prim: Any) -> dict[str, Any]:
    """PRIM rerun on bootstrap resamples: how often each input is restricted again."""
    rs = prim.resample(_RESAMPLES)
    inputs = rs.inputs(prim.chosen)
    shown = inputs[inputs["restricted"] | (inputs["by_coverage"] >= 0.1)]
    stats = rs.boxes.loc[prim.chosen]
    return {
        "n": rs.n_resamples,
        "rows": [
            {
                "parameter": str(name),
                "in_box": "yes" if row["restricted"] else "",
                "by_coverage": _percent(row["by_coverage"]),
                "by_density": _percent(row["by_density"]),
            }
            for name, row in shown.iterrows()
        ],
        "same": _percent(stats["same_inputs_by_coverage"]),
        "overlap": format_value(stats["overlap_by_coverage"]),
    }


def _limit_text(row: pd.Series) -> str:
    """``"≥ a"``, ``"≤ b"`` or ``"a – b"``: only the sides the box restricts."""
    low = row["low"] > row["min"]
    high = row["high"] < row["max"]
    if low and high:
        return f"{format_value(row['low'])} – {format_value(row['high'])}"
    if low:
        return f"≥ {format_value(row['low'])}"
    return f"≤ {format_value(row['high'])}"


def _qp(value: float) -> str:
    if value is None or not math.isfinite(float(value)):
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _parameters(study: Study) -> dict[str, Any]:
    from techbloc.params import parameter_names, parameter_table

    varied = study.varied()
    known = set(parameter_names())
    registered = [n for n in varied if n in known]
    table = parameter_table(registered) if registered else None
    rows = []
    if table is not None:
        for name, row in table.iterrows():
            rows.append(
                {
                    "name": str(name),
                    "default": format_value(row["default"]),
                    "range": f"{format_value(row['low'])} – {format_value(row['high'])}"
                    + (" (log-uniform)" if row["distribution"] == "loguniform" else ""),
                    "distribution": row["distribution"],
                    "unit": row["unit"],
                    "source": row["source"],
                    "description": row["description"],
                }
            )
    fixed = [{"name": k, "value": format_value(v)} for k, v in sorted(study.fixed.items())]
    return {
        "rows": rows,
        "unregistered": [n for n in varied if n not in known],
        "fixed": fixed,
        "overrides": [Path(p).name for p in study.world.overrides],
    }


# -- entry points --------------------------------------------------------------------------


def report_context(store_dir: str | Path, *, title: str | None = None) -> dict[str, Any]:
    """Everything the report template shows, computed from a results store.

    Parameters
    ----------
    store_dir : str or Path
        Directory of a results store with at least one finished chunk.
    title : str, optional
        Report title (default: ``"techbloc study report: <study name>"``).

    Returns
    -------
    dict
        Keys ``header``, ``policies``, ``headline``, ``tradeoffs``, ``robustness``,
        ``discovery``, ``parameters``; figures are PNG data URIs.

    Raises
    ------
    techbloc.errors.StoreError
        If there is no store, or it holds no results.
    """
    data = _read_store(Path(store_dir))
    policies = [
        p for p in data.manifest.get("policies", []) if p in set(data.outcomes["policy"])
    ] or list(dict.fromkeys(data.outcomes["policy"]))
    stats = headline_stats(data.outcomes, policies)
    return {
        "header": _header(data, title),
        "policies": _policies(data.study),
        "headline": _headline(stats),
        "tradeoffs": _tradeoffs(data, stats, policies),
        "robustness": _robustness(data.outcomes, policies),
        "discovery": _discovery(data, policies),
        "parameters": _parameters(data.study),
    }


def write_report(store_dir: str | Path, out: str | Path, *, title: str | None = None) -> Path:
    """Write a self-contained HTML report of a finished study.

    Parameters
    ----------
    store_dir : str or Path
        Directory of the study's results store.
    out : str or Path
        HTML file to write (parent directories are created). Written atomically.
    title : str, optional
        Report title (default: ``"techbloc study report: <study name>"``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    techbloc.errors.StoreError
        If ``store_dir`` holds no store or no results.

    Examples
    --------
    >>> from techbloc.report import write_report
    >>> write_report("out/study", "out/report.html")  # doctest: +SKIP
    PosixPath('out/report.html')
    """
    import os

    from jinja2 import Environment, PackageLoader, StrictUndefined

    context = report_context(store_dir, title=title)
    env = Environment(
        loader=PackageLoader("techbloc.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    html = env.get_template("report.html.j2").render(**context)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, out)
    return out
