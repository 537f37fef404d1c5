"""Observed policy history the model starts from: status-quo export controls and China's
semiconductor self-sufficiency by year (issue 18, item 5).

Both come from bundled data files (``techbloc/data``, see its ``PROVENANCE.md``):

- ``us_export_controls_history.csv``: the US's status-quo control stringency towards China
  by year, a step at each dated rule (Entity List, 16 May 2019; foreign direct product rule,
  15 May and 17 August 2020; advanced computing and semiconductor manufacturing rules,
  7 October 2022). A rule counts from the first year it was in force for most of the year
  (2019, 2020, 2023). The stringency values are assumptions with the ranges in the file; the
  last step is the ``control_stringency`` lever's default, the status quo of a default run.
- ``china_semiconductor_self_sufficiency.csv``: IC Insights' 10.2% (2010) and 15.9% (2020),
  as quoted in MODEL.md §4.0/§8.3. A start year between them is interpolated linearly; a
  later one keeps the 2020 value (the last observation), an earlier one is refused upstream.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from techbloc.bundle import read_bundle
from techbloc.params import DOMAINS, LEVERS

__all__ = ["STATUS_QUO_STRINGENCY", "self_sufficiency_start", "status_quo_stringency_path"]

#: The status quo's stringency today: the ``control_stringency`` lever's default.
STATUS_QUO_STRINGENCY = next(
    lever.default for lever in LEVERS if lever.name == "control_stringency"
)


def status_quo_stringency_path(years: NDArray[np.int_]) -> NDArray[np.float64]:
    """The US's status-quo control stringency in each year, shape (T,).

    Years before the first step take its value; the last step is
    :data:`STATUS_QUO_STRINGENCY`.
    """
    first, levels = _stringency_steps()
    step = np.clip(np.searchsorted(first, np.asarray(years), side="right") - 1, 0, None)
    result: NDArray[np.float64] = levels[step]
    return result


@functools.cache
def _stringency_steps() -> tuple[NDArray[np.int_], NDArray[np.float64]]:
    """Each step's first year and level, in order (read once; every run reads them)."""
    table = read_bundle()["us_export_controls_history"].sort_values("first_year")
    first = table["first_year"].to_numpy(int)
    levels = table["stringency"].to_numpy(float, copy=True)
    levels[-1] = STATUS_QUO_STRINGENCY
    first.flags.writeable = levels.flags.writeable = False
    return first, levels


def self_sufficiency_start(start_year: int) -> NDArray[np.float64]:
    """China's self-sufficiency by domain at ``start_year``, shape (D,).

    Semiconductors from the IC Insights observations (interpolated between them, the last
    one held after it); the other domains are the registry's stated assumptions
    (:data:`techbloc.params.DOMAINS`), which carry no year.
    """
    observed = float(np.interp(start_year, *_semiconductor_observations()))
    values = np.array([d.self_sufficiency0 for d in DOMAINS], dtype=float)
    semis = [i for i, d in enumerate(DOMAINS) if d.name == "semiconductors"]
    values[semis] = observed
    return values


@functools.cache
def _semiconductor_observations() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """IC Insights' years and self-sufficiency shares, in order (read once)."""
    table = read_bundle()["china_semiconductor_self_sufficiency"].sort_values("year")
    years = table["year"].to_numpy(float, copy=True)
    shares = table["self_sufficiency"].to_numpy(float, copy=True)
    years.flags.writeable = shares.flags.writeable = False
    return years, shares
