"""A self-contained HTML report of a finished study, built around the four questions.

:func:`write_report` reads a results store (see :class:`techbloc.experiments.ResultsStore`)
and writes one HTML file with everything inline (CSS, tables, figures as base64 PNG), so it
can be mailed, archived or opened offline; beside it, a ``<name>_files`` directory holds
every figure as PNG and SVG and every table as CSV.

The report follows MODEL.md section 1: key assumptions, then "Answers" (one generated
paragraph per question, every number read from the store), the headline table, one
section per question ((a) who is in, (b) capability or will, (c) does technology become
power, (d) will partners trust the US), robustness, sensitivity indices, the parameters
with their sources, and the run manifest. The analyses live in
:mod:`techbloc.report.questions`, :mod:`techbloc.report.robust` and
:mod:`techbloc.report.answers`; this module assembles and renders them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from techbloc.report.formatting import format_value, percent

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.experiments.study import Study
    from techbloc.report.data import StoreData

__all__ = [
    "HEADLINE_OUTCOMES",
    "asset_dir",
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
    "leakage_share",
    "achieved_stringency",
    "cohesion",
    "external_stability",
    "members_remaining",
    "power_ratio_china_us",
)
#: Outcomes whose headline cell is the share of futures above 0 (with the median below).
_SHARE_POSITIVE = ("china_knowledge_vs_status_quo", "backlash_exclusion", "external_stability")
_STATS = ("p10", "p50", "p90")
_percent = percent


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


# -- sections ----------------------------------------------------------------------------


def _header(data: StoreData, title: str | None) -> dict[str, Any]:
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
        "engine_seconds": round(data.seconds, 1),
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
                    "judgement": "assumption" in str(row["source"]).lower(),
                }
            )
    fixed = [{"name": k, "value": format_value(v)} for k, v in sorted(study.fixed.items())]
    return {
        "rows": rows,
        "unregistered": [n for n in varied if n not in known],
        "fixed": fixed,
        "overrides": [Path(p).name for p in study.world.overrides],
    }


def _assumptions(data: StoreData, parameters: dict[str, Any]) -> dict[str, Any]:
    """Key assumptions stated up front: data vs judgement, exits and capacity building."""
    from techbloc.params import get_parameter

    study, roles = data.study, data.roles
    rows = parameters["rows"]
    judgement = [r["name"] for r in rows if r["judgement"]]
    exit_p = get_parameter("exit_probability")
    if "exit_probability" in study.fixed:
        value = study.fixed["exit_probability"]
        exits = (
            "off (exit_probability fixed at 0)"
            if value == 0
            else f"on, exit_probability fixed at {format_value(value)}"
        )
    elif "exit_probability" in study.varied():
        exits = (
            f"on: a member with a negative margin leaves at a 4-year review with "
            f"probability exit_probability, default {format_value(exit_p.default)}, "
            f"sampled {format_value(exit_p.low)}-{format_value(exit_p.high)}"
        )
    else:
        exits = f"on at the default exit_probability {format_value(exit_p.default)}"
    building = [f"{on} ({partner} at full strength)" for partner, _, on in roles.capacity]
    return {
        "n_data": len(rows) - len(judgement),
        "n_judgement": len(judgement),
        "judgement": judgement,
        "exits": exits,
        "capacity": (
            "on only in " + ", ".join(building) + "; off in every other policy"
            if building
            else "off in every policy"
        ),
        "status_quo": "US-only export controls at the default stringency, no pool, no "
        "capacity building, in the same future (run in every batch)",
        "common_numbers": "every policy meets the same futures (parameter draws, US "
        "elections, exit draws), so differences are taken future by future",
    }


# -- entry points --------------------------------------------------------------------------


def _context(store_dir: Path, title: str | None) -> tuple[dict[str, Any], Any]:
    from techbloc.report import power_trust, questions, robust
    from techbloc.report.answers import answers
    from techbloc.report.assets import Assets
    from techbloc.report.data import read_store
    from techbloc.report.palette import policy_colours

    started = time.perf_counter()
    data = read_store(store_dir)
    assets = Assets()
    policies = data.policies
    colours = policy_colours(policies)
    stats = headline_stats(data.outcomes, policies)
    assets.table(
        "table_headline",
        stats.copy()
        .set_axis([f"{a}_{b}" for a, b in stats.columns], axis=1)
        .rename_axis("policy")
        .reset_index(),
    )
    who = questions.who_is_in(data, stats, colours, assets)
    will = questions.capability_will(data, assets)
    power = power_trust.technology_power(data, colours, assets)
    prim = robust.discovery(data, assets)
    trust = power_trust.us_reliability(data, colours, assets)
    parameters = _parameters(data.study)
    context = {
        "header": _header(data, title),
        "assumptions": _assumptions(data, parameters),
        "answers": answers(who, will, power, prim, trust),
        "policies": _policies(data.study),
        "headline": _headline(stats),
        "who": who,
        "will": will,
        "power": power,
        "discovery": prim,
        "trust": trust,
        "robustness": robust.robustness(data, assets),
        "sensitivity": robust.sensitivity_section(data, assets),
        "parameters": parameters,
    }
    context["header"]["report_seconds"] = round(time.perf_counter() - started, 1)
    context["header"]["asset_dir"] = "report_files"
    return context, assets


def report_context(store_dir: str | Path, *, title: str | None = None) -> dict[str, Any]:
    """Everything the report shows, computed from a results store.

    Parameters
    ----------
    store_dir : str or Path
        Directory of a results store with at least one finished chunk.
    title : str, optional
        Report title (default: ``"techbloc study report: <study name>"``).

    Returns
    -------
    dict
        Keys ``header``, ``assumptions``, ``answers``, ``policies``, ``headline``, ``who``,
        ``will``, ``power``, ``discovery``, ``trust``, ``robustness``, ``sensitivity``,
        ``parameters``; figures are PNG data URIs.

    Raises
    ------
    techbloc.errors.StoreError
        If there is no store, or it holds no results.
    """
    return _context(Path(store_dir), title)[0]


def asset_dir(out: str | Path) -> Path:
    """The directory of figures (PNG, SVG) and tables (CSV) written beside report ``out``."""
    out = Path(out)
    return out.with_name(f"{out.stem}_files")


def write_report(store_dir: str | Path, out: str | Path, *, title: str | None = None) -> Path:
    """Write a self-contained HTML report of a finished study, and its figures and tables.

    Parameters
    ----------
    store_dir : str or Path
        Directory of the study's results store.
    out : str or Path
        HTML file to write (parent directories are created). Written atomically. Figures
        (PNG and SVG) and tables (CSV) go to :func:`asset_dir` (``<stem>_files`` beside it).
    title : str, optional
        Report title (default: ``"techbloc study report: <study name>"``).

    Returns
    -------
    Path
        The HTML file written.

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

    out = Path(out)
    context, assets = _context(Path(store_dir), title)
    context["header"]["asset_dir"] = asset_dir(out).name
    env = Environment(
        loader=PackageLoader("techbloc.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["format_value"] = format_value
    html = env.get_template("report.html.j2").render(**context)
    out.parent.mkdir(parents=True, exist_ok=True)
    assets.write(asset_dir(out))
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, out)
    return out
