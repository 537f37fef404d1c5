"""Calibrated futures sets: the history-consistent futures, stored with their provenance.

A set is a directory (or the name of one shipped in the package) holding

- ``futures.csv``: index ``scenario`` (0..n-1), one column per parameter;
- ``provenance.json``: targets (file and SHA-256), cutoff, rule, waves (sizes, kept, share
  ruled out), seed, the model and techbloc version, the run time;
- ``constraints.csv``: each parameter's prior range against its non-implausible range;
- ``fit.csv``: per target (hold-out included), observed value, the model's median and
  10–90% band under the wide prior (wave 1) and the calibrated futures, coverage and
  implausibility of the median.

The set shipped with techbloc is ``history`` (``techbloc/data/calibration/history``),
rebuilt by ``scripts/build_calibration.py``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from techbloc.errors import InputError

__all__ = [
    "BUNDLED_SET",
    "CalibratedSet",
    "calibrated_set_path",
    "covered",
    "fit_table",
    "load_calibrated",
    "sample_calibrated",
    "write_calibrated",
]

#: Name of the calibrated set shipped with techbloc.
BUNDLED_SET = "history"


@dataclass(frozen=True)
class CalibratedSet:
    """A calibrated futures set: the futures, their provenance and the fit tables."""

    path: Path
    futures: pd.DataFrame
    provenance: dict
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


def covered(observed: float, p10: float, p90: float, rtol: float = 1e-3) -> bool:
    """Whether an observation lies inside the model's 10–90% band.

    The band is widened by ``rtol`` of the observation's size, so that an output the model
    reads from data (a band of zero width, e.g. GERD in a data year) covers its own
    observation despite rounding.
    """
    slack = rtol * max(abs(observed), 1e-12)
    return bool(p10 - slack <= observed <= p90 + slack)


def fit_table(targets: pd.DataFrame, prior: pd.DataFrame, calibrated: pd.DataFrame) -> pd.DataFrame:
    """Observed value against the model's band under two sets of futures, per target.

    Parameters
    ----------
    targets : DataFrame
        Every target (hold-out included).
    prior, calibrated : DataFrame
        Model values (one column per target) under the wide prior and the calibrated set.
    """
    from techbloc.calibration.matching import implausibility

    rows = []
    for name, row in targets.iterrows():
        record = dict(
            target=name,
            series=row["series"],
            year=int(row["year"]),
            holdout=bool(row["holdout"]),
            observed=row["observed"],
            total_sd=float((row["obs_sd"] ** 2 + row["disc_sd"] ** 2) ** 0.5),
        )
        for label, values in (("prior", prior), ("calibrated", calibrated)):
            column = values[name]
            p10, p50, p90 = column.quantile([0.1, 0.5, 0.9])
            record[f"{label}_p10"] = p10
            record[f"{label}_median"] = p50
            record[f"{label}_p90"] = p90
            record[f"{label}_covered"] = covered(row["observed"], p10, p90)
            median = values[[name]].median().to_frame().T
            score = implausibility(median, targets.loc[[name]]).to_numpy()[0, 0]
            record[f"{label}_implausibility"] = float(score)
        rows.append(record)
    return pd.DataFrame(rows).set_index("target")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_calibrated(
    out: str | Path,
    futures: pd.DataFrame,
    provenance: dict,
    constraints: pd.DataFrame,
    fit: pd.DataFrame,
) -> Path:
    """Write a calibrated set (deterministic text: same inputs, same bytes)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frame = futures.reset_index(drop=True)
    frame.index.name = "scenario"
    frame.to_csv(out / "futures.csv", lineterminator="\n", float_format="%.12g")
    constraints.to_csv(out / "constraints.csv", lineterminator="\n", float_format="%.6g")
    fit.to_csv(out / "fit.csv", lineterminator="\n", float_format="%.6g")
    (out / "provenance.json").write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")
    return out


def targets_digest(path: Path) -> dict:
    """File name and SHA-256 of a targets table (for provenance)."""
    return {"file": path.name, "sha256": _sha256(path)}
