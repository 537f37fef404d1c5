"""The two front doors: :func:`hindcast` (the model against 2010–2023) and :func:`calibrate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from techbloc.calibration.calibrated import (
    CalibratedSet,
    covered,
    fit_table,
    load_calibrated,
    targets_digest,
    write_calibrated,
)
from techbloc.calibration.history import InProcessHistory, StudyHistory
from techbloc.calibration.matching import (
    HistoryMatch,
    Rule,
    constraint_table,
    history_match,
    implausibility,
)
from techbloc.calibration.targets import bundled_targets_path, load_targets

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = ["Hindcast", "calibrate", "hindcast"]


class Hindcast:
    """The model's 2010–2023 values for every target over a set of futures.

    Attributes
    ----------
    targets : DataFrame
    predictions : DataFrame
        One row per future, one column per target.
    run : xarray.Dataset
        The model's yearly outputs (for figures).
    """

    def __init__(self, targets: pd.DataFrame, predictions: pd.DataFrame, run) -> None:
        self.targets, self.predictions, self.run = targets, predictions, run

    def table(self) -> pd.DataFrame:
        """Per target: observed, the model's median and 10–90% band, coverage, implausibility
        of the median, the share of futures with implausibility below 3, hold-out flag."""
        scores = implausibility(self.predictions, self.targets)
        q = self.predictions.quantile([0.1, 0.5, 0.9])
        table = pd.DataFrame(
            {
                "series": self.targets["series"],
                "year": self.targets["year"],
                "holdout": self.targets["holdout"],
                "observed": self.targets["observed"],
                "p10": q.loc[0.1],
                "median": q.loc[0.5],
                "p90": q.loc[0.9],
            }
        )
        table["covered"] = [
            covered(z, lo, hi)
            for z, lo, hi in zip(table["observed"], table["p10"], table["p90"], strict=True)
        ]
        median = self.predictions.median().to_frame().T
        table["implausibility"] = implausibility(median, self.targets).iloc[0]
        table["share_below_3"] = (scores < 3).mean()
        return table


def hindcast(
    world: World | None = None,
    *,
    futures: pd.DataFrame | None = None,
    n: int = 300,
    seed: int = 0,
    targets: str | Path | None = None,
    calibrated: str | Path | None = None,
) -> Hindcast:
    """Run the model over 2010–2023 and compare it with every target.

    Parameters
    ----------
    world : World, optional
        Default: the bundled world.
    futures : DataFrame, optional
        The futures to run; default ``n`` Latin-hypercube futures over the prior, or the
        first ``n`` of ``calibrated``.
    n : int
    seed : int
    targets : path, optional
        A targets table (default: the bundled one).
    calibrated : name or path, optional
        Draw the futures from a calibrated set (``history`` for the bundled one).
    """
    from techbloc.experiments.design import sample_futures
    from techbloc.world import load_world

    world = world or load_world()
    table = load_targets(targets)
    if futures is None:
        if calibrated is not None:
            futures = load_calibrated(calibrated).futures.iloc[:n]
        else:
            futures = sample_futures(n, seed=seed)
    evaluate = InProcessHistory(world, table, seed=seed)
    predictions = evaluate(futures, 0)
    return Hindcast(table, predictions, evaluate.last_run)


def calibrate(
    out: str | Path,
    *,
    targets: str | Path | None = None,
    n: int = 2000,
    max_waves: int = 4,
    size: int = 1000,
    cutoff: float = 3.0,
    rule: Rule = "max",
    seed: int = 0,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    echo=None,
) -> tuple[CalibratedSet, HistoryMatch]:
    """History-match the model to the targets and write the calibrated set to ``out``.

    Each wave runs as a study on the study runner under ``out/wave-<w>/`` (chunked,
    resumable: running the same command again reuses finished chunks; Dask with
    ``executor="dask"``). The set (``futures.csv``, ``provenance.json``,
    ``constraints.csv``, ``fit.csv``) is written to ``out``. Deterministic from ``seed``.

    Parameters
    ----------
    out : path
    targets : path, optional
        Default: the bundled targets.
    n : int
        Candidates per wave.
    max_waves : int
    size : int
        Largest number of futures kept in the set (the first of the last wave's).
    cutoff, rule, seed
        See :func:`~techbloc.calibration.matching.history_match`.
    executor, workers, scheduler, chunk_size, progress
        As :func:`techbloc.experiments.run_study`.
    """
    from techbloc import __version__

    targets_path = Path(targets) if targets is not None else bundled_targets_path()
    table = load_targets(targets_path)
    evaluate = StudyHistory(
        out,
        table,
        seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        progress=progress,
    )
    match = history_match(
        evaluate,
        table,
        n=n,
        max_waves=max_waves,
        cutoff=cutoff,
        rule=rule,
        seed=seed,
        size=size,
        echo=echo,
    )
    futures = match.futures.iloc[:size]
    calibrated_predictions = match.predictions.iloc[:size]
    fit = fit_table(table, match.waves[0].predictions, calibrated_predictions)
    provenance = {
        "targets": targets_digest(targets_path),
        "matching_targets": [str(t) for t in table.index[~table["holdout"]]],
        "holdout_targets": [str(t) for t in table.index[table["holdout"]]],
        "cutoff": cutoff,
        "rule": rule,
        "seed": seed,
        "candidates_per_wave": n,
        "max_waves": max_waves,
        "stopped": match.stopped,
        "waves": match.wave_table().reset_index().to_dict(orient="records"),
        "set_size": len(futures),
        "non_implausible_in_last_box": len(match.futures),
        "parameters": match.names,
        "years": [2010, 2023],
        "techbloc_version": __version__,
        "v_model": "0: direct model runs, no emulator; a future's random draws are part of it",
    }
    path = write_calibrated(out, futures, provenance, constraint_table(match), fit)
    return load_calibrated(path), match
