"""Report section 5, "How well does the model fit 2010–2023?": :func:`history_section`.

One of the report's optional sections (``techbloc.report.sections.OPTIONAL_SECTIONS``). It
shows, from the calibrated set the study drew from (or the shipped ``history`` set when the
study sampled the wide prior):

- each target: observed value, the model's median and 10–90% band under the wide prior and
  under the history-consistent futures, coverage, implausibility, hold-out years marked;
- which parameters history constrains (prior range against non-implausible range);
- the four answers under the wide prior and under the history-consistent futures side by
  side, each with one generated sentence on whether it changes
  (:mod:`techbloc.report.answer_change`; a change at the study's seed is checked at more
  root seeds before it is called one). The wide-prior results are read from the sibling
  store ``<store>-wide-prior`` (``techbloc run --prior wide`` writes
  ``out/default-wide-prior`` beside ``out/default``); without it the section says how to
  make it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup, escape

from techbloc.analysis.uncertainty import DEFAULT_LEVEL
from techbloc.report.answer_change import (
    RELATIVE_CHANGE,
    SEED_CHECK_FUTURES,
    SEEDS_CHECKED,
    SHARE_CHANGE,
    Answer,
    change_sentence,
    four_answers,
    pooled_answer,
    shown,
    verdict,
)

if TYPE_CHECKING:
    from techbloc.report.assets import Assets
    from techbloc.report.data import StoreData

__all__ = ["history_html", "history_section", "history_tables_html"]


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
            sentence = _checked_sentence(store_dir, wide_dir, wide[question], answer)
            parts.append(
                f"<tr><td>{escape(question)}</td><td>{escape(answer.measure)}</td>"
                f"<td>{shown(answer, w)}</td><td>{shown(answer, c)}</td>"
                f"<td>{escape(sentence)}</td></tr>"
            )
        parts.append("</tbody></table>")
        parts.append(
            f"<p>An answer changes when its sign flips or it moves by more than "
            f"{100 * RELATIVE_CHANGE:.0f}% of its wide-prior value ({100 * SHARE_CHANGE:.0f} "
            f"points for shares of futures), and the {100 * DEFAULT_LEVEL:.0f}% bootstrap "
            "interval of the difference (each set's futures resampled on their own) excludes "
            "0; a move as large whose interval includes 0 is within the sampling error: "
            "another draw of futures could undo it. Four answers tested at once show a "
            "change by chance about one time in five, so an answer that changes at this "
            f"study's root seed is run again at {SEEDS_CHECKED - 1} more (its policies "
            "only, both sets of futures), and the verdict given first is that of the "
            f"answer averaged over the {SEEDS_CHECKED} seeds.</p>"
        )
    return Markup("\n".join(parts))


def _checked_sentence(store_dir: Path, wide_dir: Path, wide: Answer, calibrated: Answer) -> str:
    """The table's sentence: the verdict at this study's seed, and when that is a change,
    the verdict over :data:`~techbloc.report.answer_change.SEEDS_CHECKED` root seeds first."""
    sentence = change_sentence(wide, calibrated)
    if verdict(wide, calibrated) != "changes":
        return sentence
    largest = max(_futures(store_dir), _futures(wide_dir))
    if largest > SEED_CHECK_FUTURES:
        return (
            f"{sentence} (Not checked at other root seeds: the report runs an answer again "
            f"for studies of up to {SEED_CHECK_FUTURES:,} futures, and this one has "
            f"{largest:,}; run it at other seeds, `seed:` in the study, to check.)"
        )
    pooled_wide = pooled_answer(wide_dir, wide, resample_seed=1)
    pooled_calibrated = pooled_answer(store_dir, calibrated, resample_seed=0)
    if pooled_wide is None or pooled_calibrated is None:
        return sentence + " (Not checked at other root seeds: the study could not be run again.)"
    over = change_sentence(pooled_wide, pooled_calibrated)
    return (
        f"Over {SEEDS_CHECKED} root seeds, {over[0].lower()}{over[1:]} At this study's seed "
        f"alone, {sentence[0].lower()}{sentence[1:]}"
    )


def _futures(store_dir: Path) -> int:
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store_dir) as store:
        return int(store.study.n_scenarios)


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
