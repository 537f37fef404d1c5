"""The interface every design method implements, and the sampler that serves its rows.

A :class:`DesignMethod` answers, for a :class:`DesignRequest` (what a study asks):

- :meth:`~DesignMethod.varied`: the parameters it varies;
- :meth:`~DesignMethod.size`: how many scenarios it has;
- :meth:`~DesignMethod.problems`: what is wrong with the request, each with its key path
  (as :class:`techbloc.experiments.study.Study` reports them, with file and line);
- :meth:`~DesignMethod.sampler`: a :class:`DesignSampler` whose ``rows(start, stop)`` are
  the scenarios of a range, equal to the rows of the whole table whatever the chunking.

The methods themselves, and their registry, are in :mod:`techbloc.experiments.design_methods`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

import numpy as np

from techbloc.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_SCENARIOS",
    "DesignMethod",
    "DesignRequest",
    "DesignSampler",
    "Problem",
    "UnitCubeDesign",
    "unit_frame",
]

#: Largest design techbloc accepts (a guard against impossible sizes, e.g. a factorial over
#: every parameter).
MAX_SCENARIOS = 50_000_000

T = TypeVar("T")

#: A problem with a study: the key path it concerns and what is wrong.
Problem = tuple[tuple[str | int, ...], str]


@dataclass(frozen=True)
class DesignRequest:
    """What a study asks of its design.

    Attributes
    ----------
    n : int or None
        The study's ``scenarios`` (rows, base sample, trajectories or expected rows).
    seed : int
        Root seed.
    vary : tuple of str, optional
        Parameters named to vary (None: every uncertain parameter not held fixed).
    fixed : tuple of (str, float)
        Parameters held at one value (constant columns of every row).
    levels, second_order, table, calibrated_set
        The design's own settings (:class:`techbloc.experiments.study.DesignSpec`).
    """

    n: int | None = None
    seed: int = 0
    vary: tuple[str, ...] | None = None
    fixed: tuple[tuple[str, float], ...] = ()
    levels: int = 3
    second_order: bool = False
    table: str | None = None
    calibrated_set: str | None = None


class DesignSampler:
    """The scenarios of one design, by row range (index ``scenario``, global ids).

    Parameters
    ----------
    method : DesignMethod
    request : DesignRequest
    """

    def __init__(self, method: DesignMethod, request: DesignRequest) -> None:
        self.method = method
        self.request = request
        self.names = method.varied(request)
        self.size = method.size(request, len(self.names))
        self._kept: object = None

    def kept(self, make: Callable[[], T]) -> T:
        """What the method keeps between ranges (made on first use): a hypercube, a table."""
        if self._kept is None:
            self._kept = make()
        return cast(T, self._kept)

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        """Scenarios ``[start, stop)``: one float column per varied or fixed parameter."""
        if not 0 <= start <= stop <= self.size:
            raise InputError(f"scenarios [{start}, {stop}) are not within 0..{self.size}")
        frame = self.method.rows(self, start, stop)
        for name, value in self.request.fixed:
            frame[name] = float(value)
        return frame

    def table(self) -> pd.DataFrame:
        """The whole design (every scenario)."""
        return self.rows(0, self.size)


def unit_frame(values: np.ndarray, names: list[str], start: int) -> pd.DataFrame:
    """Unit-cube rows mapped onto each parameter's range, index ``scenario`` from ``start``."""
    import pandas as pd

    from techbloc.params import get_parameter

    columns = {}
    for j, name in enumerate(names):
        parameter = get_parameter(name)
        # clip: low + 1.0 * (high - low) can round to just above high
        columns[name] = np.clip(parameter.from_unit(values[:, j]), parameter.low, parameter.high)
    index = pd.RangeIndex(start, start + len(values), name="scenario")
    return pd.DataFrame(columns, index=index)


class DesignMethod(ABC):
    """A way of drawing scenarios, registered by name in :data:`DESIGN_METHODS`."""

    #: Name in study files (``design: NAME``).
    name: ClassVar[str]
    #: The DesignSpec key naming this method's input file (needed with it, and only with
    #: it), and what that key holds.
    file_key: ClassVar[str | None] = None
    file_hint: ClassVar[str] = ""
    #: Whether it varies the columns of its input (a table's, a set's), not ``vary``.
    own_columns: ClassVar[bool] = False
    #: Whether ``sample_futures`` draws it (a table of one's own needs no sampling).
    samples_futures: ClassVar[bool] = True

    def varied(self, request: DesignRequest) -> list[str]:
        """The parameters the design varies (default: ``vary``, else every uncertain one)."""
        if request.vary is not None:
            return list(request.vary)
        from techbloc.params import parameter_names

        fixed = dict(request.fixed)
        return [n for n in parameter_names(uncertain_only=True) if n not in fixed]

    @abstractmethod
    def size(self, request: DesignRequest, n_vary: int) -> int:
        """Number of scenarios (a Python int, exact even when absurdly large)."""

    @abstractmethod
    def problems(self, request: DesignRequest) -> list[Problem]:
        """Everything wrong with ``request`` for this method (empty when it can be drawn)."""

    def describe(self, request: DesignRequest) -> str:
        """The method as a study's summary shows it."""
        return self.name

    def size_note(self, request: DesignRequest) -> str:
        """Said after the number of scenarios in a study's summary."""
        return ""

    def files(self, request: DesignRequest) -> list[str]:
        """Input files whose contents are part of the study's fingerprint."""
        return []

    def fingerprint(self, request: DesignRequest) -> dict[str, str]:
        """What else decides the rows (part of the study's fingerprint when not empty)."""
        return {}

    def held_rows(self, size: int, chunk: int) -> int:
        """Design rows a study run holds in memory at once, for a design of ``size`` rows
        run in chunks of ``chunk`` (default: every row, a design drawn or read whole)."""
        return size

    def sampler(self, request: DesignRequest) -> DesignSampler:
        """A sampler of the design's rows by range (checks what sampling needs first)."""
        return DesignSampler(self, request)

    @abstractmethod
    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        """Rows ``[start, stop)`` without the fixed columns (called by ``sampler``)."""


class UnitCubeDesign(DesignMethod):
    """A design drawn on the unit hypercube of the varied parameters, then mapped."""

    def blocking(self, request: DesignRequest) -> list[Problem]:
        """Problems after which nothing else is checked."""
        if request.n is None:
            return [(("scenarios",), f"a {self.name} design needs 'scenarios'")]
        return []

    def checks(self, request: DesignRequest, n_vary: int, size: int) -> list[Problem]:
        """Further method-specific problems."""
        return []

    def problems(self, request: DesignRequest) -> list[Problem]:
        problems = self.blocking(request)
        if problems:
            return problems
        n_vary = len(self.varied(request))
        size = self.size(request, n_vary)
        problems = self.checks(request, n_vary, size)
        if n_vary == 0:
            problems.append(
                (
                    ("vary",),
                    "no parameter left to vary: every uncertain parameter is set; leave at "
                    "least one out of set",
                )
            )
        if size > MAX_SCENARIOS:
            shown = f"{size:,}" if size < 10**30 else f"about 10^{len(str(size)) - 1}"
            problems.append(
                (
                    ("design",),
                    f"the {self.name} design would have {shown} scenarios "
                    f"(limit {MAX_SCENARIOS:,}); vary fewer parameters or use fewer "
                    "levels/scenarios",
                )
            )
        return problems
