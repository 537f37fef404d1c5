"""One summary of a study per policy: median, 10th and 90th percentiles, shares of futures.

Every front end that prints or serves a study's numbers (``techbloc evaluate``,
``techbloc results``, the service) summarises outcomes with :func:`study_summary`, so that
the same outcome gets the same statistics everywhere, and writes it as JSON with
:func:`summary_json`, so that it has one shape everywhere. Outcomes measured against the status
quo (``*_vs_status_quo``) and the exclusion-only ``backlash_exclusion`` also get
``share_positive``: the share of futures in which China ends stronger (MODEL.md §9.5).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SHARE_POSITIVE_OUTCOMES",
    "STATISTICS",
    "share_positive_applies",
    "study_summary",
    "summary_json",
    "summary_table",
]

#: The statistics of a summary, in the order tables show them.
STATISTICS = ("p10", "p50", "p90", "share_positive")
#: Outcomes (besides every ``*_vs_status_quo``) summarised with the share of futures above 0.
SHARE_POSITIVE_OUTCOMES = ("backlash_exclusion", "backlash")


def share_positive_applies(name: str) -> bool:
    """Whether ``name`` is summarised with the share of futures above 0 as well."""
    return name.endswith("_vs_status_quo") or name in SHARE_POSITIVE_OUTCOMES


def study_summary(
    outcomes: Any,
    policies: Sequence[str] | None = None,
    *,
    names: Sequence[str] | None = None,
    share_positive: Collection[str] = (),
) -> pd.DataFrame:
    """Median, p10, p90 (and ``share_positive`` where it applies) of every scalar outcome.

    Parameters
    ----------
    outcomes : xarray.Dataset or pandas.DataFrame
        A model Dataset, or an outcome table with ``scenario`` and ``policy`` (as columns or
        index levels) and one column per outcome.
    policies : sequence of str, optional
        Policies in display order (default: their order in ``outcomes``).
    names : sequence of str, optional
        Only these outcomes, in this order (those missing from ``outcomes`` are skipped);
        default every scalar outcome.
    share_positive : collection of str
        Outcomes that get ``share_positive`` besides those it applies to
        (:func:`share_positive_applies`), e.g. a 0/1 flag whose share of futures is the
        headline.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, policy): the headline outcomes first
        (:data:`techbloc.model.outputs.HEADLINE`), then the other registered outcomes in
        registry order, then unregistered columns (or in ``names``' order): columns
        ``metric``, ``policy``, ``p10``, ``p50``, ``p90``, ``share_positive`` (NaN where
        it does not apply), ``n_missing`` (futures without a value), ``description``,
        ``unit`` and ``direction`` (``max``, ``min`` or ``info``, from the outputs
        registry; ``info`` for a column it does not know). Missing values are left out
        of the statistics and counted. Deprecated aliases (``backlash`` and the like)
        are left out: they repeat their outcome.
    """
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.model.outputs import DEPRECATED_ALIASES, SCALARS, Output, headline_first

    table = outcome_table(outcomes).reset_index()
    known = headline_first(n for n in SCALARS if n in table.columns)
    extra = [
        n
        for n in table.columns
        if n not in SCALARS
        and n not in DEPRECATED_ALIASES
        and n not in ("scenario", "policy")
        and pd.api.types.is_numeric_dtype(table[n])
    ]
    chosen = [*known, *extra] if names is None else [n for n in names if n in table.columns]
    order = list(policies) if policies is not None else list(dict.fromkeys(table["policy"]))
    rows: list[dict[str, Any]] = []
    grouped = dict(tuple(table.groupby("policy", sort=False)))
    for name in chosen:
        meta = SCALARS.get(name) or Output(name, name, "")
        for policy in order:
            values = grouped[policy][name].to_numpy(float) if policy in grouped else np.array([])
            finite = values[np.isfinite(values)]
            if len(finite):
                p10, p50, p90 = np.percentile(finite, [10, 50, 90])
            else:
                p10 = p50 = p90 = float("nan")
            share = (
                float((finite > 0).mean())
                if (share_positive_applies(name) or name in share_positive) and len(finite)
                else float("nan")
            )
            rows.append(
                {
                    "metric": name,
                    "policy": policy,
                    "p10": float(p10),
                    "p50": float(p50),
                    "p90": float(p90),
                    "share_positive": share,
                    "n_missing": int(len(values) - len(finite)),
                    "description": meta.description,
                    "unit": meta.unit,
                    "direction": meta.direction.short,
                }
            )
    return pd.DataFrame(rows)


def _number(value: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    out = float(value)
    return out if np.isfinite(out) else None


def summary_json(summary: pd.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """A study summary as JSON-ready data, the one shape every front end writes.

    Parameters
    ----------
    summary : pandas.DataFrame
        The result of :func:`study_summary`.

    Returns
    -------
    dict
        ``{policy: {outcome: {"median", "p10", "p90", ["share_positive",] "n_missing",
        "description", "unit", "direction"}}}`` in the summary's order; statistics are
        floats or None (no finite value), ``share_positive`` is present only where it
        applies (:func:`share_positive_applies`).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"scenario": [0, 1], "policy": "p", "cohesion": [0.5, 1.0]}
    ... )
    >>> summary_json(study_summary(table))["p"]["cohesion"]["median"]
    0.75
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in summary.to_dict("records"):
        stats: dict[str, Any] = {
            "median": _number(row["p50"]),
            "p10": _number(row["p10"]),
            "p90": _number(row["p90"]),
        }
        if share_positive_applies(str(row["metric"])) or np.isfinite(row["share_positive"]):
            stats["share_positive"] = _number(row["share_positive"])
        stats.update(
            n_missing=int(row["n_missing"]),
            description=str(row["description"]),
            unit=str(row["unit"]),
            direction=str(row["direction"]),
        )
        out.setdefault(str(row["policy"]), {})[str(row["metric"])] = stats
    return out


def summary_table(summary: pd.DataFrame, statistics: Sequence[str] = STATISTICS) -> pd.DataFrame:
    """A study summary as a wide table: one row per policy, a column per outcome and statistic.

    Parameters
    ----------
    summary : pandas.DataFrame
        The result of :func:`study_summary`.
    statistics : sequence of str
        Columns of ``summary`` to keep (default ``p10``, ``p50``, ``p90`` and
        ``share_positive``).

    Returns
    -------
    pandas.DataFrame
        Index ``policy`` in the summary's order; columns ``(outcome, statistic)``.
    """
    policies = list(dict.fromkeys(summary["policy"]))
    names = list(dict.fromkeys(summary["metric"]))
    wide = summary.pivot(index="policy", columns="metric", values=list(statistics))
    wide = wide.swaplevel(axis=1)
    columns = pd.MultiIndex.from_product([names, list(statistics)])
    return wide.reindex(index=policies, columns=columns)
