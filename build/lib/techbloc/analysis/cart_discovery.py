"""CART scenario discovery: the leaves of a classification tree as boxes.

:func:`cart` fits a scikit-learn decision tree to the case of interest; each leaf is a
:class:`~techbloc.analysis.boxes.Box` with its coverage and density. scikit-learn is
imported only when :func:`cart` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from techbloc.analysis._random import RandomState, library_seed, renamed_seed
from techbloc.analysis.boxes import Box, case_inputs, parameter_info
from techbloc.errors import InputError

__all__ = ["CartResult", "cart"]


@dataclass(frozen=True)
class CartResult:
    """Leaves of a classification tree, each as a box.

    Attributes
    ----------
    leaves : pandas.DataFrame
        One row per leaf (index = leaf node id): ``coverage``, ``density``, ``mass``,
        ``n``, ``n_cases``, ``n_restricted``, ``predicted`` (the tree's class), sorted by
        density then coverage.
    boxes : dict of int to Box
        Limits of every leaf.
    """

    leaves: pd.DataFrame
    boxes: dict[int, Box]

    def box(self, leaf: int | None = None) -> Box:
        """A leaf's box (default: the densest leaf predicting the case)."""
        if leaf is None:
            leaf = int(self.leaves.index[0])
        if leaf not in self.boxes:
            raise InputError(f"no leaf {leaf}; leaves: {sorted(self.boxes)}")
        return self.boxes[leaf]


def cart(
    x: pd.DataFrame,
    y: Any,
    *,
    max_depth: int = 4,
    min_samples_leaf: float = 0.05,
    rng: RandomState = 0,
    seed: int | None = None,
) -> CartResult:
    """Scenario discovery with a classification tree (scikit-learn CART).

    Parameters
    ----------
    x : pandas.DataFrame
        Scenario inputs.
    y : array_like of bool
        Case of interest per scenario.
    max_depth : int
        Depth of the tree (boxes restrict at most this many limits).
    min_samples_leaf : float or int
        Smallest leaf, as a share of points (float) or a count (int).
    rng : int, numpy.random.Generator or None
        Random state of the tree (ties between equally good splits); default 0.
    seed : int, optional
        Deprecated alias of ``rng`` (removed in 0.4).

    Returns
    -------
    CartResult
    """
    from sklearn.tree import DecisionTreeClassifier

    frame, y = case_inputs(x, y)
    data = frame.to_numpy(float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=min_samples_leaf,
        random_state=library_seed(renamed_seed(rng, seed, "cart")),
    ).fit(data, y)
    t = tree.tree_
    d = data.shape[1]
    dmin, dmax = data.min(axis=0), data.max(axis=0)
    n_total, n_cases_total = len(y), int(y.sum())
    leaf_of = tree.apply(data)
    rows, boxes = [], {}
    stack = [(0, np.full(d, -np.inf), np.full(d, np.inf))]
    while stack:
        node, lo, hi = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left != right:  # split: x <= threshold goes left
            j, thr = t.feature[node], t.threshold[node]
            hi_left = hi.copy()
            hi_left[j] = min(hi[j], thr)
            lo_right = lo.copy()
            lo_right[j] = max(lo[j], thr)
            stack.append((left, lo, hi_left))
            stack.append((right, lo_right, hi))
            continue
        members = leaf_of == node
        n, n_cases = int(members.sum()), int(y[members].sum())
        restricted = [j for j in range(d) if lo[j] > -np.inf or hi[j] < np.inf]
        limit_rows = []
        for j in restricted:
            unit, description = parameter_info(frame.columns[j])
            values = data[members, j]
            limit_rows.append(
                {
                    "parameter": frame.columns[j],
                    # data limits inside the leaf (split thresholds lie between points)
                    "low": values.min() if lo[j] > -np.inf else dmin[j],
                    "high": values.max() if hi[j] < np.inf else dmax[j],
                    "split_low": lo[j] if lo[j] > -np.inf else np.nan,
                    "split_high": hi[j] if hi[j] < np.inf else np.nan,
                    "min": dmin[j],
                    "max": dmax[j],
                    "unit": unit,
                    "description": description,
                }
            )
        limits = (
            pd.DataFrame(limit_rows).set_index("parameter")
            if limit_rows
            else pd.DataFrame(index=pd.Index([], name="parameter"))
        )
        predicted = bool(tree.classes_[np.argmax(t.value[node][0])])
        stats = {
            "coverage": n_cases / n_cases_total,
            "density": n_cases / max(n, 1),
            "mass": n / n_total,
            "n": n,
            "n_cases": n_cases,
            "n_restricted": len(restricted),
            "predicted": predicted,
        }
        rows.append({"leaf": int(node), **stats})
        boxes[int(node)] = Box(
            limits=limits,
            coverage=stats["coverage"],
            density=stats["density"],
            mass=stats["mass"],
            n=n,
            n_cases=n_cases,
            label=f"CART leaf {node}",
        )
    leaves = (
        pd.DataFrame(rows)
        .set_index("leaf")
        .sort_values(["density", "coverage"], ascending=False, kind="stable")
    )
    return CartResult(leaves=leaves, boxes=boxes)
