"""The veto kernel (§9.2): :func:`techbloc.model.relative_gains.veto` in one loop."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from techbloc.model.jit import greater, lesser, njit
from techbloc.model.kernel_arrays import VetoArrays

__all__ = ["run", "veto"]


@njit
def veto(  # pragma: no cover - compiled
    members: NDArray[np.bool_],
    pool_paid: NDArray[np.float64],
    joining_paid: NDArray[np.float64],
    cap: NDArray[np.float64],
    rd: NDArray[np.float64],
    synergy: NDArray[np.float64],
    trade_weight: NDArray[np.float64],
    stringency_drop: NDArray[np.float64],
    friction: NDArray[np.float64],
    friction_scale: NDArray[np.float64],
    concern: NDArray[np.float64],
    growth_change: NDArray[np.float64],
    payoff_scale: NDArray[np.float64],
    tolerance: NDArray[np.float64],
    out: NDArray[np.bool_],
) -> None:
    s_len, p_len, n = members.shape
    d_len = pool_paid.shape[2]
    for s in range(s_len):
        syn = synergy[s]
        for p in range(p_len):
            count = 0.0
            for i in range(n):
                if members[s, p, i]:
                    count += 1.0
            boost_now = 1.0 + syn * (count - 1.0) / greater(count, 1.0)
            boost_join = 1.0 + syn * count / (count + 1.0)
            for j in range(n):
                if members[s, p, j]:
                    out[s, p, j] = False
                    continue
                ok = True
                for i in range(n):
                    if not members[s, p, i]:
                        continue
                    gain = 0.0
                    for d in range(d_len):
                        c = cap[s, p, d, i]
                        now = lesser(pool_paid[s, p, d] * boost_now, c)
                        joined = lesser(
                            (pool_paid[s, p, d] + joining_paid[s, p, d, j]) * boost_join, c
                        )
                        gain += joined - now
                    change = (
                        payoff_scale[s] * gain / greater(rd[s, p, i], 1e-12)
                        + trade_weight[s, p, i] * stringency_drop[s, p, j]
                        - friction_scale[s] * friction[s, j, i]
                        - concern[s, i] * growth_change[s, p, j]
                    )
                    if not change >= -tolerance[s]:
                        ok = False
                        break
                out[s, p, j] = ok


def run(arrays: VetoArrays) -> np.ndarray:
    """Whether incumbents accept each outsider, bool (S, P, N), from :func:`veto`."""
    out = np.empty(arrays.members.shape, dtype=np.bool_)
    veto(*arrays, out)
    return out
