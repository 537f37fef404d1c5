"""Design methods by name: each owns its size, its checks and its sampling.

A study names its design method (``design: lhs``); :data:`DESIGN_METHODS` maps each name to
a :class:`~techbloc.experiments.design_base.DesignMethod` object (the interface is in
:mod:`techbloc.experiments.design_base`), and :func:`design_method` refuses an unknown name
listing the options, as xarray's ``backends.plugins`` does for engines; EMA Workbench's
samplers likewise sit behind one interface.

Latin hypercubes and factorial grids are drawn per range (memory independent of the number
of scenarios); Sobol/Saltelli and Morris designs are drawn whole by SALib, once per sampler;
tables and calibrated sets (:mod:`techbloc.experiments.design_tables`) are read once per
sampler.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from techbloc.errors import InputError
from techbloc.experiments.design_base import (
    DesignMethod,
    DesignRequest,
    DesignSampler,
    Problem,
    UnitCubeDesign,
    unit_frame,
)
from techbloc.experiments.design_tables import Calibrated, Table
from techbloc.experiments.hypercube import LatinHypercubeRows

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DESIGN_METHODS",
    "Factorial",
    "LatinHypercube",
    "Morris",
    "Saltelli",
    "design_method",
]


class LatinHypercube(UnitCubeDesign):
    """``lhs``: a Latin hypercube of ``scenarios`` rows, drawn per range.

    See :mod:`techbloc.experiments.hypercube`: scipy's draws up to
    :data:`~techbloc.experiments.hypercube.EXACT_ROWS` rows, a keyed permutation above.
    """

    name = "lhs"

    def size(self, request: DesignRequest, n_vary: int) -> int:
        return int(request.n or 0)

    def fingerprint(self, request: DesignRequest) -> dict[str, str]:
        hypercube = LatinHypercubeRows(self.size(request, 0), 0, request.seed)
        return {} if hypercube.exact else {"lhs_draw": hypercube.draw}

    def held_rows(self, size: int, chunk: int) -> int:
        # scipy's draw keeps every row's strata; the keyed draw only the chunk's rows
        return size if LatinHypercubeRows(size, 0, 0).exact else min(chunk, size)

    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        hypercube = sampler.kept(
            lambda: LatinHypercubeRows(sampler.size, len(sampler.names), sampler.request.seed)
        )
        return unit_frame(hypercube.rows(start, stop), sampler.names, start)


def _salib_problem(names: list[str]) -> dict[str, object]:
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


class Saltelli(UnitCubeDesign):
    """``sobol``: Saltelli's extension of the Sobol sequence (:func:`SALib.sample.sobol.sample`).

    ``scenarios`` is the base sample ``N`` (a power of two): ``N (D + 2)`` rows, or
    ``N (2 D + 2)`` with second-order indices. Drawn whole, once per sampler.
    """

    name = "sobol"

    def size(self, request: DesignRequest, n_vary: int) -> int:
        per_base = (2 * n_vary + 2) if request.second_order else (n_vary + 2)
        return int(request.n or 0) * per_base

    def checks(self, request: DesignRequest, n_vary: int, size: int) -> list[Problem]:
        n = int(request.n or 0)
        if n & (n - 1):
            return [
                (
                    ("scenarios",),
                    f"a Sobol design needs a base sample that is a power of two, got {n}",
                )
            ]
        return []

    def describe(self, request: DesignRequest) -> str:
        return self.name + (" (second order)" if request.second_order else "")

    def size_note(self, request: DesignRequest) -> str:
        return f" (base sample {request.n})"

    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        def whole() -> pd.DataFrame:
            import warnings

            from SALib.sample import sobol

            request = sampler.request
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                unit = sobol.sample(
                    _salib_problem(sampler.names),
                    int(request.n or 0),
                    calc_second_order=request.second_order,
                    seed=request.seed % 2**32,
                )
            return unit_frame(np.asarray(unit), sampler.names, 0)

        return sampler.kept(whole).iloc[start:stop].copy()


class Morris(UnitCubeDesign):
    """``morris``: elementary-effects trajectories (:func:`SALib.sample.morris.sample`).

    ``scenarios`` trajectories of ``D + 1`` rows on a grid of ``levels`` (even) levels.
    Drawn whole, once per sampler.
    """

    name = "morris"

    def size(self, request: DesignRequest, n_vary: int) -> int:
        return int(request.n or 0) * (n_vary + 1)

    def _levels_problem(self, request: DesignRequest) -> Problem | None:
        if request.levels < 2 or request.levels % 2:
            return (
                ("design", "levels"),
                "a Morris design needs an even number of "
                f"levels (e.g. levels: 4), got {request.levels}",
            )
        return None

    def blocking(self, request: DesignRequest) -> list[Problem]:
        levels = self._levels_problem(request)
        return [levels] if levels else super().blocking(request)

    def describe(self, request: DesignRequest) -> str:
        return f"{self.name}, {request.levels} levels"

    def sampler(self, request: DesignRequest) -> DesignSampler:
        levels = self._levels_problem(request)
        if levels:
            raise InputError(f"design.levels: {levels[1]}")
        return super().sampler(request)

    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        def whole() -> pd.DataFrame:
            from SALib.sample import morris

            request = sampler.request
            unit = morris.sample(
                _salib_problem(sampler.names),
                int(request.n or 0),
                num_levels=request.levels,
                seed=request.seed % 2**32,
            )
            return unit_frame(np.asarray(unit), sampler.names, 0)

        return sampler.kept(whole).iloc[start:stop].copy()


class Factorial(UnitCubeDesign):
    """``factorial``: every combination of ``levels`` evenly spaced points of each range.

    ``levels ** D`` rows in C order (the last parameter varies fastest); any range is
    computed from its row numbers.
    """

    name = "factorial"

    def size(self, request: DesignRequest, n_vary: int) -> int:
        size: int = int(request.levels) ** int(n_vary)  # exact: a Python int
        return size

    def blocking(self, request: DesignRequest) -> list[Problem]:
        return []

    def checks(self, request: DesignRequest, n_vary: int, size: int) -> list[Problem]:
        if request.n is not None and request.n != size:
            return [
                (
                    ("scenarios",),
                    f"a factorial design of {request.levels} levels over {n_vary} parameters "
                    f"has {size} scenarios, not {request.n}; omit 'scenarios'",
                )
            ]
        return []

    def describe(self, request: DesignRequest) -> str:
        return f"{self.name}, {request.levels} levels"

    def held_rows(self, size: int, chunk: int) -> int:
        return min(chunk, size)

    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        levels, d = sampler.request.levels, len(sampler.names)
        points = np.linspace(0.0, 1.0, levels) if levels > 1 else np.array([0.5])
        if d:
            digits = np.unravel_index(np.arange(start, stop), (levels,) * d)
            unit = np.stack([points[k] for k in digits], axis=1)
        else:
            unit = np.empty((stop - start, 0))
        return unit_frame(unit, sampler.names, start)


#: Design methods by name, in the order the docs list them.
DESIGN_METHODS: Mapping[str, DesignMethod] = MappingProxyType(
    {
        method.name: method
        for method in (LatinHypercube(), Saltelli(), Morris(), Factorial(), Table(), Calibrated())
    }
)


def design_method(name: str) -> DesignMethod:
    """The design method called ``name``; unknown names are refused listing the options."""
    try:
        return DESIGN_METHODS[name]
    except (KeyError, TypeError):
        options = ", ".join(repr(n) for n in DESIGN_METHODS)
        raise InputError(f"unknown design method {name!r}; use one of {options}") from None
