"""Uncertainty designs: which futures a study explores.

A design is a table with one row per scenario (index ``scenario``, global ids ``0..S-1``)
and one column per parameter. It is a function of the study and its root seed only, never of
how the study is later split into chunks: a study's runner asks for its rows by range
(:meth:`techbloc.experiments.Study.sampler`), and the rows of a range are those of the whole
table. Each method is an object registered by name in
:data:`techbloc.experiments.design_methods.DESIGN_METHODS`; this module keeps the functions
that draw a whole table.

Methods
-------
``lhs``
    Latin hypercube, ``n`` rows, drawn per row range (:mod:`techbloc.experiments.hypercube`):
    up to 50,000 rows the draws of :class:`scipy.stats.qmc.LatinHypercube` (tests check they
    are equal) without importing :mod:`scipy.stats`; above, a keyed permutation per column
    that needs no memory in proportion to ``n``.
``sobol``
    Saltelli's extension of the Sobol sequence (:func:`SALib.sample.sobol.sample`) for
    variance-based sensitivity analysis: ``n`` is the base sample (a power of two) and the
    design has ``n * (D + 2)`` rows, or ``n * (2 D + 2)`` with second-order indices.
``morris``
    Morris elementary-effects trajectories (:func:`SALib.sample.morris.sample`) for
    screening: ``n`` trajectories of ``D + 1`` rows on a grid of ``levels`` (even) levels.
``factorial``
    Full factorial over ``levels`` evenly spaced points of each parameter's range:
    ``levels ** D`` rows.
``table``
    A user-supplied table (CSV) of parameter values, one row per scenario.
``calibrated``
    The first ``n`` (default all) futures of a calibrated set: the history-consistent
    futures of :mod:`techbloc.calibration` (``history``, shipped with techbloc, or the
    directory ``techbloc calibrate`` wrote).

Draws are made on the unit hypercube and mapped onto each parameter's range by
:meth:`techbloc.params.Parameter.from_unit`, so log-uniform parameters are handled by the
registry, not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from techbloc.errors import InputError
from techbloc.experiments.design_base import MAX_SCENARIOS, DesignRequest
from techbloc.experiments.design_methods import DESIGN_METHODS, design_method
from techbloc.experiments.design_tables import read_design_table
from techbloc.experiments.hypercube import design_rng, latin_hypercube
from techbloc.params import get_parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DESIGN_METHODS",
    "MAX_SCENARIOS",
    "design_method",
    "design_rng",
    "design_size",
    "latin_hypercube",
    "read_design_table",
    "sample_design",
    "sample_futures",
]


def design_size(
    method: str,
    n: int | None,
    n_vary: int,
    *,
    levels: int = 3,
    second_order: bool = False,
) -> int:
    """Number of scenarios a design produces.

    Parameters
    ----------
    method : str
        A name of :data:`DESIGN_METHODS`.
    n : int or None
        ``scenarios`` of the study: rows for LHS, the base sample for Sobol, the number of
        trajectories for Morris, the row count for a table (may be None there), unused by
        factorial.
    n_vary : int
        Number of parameters varied.
    levels : int
        Levels per parameter (factorial).
    second_order : bool
        Whether the Sobol design supports second-order indices.

    Returns
    -------
    int
        Python integer (exact, even when absurdly large).
    """
    request = DesignRequest(n=n, levels=levels, second_order=second_order)
    return design_method(method).size(request, n_vary)


def sample_design(
    method: str,
    names: Sequence[str],
    n: int | None,
    seed: int,
    *,
    levels: int = 3,
    second_order: bool = False,
    table: str | Path | None = None,
    fixed: Mapping[str, float] | None = None,
    calibrated_set: str | Path | None = None,
) -> pd.DataFrame:
    """Draw a design.

    Parameters
    ----------
    method : str
        A name of :data:`DESIGN_METHODS`: ``"lhs"``, ``"sobol"``, ``"morris"``,
        ``"factorial"``, ``"table"`` or ``"calibrated"``.
    names : sequence of str
        Parameters to vary (ignored for ``table``, whose columns say what varies).
    n : int or None
        Rows (LHS), base sample (Sobol), expected rows or None (table); unused by factorial.
    seed : int
        The study's root seed.
    levels : int
        Points per parameter for ``factorial``.
    second_order : bool
        Sobol: also support second-order indices.
    table : path, optional
        CSV for ``table``.
    fixed : mapping, optional
        Parameters held at one value (the study's ``set:``); they appear as constant columns
        and override a table's column of the same name.
    calibrated_set : name or path, optional
        The calibrated set of a ``calibrated`` design.

    Returns
    -------
    pandas.DataFrame
        Index ``scenario`` = ``0..S-1``; one float column per varied or fixed parameter.
    """
    kind = design_method(method)
    request = DesignRequest(
        n=n,
        seed=seed,
        vary=tuple(names),
        fixed=tuple((k, float(v)) for k, v in (fixed or {}).items()),
        levels=levels,
        second_order=second_order,
        table=None if table is None else str(table),
        calibrated_set=None if calibrated_set is None else str(calibrated_set),
    )
    size = kind.size(request, len(names))
    if size > MAX_SCENARIOS:
        raise InputError(f"a {method} design of {size:,} scenarios exceeds {MAX_SCENARIOS:,}")
    return kind.sampler(request).table()


def sample_futures(
    n: int,
    *,
    seed: int = 0,
    design: str = "lhs",
    vary: Sequence[str] | None = None,
    fixed: Mapping[str, float] | None = None,
    levels: int = 3,
    second_order: bool = False,
    calibrated_set: str | Path | None = None,
) -> pd.DataFrame:
    """Sample futures: the scenario table that :func:`techbloc.simulate` runs.

    Every uncertain parameter the registry samples by default is drawn over its range
    (a table with a bare index would instead hold every parameter at its default).

    Parameters
    ----------
    n : int
        Futures for ``"lhs"``; the base sample for ``"sobol"`` (a power of two; the table
        has ``n * (D + 2)`` rows for ``D`` varied parameters); trajectories for
        ``"morris"``; ignored by ``"factorial"`` (``levels ** D`` rows).
    seed : int
        Root seed: the same seed gives the same table (and, passed to ``simulate``, the
        same random streams).
    design : {"lhs", "sobol", "morris", "factorial", "calibrated"}
        Latin hypercube (default), Sobol/Saltelli, Morris trajectories, full factorial, or
        the futures of a calibrated set (``calibrated_set``).
    vary : sequence of str, optional
        Parameters to vary (default: every uncertain parameter sampled by default, minus
        ``fixed``); see ``techbloc params``.
    fixed : mapping, optional
        Parameters held at one value, checked against the registry.
    levels : int
        Grid levels (``factorial``, ``morris``).
    second_order : bool
        Sobol: support second-order indices.
    calibrated_set : name or path, optional
        With ``design="calibrated"``: the set to draw from (default ``"history"``, the
        history-consistent futures shipped with techbloc); the first ``n`` futures.

    Returns
    -------
    pandas.DataFrame
        Index ``scenario`` (0..S-1), one float column per varied or fixed parameter, in the
        parameter's unit.

    Raises
    ------
    techbloc.errors.InputError
        An unknown parameter, a value outside its range, a bad size or design name.

    Examples
    --------
    >>> from techbloc import sample_futures
    >>> futures = sample_futures(100, seed=1)
    >>> len(futures), futures.index.name, futures["denial"].nunique()
    (100, 'scenario', 100)
    """
    from techbloc.params import parameter_names, validate_values

    method = design_method(design)
    if not method.samples_futures:
        options = ", ".join(repr(name) for name, m in DESIGN_METHODS.items() if m.samples_futures)
        raise InputError(
            f"a {design} design is not sampled; use one of {options} (a table of your own "
            "needs no sampling: pass it to simulate directly)"
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be a positive whole number of futures, got {n!r}")
    fixed = validate_values(dict(fixed or {}), where="fixed")
    if method.own_columns:  # a calibrated set's columns
        if vary is not None:
            raise InputError(f"a {design} design varies its own columns; leave vary out")
        return sample_design(design, [], int(n), seed, fixed=fixed, calibrated_set=calibrated_set)
    if vary is None:
        names = [p for p in parameter_names(uncertain_only=True) if p not in fixed]
    else:
        names = [get_parameter(name).name for name in vary]
        both = sorted(set(names) & set(fixed))
        if both:
            raise InputError(f"parameter(s) both varied and fixed: {', '.join(both)}")
    return sample_design(
        design, names, int(n), seed, levels=levels, second_order=second_order, fixed=fixed
    )
