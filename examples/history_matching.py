"""History matching with your own data: a synthetic record from a known future.

Calibrating with your own data means writing a targets table and history-matching the model
to it. Here the "record" is generated from the model itself, run from 2010 to 2023 at one
known future, plus noise (so the right answer is known): the example writes a targets table
with those observations, history-matches the model to it over a few waves, and checks what
it prints: the known future is non-implausible, some of the prior is ruled out, and the
calibrated set's ranges contain the known future's values.

    python examples/history_matching.py [--scenarios N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from techbloc import load_world, sample_futures
from techbloc.calibration import (
    constraint_table,
    history_match,
    implausibility,
    load_targets,
    non_implausible,
)
from techbloc.calibration.history import InProcessHistory


def main(scenarios: int = 200) -> None:
    world = load_world()
    bundled = load_targets()
    # keep the series the parameters move (credibility and membership exits)
    targets = bundled[bundled["output"].isin(["credibility", "members_remaining"])].copy()
    truth = sample_futures(1, seed=42)  # the known future
    evaluate = InProcessHistory(world, targets, seed=0)
    clean = evaluate(truth, 0).iloc[0]
    # the record comes from the model itself: no model discrepancy, only observation error
    # (members lost are counted exactly: half a member, the rounding of a count)
    targets["disc_sd"] = 0.0
    targets["obs_sd"] = targets["obs_sd"].where(targets["obs_sd"] > 0, 0.5)
    rng = np.random.default_rng(1)
    targets["observed"] = clean + rng.normal(0.0, 0.3 * targets["obs_sd"])
    if "members_remaining" in set(targets["output"]):  # members lost are whole numbers
        exits = targets["output"] == "members_remaining"
        targets.loc[exits, "observed"] = clean[exits].round()
    with tempfile.TemporaryDirectory() as folder:  # a targets table of your own, as a file
        path = Path(folder) / "my_targets.csv"
        targets.reset_index().to_csv(path, index=False)
        targets = load_targets(path)

    match = history_match(evaluate, targets, n=max(scenarios, 40), max_waves=2, seed=3, min_kept=10)
    print(match.wave_table().to_string(float_format=lambda x: f"{x:.3f}"))
    table = constraint_table(match)
    print("parameters the synthetic record constrains most:")
    print(table.head(5)[["prior_low", "prior_high", "calibrated_p10", "calibrated_p90"]])

    matching = targets[~targets["holdout"]]
    truth_scores = implausibility(evaluate(truth, 0), matching)
    assert non_implausible(truth_scores).iloc[0], "the known future must be non-implausible"
    assert match.waves[0].share_ruled_out > 0, "the record rules nothing out"
    kept = match.futures
    for name in ("exit_probability", "w_inst"):  # the known values lie in the kept ranges
        assert kept[name].min() <= truth[name].iloc[0] <= kept[name].max(), name
    print(
        f"known future: largest implausibility {truth_scores.iloc[0].max():.2f} (< 3); "
        f"{len(kept)} history-consistent futures kept"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=200)
    args = parser.parse_args()
    main(max(args.scenarios, 40))
