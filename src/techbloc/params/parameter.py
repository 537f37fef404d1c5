"""One uncertain model parameter: its range, its sampling distribution, its check.

:class:`Parameter` is the record every declaration of the registry makes
(:mod:`techbloc.params.knowledge`, :mod:`~techbloc.params.china`,
:mod:`~techbloc.params.alliance`, :mod:`~techbloc.params.growth`); :func:`declare` builds one
with the distribution after the citation, the order the declarations read best in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from techbloc.errors import InputError

__all__ = ["ASSUMED", "Distribution", "Parameter", "declare"]

Distribution = Literal["uniform", "loguniform", "fixed"]


@dataclass(frozen=True)
class Parameter:
    """One uncertain model parameter.

    Attributes
    ----------
    name : str
        Identifier used everywhere (study files, ``--set``, result columns).
    default : float
        Value used when the parameter is not sampled or set.
    low, high : float
        Plausible range swept by sampling designs (inclusive).
    distribution : {"uniform", "loguniform", "fixed"}
        How a unit-interval draw maps onto ``[low, high]``.
    unit : str
        Physical or conventional unit ("1/yr", "share", "years", "dimensionless").
    mechanism : str
        Equation(s) of MODEL.md §4 the parameter drives, e.g. ``"E5"``.
    source : str
        Citation, or "assumption: <reason>".
    description : str
        One line saying what the parameter means.
    sampled_by_default : bool
        Whether designs vary it when a study does not list what to vary. Switches that
        turn a mechanism on (``exit_probability``) are varied only when asked for.
    """

    name: str
    default: float
    low: float
    high: float
    distribution: Distribution
    unit: str
    mechanism: str
    source: str
    description: str
    sampled_by_default: bool = True

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"{self.name}: default {self.default} outside [{self.low}, {self.high}]"
            )
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"{self.name}: log-uniform needs a positive lower bound")

    @property
    def is_uncertain(self) -> bool:
        """Whether sampling designs vary this parameter."""
        return self.distribution != "fixed" and self.high > self.low

    def from_unit(self, u: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Map draws on the unit interval onto the parameter's range.

        Parameters
        ----------
        u : array_like
            Values in ``[0, 1]`` (e.g. a Latin-hypercube or Sobol column).

        Returns
        -------
        numpy.ndarray
            Parameter values; log-uniform parameters are uniform in ``log(value)``.
        """
        u = np.asarray(u, dtype=float)
        if self.distribution == "fixed":
            return np.full_like(u, self.default)
        if self.distribution == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)

    def check(self, value: float | str, where: str = "") -> float:
        """Return ``value`` as a float, or raise :class:`InputError` if it is not allowed."""
        place = f" ({where})" if where else ""
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"parameter '{self.name}'{place}: expected a number, got {value!r}"
            ) from None
        if not math.isfinite(value):
            raise InputError(f"parameter '{self.name}'{place}: value must be finite, got {value}")
        if not self.low <= value <= self.high:
            raise InputError(
                f"parameter '{self.name}'{place}: {value} is outside its range "
                f"[{self.low}, {self.high}] ({self.unit}); see `techbloc params`"
            )
        return value


def declare(
    name: str,
    default: float,
    low: float,
    high: float,
    unit: str,
    mechanism: str,
    source: str,
    description: str,
    distribution: Distribution = "uniform",
    sampled_by_default: bool = True,
) -> Parameter:
    """A :class:`Parameter`, its arguments in the order the declarations are written."""
    return Parameter(
        name,
        default,
        low,
        high,
        distribution,
        unit,
        mechanism,
        source,
        description,
        sampled_by_default,
    )


#: Prefix of a source that is an assumption (no source pins the value: sweep it).
ASSUMED = "assumption: "
