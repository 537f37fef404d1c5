"""Boxes in the space of scenario inputs, the result of scenario discovery.

A :class:`Box` is a set of limits on some scenario inputs, with how well it captures the
*case of interest* (the scenarios flagged True). Definitions: *coverage* = cases in the box
/ all cases; *density* = cases in the box / points in the box; *mass* = points in the box /
all points. :func:`techbloc.analysis.prim` and :func:`techbloc.analysis.cart` find them
(:mod:`techbloc.analysis.prim_discovery`, :mod:`techbloc.analysis.cart_discovery`);
:func:`case_inputs` is the input check both share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.params import PARAMETERS

__all__ = ["Box"]


def case_inputs(x: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """Check scenario inputs ``x`` and case flags ``y`` for scenario discovery.

    Returns
    -------
    inputs : pandas.DataFrame
        The numeric columns of ``x`` that vary, as float.
    case : numpy.ndarray of bool

    Raises
    ------
    techbloc.errors.InputError
        ``x`` not a DataFrame, ``y`` not boolean or of another length, no varying input,
        missing values, or a case that never happens.
    """
    if not isinstance(x, pd.DataFrame):
        raise InputError("scenario inputs must be a DataFrame with one column per parameter")
    y = np.asarray(y)
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise InputError("the case of interest must be boolean (True where it happens)")
        y = y.astype(bool)
    if len(x) != len(y):
        raise InputError(f"{len(x)} scenarios but {len(y)} case flags")
    numeric = x.select_dtypes(include=[np.number, "bool"]).astype(float)
    varying = numeric.loc[:, numeric.nunique(dropna=True) > 1]
    if varying.shape[1] == 0:
        raise InputError("no scenario input varies: nothing to discover")
    if varying.isna().any().any():
        bad = ", ".join(varying.columns[varying.isna().any()])
        raise InputError(f"scenario inputs contain missing values in: {bad}")
    if not y.any():
        raise InputError("the case of interest never happens in these scenarios")
    return varying, y


def parameter_info(name: str) -> tuple[str, str]:
    """Unit and description of a registered parameter (empty strings if unregistered)."""
    for p in PARAMETERS:
        if p.name == name:
            return p.unit, p.description
    return "", ""


@dataclass(frozen=True)
class Box:
    """A box in the space of scenario inputs, with how well it captures the cases.

    Attributes
    ----------
    limits : pandas.DataFrame
        One row per restricted parameter: ``low``, ``high`` (inclusive), the data range
        ``min``, ``max``, and (PRIM) quasi-p values ``qp_low``, ``qp_high`` (NaN for an
        unrestricted side), plus the parameter's ``unit`` and ``description``.
    coverage, density, mass : float
        See the module docstring.
    n, n_cases : int
        Points and cases inside the box.
    label : str
        Where the box comes from ("PRIM box 12", "CART leaf 7").
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int
    n_cases: int
    label: str = ""

    def contains(self, x: pd.DataFrame) -> pd.Series:
        """Which rows of ``x`` lie inside the box."""
        inside = np.ones(len(x), bool)
        for name, row in self.limits.iterrows():
            values = x[name].to_numpy(float)
            inside &= (values >= row["low"]) & (values <= row["high"])
        return pd.Series(inside, index=x.index)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data description (for ``--json``)."""
        limits = self.limits.reset_index().replace({np.nan: None})
        return {
            "label": self.label,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "n": self.n,
            "n_cases": self.n_cases,
            "limits": limits.to_dict(orient="records"),
        }
