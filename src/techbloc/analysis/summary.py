"""One summary of a study per policy: median, 10th and 90th percentiles, shares of futures.

Every front end that prints or serves a study's numbers (``techbloc evaluate``,
``techbloc results``, the service) summarises outcomes with :func:`study_summary`, so that
the same outcome gets the same statistics everywhere. Outcomes measured against the status
quo (``*_vs_status_quo``) and the exclusion-only ``backlash_exclusion`` also get
``share_positive``: the share of futures in which China ends stronger (MODEL.md §9.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SHARE_POSITIVE_OUTCOMES", "share_positive_applies", "study_summary"]

#: Outcomes (besides every ``*_vs_status_quo``) summarised with the share of futures above 0.
SHARE_POSITIVE_OUTCOMES = ("backlash_exclusion", "backlash")


def share_positive_applies(name: str) -> bool:
    """Whether ``name`` is summarised with the share of futures above 0 as well."""
    return name.endswith("_vs_status_quo") or name in SHARE_POSITIVE_OUTCOMES


def study_summary(outcomes: Any, policies: Sequence[str] | None = None) -> pd.DataFrame:
    """Median, p10, p90 (and ``share_positive`` where it applies) of every scalar outcome.

    Parameters
    ----------
    outcomes : xarray.Dataset or pandas.DataFrame
        A model Dataset, or an outcome table with ``scenario`` and ``policy`` (as columns or
        index levels) and one column per outcome.
    policies : sequence of str, optional
        Policies in display order (default: their order in ``outcomes``).

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, policy), in registry order for registered outcomes: columns
        ``metric``, ``policy``, ``p10``, ``p50``, ``p90``, ``share_positive`` (NaN where
        it does not apply), ``n_missing`` (futures without a value), ``description`` and
        ``unit``. Missing values are left out of the statistics and counted. Deprecated
        aliases (``backlash`` and the like) are left out: they repeat their outcome.
    """
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.model.outputs import DEPRECATED_ALIASES, SCALAR_OUTPUTS

    table = outcome_table(outcomes).reset_index()
    known = [n for n in SCALAR_OUTPUTS if n in table.columns]
    extra = [
        n
        for n in table.columns
        if n not in SCALAR_OUTPUTS
        and n not in DEPRECATED_ALIASES
        and n not in ("scenario", "policy")
        and pd.api.types.is_numeric_dtype(table[n])
    ]
    order = list(policies) if policies is not None else list(dict.fromkeys(table["policy"]))
    rows = []
    grouped = dict(tuple(table.groupby("policy", sort=False)))
    for name in [*known, *extra]:
        description, unit = SCALAR_OUTPUTS.get(name, (name, ""))
        for policy in order:
            values = grouped[policy][name].to_numpy(float) if policy in grouped else np.array([])
            finite = values[np.isfinite(values)]
            if len(finite):
                p10, p50, p90 = np.percentile(finite, [10, 50, 90])
            else:
                p10 = p50 = p90 = float("nan")
            share = (
                float((finite > 0).mean())
                if share_positive_applies(name) and len(finite)
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
                    "description": description,
                    "unit": unit,
                }
            )
    return pd.DataFrame(rows)
