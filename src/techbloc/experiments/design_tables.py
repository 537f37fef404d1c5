"""Designs read from files: a user's table (CSV) and a calibrated set of futures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from techbloc.errors import InputError
from techbloc.experiments.design_base import DesignMethod, DesignRequest, DesignSampler, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Calibrated", "Table", "read_design_table"]


def read_design_table(path: str | Path, where: str = "design.table") -> pd.DataFrame:
    """Read and check a user-supplied design table (CSV).

    Columns must be registered parameter names (an optional ``scenario`` column must be
    ``0..n-1`` in order); every value must be a finite number inside the parameter's range.

    Raises
    ------
    InputError
        For a missing or unreadable file, unknown columns, non-numbers or out-of-range values.
    """
    import pandas as pd

    from techbloc.params import get_parameter

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


class Table(DesignMethod):
    """``table``: a table (CSV) of parameter values, one row per scenario; read once."""

    name = "table"
    file_key = "table"
    file_hint = "a CSV path"
    own_columns = True
    samples_futures = False

    def varied(self, request: DesignRequest) -> list[str]:
        import pandas as pd

        if request.table is None:
            return []
        fixed = dict(request.fixed)
        columns = pd.read_csv(request.table, nrows=0).columns
        return [str(c) for c in columns if c != "scenario" and c not in fixed]

    def _read(self, request: DesignRequest) -> pd.DataFrame:
        if request.table is None:
            raise InputError("design.table: a table design needs a CSV path")
        table = read_design_table(request.table)
        if request.n is not None and request.n != len(table):
            raise InputError(
                f"{request.table}: the study asks for {request.n} scenarios but the table "
                f"has {len(table)} rows"
            )
        return table

    def size(self, request: DesignRequest, n_vary: int) -> int:
        return int(request.n or 0) if request.table is None else len(self._read(request))

    def problems(self, request: DesignRequest) -> list[Problem]:
        if request.table is None:
            return []  # the spec requires the key
        try:
            table = read_design_table(request.table)
        except InputError as exc:
            return [(("design", "table"), str(exc))]
        problems: list[Problem] = []
        if request.n is not None and request.n != len(table):
            problems.append(
                (
                    ("scenarios",),
                    f"{request.n} scenarios asked for, but the design table has {len(table)} rows",
                )
            )
        if request.vary is not None:
            problems.append((("vary",), "a table design varies its own columns; remove 'vary'"))
        return problems

    def describe(self, request: DesignRequest) -> str:
        return f"{self.name} ({request.table})"

    def files(self, request: DesignRequest) -> list[str]:
        return [request.table] if request.table else []

    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        return sampler.kept(lambda: self._read(sampler.request)).iloc[start:stop].copy()


class Calibrated(DesignMethod):
    """``calibrated``: the first ``scenarios`` (default all) futures of a calibrated set.

    The history-consistent futures of :mod:`techbloc.calibration` (``history``, shipped with
    techbloc, or the directory ``techbloc calibrate`` wrote); read once per sampler.
    """

    name = "calibrated"
    file_key = "set"
    own_columns = True
    file_hint = "a calibrated set: 'history' or the directory `techbloc calibrate` wrote"

    @staticmethod
    def _set(request: DesignRequest) -> str:
        from techbloc.experiments.calibrated_sets import BUNDLED_SET

        return request.calibrated_set or BUNDLED_SET

    def varied(self, request: DesignRequest) -> list[str]:
        from techbloc.experiments.calibrated_sets import load_calibrated

        fixed = dict(request.fixed)
        futures = load_calibrated(self._set(request)).futures
        return [str(c) for c in futures.columns if c not in fixed]

    def size(self, request: DesignRequest, n_vary: int) -> int:
        from techbloc.experiments.calibrated_sets import load_calibrated

        if request.n is not None:
            return int(request.n)
        return len(load_calibrated(self._set(request)).futures)

    def problems(self, request: DesignRequest) -> list[Problem]:
        from techbloc.experiments.calibrated_sets import load_calibrated

        problems: list[Problem] = []
        try:
            size = len(load_calibrated(self._set(request)).futures)
        except InputError as exc:
            problems.append((("design", "set"), str(exc)))
        else:
            if request.n is not None and request.n > size:
                problems.append(
                    (
                        ("scenarios",),
                        f"{request.n} scenarios asked for, but the calibrated set has "
                        f"{size} futures",
                    )
                )
        if request.vary is not None:
            problems.append(
                (
                    ("vary",),
                    "a calibrated design (the history-consistent futures) varies the set's "
                    "columns; vary applies to the wide prior only: remove 'vary'",
                )
            )
        return problems

    def files(self, request: DesignRequest) -> list[str]:
        from techbloc.experiments.calibrated_sets import calibrated_set_path

        return [str(calibrated_set_path(self._set(request)) / "futures.csv")]

    def rows(self, sampler: DesignSampler, start: int, stop: int) -> pd.DataFrame:
        from techbloc.experiments.calibrated_sets import sample_calibrated

        request = sampler.request
        whole = sampler.kept(lambda: sample_calibrated(self._set(request), request.n))
        return whole.iloc[start:stop].copy()
