"""PRIM's peeling and pasting on arrays (used by :mod:`techbloc.analysis.prim_discovery`).

The rules are EMA Workbench's (``ema_workbench.analysis.prim``, 2.5), step for step:

- **Peels.** For each input, in column order, the upper then the lower end: the box limit
  is EMA's ``get_quantile`` of the points in the box, the midpoint between the quantile's
  value and the next distinct value inward, so the limit lies between data values.
- **Objective** ("lenient 1"): the change of the box's mean divided by the change of its
  number of points.
- **Choice.** The candidates are ranked by objective, then by how many inputs they leave
  unrestricted (a peel on an input already restricted wins a tie), then by their order
  above (a stable sort): exact ties, no further key.
- **Stop.** Only the best-ranked candidate is tried: peeling stops when it would leave
  less than ``mass_min`` of the points, remove nothing, or not raise the mean.
- **Pastes** (on the inputs the box restricts, in column order, lower end then upper):
  the limit moves to EMA's quantile ``1 - paste_alpha`` (lower end) or ``paste_alpha``
  (upper end) of the points between the limit and the data's end that lie inside the box
  on the other inputs; the best-ranked paste is taken while it keeps ``mass_min``, adds
  points and raises the mean.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRIM_DEFAULTS", "box_stats", "in_box", "in_boxes", "peel_and_paste", "quantile_limit"]

#: PRIM's settings when a result does not record its own (see :func:`techbloc.analysis.prim`).
PRIM_DEFAULTS = {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05}


def quantile_limit(values: np.ndarray, quantile: float) -> float:
    """EMA Workbench's ``get_quantile``: a box limit between data values.

    ``i = (n - 1) q``. Below the median the limit is the midpoint between the value at
    ``floor(i)`` and the next larger value (the value itself when none is larger); above
    it, between the value at ``ceil(i)`` and the next smaller one.

    Examples
    --------
    >>> quantile_limit(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 0.1)
    1.5
    >>> quantile_limit(np.array([1.0, 2.0, 2.0, 2.0, 5.0]), 0.9)
    3.5
    """
    return _sorted_quantile_limit(np.sort(values), quantile)


def _sorted_quantile_limit(ordered: np.ndarray, quantile: float) -> float:
    """:func:`quantile_limit` of values already sorted."""
    n = len(ordered)
    position = (n - 1) * quantile
    low, high = int(np.floor(position)), int(np.ceil(position))
    if quantile > 0.5:
        low = max(int(np.searchsorted(ordered, ordered[high], side="left")) - 1, 0)
    else:
        high = min(int(np.searchsorted(ordered, ordered[low], side="right")), n - 1)
    return float((ordered[low] + ordered[high]) / 2)


def _lenient(mean_old: float, n_old: int, cases_new: np.ndarray, n_new: np.ndarray) -> np.ndarray:
    """EMA's "lenient 1" objective of candidate boxes: mean change per point changed."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_new = np.where(n_new > 0, cases_new / np.maximum(n_new, 1), 0.0)
        change = np.abs(n_old - n_new)
        objective = (mean_new - mean_old) / np.where(change > 0, change, 1)
    return np.where(mean_new != mean_old, objective, 0.0)


def _best(objective: np.ndarray, unrestricted_after: np.ndarray) -> int:
    """Index of the best candidate: objective, then unrestricted inputs, then order."""
    order = np.lexsort((np.arange(len(objective)), -unrestricted_after, -objective))
    return int(order[0])


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
    return _members(x, lo, hi)


class _Outside:
    """For each point, how many inputs put it outside a box, kept up to date as the box's
    limits move one input at a time (O(n) a move, not O(n d)); outside as :func:`in_box`
    says it, NaN included."""

    def __init__(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.x = x
        self.outside = ~((x >= lower) & (x <= upper))
        self.count = self.outside.sum(axis=1)

    def move(self, j: int, low: float, high: float) -> None:
        """Input ``j``'s limits are now ``low`` and ``high``."""
        column = ~((self.x[:, j] >= low) & (self.x[:, j] <= high))
        self.count -= self.outside[:, j]
        self.outside[:, j] = column
        self.count += column

    def inside(self) -> np.ndarray:
        """The points in the box."""
        return np.asarray(self.count == 0)

    def inside_but(self, j: int) -> np.ndarray:
        """The points no input but ``j`` puts outside the box."""
        return np.asarray(self.count == self.outside[:, j])


def _members(x: np.ndarray, lowers: np.ndarray, uppers: np.ndarray) -> np.ndarray:
    """:func:`in_box` of each box, bool (boxes, n).

    A trajectory's consecutive boxes differ in one limit, so each box's points follow from
    the previous box's (:class:`_Outside`, moved on the inputs whose limits changed). The
    temporaries stay (n, d), not (boxes, n, d) (2.7 GB for 150 boxes of 100,000 points and
    60 inputs).
    """
    inside = np.empty((len(lowers), len(x)), bool)
    if not len(lowers):
        return inside
    box = _Outside(x, lowers[0], uppers[0])
    inside[0] = box.inside()
    for b in range(1, len(lowers)):
        changed = (lowers[b] != lowers[b - 1]) | (uppers[b] != uppers[b - 1])
        for j in np.flatnonzero(changed):
            box.move(int(j), lowers[b, j], uppers[b, j])
        inside[b] = box.inside()
    return inside


def peel_and_paste(
    data: np.ndarray, y: np.ndarray, peel_alpha: float, paste_alpha: float, mass_min: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """PRIM's trajectory on arrays: step kinds and box limits, (boxes, d) each, as data
    values (the data range where a side is unrestricted)."""
    n_total, d = data.shape
    y = np.asarray(y, dtype=bool)
    dmin, dmax = data.min(axis=0), data.max(axis=0)
    lower, upper = dmin.copy(), dmax.copy()
    boxes: list[tuple[str, np.ndarray, np.ndarray]] = [("start", lower.copy(), upper.copy())]
    inside = np.ones(n_total, bool)
    columns = np.ascontiguousarray(data.T)  # an input's values side by side

    # peeling: candidate k = 2 j + side, side 0 the upper end of input j, side 1 the lower.
    # Each input's values in the box are sorted once a step: the quantile limits and how
    # many points each candidate keeps come from the sorted values (a binary search), how
    # many cases from comparing the cases' values alone with the two limits
    while True:
        xb, yb = columns[:, inside], y[inside]
        cases_xb = xb[:, yb]
        m = len(yb)
        limits = np.empty(2 * d)
        counts = np.empty(2 * d, np.int64)
        cases = np.empty(2 * d, np.int64)
        for j in range(d):
            values = np.sort(xb[j])
            up = limits[2 * j] = _sorted_quantile_limit(values, 1 - peel_alpha)
            low = limits[2 * j + 1] = _sorted_quantile_limit(values, peel_alpha)
            counts[2 * j] = np.searchsorted(values, up, side="right")  # x <= up
            counts[2 * j + 1] = m - np.searchsorted(values, low, side="left")  # x >= low
            cases[2 * j] = np.count_nonzero(cases_xb[j] <= up)
            cases[2 * j + 1] = np.count_nonzero(cases_xb[j] >= low)
        objective = _lenient(float(yb.mean()), m, cases, counts)
        restricted = (lower > dmin) | (upper < dmax)
        column = np.repeat(np.arange(d), 2)
        new_lower = np.where(np.arange(2 * d) % 2 == 1, limits, lower[column])
        new_upper = np.where(np.arange(2 * d) % 2 == 0, limits, upper[column])
        now_restricted = (new_lower > dmin[column]) | (new_upper < dmax[column])
        unrestricted_after = d - restricted.sum() - (now_restricted & ~restricted[column])
        best = _best(objective, unrestricted_after)
        if not (counts[best] >= mass_min * n_total and counts[best] < m and objective[best] > 0):
            break
        j = column[best]
        if best % 2:
            lower[j] = limits[best]
        else:
            upper[j] = limits[best]
        inside &= (columns[j] >= lower[j]) & (columns[j] <= upper[j])  # only j's limit moved
        boxes.append(("peel", lower.copy(), upper.copy()))

    # pasting, on the inputs the box restricts. A candidate moves one limit of one input j,
    # so a point is in it when it is inside the box on every other input (no input but j
    # puts it outside) and within the candidate's limits on j: O(n) a candidate, not O(n d)
    box = _Outside(data, lower, upper)
    while paste_alpha > 0 and len(boxes) > 1:
        restricted = (lower > dmin) | (upper < dmax)
        n_box = int(inside.sum())
        mean_old = float(y[inside].mean())
        candidates: list[tuple[int, int, float, np.ndarray, np.ndarray]] = []
        for j in (int(k) for k in np.flatnonzero(restricted)):
            xj = columns[j]
            others = box.inside_but(j)
            for side in (0, 1):  # EMA's order: lower end, then upper end
                lo, hi = lower.copy(), upper.copy()
                if side == 0:  # the points below the box on j (dmin <= x always holds)
                    values = xj[others & (xj <= lower[j])]
                    limit = quantile_limit(values, 1 - paste_alpha) if values.size else dmin[j]
                    lo[j] = limit
                else:  # the points above it
                    values = xj[others & (xj >= upper[j])]
                    limit = quantile_limit(values, paste_alpha) if values.size else dmax[j]
                    hi[j] = limit
                members = others & (xj >= lo[j]) & (xj <= hi[j])
                candidates.append((j, side, limit, members, (lo > dmin) | (hi < dmax)))
        if not candidates:
            break
        members = np.array([c[3] for c in candidates])
        counts = members.sum(axis=1)
        cases = (members & y[None, :]).sum(axis=1)
        objective = _lenient(mean_old, n_box, cases, counts)
        unrestricted_after = np.array([d - int(c[4].sum()) for c in candidates])
        best = _best(objective, unrestricted_after)
        mean_new = cases[best] / max(int(counts[best]), 1)
        if not (
            counts[best] >= mass_min * n_total
            and counts[best] > n_box
            and objective[best] > 0
            and mean_new > mean_old
        ):
            break
        j, side, limit, inside, _ = candidates[best]
        if side == 0:
            lower[j] = limit
        else:
            upper[j] = limit
        box.move(j, lower[j], upper[j])
        boxes.append(("paste", lower.copy(), upper.copy()))

    lowers = np.array([b[1] for b in boxes])
    uppers = np.array([b[2] for b in boxes])
    return [b[0] for b in boxes], lowers, uppers


def box_stats(
    data: np.ndarray, y: np.ndarray, lowers: np.ndarray, uppers: np.ndarray
) -> dict[str, np.ndarray]:
    """Coverage, density, mass, points, cases and restricted inputs of boxes."""
    dmin, dmax = data.min(axis=0), data.max(axis=0)
    inside = _members(data, lowers, uppers)  # (boxes, n)
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
