"""Rebuild the calibrated futures set shipped with techbloc (``history``).

History-matches the model to the bundled targets (``techbloc/data/calibration/targets.csv``)
with the settings below and writes the set to ``src/techbloc/data/calibration/history/``
(``futures.csv``, ``provenance.json``, ``constraints.csv``, ``fit.csv``). Deterministic:
the same code, data and settings give the same files (``tests/scripts/test_build_calibration.py``).

Usage::

    .venv/bin/python scripts/build_calibration.py [--out DIR] [--work DIR] [--workers N]

Rebuild it after any change to the model, the parameter registry or the targets.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "techbloc" / "data" / "calibration" / "history"

#: The settings of the shipped set (docs/calibration.md explains each).
SETTINGS = dict(n=2000, max_waves=4, size=1000, cutoff=3.0, rule="max", seed=20100101)
FILES = ("futures.csv", "provenance.json", "constraints.csv", "fit.csv")


def build(out: Path, work: Path | None = None, workers: int | None = None) -> Path:
    """Run the calibration in ``work`` (a temporary directory by default), copy the set."""
    from techbloc.calibration.pipeline import calibrate

    executor = "processes" if workers and workers > 1 else "local"
    with tempfile.TemporaryDirectory() as scratch:
        folder = work or Path(scratch)
        calibrate(folder, executor=executor, workers=workers, echo=print, **SETTINGS)
        out.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(folder / name, out / name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--work", type=Path, default=None, help="keep the waves' stores here")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    path = build(args.out, args.work, args.workers)
    print(f"calibrated set written to {path} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
