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
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from techbloc.analysis.uncertainty import DEFAULT_LEVEL, resample_indices
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
    """One of the four answers as one number.

    Attributes
    ----------
    question, measure : str
    kind : str
        ``"share"`` (a share of futures) or ``"value"``.
    value : float
        The answer over all the store's futures.
    draws : ndarray, optional
        The answer over :data:`~techbloc.analysis.uncertainty.DEFAULT_RESAMPLES` bootstrap
        resamples of the store's futures (the sampling error of ``value``).
    """

    question: str
    measure: str
    kind: str  # "share" or "value"
    value: float
    draws: np.ndarray | None = field(default=None, compare=False, repr=False)


def _per_future(outcomes: pd.DataFrame, policy: str, column: str) -> pd.Series:
    part = outcomes[outcomes["policy"] == policy]
    return part.set_index("scenario")[column].astype(float)


def _median(a: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample of NaN only
        return np.asarray(np.nanmedian(a, axis=-1))


def _mean_where(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over the last axis where ``where`` holds and the value is finite."""
    keep = where & np.isfinite(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(keep, values, 0.0).sum(axis=-1) / keep.sum(axis=-1)


def four_answers(store_dir: str | Path, *, seed: int = 0) -> list[Answer]:
    """The four questions' headline numbers from a store of the default study's policies.

    (a) median change in the coalition's share of world R&D from adding South Korea to
    forging_core (points); (b) the cut in China's absorbed leakage that full capacity
    building buys through Indonesia, as a share of what it buys through Poland; (c) share of
    futures in which forging_core leaves China's capability more than 1% above the status
    quo; (d) forging_core's cohesion in futures with 16 or more transactional years minus
    those with 8 or fewer. An answer whose policies the study lacks is left out.

    Each answer also carries its value over bootstrap resamples of the store's futures
    (``seed``: the resampling's), every policy read on the same resampled futures.
    """
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store_dir) as store:
        outcomes = store.outcomes()
        scenarios = store.scenarios()
    if "scenario" in scenarios.columns:
        scenarios = scenarios.set_index("scenario")
    policies = set(outcomes["policy"])
    futures = pd.Index(sorted(set(outcomes["scenario"])))
    idx = resample_indices(len(futures), seed=seed)  # (resamples, futures)

    def column(policy: str, name: str) -> np.ndarray:
        return _per_future(outcomes, policy, name).reindex(futures).to_numpy()

    out: list[Answer] = []
    if {"forging_core", "forging_core+KOR"} <= policies:
        diff = 100 * (
            column("forging_core+KOR", "alliance_rd_share")
            - column("forging_core", "alliance_rd_share")
        )
        out.append(
            Answer(
                "(a) Who is in?",
                f"adding South Korea to {CORE}: median change in the R&D share (points)",
                "value",
                float(_median(diff)),
                _median(diff[idx]),
            )
        )
    needed = {"core+IDN", "core+IDN cb", "core+POL", "core+POL cb"}
    if needed <= policies:

        def cut(partner: str) -> np.ndarray:
            before = column(f"core+{partner}", "leakage_to_china")
            after = column(f"core+{partner} cb", "leakage_to_china")
            with np.errstate(all="ignore"):
                return 1 - after / before

        idn, pol = cut("IDN"), cut("POL")
        pol_median = _median(pol)
        with np.errstate(all="ignore"):
            ratio = _median(idn) / pol_median if pol_median else math.nan
            draws = _median(idn[idx]) / _median(pol[idx])
        out.append(
            Answer(
                "(b) Capability or will?",
                "leakage cut by capacity building through Indonesia, over that through Poland",
                "value",
                float(ratio),
                draws,
            )
        )
    if "forging_core" in policies:
        gain = column("forging_core", "china_capability_vs_status_quo")
        above = np.where(np.isfinite(gain), gain > 0.01, np.nan)
        out.append(
            Answer(
                "(c) Does technology become power?",
                f"futures in which {CORE} leaves China's capability >1% above the status quo",
                "share",
                float(np.nanmean(above)),
                _mean_where(above[idx], np.ones(idx.shape, bool)),
            )
        )
        cohesion = column("forging_core", "cohesion")
        years = scenarios["transactional_years"].reindex(futures).to_numpy()
        high, low = years >= 16, years <= 8
        out.append(
            Answer(
                "(d) Will partners trust the US?",
                f"{CORE}'s cohesion, ≥16 minus ≤8 transactional years",
                "value",
                float(_mean_where(cohesion, high) - _mean_where(cohesion, low)),
                _mean_where(cohesion[idx], high[idx]) - _mean_where(cohesion[idx], low[idx]),
            )
        )
    return out


def _shown(answer: Answer, value: float) -> str:
    if not math.isfinite(value):
        return "–"
    if answer.kind == "share":
        return f"{100 * value:.0f}%"
    return f"{value:+.3g}"


def _difference_interval(wide: Answer, calibrated: Answer) -> tuple[float, float] | None:
    """The 95% bootstrap interval of ``calibrated - wide``: the two stores' futures are
    resampled on their own (they share none), or None without draws."""
    if wide.draws is None or calibrated.draws is None:
        return None
    d = calibrated.draws - wide.draws
    d = d[np.isfinite(d)]
    if not len(d):
        return None
    low, high = np.percentile(d, [50 * (1 - DEFAULT_LEVEL), 50 * (1 + DEFAULT_LEVEL)])
    return float(low), float(high)


def change_sentence(wide: Answer, calibrated: Answer) -> str:
    """One sentence: does the answer change between the wide prior and the calibrated set?

    It changes when its sign flips or it moves by more than :data:`RELATIVE_CHANGE` of its
    wide-prior value (:data:`SHARE_CHANGE` for a share of futures), and the bootstrap
    interval of the difference excludes 0; a move as large whose interval includes 0 is
    within the sampling error.
    """
    w, c = wide.value, calibrated.value
    a, b = _shown(calibrated, w), _shown(calibrated, c)
    if not (math.isfinite(w) and math.isfinite(c)):
        return f"Not comparable ({a} under the wide prior, {b} history-consistent)."
    if calibrated.kind == "share":
        moved = abs(c - w) > SHARE_CHANGE
        size = f"{100 * (c - w):+.0f} points"
    else:
        flipped = np.sign(w) != np.sign(c) and abs(w) > 1e-9
        relative = abs(c - w) / max(abs(w), 1e-12)
        moved = bool(flipped) or relative > RELATIVE_CHANGE
        size = "the sign flips" if flipped else f"{100 * relative:.0f}% of its wide-prior value"
    if not moved:
        return f"The answer holds: {a} under the wide prior, {b} on history ({size})."
    interval = _difference_interval(wide, calibrated)
    if interval is None:
        return f"The answer changes: {a} under the wide prior, {b} on history ({size})."
    low, high = interval
    if calibrated.kind == "share":
        span = f"{100 * low:+.0f} to {100 * high:+.0f} points"
    else:
        span = f"{low:+.3g} to {high:+.3g}"
    level = f"{100 * DEFAULT_LEVEL:.0f}%"
    if low > 0 or high < 0:
        return (
            f"The answer changes: {a} under the wide prior, {b} on history ({size}; the "
            f"difference's {level} interval, {span}, excludes 0)."
        )
    return (
        f"Within the sampling error: {a} under the wide prior, {b} on history ({size}), but "
        f"the difference's {level} interval, {span}, includes 0."
    )


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
        'the match, are in appendix <a href="#history-detail">G</a>.</p>',
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
        calibrated = {a.question: a for a in four_answers(store_dir, seed=0)}
        wide = {a.question: a for a in four_answers(wide_dir, seed=1)}
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
                f"<td>{escape(change_sentence(wide[question], answer))}</td></tr>"
            )
        parts.append("</tbody></table>")
        parts.append(
            f"<p>An answer changes when its sign flips or it moves by more than "
            f"{100 * RELATIVE_CHANGE:.0f}% of its wide-prior value ({100 * SHARE_CHANGE:.0f} "
            f"points for shares of futures), and the {100 * DEFAULT_LEVEL:.0f}% bootstrap "
            "interval of the difference (each set's futures resampled on their own) excludes "
            "0; a move as large whose interval includes 0 is within the sampling error: "
            "another draw of futures could undo it.</p>"
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
