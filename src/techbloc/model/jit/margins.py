"""The E12 margins kernel: :func:`techbloc.model.partners.margins_from_flows` in one loop."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from techbloc.model.jit import greater, njit
from techbloc.model.kernel_arrays import MarginArrays

__all__ = ["margins", "run"]


@njit
def margins(  # pragma: no cover - compiled
    gain: NDArray[np.float64],
    contribution: NDArray[np.float64],
    bonus: NDArray[np.float64],
    rd: NDArray[np.float64],
    theta: NDArray[np.float64],
    target_mean: NDArray[np.float64],
    floor_mean: NDArray[np.float64],
    will: NDArray[np.float64],
    members: NDArray[np.bool_],
    reach: NDArray[np.float64],
    dependence: NDArray[np.float64],
    friction_sum: NDArray[np.float64],
    threat: NDArray[np.float64],
    credibility: NDArray[np.float64],
    payoff_scale: NDArray[np.float64],
    trade_cost: NDArray[np.float64],
    friction_scale: NDArray[np.float64],
    security_value: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    s_len, p_len, n = will.shape
    for s in range(s_len):
        th = theta[s]
        security = security_value[s] * credibility[s]
        for p in range(p_len):
            # least and second-least will among members (equal values count twice)
            least = np.inf
            second = np.inf
            for j in range(n):
                if members[s, p, j]:
                    x = will[s, p, j]
                    if x < least:
                        second = least
                        least = x
                    elif x < second:
                        second = x
            tm = target_mean[s, p]
            fm = floor_mean[s, p]
            common = tm * (least if np.isfinite(least) else 0.0)
            # a member's trade meets max(s*, reach max(s*, floor)) (v4)
            s_with = greater(common, reach[s] * greater(common, fm))
            for j in range(n):
                if not members[s, p, j]:
                    out[s, p, j] = np.nan
                    continue
                without = second if will[s, p, j] <= least else least
                if not np.isfinite(without):
                    without = 0.0
                knowledge_gain = (gain[s, p, j] - th * contribution[s, p, j] + bonus[s, p, j]) / (
                    th * greater(rd[s, p, j], 1e-12)
                )
                # outside, the US's own level still reaches the country (v4)
                outside = greater(tm * without, fm)
                trade = trade_cost[s] * dependence[j] * (s_with - reach[s] * outside)
                out[s, p, j] = (
                    payoff_scale[s] * knowledge_gain
                    - trade
                    - friction_scale[s] * friction_sum[s, p, j]
                    + security * threat[j]
                )


def run(arrays: MarginArrays) -> np.ndarray:
    """E12 margins (S, P, N) from :func:`margins`."""
    out = np.empty(arrays.will.shape)
    margins(*arrays, out)
    return out
