"""The four answers as numbers, and whether one changes under history matching.

Section 5 of the report (:mod:`techbloc.report.history`) compares each of the four
questions' headline numbers (:func:`four_answers`) under the wide prior and on the
history-consistent futures (:func:`verdict`, :func:`change_sentence`).

One study's store is one draw of futures, and a verdict's 95% interval is that draw's: four
answers tested at once show a "change" by chance about one time in five. So before the
report calls an answer changed, it runs the answer's policies again at more root seeds (the
study's seed + 1, + 2, ...) for both sets of futures and pools each answer over the seeds
(:func:`pooled_answer`); the verdict it quotes first is the pooled one.

Measured on the default study (1,000 futures, ``forging_core``, December 2026): answer (d)
over 48 root seeds of the wide prior had mean -0.0302 and standard deviation 0.0051 (one
store's bootstrap standard deviation: 0.0045). A calibrated design takes the set's first
futures whatever the seed, so on history the seeds vary only each future's US elections and
exits: over 24 seeds, mean -0.0314, standard deviation 0.0035. At the study's own seed it
read -0.0385 and -0.0222, a "change" whose interval excluded 0.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from techbloc.analysis.uncertainty import DEFAULT_LEVEL, resample_indices
from techbloc.report.formatting import percent, signed
from techbloc.report.naming import policy_name

__all__ = [
    "ANSWER_POLICIES",
    "CAPACITY_PAIRS",
    "LEAKAGE_BY_COUNTRY",
    "RELATIVE_CHANGE",
    "SEEDS_CHECKED",
    "SEED_CHECK_FUTURES",
    "SHARE_CHANGE",
    "Answer",
    "change_sentence",
    "four_answers",
    "pool",
    "pooled_answer",
    "shown",
    "verdict",
]

#: A change in an answer counts when its sign flips, or it moves by more than this share of
#: its wide-prior value (or, for shares of futures, by more than 10 points).
RELATIVE_CHANGE = 0.25
SHARE_CHANGE = 0.10
#: The core coalition's plain name in the answers' measures.
CORE = policy_name("forging_core")
#: Answer (b)'s partners, each with capacity building off and at full strength.
CAPACITY_PAIRS: dict[str, tuple[str, str]] = {
    "IDN": ("core+IDN", "core+IDN cb"),
    "POL": ("core+POL", "core+POL cb"),
}
#: The policies each answer reads, by its label (an answer whose policies a study lacks is
#: left out).
ANSWER_POLICIES: dict[str, tuple[str, ...]] = {
    "(a)": ("forging_core", "forging_core+KOR"),
    "(b)": tuple(policy for pair in CAPACITY_PAIRS.values() for policy in pair),
    "(c)": ("forging_core",),
    "(d)": ("forging_core",),
}


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
    forging_core (points); (b) the median cut in the leakage China absorbs through
    Indonesia that full capacity building for Indonesia buys, over the same for Poland (as
    section 2 of the report; it needs the per-country outputs); (c) share of
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
        policies = set(outcomes["policy"])
        leakage = _partner_leakage(store, policies)
    if "scenario" in scenarios.columns:
        scenarios = scenarios.set_index("scenario")
    futures = pd.Index(sorted(set(outcomes["scenario"])))
    idx = resample_indices(len(futures), seed=seed)  # (resamples, futures)

    def column(policy: str, name: str) -> np.ndarray:
        return _per_future(outcomes, policy, name).reindex(futures).to_numpy()

    def has(label: str) -> bool:
        return set(ANSWER_POLICIES[label]) <= policies and (label != "(b)" or bool(leakage))

    out: list[Answer] = []
    if has("(a)"):
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
    if has("(b)"):

        def cut(partner: str) -> np.ndarray:
            off, on = CAPACITY_PAIRS[partner]
            before = leakage[off].reindex(futures).to_numpy()
            after = leakage[on].reindex(futures).to_numpy()
            with np.errstate(all="ignore"):
                return np.where(before > 0, 1 - after / before, np.nan)

        idn, pol = cut("IDN"), cut("POL")
        pol_median = _median(pol)
        with np.errstate(all="ignore"):
            ratio = _median(idn) / pol_median if pol_median else math.nan
            draws = _median(idn[idx]) / _median(pol[idx])
        out.append(
            Answer(
                "(b) Capability or will?",
                "cut in the leakage China absorbs through the partner from full capacity "
                "building: Indonesia's over Poland's",
                "value",
                float(ratio),
                draws,
            )
        )
    if has("(c)"):
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
    if has("(d)"):
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


#: The per-country output answer (b) reads.
LEAKAGE_BY_COUNTRY = "leakage_to_china_by_country"


def _partner_leakage(store: Any, policies: set[str]) -> dict[str, pd.Series]:
    """The leakage China absorbs through each capacity-building partner, per future, under
    answer (b)'s policies (empty when the store lacks them or its per-country outputs)."""
    from techbloc.report.arrays import StoredArrays

    dims = ["scenario", "policy", "country"]
    wanted = ANSWER_POLICIES["(b)"]
    if not set(wanted) <= policies or store.array_variables().get(LEAKAGE_BY_COUNTRY) != dims:
        return {}
    arrays = StoredArrays(store.array_files(dims), dims, [LEAKAGE_BY_COUNTRY], list(wanted))
    return {
        policy: arrays.series(policy, partner, LEAKAGE_BY_COUNTRY)
        for partner, pair in CAPACITY_PAIRS.items()
        for policy in pair
    }


def shown(answer: Answer, value: float) -> str:
    """``value`` as the table shows an answer of ``answer``'s kind."""
    if not math.isfinite(value):
        return "–"
    if answer.kind == "share":
        return percent(value)
    return signed(value, "+.3g")


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


def verdict(wide: Answer, calibrated: Answer) -> str:
    """Whether the answer changes between the wide prior and the calibrated set.

    Returns
    -------
    {"changes", "holds", "sampling error", "not comparable"}
        It changes when its sign flips or it moves by more than :data:`RELATIVE_CHANGE` of
        its wide-prior value (:data:`SHARE_CHANGE` for a share of futures), and the
        bootstrap interval of the difference, when there are draws, excludes 0; a move as
        large whose interval includes 0 is within the sampling error.
    """
    return _judged(wide, calibrated)[0]


def change_sentence(wide: Answer, calibrated: Answer) -> str:
    """One sentence: does the answer change between the wide prior and the calibrated set
    (:func:`verdict`), with both values and the size of the move?"""
    return _judged(wide, calibrated)[1]


def _judged(wide: Answer, calibrated: Answer) -> tuple[str, str]:
    w, c = wide.value, calibrated.value
    a, b = shown(calibrated, w), shown(calibrated, c)
    if not (math.isfinite(w) and math.isfinite(c)):
        return (
            "not comparable",
            f"Not comparable ({a} under the wide prior, {b} history-consistent).",
        )
    if calibrated.kind == "share":
        moved = abs(c - w) > SHARE_CHANGE
        size = f"{signed(100 * (c - w), '+.0f')} points"
    else:
        flipped = np.sign(w) != np.sign(c) and abs(w) > 1e-9
        relative = abs(c - w) / max(abs(w), 1e-12)
        moved = bool(flipped) or relative > RELATIVE_CHANGE
        size = "the sign flips" if flipped else f"{100 * relative:.0f}% of its wide-prior value"
    if not moved:
        return "holds", f"The answer holds: {a} under the wide prior, {b} on history ({size})."
    interval = _difference_interval(wide, calibrated)
    if interval is None:
        return "changes", f"The answer changes: {a} under the wide prior, {b} on history ({size})."
    low, high = interval
    if calibrated.kind == "share":
        span = f"{signed(100 * low, '+.0f')} to {signed(100 * high, '+.0f')} points"
    else:
        span = f"{signed(low, '+.3g')} to {signed(high, '+.3g')}"
    level = f"{100 * DEFAULT_LEVEL:.0f}%"
    if low > 0 or high < 0:
        return "changes", (
            f"The answer changes: {a} under the wide prior, {b} on history ({size}; the "
            f"difference's {level} interval, {span}, excludes 0)."
        )
    return "sampling error", (
        f"Within the sampling error: {a} under the wide prior, {b} on history ({size}), but "
        f"the difference's {level} interval, {span}, includes 0."
    )


#: Root seeds an answer is pooled over before section 5 calls it changed (the study's own
#: and ``SEEDS_CHECKED - 1`` more).
SEEDS_CHECKED = 5
#: The most futures a study may have for the report to run an answer again at other seeds:
#: on the default study (1,000 futures, Forging core alone) the 8 runs took about 6 s, so at
#: this size about 30 s. A larger study's report says the change was not checked.
SEED_CHECK_FUTURES = 5_000


def pooled_answer(
    store_dir: str | Path,
    own: Answer,
    *,
    seeds: int = SEEDS_CHECKED,
    resample_seed: int = 0,
) -> Answer | None:
    """A store's answer pooled over ``seeds`` root seeds.

    ``own`` (the store's answer, from :func:`four_answers`) and the same answer of the
    store's study at root seeds ``seed + 1`` to ``seed + seeds - 1``, each run with only the
    policies the answer reads (:data:`ANSWER_POLICIES`) into a temporary store, pooled by
    :func:`pool`.

    Parameters
    ----------
    store_dir : path
        A study's results store.
    own : Answer
        One of the store's :func:`four_answers`.
    seeds : int
        Root seeds in all, the study's own among them.
    resample_seed : int
        Seed of the bootstrap resampling (as :func:`four_answers`).

    Returns
    -------
    Answer or None
        None when the study cannot be run again here (its world's files gone, say).
    """
    from techbloc.errors import Error
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.store import ResultsStore
    from techbloc.experiments.study import Study

    label = own.question[:3]
    with ResultsStore.open(store_dir) as store:
        study = store.study
    spec = study.to_dict()
    wanted = set(ANSWER_POLICIES[label])
    spec["policies"] = [
        policy
        for policy, declared in zip(spec["policies"], study.policies, strict=True)
        if declared.label in wanted
    ]
    answers = [own]
    try:
        with tempfile.TemporaryDirectory(prefix="techbloc-seed-check-") as tmp:
            for k in range(1, seeds):
                out = Path(tmp) / f"seed-{k}"
                # in this process: a second or so each, and the report may run in a worker
                run_study(Study.from_dict({**spec, "seed": study.seed + k}), out, executor="local")
                again = [
                    a for a in four_answers(out, seed=resample_seed) if a.question[:3] == label
                ]
                if not again:
                    return None
                answers.append(again[0])
    except (Error, OSError):
        return None
    return pool(answers)


def pool(answers: list[Answer]) -> Answer:
    """One answer from the same answer at several root seeds: the mean of their values and
    (when every seed has them) of their bootstrap draws.

    The draws are averaged resample by resample. Seeds of one store's study resample with
    the same seed, so when they share their futures (a calibrated design) the pooled draws
    resample those futures once, each with its answer averaged over the seeds; seeds that
    share nothing (a Latin hypercube) average independent draws.
    """
    first = answers[0]
    draws = [a.draws for a in answers]
    pooled = None
    if all(d is not None for d in draws):
        pooled = np.mean(np.stack(draws), axis=0)  # type: ignore[arg-type]
    value = float(np.mean([a.value for a in answers]))
    return Answer(first.question, first.measure, first.kind, value, pooled)
