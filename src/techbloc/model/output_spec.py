"""What an output of the engine is: :class:`Output`, its :class:`Direction` and its unit's bounds.

The outputs themselves are declared, each with the function that computes it, in
:mod:`~techbloc.model.reporters`; :mod:`~techbloc.model.outputs` looks them up.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from techbloc.model.year_view import YearView

__all__ = [
    "INFO",
    "MAX",
    "MIN",
    "STAGES",
    "Direction",
    "Kind",
    "Output",
    "Reporter",
    "Stage",
    "unit_bounds",
]

Kind = Literal["scalar", "domain", "country", "scenario"]
Stage = Literal["year", "final", "scenario", "outsiders"]
STAGES: tuple[Stage, ...] = ("year", "final", "scenario", "outsiders")

#: A function computing one output from one year.
Reporter = Callable[["YearView"], np.ndarray]


class Direction(enum.IntEnum):
    """Which way an outcome is better for the coalition (EMA Workbench's outcome kinds)."""

    #: Less is better.
    MINIMIZE = -1
    #: Neither: reported, not optimised (data, or outcomes with no preferred side).
    INFO = 0
    #: More is better.
    MAXIMIZE = 1

    @property
    def short(self) -> str:
        """``"max"``, ``"min"`` or ``"info"``, as written in metric strings."""
        return {1: "max", -1: "min", 0: "info"}[int(self)]


MAX, MIN, INFO = Direction.MAXIMIZE, Direction.MINIMIZE, Direction.INFO

_UNIT_INTERVAL = ("share", "0-1", "0/1")
_NON_NEGATIVE = ("ratio", "PPP $bn", "PPP $bn/yr", "x coalition R&D", "count", "years", "1/yr")


def unit_bounds(unit: str) -> tuple[float, float] | None:
    """The interval a unit implies: [0, 1] for shares, indices and flags, [0, inf) for
    stocks, flows, ratios, counts, years and rates, None (unbounded) otherwise.

    Examples
    --------
    >>> unit_bounds("share")
    (0.0, 1.0)
    >>> unit_bounds("log ratio") is None
    True
    """
    if unit in _UNIT_INTERVAL:
        return (0.0, 1.0)
    if unit in _NON_NEGATIVE:
        return (0.0, math.inf)
    return None


@dataclass(frozen=True)
class Output:
    """One output of the engine.

    Attributes
    ----------
    name : str
        Name in the Dataset, the store and the CLI.
    description : str
        One line saying what it measures.
    unit : str
        ``share`` (within [0, 1]), ``0-1`` (an index within [0, 1]), ``0/1`` (a flag),
        ``log ratio``, ``PPP $bn`` (knowledge units), ``PPP $bn/yr``, ``ratio``, ``count``,
        ``years``, ``1/yr``, ``x coalition R&D`` or ``dimensionless``.
    kind : {"scalar", "domain", "country", "scenario"}
        ``scalar``: one value per scenario and policy (dims ``(scenario, policy)``);
        ``domain`` and ``country`` add that dimension; ``scenario``: one per scenario.
    direction : Direction
        ``MAXIMIZE`` if more is better for the coalition, ``MINIMIZE`` if less is,
        ``INFO`` if neither.
    data : bool
        A driver of the future recorded beside the outcomes (for instance the years
        under a transactional US administration), not an outcome of the policy. Data
        have direction ``INFO``; they describe scenarios.
    bounds : tuple of float or None
        ``(low, high)`` every value lies in (infinite ends allowed); by default the
        bounds the unit implies (:func:`unit_bounds`), None where it implies none.
    stage : {"year", "final", "scenario", "outsiders"}
        When the engine computes it: ``year``, every recorded year (a trajectory with
        ``trajectories=True``); ``final``, the final year only; ``scenario``, once per run
        from the run's context; ``outsiders``, in the final year with the outsiders'
        joining gains and acceptance (computed together, without a reporter of its own).
    reporter : callable or None
        The function computing it from a :class:`~techbloc.model.year_view.YearView`
        (Mesa's model reporters), an array with leading axes ``(S, P)`` (``(S,)`` or
        ``(S, T)`` for scenario outputs).
    """

    name: str
    description: str
    unit: str
    kind: Kind = "scalar"
    direction: Direction = INFO
    data: bool = False
    bounds: tuple[float, float] | None = field(default=None)
    stage: Stage = "year"
    reporter: Reporter | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        if self.stage not in STAGES:
            raise ValueError(f"output {self.name!r}: stage must be one of {', '.join(STAGES)}")
        if self.bounds is None:
            object.__setattr__(self, "bounds", unit_bounds(self.unit))
        if self.data and self.direction != INFO:
            raise ValueError(f"output {self.name!r}: data have no preferred direction")

    @property
    def label(self) -> str:
        """``description (unit)``, for axis labels and table notes."""
        return f"{self.description} ({self.unit})" if self.unit else self.description
