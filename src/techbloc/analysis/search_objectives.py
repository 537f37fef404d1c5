"""Objectives of a coalition search: an outcome, a direction and a statistic across scenarios.

:class:`Objective` reduces an outcome over scenarios (a percentile or the mean);
:func:`parse_objective` reads the command line's ``name[:max|min][:median|mean|pNN]``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from techbloc.errors import InputError

__all__ = ["Direction", "Objective", "parse_objective"]

Direction = Literal["max", "min"]


@dataclass(frozen=True)
class Objective:
    """An objective: an outcome, a direction and a statistic across scenarios.

    Attributes
    ----------
    name : str
        Outcome name, e.g. ``"alliance_rd_share"``.
    direction : {"max", "min"}
    statistic : float or "mean"
        Percentile across scenarios (50 = median, the default; 10 = a pessimistic view
        of a ``max`` objective) or ``"mean"``.
    """

    name: str
    direction: Direction
    statistic: float | str = 50.0

    def __post_init__(self) -> None:
        if self.direction not in ("max", "min"):
            raise InputError(f"objective '{self.name}': direction must be 'max' or 'min'")
        if self.statistic != "mean" and not (
            isinstance(self.statistic, int | float) and 0 <= self.statistic <= 100
        ):
            raise InputError(
                f"objective '{self.name}': statistic must be 'mean' or a percentile 0-100"
            )

    @property
    def label(self) -> str:
        """Column name in results, e.g. ``alliance_rd_share`` or ``leakage_p90``."""
        if self.statistic == 50.0:
            return self.name
        if self.statistic == "mean":
            return f"{self.name}_mean"
        return f"{self.name}_p{self.statistic:g}"

    def reduce(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        """Reduce an array over scenarios (``axis``) with this objective's statistic."""
        if self.statistic == "mean":
            return np.asarray(np.nanmean(values, axis=axis))
        return _nanpercentile(np.asarray(values, float), float(self.statistic), axis)


def _nanpercentile(values: np.ndarray, q: float, axis: int) -> np.ndarray:
    """``numpy.nanpercentile`` along ``axis``, vectorized over the columns without NaN.

    numpy's version applies a 1-D percentile column by column; columns without NaN give
    the same numbers from ``numpy.percentile`` over all of them at once (tested equal).
    """
    values = np.moveaxis(values, axis, 0)
    shape = values.shape[1:]
    flat = values.reshape(len(values), -1)
    out = np.asarray(np.percentile(flat, q, axis=0))
    gaps = np.flatnonzero(np.isnan(flat).any(axis=0))
    if len(gaps):
        with warnings.catch_warnings():  # all-NaN columns give NaN, as numpy's does
            warnings.simplefilter("ignore", RuntimeWarning)
            out[gaps] = np.nanpercentile(flat[:, gaps], q, axis=0)
    return out.reshape(shape)


def parse_objective(spec: str | Objective) -> Objective:
    """Parse ``name[:max|min][:median|mean|pNN]``, e.g. ``"leakage:min:p90"``.

    Without ``:max``/``:min`` (``"leakage"``, ``"cohesion::p10"``) the direction is the
    registered output's (:mod:`techbloc.model.outputs`; ``leakage`` and ``stringency``
    stand for the outputs :func:`~techbloc.analysis.characteristic.resolve_outcome`
    names); an outcome the registry does not know needs an explicit direction.
    """
    from techbloc.analysis.characteristic import SEARCH_ALIASES
    from techbloc.analysis.outcomes import resolve_metric

    if isinstance(spec, Objective):
        return spec
    if str(spec).count(":") > 2:
        raise InputError(f"cannot read objective {spec!r}; write name[:max|min][:median|pNN]")
    name, direction, stat = resolve_metric(str(spec), what="objective", aliases=SEARCH_ALIASES)
    statistic: float | str = 50.0
    stat = stat.strip().lower()
    if stat in ("", "median"):
        statistic = 50.0
    elif stat == "mean":
        statistic = "mean"
    elif re.fullmatch(r"p\d+(\.\d+)?", stat):
        statistic = float(stat[1:])
    else:
        raise InputError(f"objective {spec!r}: statistic must be median, mean or pNN")
    return Objective(name, direction, statistic)
