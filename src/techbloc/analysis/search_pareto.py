"""The coalitions a search may return, and which of them are Pareto-optimal.

:func:`subset_masks` enumerates every coalition of a pool under size limits and required
or excluded members, as a boolean array; :func:`pareto_mask` marks the non-dominated rows
of a table of objective values (vectorized, about ``K * |front|`` comparisons).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from techbloc.errors import InputError

__all__ = ["pareto_mask", "subset_masks"]


def subset_masks(
    n: int,
    *,
    min_size: int = 0,
    max_size: int | None = None,
    required: Sequence[int] = (),
    excluded: Sequence[int] = (),
) -> np.ndarray:
    """Every subset of ``n`` pool members meeting the constraints, as a bool array.

    Parameters
    ----------
    n : int
        Pool size.
    min_size, max_size : int
        Limits on the number of members chosen (inclusive).
    required, excluded : sequence of int
        Pool positions always in / always out.

    Returns
    -------
    numpy.ndarray of bool, shape (K, n)
        Rows in increasing order of the binary code of the free members.
    """
    max_size = n if max_size is None else max_size
    required, excluded = sorted(set(required)), sorted(set(excluded))
    free = [i for i in range(n) if i not in required and i not in excluded]
    f = len(free)
    if f > 30:
        raise InputError(f"{f} free pool members: too many to enumerate (use the MOEA)")
    codes = np.arange(2**f, dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(f)) & 1).astype(bool)
    sizes = bits.sum(axis=1) + len(required)
    keep = (sizes >= min_size) & (sizes <= max_size)
    masks = np.zeros((int(keep.sum()), n), bool)
    masks[:, free] = bits[keep]
    masks[:, required] = True
    return masks


def pareto_mask(values: np.ndarray, directions: Sequence[str] | None = None) -> np.ndarray:
    """Which rows are non-dominated.

    Parameters
    ----------
    values : ndarray, shape (K, M)
        Objective values.
    directions : sequence of {"max", "min"}, optional
        Per objective (default: all ``min``). NaN counts as the worst value.

    Returns
    -------
    numpy.ndarray of bool, shape (K,)
        True for the Pareto-optimal rows (ties: identical rows are all kept).

    Notes
    -----
    Rows are sorted lexicographically, so a row can only be dominated by rows before it;
    blocks of rows are compared (vectorized) against the front found so far and against
    each other. Cost is about ``K * |front|`` comparisons, not ``K^2``.
    """
    values = np.asarray(values, float)
    if values.ndim != 2:
        raise InputError(
            f"objective values must be 2-D (candidates, objectives), got {values.shape}"
        )
    k, m = values.shape
    if directions is None:
        directions = ["min"] * m
    if len(directions) != m:
        raise InputError(f"{m} objectives but {len(directions)} directions")
    sign = np.array([-1.0 if d == "max" else 1.0 for d in directions])
    f = values * sign
    f = np.where(np.isnan(f), np.inf, f)
    order = np.lexsort(f.T[::-1])
    fs = f[order]
    keep_sorted = np.zeros(k, bool)
    front = np.empty((0, m))
    block = 512
    for start in range(0, k, block):
        blk = fs[start : start + block]
        dominated = np.zeros(len(blk), bool)
        for fstart in range(0, len(front), 4096):
            fr = front[fstart : fstart + 4096]
            le = (fr[:, None, :] <= blk[None, :, :]).all(axis=2)
            lt = (fr[:, None, :] < blk[None, :, :]).any(axis=2)
            dominated |= (le & lt).any(axis=0)
        alive = np.flatnonzero(~dominated)  # compare only survivors with each other
        sub = blk[alive]
        le = (sub[:, None, :] <= sub[None, :, :]).all(axis=2)
        lt = (sub[:, None, :] < sub[None, :, :]).any(axis=2)
        dominated[alive] = (le & lt).any(axis=0)
        keep_sorted[start : start + len(blk)] = ~dominated
        front = np.concatenate([front, blk[~dominated]])
    keep = np.zeros(k, bool)
    keep[order] = keep_sorted
    return keep
