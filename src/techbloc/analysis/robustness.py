"""Robustness of policies across scenarios: regret, satisficing, percentiles, minimax.

All functions take a wide outcome table (see :func:`techbloc.analysis.outcomes.outcome_table`)
indexed by ``(scenario, policy)`` and return tidy :class:`pandas.DataFrame` objects.
Each metric carries a direction: ``max`` when more is better (``alliance_rd_share``),
``min`` when less is better (``leakage``).

Definitions (for a metric where more is better; signs flip for ``min``):

- regret to the best: ``max_p' y[s, p'] - y[s, p]`` (always >= 0);
- regret to a baseline ``b``: ``y[s, b] - y[s, p]`` (negative where ``p`` does better);
- satisficing: share of scenarios in which *every* threshold holds;
- minimax: the policy whose worst case (or largest regret) is best.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from techbloc.analysis.outcomes import outcome_table
from techbloc.errors import InputError

__all__ = [
    "Metric",
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


@dataclass(frozen=True)
class Metric:
    """An outcome and whether more (``max``) or less (``min``) of it is better."""

    name: str
    direction: Direction = "max"

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
    """Parse ``"name"``, ``"name:max"`` or ``"name:min"`` (default direction ``max``)."""
    if isinstance(spec, Metric):
        return spec
    name, _, direction = str(spec).partition(":")
    name, direction = name.strip(), (direction.strip().lower() or "max")
    if not name:
        raise InputError(f"empty metric name in {spec!r}; use NAME[:max|min]")
    if direction not in ("max", "min"):
        raise InputError(f"metric {spec!r}: direction must be 'max' or 'min'")
    return Metric(name, direction)  # type: ignore[arg-type]


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
        """Boolean array: where the requirement is met (NaN never meets it)."""
        return np.asarray(_OPS[self.op](np.asarray(values, dtype=float), self.value), bool)

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
        raise InputError(
            f"unknown outcome(s) {', '.join(unknown)}; known: {', '.join(map(str, table.columns))}"
        )


def _matrix(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """One outcome as a [scenario, policy] matrix (policy order as first seen)."""
    policies = pd.unique(table.index.get_level_values("policy"))
    return table[name].unstack("policy")[list(policies)]


def regret(
    outcomes: Any,
    metrics: Iterable[str | Metric],
    *,
    baseline: str | None = None,
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

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``scenario, policy, metric, direction, value,
        regret`` (to the best policy in that scenario, >= 0) and, with a baseline,
        ``regret_baseline`` (to the baseline; negative where the policy does better).
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
        values = _matrix(table, metric.name)
        signed = metric.sign * values
        frame = pd.DataFrame(
            {
                "value": values.stack(),
                "regret": signed.rsub(signed.max(axis=1), axis=0).stack(),
            }
        )
        if baseline is not None:
            frame["regret_baseline"] = signed.rsub(signed[baseline], axis=0).stack()
        frame.insert(0, "direction", metric.direction)
        frame.insert(0, "metric", metric.name)
        parts.append(frame.reset_index())
    result = pd.concat(parts, ignore_index=True)
    return result[
        ["scenario", "policy", "metric", "direction", "value", "regret"]
        + (["regret_baseline"] if baseline is not None else [])
    ]


def satisficing(outcomes: Any, thresholds: Iterable[str | Threshold]) -> pd.DataFrame:
    """Share of scenarios in which each policy meets every threshold.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    thresholds : iterable of str or Threshold
        E.g. ``["alliance_rd_share>=0.5", "leakage<0.1"]``.

    Returns
    -------
    pandas.DataFrame
        Indexed by policy: ``satisficing`` (share meeting all thresholds), one column per
        threshold (share meeting it alone) and ``n_scenarios``. Sorted best first.
    """
    table = outcome_table(outcomes)
    parsed = [parse_threshold(t) for t in thresholds]
    if not parsed:
        raise InputError('name at least one threshold, e.g. --threshold "leakage<0.1"')
    _check_columns(table, [t.name for t in parsed])
    met = pd.DataFrame({str(t): t.holds(table[t.name]) for t in parsed}, index=table.index)
    met.insert(0, "satisficing", met.all(axis=1))
    grouped = met.groupby(level="policy", sort=False)
    result = grouped.mean()
    result["n_scenarios"] = grouped.size()
    return result.sort_values("satisficing", ascending=False, kind="stable")


def percentiles(
    outcomes: Any,
    metrics: Iterable[str | Metric],
    q: Sequence[float] = (5, 25, 50, 75, 95),
) -> pd.DataFrame:
    """Percentiles of each metric across scenarios, per policy.

    Returns
    -------
    pandas.DataFrame
        Index ``(metric, policy)``; columns ``mean``, ``p5``, ``p25``, ... (as given in
        ``q``, in percent).
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    q = [float(x) for x in q]
    if any(not 0 <= x <= 100 for x in q):
        raise InputError(f"percentiles must lie in [0, 100], got {q}")
    rows = []
    for metric in parsed:
        values = _matrix(table, metric.name)
        pct = np.nanpercentile(values.to_numpy(float), q, axis=0)
        for j, policy in enumerate(values.columns):
            row = {"metric": metric.name, "policy": policy, "mean": values[policy].mean()}
            row.update({f"p{x:g}": pct[i, j] for i, x in enumerate(q)})
            rows.append(row)
    return pd.DataFrame(rows).set_index(["metric", "policy"])


def minimax(outcomes: Any, metrics: Iterable[str | Metric]) -> pd.DataFrame:
    """Worst case and largest regret of each policy, and which policy is best on each.

    Returns
    -------
    pandas.DataFrame
        Index ``(metric, policy)``; columns ``direction``, ``worst`` (lowest value for a
        ``max`` metric, highest for ``min``), ``max_regret``, ``maximin_best`` (this policy
        has the best worst case) and ``minimax_regret_best`` (smallest largest regret).
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    rows = []
    for metric in parsed:
        values = _matrix(table, metric.name)
        signed = metric.sign * values
        worst_signed = signed.min(axis=0)
        max_regret = signed.rsub(signed.max(axis=1), axis=0).max(axis=0)
        for policy in values.columns:
            rows.append(
                {
                    "metric": metric.name,
                    "policy": policy,
                    "direction": metric.direction,
                    "worst": metric.sign * worst_signed[policy],
                    "max_regret": max_regret[policy],
                    "maximin_best": bool(worst_signed[policy] == worst_signed.max()),
                    "minimax_regret_best": bool(max_regret[policy] == max_regret.min()),
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

    Returns
    -------
    pandas.DataFrame
        Index ``(metric, policy)``.
    """
    table = outcome_table(outcomes)
    parsed = _metrics(table, metrics)
    summary = percentiles(table, parsed, q).join(minimax(table, parsed))
    reg = regret(table, parsed, baseline=baseline)
    grouped = reg.groupby(["metric", "policy"], sort=False)
    summary["mean_regret"] = grouped["regret"].mean()
    summary["p90_regret"] = grouped["regret"].quantile(0.9)
    if baseline is not None:
        summary["mean_regret_baseline"] = grouped["regret_baseline"].mean()
        summary["max_regret_baseline"] = grouped["regret_baseline"].max()
    thresholds = list(thresholds)
    if thresholds:
        sat = satisficing(table, thresholds)["satisficing"]
        summary["satisficing"] = summary.index.get_level_values("policy").map(sat).to_numpy()
    return summary
