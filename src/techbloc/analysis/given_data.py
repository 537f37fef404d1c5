"""First-order Sobol indices from a given sample, in O(n) a bootstrap draw.

The estimator is SALib's (``SALib.analyze.delta.analyze(..., method="sobol")``; Plischke,
Borgonovo & Smith 2013): each input's points are ranked and cut into ``M`` classes of
consecutive ranks, and ``S1`` is the variance of the class means over the outcome's
variance. SALib finds each class's points with one pass over the sample per class, ``M``
(up to 48) passes for each of the 51 draws of each input: 0.38 ms a point for 58 inputs,
most of the report's time on a large study. Here a draw's points are put in the input's
order once and the classes summed in one pass, with the same draws from numpy's global
random state in the same order, so the indices are SALib's to rounding (tested against it).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["first_order_indices"]


def _classes(n: int) -> NDArray[np.int64]:
    """Where each of SALib's classes of ranks starts in a draw of ``n`` points, and ``n``.

    SALib's class ``j`` holds the ranks ``k`` (1 to ``n``) with ``m[j] < k <= m[j + 1]``,
    ``m = linspace(0, n, M + 1)``: positions ``floor(m[j])`` to ``floor(m[j + 1]) - 1`` in
    rank order.
    """
    exponent = 2.0 / (7.0 + np.tanh((1500.0 - n) / 500.0))
    m = np.linspace(0, n, int(np.round(min(int(np.ceil(n**exponent)), 48))) + 1)
    return np.floor(m).astype(np.int64)


def _first_order(ranked: NDArray[np.float64], edges: NDArray[np.int64]) -> float:
    """SALib's ``sobol_first`` of a draw whose outcomes are ``ranked`` in the input's order
    (ties in the order they were drawn)."""
    if np.ptp(ranked) == 0.0:
        return 0.0
    sizes = np.diff(edges)
    means = np.add.reduceat(ranked, edges[:-1]) / sizes
    between = float(np.sum(sizes / len(ranked) * (means - ranked.mean()) ** 2))
    return between / float(np.var(ranked))


class _Column:
    """One input's values and the outcome, to put a draw's outcomes in the input's order."""

    def __init__(self, values: NDArray[np.float64], y: NDArray[np.float64]) -> None:
        self.values, self.y = values, y
        self.order = np.argsort(values, kind="stable")
        self.y_ordered = y[self.order]
        # with no tied values, ties in a draw are copies of one point (the same outcome), so
        # a draw needs no sort: its counts of each point, in the input's order, say it
        self.distinct = bool(np.all(np.diff(values[self.order]) > 0))

    def ranked(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """The outcomes of the points ``rows`` (a draw), in the order of SALib's ordinal
        ranks of the input (ties in the order drawn)."""
        if self.distinct:
            counts = np.bincount(rows, minlength=len(self.values))[self.order]
            return np.repeat(self.y_ordered, counts)
        return self.y[rows][np.argsort(self.values[rows], kind="stable")]


def first_order_indices(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    num_resamples: int = 50,
    conf_level: float = 0.95,
    seed: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``S1`` and its confidence half-width for each column of ``x``, as SALib's delta
    module computes them with ``method="sobol"``.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The sample of the inputs.
    y : ndarray, shape (n,)
        The outcome at each point.
    num_resamples, conf_level : int, float
        Bootstrap draws for the confidence interval, and its level.
    seed : int, optional
        Seeds numpy's global random state first, as SALib does (a falsy seed leaves it).
        The caller restores the state if it must.

    Returns
    -------
    S1, S1_conf : ndarray, shape (d,)
    """
    from scipy.stats import norm

    n, d = x.shape
    edges = _classes(n)
    s1 = np.full(d, np.nan)
    conf = np.full(d, np.nan)
    if seed:
        np.random.seed(seed)
    scale = norm.ppf(0.5 + conf_level / 2)
    for i in range(d):
        column = _Column(x[:, i], y)
        s1[i] = _first_order(column.ranked(np.asarray(np.random.randint(n, size=n))), edges)
        draws = np.random.choice(n, size=(num_resamples, n), replace=True)
        values = np.array([_first_order(column.ranked(rows), edges) for rows in draws])
        conf[i] = scale * values.std(ddof=1)
    return s1, conf
