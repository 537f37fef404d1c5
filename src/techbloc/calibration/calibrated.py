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
rebuilt by ``scripts/build_calibration.py``. Reading a set is
:mod:`techbloc.experiments.calibrated_sets` (the designs draw from it); its names are
importable from here too. This module writes sets and their fit tables.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from techbloc.experiments.calibrated_sets import (
    BUNDLED_SET,
    CalibratedSet,
    calibrated_set_path,
    load_calibrated,
    sample_calibrated,
)

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
