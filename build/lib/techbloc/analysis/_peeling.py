"""PRIM's peeling and pasting on arrays (used by :mod:`techbloc.analysis.prim_discovery`).

Tie-breaks and stopping (as EMA Workbench's ``Prim._peel``): among peels with the same
gain (to a relative :data:`TIE`), a peel on an input that is already restricted wins over
one that would restrict a new input; then the peel keeping more points; then input order,
upper end before lower end. Peeling stops when no peel raises the density (best gain not
positive), when every peel would leave less than ``mass_min`` of the points, or at
density 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRIM_DEFAULTS", "TIE", "box_stats", "in_box", "in_boxes", "peel_and_paste"]

#: PRIM's settings when a result does not record its own (see :func:`techbloc.analysis.prim`).
PRIM_DEFAULTS = {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05}
#: Relative tolerance under which two peels' gains count as tied.
TIE = 1e-12


def in_box(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Which points (rows) of ``x`` lie within ``lower`` and ``upper`` (inclusive)."""
    return np.asarray(((x >= lower) & (x <= upper)).all(axis=1))


def in_boxes(
    x: np.ndarray, lowers: np.ndarray, uppers: np.ndarray, restricted: np.ndarray
) -> np.ndarray:
    """Which points of ``x`` each box holds, bool (boxes, n); unrestricted inputs are
    not limited (a resample's data range does not cut off points outside it)."""
    lo = np.where(restricted, lowers, -np.inf)
    hi = np.where(restricted, uppers, np.inf)
    inside = (x[None, :, :] >= lo[:, None, :]) & (x[None, :, :] <= hi[:, None, :])
    return np.asarray(inside.all(axis=2))


def peel_and_paste(
    data: np.ndarray, y: np.ndarray, peel_alpha: float, paste_alpha: float, mass_min: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """PRIM's trajectory on arrays: step kinds and box limits, (boxes, d) each, as data
    values (the data range where a side is unrestricted)."""
    n_total, d = data.shape
    lower = np.full(d, -np.inf)
    upper = np.full(d, np.inf)
    boxes: list[tuple[str, np.ndarray, np.ndarray]] = [("start", lower.copy(), upper.copy())]
    inside = np.ones(n_total, bool)

    # peeling: all 2d candidate peels evaluated at once; candidate k = 2 j + side
    # (side 0 peels the upper end of input j, side 1 the lower end: EMA Workbench's order)
    column = np.repeat(np.arange(d), 2)
    while True:
        xb, yb = data[inside], y[inside]
        m = len(yb)
        mean_now = yb.mean()
        if mean_now >= 1.0:
            break
        # numpy's "lower" alpha and "higher" 1 - alpha quantiles, in one partial sort
        i_lo = int(np.floor((m - 1) * peel_alpha))
        i_hi = int(np.ceil((m - 1) * (1 - peel_alpha)))
        part = np.partition(xb, [i_lo, i_hi], axis=0)
        q_lo, q_hi = part[i_lo], part[i_hi]
        keep_lo = xb > q_lo  # remove points at or below the lower quantile
        keep_hi = xb < q_hi
        keep = np.stack([keep_hi, keep_lo], axis=2).reshape(m, 2 * d)
        counts = keep.sum(axis=0)
        removed = m - counts
        cases = (keep & yb[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = (cases / counts - mean_now) / removed
        valid = (counts >= mass_min * n_total) & (removed > 0) & (counts > 0)
        gain = np.where(valid, gain, -np.inf)
        best_gain = gain.max()
        if not best_gain > 0:  # no peel raises density: stop (as EMA Workbench)
            break
        # ties on the gain: first a peel on an input already restricted (no new restricted
        # dimension), then the peel keeping more points, then input order, upper end first
        tied = gain >= best_gain - TIE * best_gain
        restricted = np.isfinite(lower) | np.isfinite(upper)
        adds_dimension = ~restricted[column]
        order = np.lexsort((np.arange(2 * d), -counts, adds_dimension))
        best = order[tied[order]][0]
        j, side = column[best], best % 2
        if side == 1:
            lower[j] = xb[keep_lo[:, j], j].min()
        else:
            upper[j] = xb[keep_hi[:, j], j].max()
        inside = in_box(data, lower, upper)
        boxes.append(("peel", lower.copy(), upper.copy()))

    # pasting: extend the last box where that raises density
    if paste_alpha > 0 and len(boxes) > 1:
        while True:
            n_box = int(inside.sum())
            density = y[inside].mean()
            k = max(1, int(np.ceil(paste_alpha * n_box)))
            violations = (data < lower) | (data > upper)
            n_viol = violations.sum(axis=1)
            best_gain, best_move = 0.0, None
            for j in range(d):
                others_ok = (n_viol == 0) | ((n_viol == 1) & violations[:, j])
                for side in (0, 1):
                    if side == 0:
                        cand = others_ok & (data[:, j] < lower[j])
                    else:
                        cand = others_ok & (data[:, j] > upper[j])
                    if not cand.any():
                        continue
                    values = np.sort(data[cand, j])
                    limit = (
                        values[-min(k, len(values))]
                        if side == 0
                        else values[min(k, len(values)) - 1]
                    )
                    if side == 0:
                        added = cand & (data[:, j] >= limit)
                    else:
                        added = cand & (data[:, j] <= limit)
                    new_density = (y[inside].sum() + y[added].sum()) / (n_box + added.sum())
                    if new_density - density > best_gain + 1e-12:
                        best_gain, best_move = new_density - density, (j, side, limit)
            if best_move is None:
                break
            j, side, limit = best_move
            if side == 0:
                lower[j] = limit
            else:
                upper[j] = limit
            inside = in_box(data, lower, upper)
            boxes.append(("paste", lower.copy(), upper.copy()))

    dmin, dmax = data.min(axis=0), data.max(axis=0)
    lowers = np.array([np.maximum(b[1], dmin) for b in boxes])
    uppers = np.array([np.minimum(b[2], dmax) for b in boxes])
    return [b[0] for b in boxes], lowers, uppers


def box_stats(
    data: np.ndarray, y: np.ndarray, lowers: np.ndarray, uppers: np.ndarray
) -> dict[str, np.ndarray]:
    """Coverage, density, mass, points, cases and restricted inputs of boxes."""
    dmin, dmax = data.min(axis=0), data.max(axis=0)
    within = (data[None, :, :] >= lowers[:, None, :]) & (data[None, :, :] <= uppers[:, None, :])
    inside = np.asarray(within.all(axis=2))  # (boxes, n)
    n_in = inside.sum(axis=1)
    cases_in = (inside & y[None, :]).sum(axis=1)
    return {
        "coverage": cases_in / max(int(y.sum()), 1),
        "density": cases_in / np.maximum(n_in, 1),
        "mass": n_in / len(y),
        "n": n_in,
        "n_cases": cases_in,
        "n_restricted": ((lowers > dmin) | (uppers < dmax)).sum(axis=1),
    }
