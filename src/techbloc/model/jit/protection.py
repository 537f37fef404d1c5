"""The protection kernel: :func:`techbloc.model.protection.protection_terms` in one pass."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from techbloc.model.jit import njit
from techbloc.model.kernel_arrays import ProtectionArrays

__all__ = ["protection", "run"]


@njit
def protection(  # pragma: no cover - compiled
    members: NDArray[np.bool_],
    margin: NDArray[np.float64],
    logit_base: NDArray[np.float64],
    will_credibility: NDArray[np.float64],
    credibility: NDArray[np.float64],
    will_value: NDArray[np.float64],
    effort: NDArray[np.float64],
    capability: NDArray[np.float64],
    reach: NDArray[np.float64],
    pool_share: NDArray[np.float64],
    us_factor: NDArray[np.float64],
    base_leak_rate: NDArray[np.float64],
    target: NDArray[np.float64],
    usa: int,
    out: tuple[NDArray[np.float64], ...],
) -> None:
    will, protected, stringency, binding, us_binding, share, leak = out
    s_len, p_len, n = members.shape
    d_len = target.shape[1]
    outside = np.empty(n)  # an outsider's will: its margin term is tanh(0) = 0 in every policy
    for s in range(s_len):
        cred = will_credibility[s] * credibility[s]
        vw = will_value[s]
        rch = reach[s]
        base_leak = base_leak_rate[s]
        for j in range(n):
            outside[j] = 1.0 / (1.0 + np.exp(-((logit_base[s, j] + cred) + vw * 0.0)))
        for p in range(p_len):
            least = np.inf
            for j in range(n):
                m = members[s, p, j]
                if j == usa:
                    w = 1.0
                elif m:
                    logit = (logit_base[s, j] + cred) + vw * np.tanh(margin[s, p, j])
                    w = 1.0 / (1.0 + np.exp(-logit))
                else:
                    w = outside[j]
                will[s, p, j] = w
                if m and w < least:
                    least = w
                pr = capability[s, p, j] * w * effort[s, 0, j]
                protected[s, p, j] = pr
                binding[s, p, j] = (1.0 if m and j != usa else 0.0) * pr
                us_binding[s, p, j] = ((0.0 if m else rch) + (1.0 if j == usa else 0.0)) * pr
                sh = (1.0 if m else 0.0) * pool_share[p]
                if j == usa:
                    sh *= us_factor[s]
                share[s, p, j] = sh * effort[s, 0, j]
                leak[s, p, j] = base_leak * (1.0 - pr)
            if not least < np.inf:
                least = 0.0
            for d in range(d_len):
                stringency[s, p, d] = target[p, d] * least


def run(arrays: ProtectionArrays) -> tuple[NDArray[np.float64], ...]:
    """The protection terms (will, protection, stringency, binding, us_binding, share, leak)."""
    s_len, p_len, n = arrays.members.shape
    out = [np.empty((s_len, p_len, n)) for _ in range(7)]
    out[2] = np.empty((s_len, p_len, arrays.target.shape[1]))
    result = tuple(out)
    protection(*arrays, result)
    return result
