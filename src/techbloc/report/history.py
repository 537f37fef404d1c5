"""Report section "How well does the model fit 2010–2023?" (issue 19).

Kept in its own module: :func:`insert_history_section` is the one hook the report calls
(``techbloc.report.html.write_report``, after rendering), and it inserts the section before
the appendix (or the end of ``<main>``).

The section shows, from the calibrated set the study drew from (or the shipped ``history``
set when the study sampled the wide prior):

- each target: observed value, the model's median and 10–90% band under the wide prior and
  under the history-consistent futures, coverage, implausibility, hold-out years marked;
- which parameters history constrains (prior range against non-implausible range);
- the four answers under the wide prior and under the history-consistent futures side by
  side, each with one generated sentence on whether it changes. The wide-prior results are
  read from the sibling store ``<store>-wide-prior`` (``techbloc run --prior wide`` writes
  ``out/default-wide-prior`` beside ``out/default``); without it the section says how to
  make it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from techbloc.report.naming import policy_name

if TYPE_CHECKING:
    from techbloc.report.assets import Assets
    from techbloc.report.data import StoreData

__all__ = ["Answer", "four_answers", "history_html", "history_section", "history_tables_html"]

#: A change in an answer counts when its sign flips, or it moves by more than this share of
#: its wide-prior value (or, for shares of futures, by more than 10 points).
RELATIVE_CHANGE = 0.25
SHARE_CHANGE = 0.10
#: The core coalition's plain name in the answers' measures.
CORE = policy_name("forging_core")


@dataclass(frozen=True)
class Answer:
    """One of the four answers as one number."""

    question: str
    measure: str
    kind: str  # "share" or "value"
    value: float


def _per_future(outcomes: pd.DataFrame, policy: str, column: str) -> pd.Series:
    part = outcomes[outcomes["policy"] == policy]
    return part.set_index("scenario")[column].astype(float)


def four_answers(store_dir: str | Path) -> list[Answer]:
    """The four questions' headline numbers from a store of the default study's policies.

    (a) median change in the coalition's share of world R&D from adding South Korea to
    forging_core (points); (b) the cut in China's absorbed leakage that full capacity
    building buys through Indonesia, as a share of what it buys through Poland; (c) share of
    futures in which forging_core leaves China's capability more than 1% above the status
    quo; (d) forging_core's cohesion in futures with 16 or more transactional years minus
    those with 8 or fewer. An answer whose policies the study lacks is left out.
    """
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store_dir) as store:
        outcomes = store.outcomes()
        scenarios = store.scenarios()
    if "scenario" in scenarios.columns:
        scenarios = scenarios.set_index("scenario")
    policies = set(outcomes["policy"])
    out: list[Answer] = []
    if {"forging_core", "forging_core+KOR"} <= policies:
        diff = _per_future(outcomes, "forging_core+KOR", "alliance_rd_share") - _per_future(
            outcomes, "forging_core", "alliance_rd_share"
        )
        out.append(
            Answer(
                "(a) Who is in?",
                f"adding South Korea to {CORE}: median change in the R&D share (points)",
                "value",
                float(100 * diff.median()),
            )
        )
    needed = {"core+IDN", "core+IDN cb", "core+POL", "core+POL cb"}
    if needed <= policies:

        def cut(partner: str) -> float:
            before = _per_future(outcomes, f"core+{partner}", "leakage_to_china")
            after = _per_future(outcomes, f"core+{partner} cb", "leakage_to_china")
            return float((1 - after / before).median())

        pol = cut("POL")
        out.append(
            Answer(
                "(b) Capability or will?",
                "leakage cut by capacity building through Indonesia, over that through Poland",
                "value",
                cut("IDN") / pol if pol else math.nan,
            )
        )
    if "forging_core" in policies:
        gain = _per_future(outcomes, "forging_core", "china_capability_vs_status_quo")
        out.append(
            Answer(
                "(c) Does technology become power?",
                f"futures in which {CORE} leaves China's capability >1% above the status quo",
                "share",
                float((gain > 0.01).mean()),
            )
        )
        cohesion = _per_future(outcomes, "forging_core", "cohesion")
        years = scenarios["transactional_years"].reindex(cohesion.index)
        high, low = cohesion[years >= 16], cohesion[years <= 8]
        out.append(
            Answer(
                "(d) Will partners trust the US?",
                f"{CORE}'s cohesion, ≥16 minus ≤8 transactional years",
                "value",
                float(high.mean() - low.mean()) if len(high) and len(low) else math.nan,
            )
        )
    return out


def _shown(answer: Answer, value: float) -> str:
    if not math.isfinite(value):
        return "–"
    if answer.kind == "share":
        return f"{100 * value:.0f}%"
    return f"{value:+.3g}"


def change_sentence(answer: Answer, wide: float, calibrated: float) -> str:
    """One sentence: does the answer change between the wide prior and the calibrated set?"""
    a, b = _shown(answer, wide), _shown(answer, calibrated)
    if not (math.isfinite(wide) and math.isfinite(calibrated)):
        return f"Not comparable ({a} under the wide prior, {b} history-consistent)."
    if answer.kind == "share":
        moved = abs(calibrated - wide) > SHARE_CHANGE
        size = f"{100 * (calibrated - wide):+.0f} points"
    else:
        flipped = np.sign(wide) != np.sign(calibrated) and abs(wide) > 1e-9
        relative = abs(calibrated - wide) / max(abs(wide), 1e-12)
        moved = bool(flipped) or relative > RELATIVE_CHANGE
        size = "the sign flips" if flipped else f"{100 * relative:.0f}% of its wide-prior value"
    if moved:
        return f"The answer changes: {a} under the wide prior, {b} on history ({size})."
    return f"The answer holds: {a} under the wide prior, {b} on history ({size})."


def _calibrated_set_of(store_dir: Path):
    from techbloc.calibration.calibrated import BUNDLED_SET, load_calibrated
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store_dir) as store:
        design = store.study.design
    name = design.calibrated_set  # set with the calibrated design only
    return load_calibrated(name or BUNDLED_SET), name is not None


def _fit_rows(fit: pd.DataFrame) -> Markup:
    rows = []
    for name, r in fit.iterrows():
        cells = [
            escape(f"{name}{' (hold-out)' if r['holdout'] else ''}"),
            f"{r['observed']:.3g}",
        ]
        for label in ("prior", "calibrated"):
            cells.append(
                f"{r[f'{label}_median']:.3g} ({r[f'{label}_p10']:.3g}–{r[f'{label}_p90']:.3g})"
            )
            cells.append("yes" if r[f"{label}_covered"] else "no")
            cells.append(f"{r[f'{label}_implausibility']:.2f}")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return Markup("\n".join(rows))


def history_html(store_dir: str | Path) -> Markup:
    """The body of the history section (the report's template gives its heading)."""
    store_dir = Path(store_dir)
    cal, study_is_calibrated = _calibrated_set_of(store_dir)
    prov = cal.provenance
    fit = cal.fit
    matched = fit[~fit["holdout"]]
    held = fit[fit["holdout"]]
    waves = "; ".join(
        f"wave {w['wave']}: {w['kept']:,} of {w['candidates']:,} kept "
        f"({100 * w['share_ruled_out']:.0f}% ruled out)"
        for w in prov["waves"]
    )
    parts = [
        "<p>The model was run from 2010 to 2023 on observed history and compared with "
        f"{len(fit)} observations ({len(held)} of them, from 2020 on, held out of the "
        "matching). History matching kept the futures whose largest implausibility "
        f"|observed − model| / √(V<sub>obs</sub> + V<sub>disc</sub>) is below "
        f"{prov['cutoff']:g} (rule: {escape(prov['rule'])}); {escape(waves)}. "
        f"The set holds {prov['set_size']:,} futures (seed {prov['seed']}). "
        + (
            "This study draws its futures from it."
            if study_is_calibrated
            else "This study sampled the wide prior; the table shows the shipped set."
        )
        + " Method, variances and sources: docs/calibration.md.</p>",
        f"<p>Observations inside the model's 10–90% band: {int(matched['prior_covered'].sum())}"
        f" of {len(matched)} matched and {int(held['prior_covered'].sum())} of {len(held)} "
        f"held-out under the wide prior; {int(matched['calibrated_covered'].sum())} and "
        f"{int(held['calibrated_covered'].sum())} on the history-consistent futures.</p>",
        "<p>Every target with its model band, and each parameter's range before and after "
        'the match, are in appendix <a href="#history-detail">H</a>.</p>',
    ]
    parts.append("<h3>The four answers under both sets of futures</h3>")
    wide_dir = store_dir.with_name(f"{store_dir.name}-wide-prior")
    if not study_is_calibrated:
        parts.append("<p>This study itself samples the wide prior.</p>")
    elif not (wide_dir / "results.duckdb").exists():
        parts.append(
            "<p>No wide-prior results beside this store: run the same study over the "
            "registry's full ranges (<code>design: lhs</code>) into "
            f"<code>{escape(str(wide_dir))}</code> (for the default study, "
            "<code>techbloc run --prior wide</code> does that) and write the report again to "
            "compare the answers.</p>"
        )
    else:
        calibrated = {a.question: a for a in four_answers(store_dir)}
        wide = {a.question: a for a in four_answers(wide_dir)}
        parts.append(
            "<table><thead><tr><th>question</th><th>measure</th><th>wide prior</th>"
            "<th>history-consistent</th><th>does it change?</th></tr></thead><tbody>"
        )
        for question, answer in calibrated.items():
            if question not in wide:
                continue
            w, c = wide[question].value, answer.value
            parts.append(
                f"<tr><td>{escape(question)}</td><td>{escape(answer.measure)}</td>"
                f"<td>{_shown(answer, w)}</td><td>{_shown(answer, c)}</td>"
                f"<td>{escape(change_sentence(answer, w, c))}</td></tr>"
            )
        parts.append("</tbody></table>")
        parts.append(
            f"<p>An answer changes when its sign flips or it moves by more than "
            f"{100 * RELATIVE_CHANGE:.0f}% of its wide-prior value ({100 * SHARE_CHANGE:.0f} "
            "points for shares of futures).</p>"
        )
    return Markup("\n".join(parts))


def history_tables_html(store_dir: str | Path) -> Markup:
    """The appendix part of the history section: every target's fit, and the parameters."""
    cal, _ = _calibrated_set_of(Path(store_dir))
    fit = cal.fit
    parts = [
        "<table><thead><tr><th>target</th><th>observed</th>"
        "<th>wide prior: median (10–90%)</th><th>in band</th><th>I</th>"
        "<th>history-consistent: median (10–90%)</th><th>in band</th><th>I</th>"
        "</tr></thead><tbody>",
        str(_fit_rows(fit)),
        "</tbody></table>",
        "<h3>What the record constrains</h3>",
        "<p>Each parameter's prior range against its range among the history-consistent "
        "futures; 'central 80%' is the width of their 10–90% interval on the sampling scale "
        "(0.8 for a parameter history does not constrain).</p>",
        "<table><thead><tr><th>parameter</th><th>prior</th><th>history-consistent</th>"
        "<th>10–90%</th><th>central 80%</th><th>range ruled out</th></tr></thead><tbody>",
    ]
    for name, r in cal.constraints.head(10).iterrows():
        parts.append(
            f"<tr><td>{escape(name)}</td><td>{r['prior_low']:.3g}–{r['prior_high']:.3g}</td>"
            f"<td>{r['calibrated_low']:.3g}–{r['calibrated_high']:.3g}</td>"
            f"<td>{r['calibrated_p10']:.3g}–{r['calibrated_p90']:.3g}</td>"
            f"<td>{r['p10_p90_share']:.2f}</td><td>{100 * r['share_ruled_out']:.0f}%</td></tr>"
        )
    parts.append("</tbody></table>")
    return Markup("\n".join(parts))


def history_section(data: StoreData, assets: Assets) -> dict[str, Any] | None:
    """The report's history section (``sections.OPTIONAL_SECTIONS``): its body and the
    sentence the limitations paragraph quotes; None when no calibrated set can be read
    (the rest of the report does not depend on calibration)."""
    from techbloc.errors import Error

    if data.directory is None:
        return None
    try:
        body = history_html(data.directory)
        fit = _calibrated_set_of(Path(data.directory))[0].fit
    except (Error, OSError):
        return None
    matched = fit[~fit["holdout"]]
    held = fit[fit["holdout"]]
    summary = (
        f"Run from 2010 on observed history, the model's 10–90% band holds "
        f"{int(matched['calibrated_covered'].sum())} of {len(matched)} matched observations "
        f"and {int(held['calibrated_covered'].sum())} of {len(held)} held-out ones on the "
        f"history-consistent futures ({int(matched['prior_covered'].sum())} and "
        f"{int(held['prior_covered'].sum())} under the wide prior; section 5)."
    )
    return {"summary": summary, "html": body, "appendix_html": history_tables_html(data.directory)}
