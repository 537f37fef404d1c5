"""The report's content: every section computed from a results store, as plain data.

:func:`report_context` reads a results store and returns what the report shows: the
header and key assumptions, "Answers" (one generated paragraph per question), the headline
table (:func:`headline_table`), one section per question ((a) who is in, (b) capability or
will, (c) does technology become power, (d) will partners trust the US), robustness,
sensitivity indices and the parameters with their sources. The question sections are
computed in :mod:`techbloc.report.questions`, :mod:`techbloc.report.power_trust`,
:mod:`techbloc.report.robust` and :mod:`techbloc.report.answers`; this module assembles
them. Rendering to HTML is :mod:`techbloc.report.html`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import techbloc
from techbloc.analysis.summary import study_summary, summary_table
from techbloc.errors import Error
from techbloc.model.outputs import find_output
from techbloc.params import get_parameter, parameter_names, parameter_table
from techbloc.report import power_trust, questions, robust
from techbloc.report.answers import answers
from techbloc.report.assets import Assets
from techbloc.report.background import BackgroundSections
from techbloc.report.data import read_store
from techbloc.report.formatting import format_value, percent
from techbloc.report.maps import maps_section
from techbloc.report.palette import policy_colours
from techbloc.report.summary import cite, summary, surprises

if TYPE_CHECKING:
    from techbloc.experiments.study import Study
    from techbloc.report.data import StoreData

__all__ = [
    "HEADLINE_OUTCOMES",
    "OPTIONAL_SECTIONS",
    "build_context",
    "headline_table",
    "report_context",
]

#: Outcomes of the headline table, in display order.
HEADLINE_OUTCOMES: tuple[str, ...] = (
    "china_capability_vs_status_quo",
    "power_ratio_china_us_vs_status_quo",
    "capability_gap_vs_status_quo",
    "china_knowledge_vs_status_quo",
    "alliance_rd_share",
    "leakage_to_china",
    "leakage_share",
    "achieved_stringency",
    "cohesion",
    "external_stability",
    "members_remaining",
    "power_ratio_china_us",
)
#: Outcomes whose headline cell is the share of futures above 0 (with the median below).
_SHARE_POSITIVE = (
    "china_capability_vs_status_quo",
    "power_ratio_china_us_vs_status_quo",
    "china_knowledge_vs_status_quo",
    "backlash_exclusion",
    "external_stability",
)
_STATS = ("p10", "p50", "p90")
_percent = percent


def headline_table(outcomes: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """The report's headline statistics per policy: the study summary of
    :data:`HEADLINE_OUTCOMES` (:func:`techbloc.analysis.summary.study_summary`), wide, with
    the share of futures above 0 for each."""
    summary = study_summary(
        outcomes, policies, names=HEADLINE_OUTCOMES, share_positive=HEADLINE_OUTCOMES
    )
    return summary_table(summary)


# -- sections ----------------------------------------------------------------------------


def _header(data: StoreData, title: str | None) -> dict[str, Any]:
    study, manifest = data.study, data.manifest
    design: str = study.design.method
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
        except Error as exc:  # a presets file gone missing must not stop the report
            note = f"members not resolved: {exc}"
        levels = spec.control_stringency
        if isinstance(levels, dict):
            stringency = ", ".join(f"{k} {format_value(v)}" for k, v in levels.items())
        else:
            stringency = format_value(levels)
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
    names = list(dict.fromkeys(stats.columns.get_level_values(0)))
    columns = []
    for name in names:
        meta = find_output(name)
        description, unit = (meta.description, meta.unit) if meta else (name, "")
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


#: Sections other modules may provide, in report order after the four questions: each
#: ``techbloc.report.<name>`` module with ``<name>_section(data, assets) -> dict``.
OPTIONAL_SECTIONS: tuple[str, ...] = ("history",)


def _optional_section(name: str, data: StoreData, assets: Assets) -> dict[str, Any] | None:
    """``techbloc.report.<name>.<name>_section(data, assets)``, or None when not installed."""
    import importlib
    import importlib.util

    module_name = f"techbloc.report.{name}"
    if importlib.util.find_spec(module_name) is None:
        return None
    section = getattr(importlib.import_module(module_name), f"{name}_section")
    result: dict[str, Any] = section(data, assets)
    return result


def _by_influence(names: list[str], tables: dict[str, pd.DataFrame]) -> list[str]:
    """``names`` ordered by their first-order index on the first sensitivity table."""
    if not tables:
        return names
    s1 = next(iter(tables.values()))["S1"]
    return sorted(names, key=lambda n: -float(s1.get(n, -1.0)))


def _contents(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The contents list: ``anchor``, ``title`` and ``appendix`` per section shown."""
    main = [
        ("summary", "Summary"),
        ("map", "The coalitions on a map"),
        ("who", "1. Who should be in?"),
        ("will", "2. Capability or will?"),
        ("power", "3. Does technology become power?"),
        ("trust", "4. Will partners trust the US?"),
    ]
    if context.get("history"):
        main.append(("history", "5. How well does the model fit 2010–2023?"))
    appendix = [
        ("assumptions", "A. Key assumptions"),
        ("study", "B. The study and headline outcomes"),
        ("discovery", "C. Scenario discovery"),
        ("robustness", "D. Robustness"),
        ("sensitivity", "E. Sensitivity"),
        ("parameters", "F. Parameters and data"),
    ]
    history = context.get("history")
    matched = bool(history and history.get("appendix_html"))
    if matched:
        appendix.append(("history-detail", "G. History match"))
    appendix.append(("manifest", f"{'H' if matched else 'G'}. Run manifest and how to cite"))
    return [{"anchor": a, "title": t, "appendix": False} for a, t in main] + [
        {"anchor": a, "title": t, "appendix": True} for a, t in appendix
    ]


def build_context(
    store_dir: Path, title: str | None, *, parallel: bool = True, analysis_sample: int = 0
) -> tuple[dict[str, Any], Assets]:
    """The report's context (see :func:`report_context`) and its figures and tables.

    With ``parallel`` (default), scenario discovery, sensitivity and the summary's findings
    are computed in a worker process meanwhile when a second core is free
    (:mod:`techbloc.report.background`); the context is the same either way. With
    ``analysis_sample``, scenario discovery and sensitivity use that many of the futures
    (drawn with the study's seed) when the study has more.

    Raises
    ------
    techbloc.errors.StoreError
        If there is no store, or it holds no results.
    """
    started = time.perf_counter()
    data = read_store(store_dir)
    with BackgroundSections(data, parallel=parallel, analysis_sample=analysis_sample) as background:
        context, assets = _sections(data, title, background)
    if title is None:  # the title states the main finding
        context["header"]["title"] = context["summary"]["title"]
    context["cite"] = cite(context["header"])
    context["contents"] = _contents(context)
    context["header"]["report_seconds"] = round(time.perf_counter() - started, 1)
    context["header"]["asset_dir"] = "report_files"
    return context, assets


def _sections(
    data: StoreData, title: str | None, background: BackgroundSections
) -> tuple[dict[str, Any], Assets]:
    """Every section, those of ``background`` collected last (they run meanwhile)."""
    assets = Assets()
    policies = data.policies
    colours = policy_colours(policies)
    stats = headline_table(data.outcomes, policies)
    flat = [
        f"{name}_{stat}"
        for name, stat in zip(
            stats.columns.get_level_values(0), stats.columns.get_level_values(1), strict=True
        )
    ]
    assets.table(
        "table_headline",
        stats.copy().set_axis(flat, axis=1).rename_axis("policy").reset_index(),
    )
    maps = maps_section(data, colours, assets)
    who = questions.who_is_in(data, stats, colours, assets)
    will = questions.capability_will(data, assets)
    power = power_trust.technology_power(data, colours, assets)
    trust = power_trust.us_reliability(data, colours, assets)
    robustness = robust.robustness(data, assets)
    parameters = _parameters(data.study)
    assumptions = _assumptions(data, parameters)
    # Optional sections another module provides (None when absent): "history" is the history
    # match (techbloc.report.history, `history_section(data, assets) -> dict`); its
    # "summary" sentence is read into the limitations paragraph.
    optional = {name: _optional_section(name, data, assets) for name in OPTIONAL_SECTIONS}
    surprising = surprises(data, who.get("outsiders_table"), who.get("shapley"), seed=data.seed)
    computed = background.result(assets)
    prim, sensitivity, found = (computed[k] for k in ("discovery", "sensitivity", "findings"))
    context: dict[str, Any] = {
        "header": _header(data, title),
        "summary": summary(
            found,
            data=data,
            sensitivity=sensitivity["tables"],
            surprising=surprising,
            judgement=_by_influence(assumptions["judgement"], sensitivity["tables"]),
            history=optional["history"],
        ),
        **optional,
        "maps": maps,
        "assumptions": assumptions,
        "answers": answers(who, will, power, prim, trust),
        "policies": _policies(data.study),
        "headline": _headline(stats),
        "who": who,
        "will": will,
        "power": power,
        "discovery": prim,
        "trust": trust,
        "robustness": robustness,
        "sensitivity": sensitivity,
        "parameters": parameters,
    }
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
    return build_context(Path(store_dir), title)[0]
