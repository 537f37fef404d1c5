"""Uncertainty designs: which futures a study explores.

A design is a table with one row per scenario (index ``scenario``, global ids ``0..S-1``)
and one column per parameter. It is a function of the study and its root seed only, never of
how the study is later split into chunks: the whole table is drawn once, then sliced.

Methods
-------
``lhs``
    Latin hypercube, ``n`` rows: :func:`latin_hypercube`, the draws of
    :class:`scipy.stats.qmc.LatinHypercube` (tests check they are equal) without importing
    :mod:`scipy.stats` (0.6 CPU-s, a third of a quick ``techbloc evaluate``).
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
from typing import Literal

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.params import get_parameter

__all__ = [
    "MAX_SCENARIOS",
    "DesignMethod",
    "design_rng",
    "design_size",
    "latin_hypercube",
    "read_design_table",
    "sample_design",
    "sample_futures",
]

DesignMethod = Literal["lhs", "sobol", "morris", "factorial", "table", "calibrated"]

#: Largest design techbloc accepts (a guard against impossible sizes, e.g. a factorial over
#: every parameter).
MAX_SCENARIOS = 50_000_000

# A label that keeps the design's random stream apart from every scenario's model stream
# (the model uses SeedSequence([seed, scenario_id])).
_DESIGN_STREAM = 0x7EC4B10C


def design_rng(seed: int) -> np.random.Generator:
    """The random generator of a study's design, derived from its root seed only."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_DESIGN_STREAM,)))


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of a Latin hypercube in ``[0, 1)^d``, drawn from ``rng``.

    The draws of ``scipy.stats.qmc.LatinHypercube(d, rng=rng).random(n)`` (scrambled,
    strength 1, no optimization; McKay, Beckman & Conover 1979), made as scipy makes them:
    from a generator spawned from ``rng``, uniform jitter for every cell, then one shuffled
    permutation of the strata per dimension. Written here so that a quick evaluation need
    not import :mod:`scipy.stats`.

    Returns
    -------
    ndarray, shape (n, d)
    """
    rng = rng.spawn(1)[0]
    jitter = rng.uniform(size=(n, d))
    strata = np.tile(np.arange(1, n + 1), (d, 1))
    for row in strata:
        rng.shuffle(row)
    return (strata.T - jitter) / n


def design_size(
    method: DesignMethod,
    n: int | None,
    n_vary: int,
    *,
    levels: int = 3,
    second_order: bool = False,
) -> int:
    """Number of scenarios a design produces.

    Parameters
    ----------
    method : {"lhs", "sobol", "morris", "factorial", "table"}
    n : int or None
        ``scenarios`` of the study: rows for LHS, the base sample for Sobol, the number of
        trajectories for Morris, the row count
        for a table (may be None there), unused by factorial.
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
    if method == "factorial":
        return int(levels) ** int(n_vary)
    if method == "sobol":
        return int(n or 0) * ((2 * n_vary + 2) if second_order else (n_vary + 2))
    if method == "morris":
        return int(n or 0) * (n_vary + 1)
    return int(n or 0)


def _to_frame(values: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    columns = {}
    for j, name in enumerate(names):
        parameter = get_parameter(name)
        # clip: low + 1.0 * (high - low) can round to just above high
        columns[name] = np.clip(parameter.from_unit(values[:, j]), parameter.low, parameter.high)
    frame = pd.DataFrame(columns)
    frame.index = pd.RangeIndex(len(frame), name="scenario")
    return frame


def read_design_table(path: str | Path, where: str = "design.table") -> pd.DataFrame:
    """Read and check a user-supplied design table (CSV).

    Columns must be registered parameter names (an optional ``scenario`` column must be
    ``0..n-1`` in order); every value must be a finite number inside the parameter's range.

    Raises
    ------
    InputError
        For a missing or unreadable file, unknown columns, non-numbers or out-of-range values.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{where}: design table {path} does not exist")
    try:
        table = pd.read_csv(path)
    except Exception as exc:
        raise InputError(f"{where}: cannot read design table {path}: {exc}") from None
    if "scenario" in table.columns:
        ids = table.pop("scenario")
        if not np.array_equal(ids.to_numpy(), np.arange(len(ids))):
            raise InputError(f"{path}: column 'scenario' must be 0, 1, ..., n-1 in order")
    if table.empty or not len(table.columns):
        raise InputError(f"{path}: the design table has no rows or no parameter columns")
    for name in table.columns:
        try:
            parameter = get_parameter(str(name))
        except InputError as exc:
            raise InputError(f"{path}: column '{name}': {exc}") from None
        column = pd.to_numeric(table[name], errors="coerce")
        bad = column.isna() | ~np.isfinite(column)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: row {row + 2}, column '{name}': expected a finite number, "
                f"got {table[name].iloc[row]!r}"
            )
        outside = (column < parameter.low) | (column > parameter.high)
        if outside.any():
            row = int(np.flatnonzero(outside.to_numpy())[0])
            raise InputError(
                f"{path}: row {row + 2}, column '{name}': {column.iloc[row]} is outside "
                f"[{parameter.low}, {parameter.high}] ({parameter.unit})"
            )
        table[name] = column.astype(float)
    table.index = pd.RangeIndex(len(table), name="scenario")
    return table


def sample_design(
    method: DesignMethod,
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
    method : {"lhs", "sobol", "factorial", "table"}
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
    names = list(names)
    if method == "calibrated":
        from techbloc.experiments.calibrated_sets import BUNDLED_SET, sample_calibrated

        frame = sample_calibrated(calibrated_set or BUNDLED_SET, n)
        for name, value in (fixed or {}).items():
            frame[name] = float(value)
        return frame
    size = design_size(method, n, len(names), levels=levels, second_order=second_order)
    if size > MAX_SCENARIOS:
        raise InputError(f"a {method} design of {size:,} scenarios exceeds {MAX_SCENARIOS:,}")
    if method == "lhs":
        if not names:
            unit = np.empty((size, 0))
        else:
            unit = latin_hypercube(size, len(names), design_rng(seed))
        frame = _to_frame(unit, names)
    elif method == "sobol":
        import warnings

        from SALib.sample import sobol

        problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unit = sobol.sample(
                problem, int(n or 0), calc_second_order=second_order, seed=seed % 2**32
            )
        frame = _to_frame(np.asarray(unit), names)
    elif method == "morris":
        from SALib.sample import morris

        if levels < 2 or levels % 2:
            raise InputError(
                f"design.levels: a Morris design needs an even number of levels, got {levels}"
            )
        problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
        unit = morris.sample(problem, int(n or 0), num_levels=levels, seed=seed % 2**32)
        frame = _to_frame(np.asarray(unit), names)
    elif method == "factorial":
        points = np.linspace(0.0, 1.0, levels) if levels > 1 else np.array([0.5])
        grids = np.meshgrid(*([points] * len(names)), indexing="ij")
        unit = np.stack([g.ravel() for g in grids], axis=1) if names else np.empty((1, 0))
        frame = _to_frame(unit, names)
    elif method == "table":
        if table is None:
            raise InputError("design.table: a table design needs a CSV path")
        frame = read_design_table(table)
        if n is not None and n != len(frame):
            raise InputError(
                f"{table}: the study asks for {n} scenarios but the table has {len(frame)} rows"
            )
    else:
        raise InputError(f"unknown design method {method!r}")
    for name, value in (fixed or {}).items():
        frame[name] = float(value)
    return frame


def sample_futures(
    n: int,
    *,
    seed: int = 0,
    design: DesignMethod = "lhs",
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

    if design not in ("lhs", "sobol", "morris", "factorial", "calibrated"):
        raise InputError(
            f"unknown design {design!r}; use 'lhs', 'sobol', 'morris', 'factorial' or "
            "'calibrated' (a table of your own needs no sampling: pass it to simulate directly)"
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be a positive whole number of futures, got {n!r}")
    fixed = validate_values(dict(fixed or {}), where="fixed")
    if design == "calibrated":
        if vary is not None:
            raise InputError("a calibrated design varies the set's columns; leave vary out")
        return sample_design(
            "calibrated", [], int(n), seed, fixed=fixed, calibrated_set=calibrated_set
        )
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
