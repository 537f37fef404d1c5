"""Calibrated futures sets on disk: where they are and how a design reads them.

A set is a directory (or the name of one shipped in the package) holding

- ``futures.csv``: index ``scenario`` (0..n-1), one column per parameter;
- ``provenance.json``: targets (file and SHA-256), cutoff, rule, waves (sizes, kept, share
  ruled out), seed, the model and techbloc version, the run time;
- ``constraints.csv``: each parameter's prior range against its non-implausible range;
- ``fit.csv``: per target (hold-out included), observed value, the model's median and
  10–90% band under the wide prior (wave 1) and the calibrated futures, coverage and
  implausibility of the median.

The set shipped with techbloc is ``history`` (``techbloc/data/calibration/history``), built by
:mod:`techbloc.calibration` (``scripts/build_calibration.py``). Reading a set lives here, with
the designs that draw from it, so that the experiments never import the calibration that
writes sets (:mod:`techbloc.calibration.calibrated` writes them).

:func:`prior_design` names the two sets of futures a question can run on: ``history`` (the
shipped set, which the default study runs) and ``wide`` (a Latin hypercube over the
registry's full ranges, the sensitivity).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from techbloc.errors import InputError

__all__ = [
    "BUNDLED_SET",
    "PRIORS",
    "CalibratedSet",
    "Prior",
    "bundled_set_size",
    "calibrated_set_path",
    "load_calibrated",
    "prior_design",
    "sample_calibrated",
]

#: Name of the calibrated set shipped with techbloc.
BUNDLED_SET = "history"

#: Which futures a question runs on: ``history``, the shipped calibrated set (the futures
#: whose 2010-2023 runs are not implausibly far from what happened); ``wide``, a Latin
#: hypercube over every sampled parameter's full range.
Prior = Literal["history", "wide"]
#: The priors' names, :data:`Prior`'s values.
PRIORS: tuple[str, ...] = get_args(Prior)


def prior_design(prior: str) -> dict[str, str]:
    """A study's ``design`` entry for ``prior`` (:data:`Prior`).

    Raises
    ------
    techbloc.errors.InputError
        ``prior`` is neither ``history`` nor ``wide``.

    Examples
    --------
    >>> prior_design("history")
    {'method': 'calibrated', 'set': 'history'}
    >>> prior_design("wide")
    {'method': 'lhs'}
    """
    if prior == "history":
        return {"method": "calibrated", "set": BUNDLED_SET}
    if prior == "wide":
        return {"method": "lhs"}
    raise InputError(f"prior: expected one of {', '.join(PRIORS)}, got {prior!r}")


@dataclass(frozen=True)
class CalibratedSet:
    """A calibrated futures set: the futures, their provenance and the fit tables."""

    path: Path
    futures: pd.DataFrame
    provenance: dict[str, Any]
    constraints: pd.DataFrame
    fit: pd.DataFrame


def calibrated_set_path(name_or_path: str | Path) -> Path:
    """Directory of a calibrated set given by name (``history``) or path."""
    text = str(name_or_path)
    if text == BUNDLED_SET:
        return Path(str(resources.files("techbloc") / "data" / "calibration" / BUNDLED_SET))
    return Path(text)


def load_calibrated(name_or_path: str | Path = BUNDLED_SET) -> CalibratedSet:
    """Read a calibrated set (checking its futures against the parameter registry)."""
    from techbloc.params import validate_values

    path = calibrated_set_path(name_or_path)
    futures_file = path / "futures.csv"
    if not futures_file.is_file():
        raise InputError(
            f"{path}: not a calibrated set (no futures.csv); run `techbloc calibrate --out DIR` "
            f"or use the bundled set '{BUNDLED_SET}'"
        )
    futures = pd.read_csv(futures_file, index_col="scenario")
    if futures.empty:
        raise InputError(f"{futures_file}: the calibrated set has no futures")
    for column in futures.columns:
        validate_values(
            {column: float(futures[column].min())}, where=f"{futures_file}: column {column}"
        )
        validate_values(
            {column: float(futures[column].max())}, where=f"{futures_file}: column {column}"
        )
    provenance = json.loads((path / "provenance.json").read_text())
    constraints = pd.read_csv(path / "constraints.csv", index_col="parameter")
    fit = pd.read_csv(path / "fit.csv", index_col="target")
    return CalibratedSet(path, futures, provenance, constraints, fit)


@functools.cache
def bundled_set_size() -> int:
    """Futures in the shipped set (``history``): the most a question on history runs.

    Read once per process: the set is package data.
    """
    return len(load_calibrated(BUNDLED_SET).futures)


def sample_calibrated(name_or_path: str | Path, n: int | None = None) -> pd.DataFrame:
    """The first ``n`` futures of a calibrated set (all of them by default), index 0..n-1."""
    futures = load_calibrated(name_or_path).futures
    if n is not None:
        if n > len(futures):
            raise InputError(
                f"the calibrated set {name_or_path} has {len(futures):,} futures; "
                f"{n:,} were asked for"
            )
        futures = futures.iloc[:n]
    futures = futures.reset_index(drop=True)
    futures.index.name = "scenario"
    return futures
