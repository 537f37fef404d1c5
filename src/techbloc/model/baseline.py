"""The baseline: observed GDP and R&D paths up to each country's last data year, then projections.

MODEL.md §4.0 and §9.7, v4 (issue 18, items 3 and 5). For each modelled country ``i``:

- **Observed years** (up to its data year ``a_i``, the year of the model input ``rd``):
  GERD and GDP (current PPP $ bn) are interpolated log-linearly between the observed points,
  NCSES SRD-1 2000, 2010 and 2021 (or the latest year the table gives) for the countries in
  SRD-1; the single RD-5/WDI point of the others is carried back at their projected GDP
  growth and R&D-intensity trend (flagged in ``docs/data.md``).
- **Projected years** (after ``a_i``): GDP grows at
  ``g_i(t) = gL_i + (g0_i - gL_i) exp(-(t - a_i) / gdp_convergence_years)``, where ``g0_i`` is
  the Growth Lab 10-year projection and ``gL_i = min(g0_i, long_run_gdp_growth)``: growth
  above the long-run rate of the published long-run projections (``data/long_run_growth.csv``)
  converges down to it, slower growth is kept. R&D intensity follows the country's observed
  trend (SRD-1 GERD/GDP from its earliest observed point within 2000-2010 to ``a_i``, else GERD
  growth over GDP growth), fading with e-folding time ``rd_trend_years``, and never exceeds
  the highest GERD/GDP observed among the modelled countries in their data year
  (:func:`rd_ceiling`).
- **Initial knowledge** ``K0 = θ R0 / (δ_k + g_i)`` with ``g_i`` the R&D growth of the path
  itself over the first :data:`GROWTH_WINDOW` years from the start year, so the stocks are
  consistent with the growth the run uses (no start-up jump, §9.7).

The central path (every sampled growth parameter at its default) is the GDP the engine's
diffusion weights and production experience use; each scenario's own GDP enters through its
R&D (``intensity`` is R&D per unit of central GDP) and through power (E13).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from techbloc.params import get_parameter

if TYPE_CHECKING:
    from techbloc.model.inputs import ModelInputs

__all__ = ["GROWTH_WINDOW", "Baseline", "baseline", "rd_ceiling"]

#: Years over which the start year's R&D growth is measured for the initial stocks.
GROWTH_WINDOW = 10
_SAMPLED = ("long_run_gdp_growth", "gdp_convergence_years", "rd_trend_years")


@dataclass(frozen=True)
class Baseline:
    """GDP and R&D paths over the simulated years.

    Attributes
    ----------
    output : ndarray, shape (T, N)
        Central GDP path (PPP $ bn).
    gdp : ndarray, shape (S, T, N)
        Each scenario's GDP path.
    rd : ndarray, shape (S, T, N)
        Each scenario's R&D path (PPP $ bn/yr).
    intensity : ndarray, shape (S, T, N)
        R&D per unit of central GDP, ``rd / output``.
    start_growth : ndarray, shape (S, N)
        R&D growth over the first :data:`GROWTH_WINDOW` years (fraction per year).
    row_rd : ndarray, shape (T,)
        Rest-of-world R&D, moving with the modelled countries' total central GDP.
    observed : ndarray of bool, shape (T, N)
        Years at or before each country's last data year.
    """

    output: NDArray[np.float64]
    gdp: NDArray[np.float64]
    rd: NDArray[np.float64]
    intensity: NDArray[np.float64]
    start_growth: NDArray[np.float64]
    row_rd: NDArray[np.float64]
    observed: NDArray[np.bool_]


def rd_ceiling(inputs: ModelInputs) -> float:
    """The highest GERD/GDP of a modelled country in its data year (share of GDP).

    A sourced ceiling on every country's R&D intensity: no country in the bundle's data
    (NCSES SRD-1 2021, RD-5, WDI) has spent more.
    """
    return float(np.max(inputs.rd / inputs.gdp))


_Observed = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


@functools.lru_cache(maxsize=8)  # keyed on the inputs object (by identity) and the grid's ends
def _observed_once(inputs: ModelInputs, first: int, last: int) -> _Observed:
    """:func:`_observed` on the grid ``first..last``, computed once for the same inputs object
    (read-only): a run computes it for every block of scenarios of the same world."""
    result = _observed(inputs, np.arange(first, last + 1))
    for array in result:
        array.flags.writeable = False
    return result


def _observed(inputs: ModelInputs, grid: NDArray[np.int_]) -> _Observed:
    """ln GDP and ln intensity on ``grid`` from the observed points, (G, N), and the trend (N,).

    Log-linear between observed points; before a country's first point, carried back at
    its projected GDP growth and its intensity trend; after its data year, held (the
    projection replaces those years). The trend is the observed one from the latest point at
    least five years before the data year (SRD-1 2010 for most), else GERD growth over
    projected GDP growth.
    """
    n = inputs.n
    ln_gdp = np.empty((len(grid), n))
    ln_int = np.empty((len(grid), n))
    trend = np.log1p(inputs.rd_growth) - np.log1p(inputs.gdp_growth)
    years = inputs.history_years
    shape = (len(years), n)
    rd = inputs.history_rd if inputs.history_rd.shape == shape else np.full(shape, np.nan)
    gdp = inputs.history_gdp if inputs.history_gdp.shape == shape else np.full(shape, np.nan)
    for i in range(n):  # setup over countries, once per run (not per experiment)
        a = inputs.rd_year[i]
        keep = np.isfinite(rd[:, i]) & np.isfinite(gdp[:, i]) & (years < a)
        ys = np.append(years[keep], a)
        lg = np.log(np.append(gdp[keep, i], inputs.gdp[i]))
        li = np.log(np.append(rd[keep, i], inputs.rd[i])) - lg
        old = np.flatnonzero(ys <= a - 5)
        if old.size:
            j = old[-1]
            trend[i] = (li[-1] - li[j]) / (a - ys[j])
        back = np.maximum(ys[0] - grid, 0.0)
        ln_gdp[:, i] = np.interp(grid, ys, lg) - np.log1p(inputs.gdp_growth[i]) * back
        ln_int[:, i] = np.interp(grid, ys, li) - trend[i] * back
    return ln_gdp, ln_int, trend


def _log_paths(
    inputs: ModelInputs,
    grid: NDArray[np.int_],
    long_run: NDArray[np.float64],
    convergence: NDArray[np.float64],
    trend_years: NDArray[np.float64],
    observed: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """ln GDP and ln intensity on ``grid`` (shapes (S, G, N)) for parameter arrays (S,);
    ``observed`` is :func:`_observed` on the same grid."""
    observed_gdp, observed_int, trend = observed
    anchor = inputs.rd_year
    ln_gdp_a, ln_int_a = np.log(inputs.gdp), np.log(inputs.rd / inputs.gdp)
    g0 = inputs.gdp_growth
    gL = np.minimum(g0[None, :], long_run[:, None])  # (S, N)
    after = grid[:, None] - anchor[None, :]  # (G, N) years since the data year
    steps = np.arange(1, max(int(after.max()), 1) + 1)  # 1..K years after the data year
    # countries before years in memory, so that the sums over years run along contiguous rows
    rate = (
        gL[:, :, None]
        + (g0 - gL)[:, :, None] * np.exp(-steps[None, :] / convergence[:, None])[:, None, :]
    )  # (S, N, K)
    cumulative = np.empty((len(long_run), inputs.n, len(steps) + 1))
    cumulative[..., 0] = 0.0
    np.cumsum(np.log1p(rate), axis=2, out=cumulative[..., 1:])  # growth over the first k years
    k = np.clip(after, 0, len(steps)).astype(int)  # (G, N)
    grown = ln_gdp_a + cumulative[:, np.arange(inputs.n)[None, :], k]  # (S, G, N)
    # the trend fades by exp(-k / τ) after k whole years: one exp per scenario and k, read
    # where each country is k years past its data year
    tau = trend_years[:, None]
    fade = 1.0 - np.exp(-np.arange(len(steps) + 1, dtype=float)[None, :] / tau)  # (S, K + 1)
    faded = ln_int_a + trend * tau[..., None] * fade[:, k]
    projected = after[None] > 0
    return (
        np.where(projected, grown, observed_gdp[None]),
        np.where(projected, faded, observed_int[None]),
    )


def baseline(
    inputs: ModelInputs, values: Mapping[str, NDArray[np.float64]], years: NDArray[np.int_]
) -> Baseline:
    """GDP and R&D paths over ``years`` for the scenarios' parameter ``values``.

    Parameters
    ----------
    inputs : ModelInputs
    values : dict of str to ndarray, shape (S,)
        Scenario parameters (``long_run_gdp_growth``, ``gdp_convergence_years``,
        ``rd_trend_years`` are read).
    years : ndarray of int, shape (T,)
        Consecutive calendar years.

    Returns
    -------
    Baseline
    """
    start, end = int(years[0]), int(years[-1])
    row_year = round(float(inputs.row_rd_year))
    grid = np.arange(min(start, row_year), max(end, start + GROWTH_WINDOW) + 1)
    sampled = {name: np.asarray(values[name], dtype=float) for name in _SAMPLED}
    observed = _observed_once(inputs, int(grid[0]), int(grid[-1]))
    ln_gdp, ln_int = _log_paths(
        inputs,
        grid,
        sampled["long_run_gdp_growth"],
        sampled["gdp_convergence_years"],
        sampled["rd_trend_years"],
        observed,
    )
    central = {name: np.array([get_parameter(name).default]) for name in _SAMPLED}
    ln_central, _ = _log_paths(
        inputs,
        grid,
        central["long_run_gdp_growth"],
        central["gdp_convergence_years"],
        central["rd_trend_years"],
        observed,
    )
    ceiling = rd_ceiling(inputs)
    gdp_grid = np.exp(ln_gdp)
    rd_grid = np.minimum(np.exp(ln_int), ceiling) * gdp_grid
    output_grid = np.exp(ln_central[0])
    at = grid.searchsorted(years)
    s0 = grid.searchsorted(start)
    growth = np.expm1(
        (np.log(rd_grid[:, s0 + GROWTH_WINDOW]) - np.log(rd_grid[:, s0])) / GROWTH_WINDOW
    )
    total = output_grid.sum(axis=1)
    row_rd = inputs.row_rd * total[at] / total[grid.searchsorted(row_year)]
    output = output_grid[at]
    rd = rd_grid[:, at]
    return Baseline(
        output=output,
        gdp=gdp_grid[:, at],
        rd=rd,
        intensity=rd / output[None],
        start_growth=growth,
        row_rd=row_rd,
        observed=years[:, None] <= inputs.rd_year[None, :],
    )
