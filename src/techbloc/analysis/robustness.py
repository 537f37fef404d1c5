"""Robustness of policies across scenarios: regret, satisficing, percentiles, minimax.

All functions take a wide outcome table (see :func:`techbloc.analysis.outcomes.outcome_table`)
indexed by ``(scenario, policy)`` and return tidy :class:`pandas.DataFrame` objects.
Each metric carries a direction: ``max`` when more is better (``alliance_rd_share``),
``min`` when less is better (``leakage_to_china``). A metric string ``NAME`` takes the
direction of the registered output (:mod:`techbloc.model.outputs`); ``NAME:max`` and
``NAME:min`` override it (and are required for a column of your own).

Definitions (for a metric where more is better; signs flip for ``min``):

- regret to the best: ``max_p' y[s, p'] - y[s, p]`` (always >= 0);
- regret to a baseline ``b``: ``y[s, b] - y[s, p]`` (negative where ``p`` does better);
- satisficing: share of scenarios in which *every* threshold holds;
- minimax: the policy whose worst case (or largest regret) is best.

Missing values (one policy for every function here): a missing outcome (NaN: a failed or
unfinished run) counts as the **worst case** by default (``missing="worst"``): below every
real value of a ``max`` metric (``-inf``), above every value of a ``min`` metric
(``+inf``). So its regret is ``+inf``, a policy with a missing run has worst case ``∓inf``
and can be flagged maximin or minimax-regret best only if every policy has one, the
percentiles and means it enters are ``∓inf``, and a threshold on it is not met. With
``missing="drop"`` the scenarios in which any policy lacks the metric are left out (for
every policy, so that policies are compared on the same scenarios). Every table says how
many values were missing (``n_missing``) and, where it matters, how many scenarios were
used (``n_scenarios``).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from techbloc.analysis.outcomes import outcome_table, resolve_metric
from techbloc.errors import InputError

__all__ = [
    "Metric",
    "Missing",
    "Threshold",
    "minimax",
    "parse_metric",
    "parse_threshold",
    "percentiles",
    "regret",
    "robustness_summary",
    "satisficing",
]

Direction = Literal["max", "min"]
#: How missing outcomes are treated (see the module docstring).
Missing = Literal["worst", "drop"]


@dataclass(frozen=True)
class Metric:
    """An outcome and whether more (``max``) or less (``min``) of it is better.

    Build one with :func:`parse_metric` to take the direction from the outputs registry.
    """

    name: str
    direction: Direction

    def __post_init__(self) -> None:
        if self.direction not in ("max", "min"):
            raise InputError(
                f"metric '{self.name}': direction must be 'max' or 'min', got {self.direction!r}"
            )

    @property
    def sign(self) -> float:
        """+1 when more is better, -1 when less is better."""
        return 1.0 if self.direction == "max" else -1.0


def parse_metric(spec: str | Metric) -> Metric:
    """Parse ``"name"``, ``"name:max"`` or ``"name:min"``.

    A bare name takes the direction of the registered output
    (:data:`techbloc.model.outputs.OUTPUTS`); ``:max`` and ``:min`` override it. A column
    that is not a registered output needs an explicit direction; deprecated output names
    resolve with a ``FutureWarning`` (see
    :func:`techbloc.analysis.outcomes.resolve_metric`).

    Examples
    --------
    >>> parse_metric("leakage_to_china")
    Metric(name='leakage_to_china', direction='min')
    >>> parse_metric("my_column:max")
    Metric(name='my_column', direction='max')
    """
    if isinstance(spec, Metric):
        return spec
    name, direction, rest = resolve_metric(str(spec))
    if rest:
        raise InputError(f"metric {spec!r}: write NAME[:max|min]")
    return Metric(name, direction)


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_THRESHOLD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Threshold:
    """A requirement on one outcome, e.g. ``alliance_rd_share >= 0.5``."""

    name: str
    op: str
    value: float

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise InputError(f"threshold on '{self.name}': unknown comparison {self.op!r}")

    def holds(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Boolean array: where the requirement is met (NaN never meets it, not even
        ``!=``)."""
        values = np.asarray(values, dtype=float)
        return np.asarray(_OPS[self.op](values, self.value), bool) & ~np.isnan(values)

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value:g}"


def parse_threshold(spec: str | Threshold) -> Threshold:
    """Parse ``"name>=x"`` (also ``>``, ``<=``, ``<``, ``==``, ``!=``)."""
    if isinstance(spec, Threshold):
        return spec
    match = _THRESHOLD.match(str(spec))
    if not match:
        raise InputError(f'cannot read threshold {spec!r}; write it as "name>=value"')
    name, op, raw = match.groups()
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"threshold {spec!r}: {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"threshold {spec!r}: {raw!r} is not a finite number")
    return Threshold(name, op, value)


def _metrics(table: pd.DataFrame, metrics: Iterable[str | Metric]) -> list[Metric]:
    parsed = [parse_metric(m) for m in metrics]
    if not parsed:
        raise InputError("name at least one metric, e.g. --metric alliance_rd_share:max")
    _check_columns(table, [m.name for m in parsed])
    return parsed


def _check_columns(table: pd.DataFrame, names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in table.columns]
    if unknown:
        from techbloc.model.outputs import suggest

        known = list(map(str, table.columns))
        hint = suggest(unknown[0], known) if len(unknown) == 1 else ""
        raise InputError(
            f"unknown outcome(s) {', '.join(unknown)}{hint}; known: {', '.join(known)}"
        )


def _matrix(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """One outcome as a [scenario, policy] matrix (policy order as first seen)."""
    policies = pd.unique(table.index.get_level_values("policy"))
    return table[name].unstack("policy")[list(policies)]


def _check_missing(missing: str) -> None:
    if missing not in ("worst", "drop"):
        raise InputError(f"missing must be 'worst' or 'drop', got {missing!r}")


@dataclass(frozen=True)
class _Values:
    """One metric as [scenario, policy] matrices after the missing-value policy."""

    values: pd.DataFrame  # NaN where missing (dropped scenarios removed)
    signed: pd.DataFrame  # sign * values, missing = -inf (the worst case)
    missing: pd.DataFrame  # bool, where values is NaN
    n_missing: pd.Series  # per policy, before dropping


def _metric_values(table: pd.DataFrame, metric: Metric, missing: Missing) -> _Values:
    _check_missing(missing)
    values = _matrix(table, metric.name).astype(float)
    isna = values.isna()
    n_missing = isna.sum(axis=0).astype(int)
    if missing == "drop":
        keep = ~isna.any(axis=1)
        if not keep.any():
            raise InputError(
                f"every scenario lacks '{metric.name}' for some policy: nothing left to "
                "compare with missing='drop'"
            )
        values, isna = values[keep], isna[keep]
    signed = (metric.sign * values).fillna(-np.inf)
    return _Values(values, signed, isna, n_missing)


def _regret_matrix(v: _Values) -> pd.DataFrame:
    """Regret to the best policy per scenario; +inf where the value is missing."""
    best = v.signed.max(axis=1)
    with np.errstate(invalid="ignore"):
        regret = v.signed.rsub(best, axis=0)
    return regret.mask(v.missing, np.inf)


def _worst_filled(v: _Values, metric: Metric) -> pd.DataFrame:
    """Values in their own units with missing ones at the worst end (-inf or +inf)."""
    return v.signed * metric.sign


def _quantiles(frame: pd.DataFrame, q: Sequence[float]) -> np.ndarray:
    """Percentiles per column, linear interpolation between order statistics (numpy's
    default), where a missing value (``±inf``) next to the percentile makes it that
    worst case and an exact order statistic is returned as is."""
    a = np.sort(frame.to_numpy(float), axis=0)
    h = (len(a) - 1) * np.asarray(q, float) / 100
    lo, hi = np.floor(h).astype(int), np.ceil(h).astype(int)
    t = (h - lo)[:, None]
    a_lo, a_hi = a[lo], a[hi]
    with np.errstate(invalid="ignore"):
        between = a_lo + (a_hi - a_lo) * t
    between = np.where(np.isinf(a_hi), a_hi, between)
    between = np.where(np.isinf(a_lo), a_lo, between)
    return np.where((t == 0) | (a_lo == a_hi), a_lo, between)


def regret(
    outcomes: Any,
    metrics: Iterable[str | Metric],
    *,
    baseline: str | None = None,
    missing: Missing = "worst",
) -> pd.DataFrame:
    """Regret of every policy in every scenario, for each metric.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)`` (anything :func:`outcome_table` accepts).
    metrics : iterable of str or Metric
        ``"name:max"`` / ``"name:min"``.
    baseline : str, optional
        Policy to compare against as well.
    missing : {"worst", "drop"}
        Missing values count as the worst case (regret ``+inf``), or the scenarios in
        which any policy lacks the metric are dropped (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``scenario, policy, metric, direction, value,
        missing`` (the value is missing), ``regret`` (to the best policy in that
        scenario, >= 0) and, with a baseline, ``regret_baseline`` (to the baseline;
        negative where the policy does better; 0 where both are missing).
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    policies = list(pd.unique(table.index.get_level_values("policy")))
    if baseline is not None and baseline not in policies:
        raise InputError(
            f"unknown baseline policy '{baseline}'; the results hold: {', '.join(policies)}"
        )
    parts = []
    for metric in parsed:
        v = _metric_values(table, metric, missing)
        frame = pd.DataFrame(
            {
                "value": v.values.stack(future_stack=True),
                "missing": v.missing.stack(future_stack=True),
                "regret": _regret_matrix(v).stack(future_stack=True),
            }
        )
        if baseline is not None:
            with np.errstate(invalid="ignore"):
                to_base = v.signed.rsub(v.signed[baseline], axis=0)
            both = v.missing & v.missing[baseline].to_numpy()[:, None]
            frame["regret_baseline"] = to_base.mask(both, 0.0).stack(future_stack=True)
        frame.insert(0, "direction", metric.direction)
        frame.insert(0, "metric", metric.name)
        parts.append(frame.reset_index())
    result = pd.concat(parts, ignore_index=True)
    return result[
        ["scenario", "policy", "metric", "direction", "value", "missing", "regret"]
        + (["regret_baseline"] if baseline is not None else [])
    ]


def satisficing(
    outcomes: Any, thresholds: Iterable[str | Threshold], *, missing: Missing = "worst"
) -> pd.DataFrame:
    """Share of scenarios in which each policy meets every threshold.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    thresholds : iterable of str or Threshold
        E.g. ``["alliance_rd_share>=0.5", "leakage<0.1"]``.
    missing : {"worst", "drop"}
        A missing outcome fails its threshold, or the scenarios in which any policy lacks
        a thresholded outcome are dropped.

    Returns
    -------
    pandas.DataFrame
        Indexed by policy: ``satisficing`` (share meeting all thresholds), one column per
        threshold (share meeting it alone), ``n_scenarios`` (scenarios counted) and
        ``n_missing`` (scenarios in which a thresholded outcome is missing, before any
        dropping). Sorted best first.
    """
    _check_missing(missing)
    table = outcome_table(outcomes)
    parsed = [parse_threshold(t) for t in thresholds]
    if not parsed:
        raise InputError('name at least one threshold, e.g. --threshold "leakage<0.1"')
    _check_columns(table, [t.name for t in parsed])
    names = list(dict.fromkeys(t.name for t in parsed))
    lacking = table[names].isna().any(axis=1)
    n_missing = lacking.groupby(level="policy", sort=False).sum().astype(int)
    if missing == "drop":
        bad = lacking.groupby(level="scenario").any()
        keep = ~table.index.get_level_values("scenario").isin(bad.index[bad])
        if not keep.any():
            raise InputError("every scenario lacks a thresholded outcome for some policy")
        table = table[keep]
    met = pd.DataFrame({str(t): t.holds(table[t.name]) for t in parsed}, index=table.index)
    met.insert(0, "satisficing", met.all(axis=1))
    grouped = met.groupby(level="policy", sort=False)
    result = grouped.mean()
    result["n_scenarios"] = grouped.size()
    result["n_missing"] = n_missing.reindex(result.index).to_numpy()
    return result.sort_values("satisficing", ascending=False, kind="stable")


def percentiles(
    outcomes: Any,
    metrics: Iterable[str | Metric],
    q: Sequence[float] = (5, 25, 50, 75, 95),
    *,
    missing: Missing = "worst",
) -> pd.DataFrame:
    """Percentiles of each metric across scenarios, per policy.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    metrics : iterable of str or Metric
        Metrics with their directions (the direction says which end is the worst case).
    q : sequence of float
        Percentiles, in percent.
    missing : {"worst", "drop"}
        Missing values sit at the worst end (``-inf`` for ``max``, ``+inf`` for ``min``),
        or the scenarios in which any policy lacks the metric are dropped.

    Returns
    -------
    pandas.DataFrame
        Index ``(metric, policy)``; columns ``mean``, ``p5``, ``p25``, ... (as given in
        ``q``, in percent), ``n_scenarios`` and ``n_missing``.
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    q = [float(x) for x in q]
    if any(not 0 <= x <= 100 for x in q):
        raise InputError(f"percentiles must lie in [0, 100], got {q}")
    rows = []
    for metric in parsed:
        v = _metric_values(table, metric, missing)
        filled = _worst_filled(v, metric)
        pct = _quantiles(filled, q)
        for j, policy in enumerate(filled.columns):
            row = {"metric": metric.name, "policy": policy, "mean": filled[policy].mean()}
            row.update({f"p{x:g}": pct[i, j] for i, x in enumerate(q)})
            row["n_scenarios"] = len(filled)
            row["n_missing"] = int(v.n_missing[policy])
            rows.append(row)
    return pd.DataFrame(rows).set_index(["metric", "policy"])


def minimax(
    outcomes: Any, metrics: Iterable[str | Metric], *, missing: Missing = "worst"
) -> pd.DataFrame:
    """Worst case and largest regret of each policy, and which policy is best on each.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    metrics : iterable of str or Metric
        Metrics with their directions.
    missing : {"worst", "drop"}
        A missing value is the worst case (so a policy with a failed run is never the
        maximin or minimax-regret best unless all are), or the scenarios in which any
        policy lacks the metric are dropped.

    Returns
    -------
    pandas.DataFrame
        Index ``(metric, policy)``; columns ``direction``, ``worst`` (lowest value for a
        ``max`` metric, highest for ``min``), ``max_regret``, ``maximin_best`` (this policy
        has the best worst case), ``minimax_regret_best`` (smallest largest regret) and
        ``n_missing``.
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    rows = []
    for metric in parsed:
        v = _metric_values(table, metric, missing)
        worst_signed = v.signed.min(axis=0)
        max_regret = _regret_matrix(v).max(axis=0)
        for policy in v.values.columns:
            rows.append(
                {
                    "metric": metric.name,
                    "policy": policy,
                    "direction": metric.direction,
                    "worst": metric.sign * worst_signed[policy],
                    "max_regret": max_regret[policy],
                    "maximin_best": bool(worst_signed[policy] == worst_signed.max()),
                    "minimax_regret_best": bool(max_regret[policy] == max_regret.min()),
                    "n_missing": int(v.n_missing[policy]),
                }
            )
    return pd.DataFrame(rows).set_index(["metric", "policy"])


def robustness_summary(
    outcomes: Any,
    metrics: Iterable[str | Metric],
    *,
    baseline: str | None = None,
    thresholds: Iterable[str | Threshold] = (),
    q: Sequence[float] = (5, 50, 95),
    missing: Missing = "worst",
) -> pd.DataFrame:
    """One table per policy and metric: percentiles, worst case, regret, satisficing.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    metrics : iterable of str or Metric
        Metrics with their directions.
    baseline : str, optional
        Adds ``mean_regret_baseline`` and ``max_regret_baseline`` columns.
    thresholds : iterable of str or Threshold
        Adds a ``satisficing`` column (same value on every metric row of a policy).
    q : sequence of float
        Percentiles to report.
    missing : {"worst", "drop"}
        Missing-value policy of every column (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Index ``(metric, policy)``, with ``n_scenarios`` and ``n_missing`` columns.
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    summary = percentiles(table, parsed, q, missing=missing).join(
        minimax(table, parsed, missing=missing).drop(columns="n_missing")
    )
    reg = regret(table, parsed, baseline=baseline, missing=missing)
    grouped = reg.groupby(["metric", "policy"], sort=False)
    with np.errstate(invalid="ignore"):
        summary["mean_regret"] = grouped["regret"].mean()
        summary["p90_regret"] = grouped["regret"].agg(
            lambda r: float(_quantiles(r.to_frame(), [90.0])[0, 0])
        )
    if baseline is not None:
        summary["mean_regret_baseline"] = grouped["regret_baseline"].mean()
        summary["max_regret_baseline"] = grouped["regret_baseline"].max()
    thresholds = list(thresholds)
    if thresholds:
        sat = satisficing(table, thresholds, missing=missing)["satisficing"]
        share = sat.to_dict()
        summary["satisficing"] = [share[p] for p in summary.index.get_level_values("policy")]
    return summary
