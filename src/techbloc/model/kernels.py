"""Compiled kernel for the hottest step of the engine, diffusion (optional numba).

:func:`diffusion_gap_sums` computes exactly what the numpy reference in
:mod:`~techbloc.model.knowledge` computes (sort, suffix sums, unsort), row by row in one
pass over memory and in parallel over scenarios. It is used when numba is installed
(``pip install techbloc[fast]``, which ``make`` installs); otherwise the numpy reference
runs. Tests check that both paths agree to floating-point rounding. (A kernel for China's
access was tried and was slower than numpy: its cost is two powers per element, which
numpy already evaluates in one pass.)
"""

from __future__ import annotations

import functools
import os

import numpy as np

__all__ = ["compiled", "diffusion_gap_sums"]

#: Set TECHBLOC_NUMBA=0 to force the numpy reference path.
_ENABLED = os.environ.get("TECHBLOC_NUMBA", "1") != "0"
#: Rows (scenario x policy x domain) from which the kernel runs on several threads.
_PARALLEL_ROWS = 4096


@functools.cache
def _kernels():  # returns the compiled function or None
    if not _ENABLED:
        return None
    try:
        import numba
    except ImportError:
        return None

    def gap_sums(intensity, size, members):  # pragma: no cover - compiled
        s_len, p_len, d_len, n = intensity.shape
        total = np.empty_like(intensity)
        member = np.empty_like(intensity)
        for s in numba.prange(s_len):
            for p in range(p_len):
                for d in range(d_len):
                    row = intensity[s, p, d]
                    order = np.argsort(row, kind="mergesort")
                    acc_w = 0.0
                    acc_wk = 0.0
                    acc_mw = 0.0
                    acc_mwk = 0.0
                    for r in range(n - 1, -1, -1):
                        j = order[r]
                        k = row[j]
                        w = size[j]
                        acc_w += w
                        acc_wk += w * k
                        if members[s, p, j]:
                            acc_mw += w
                            acc_mwk += w * k
                        total[s, p, d, j] = acc_wk - k * acc_w
                        member[s, p, d, j] = acc_mwk - k * acc_mw
        return total, member

    serial = numba.njit(cache=True)(gap_sums)
    parallel = numba.njit(parallel=True, cache=True)(gap_sums)
    return serial, parallel


def compiled() -> bool:
    """Whether the compiled kernels are available."""
    return _kernels() is not None


def diffusion_gap_sums(
    intensity: np.ndarray, size: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """``Σ_j w_j max(0, κ_j - κ_i)`` over all countries and over members, or None.

    Returns None when numba is unavailable (the caller then runs the numpy reference).
    """
    kernels = _kernels()
    if kernels is None:
        return None
    # threads pay off only on big batches; small ones (a single scenario) run serially
    rows = intensity.size // max(intensity.shape[-1], 1)
    kernel = kernels[1] if rows >= _PARALLEL_ROWS else kernels[0]
    return kernel(
        np.ascontiguousarray(intensity, dtype=np.float64),
        np.ascontiguousarray(size, dtype=np.float64),
        np.ascontiguousarray(members, dtype=np.bool_),
    )
