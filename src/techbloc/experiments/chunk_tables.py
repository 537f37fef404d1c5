"""A chunk's tables, built from the model's labelled arrays.

The runner evaluates a chunk with :func:`techbloc.model.dataset.simulate_arrays` and turns
its arrays into a :class:`~techbloc.experiments.chunks.ChunkResult` with
:func:`arrays_to_chunk`; a user-supplied ``simulate`` returns an :class:`xarray.Dataset`,
turned into the same by :func:`dataset_to_chunk`, which reads the Dataset's variables and
coordinates and applies the same rules (so both paths store the same tables and files).

The rules come from the model's contract, not from a list of names: variables with dims
exactly ``("scenario", "policy")`` are scalar outcomes (rows of ``outcomes``),
``("scenario",)`` are scenario descriptors (columns of ``scenarios``), anything else with a
``scenario`` dim is an array (a trajectory when it has a ``year`` dim), written as one long
table per group of dims. Every table is an Arrow table; a float's NaN is stored as NULL (as
DuckDB stores a pandas frame's NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.experiments.chunks import ChunkResult

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import xarray as xr

__all__ = ["arrays_to_chunk", "dataset_to_chunk"]

#: A variable: its dims and its values.
Variable = tuple[tuple[str, ...], np.ndarray]


def dataset_to_chunk(
    ds: xr.Dataset,
    inputs: pd.DataFrame,
    start: int,
    stop: int,
    seconds: float = 0.0,
    *,
    trajectories: bool = True,
) -> ChunkResult:
    """Turn :func:`~techbloc.model.simulate`'s Dataset into a :class:`ChunkResult`.

    The Dataset's variables and the labels of its dims go to :func:`arrays_to_chunk`.
    Variables without a ``scenario`` dim are skipped, and so are variables with a ``year``
    dim when ``trajectories`` is false.
    """
    variables = {
        str(name): (tuple(map(str, var.dims)), var.values) for name, var in ds.data_vars.items()
    }
    coords = {str(dim): ds[dim].values for dim in ds.sizes}
    return arrays_to_chunk(
        variables, coords, inputs, start, stop, seconds, trajectories=trajectories
    )


def arrays_to_chunk(
    variables: Mapping[str, Variable],
    coords: Mapping[str, Any],
    inputs: pd.DataFrame,
    start: int,
    stop: int,
    seconds: float = 0.0,
    *,
    trajectories: bool = True,
) -> ChunkResult:
    """Turn labelled arrays into a :class:`ChunkResult`.

    Parameters
    ----------
    variables : mapping of str to (dims, ndarray)
        As :meth:`techbloc.model.dataset.ModelArrays.variables` gives them (the Dataset's
        variables, in its order).
    coords : mapping of str to labels
        The labels of each dim (``scenario`` ids, ``policy`` names, ...).
    inputs : DataFrame
        The chunk's design rows, index ``scenario``.
    start, stop : int
        The chunk's scenario ids, ``[start, stop)``.
    seconds : float
        Time the model took.
    trajectories : bool
        Keep variables with a ``year`` dim.
    """
    import pyarrow as pa

    scenario_ids = np.asarray(coords["scenario"]).astype("int64")
    policy_names = [str(p) for p in coords["policy"]]
    n_s, n_p = len(scenario_ids), len(policy_names)
    scalars: dict[str, np.ndarray] = {}
    descriptors: dict[str, np.ndarray] = {}
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, (dims, values) in variables.items():
        if set(dims) == {"scenario", "policy"} and len(dims) == 2:
            scalars[name] = _ordered(values, dims, ("scenario", "policy")).reshape(n_s * n_p)
        elif dims == ("scenario",):
            descriptors[name] = values
        elif "scenario" in dims and (trajectories or "year" not in dims):
            order = (
                "scenario",
                *(d for d in ("policy", "year") if d in dims),
                *(d for d in dims if d not in ("scenario", "policy", "year")),
            )
            groups.setdefault(order, []).append(name)
    design = inputs if _same_ids(inputs, scenario_ids) else inputs.loc[scenario_ids]
    scenario_columns: dict[str, pa.Array] = {"scenario": pa.array(scenario_ids)}
    for column in design.columns:
        scenario_columns[str(column)] = _arrow(design[column])
    for name, values in descriptors.items():
        scenario_columns[name] = _arrow(values)
    outcome_columns: dict[str, pa.Array] = {
        "scenario": pa.array(np.repeat(scenario_ids, n_p)),
        "policy": pa.array(policy_names * n_s, type=pa.string()),
        **{name: _arrow(values) for name, values in scalars.items()},
    }
    arrays = {
        "-".join(dims): _long_table(variables, coords, names, dims)
        for dims, names in groups.items()
    }
    array_variables = {name: list(dims) for dims, names in groups.items() for name in names}
    return ChunkResult(
        start,
        stop,
        pa.table(scenario_columns),
        pa.table(outcome_columns),
        arrays,
        array_variables,
        seconds,
    )


def _same_ids(inputs: pd.DataFrame, scenario_ids: np.ndarray) -> bool:
    index = inputs.index.to_numpy()
    return len(index) == len(scenario_ids) and bool(np.array_equal(index, scenario_ids))


def _ordered(values: np.ndarray, dims: Sequence[str], order: Sequence[str]) -> np.ndarray:
    """``values`` with its axes in ``order`` (a view when they already are)."""
    axes = [list(dims).index(d) for d in order]
    return values if axes == sorted(axes) else np.transpose(values, axes)


def _arrow(values: Any) -> pa.Array:
    """A column as Arrow; a float's NaN becomes NULL (as DuckDB reads a pandas NaN)."""
    import pyarrow as pa

    return pa.array(values, from_pandas=True)


def _long_table(
    variables: Mapping[str, Variable],
    coords: Mapping[str, Any],
    names: list[str],
    dims: tuple[str, ...],
) -> pa.Table:
    """One row per element of ``dims``: a column per dim, then one per variable."""
    import pyarrow as pa

    labels = [np.asarray(coords[d]) for d in dims]
    sizes = [len(label) for label in labels]
    total = int(np.prod(sizes))
    columns: dict[str, Any] = {}
    for i, (d, coord) in enumerate(zip(dims, labels, strict=True)):
        inner = int(np.prod(sizes[i + 1 :]))
        outer = int(np.prod(sizes[:i]))
        if d == "policy" or coord.dtype.kind in "OU":
            indices = np.tile(np.repeat(np.arange(len(coord), dtype=np.int32), inner), outer)
            columns[d] = pa.DictionaryArray.from_arrays(indices, pa.array([str(c) for c in coord]))
        else:
            columns[d] = np.tile(np.repeat(coord, inner), outer)
    for name in names:
        var_dims, values = variables[name]
        columns[name] = _ordered(values, var_dims, dims).reshape(total)
    return pa.table(columns)
