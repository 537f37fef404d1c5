"""History matching on a synthetic model whose true parameters are known."""

import numpy as np
import pandas as pd
import pytest

from techbloc.calibration.matching import (
    constraint_table,
    history_match,
    implausibility,
    non_implausible,
)
from techbloc.params import get_parameter

NAMES = ["denial", "indigenization", "exit_probability"]
TRUTH = {"denial": 0.3, "indigenization": 0.7, "exit_probability": 0.1}
YEARS = range(2011, 2020)


def toy(futures: pd.DataFrame, wave: int = 0) -> pd.DataFrame:
    """A deterministic toy model: yearly outputs of two parameters; the third is inert."""
    out = {}
    for year in YEARS:
        t = year - 2010
        out[f"a_{year}"] = futures["denial"] * t / 10 + 0.1 * futures["indigenization"]
        out[f"b_{year}"] = futures["indigenization"] ** 2 * np.sqrt(t)
    return pd.DataFrame(out, index=futures.index)


def synthetic_targets(noise_sd: float, seed: int) -> pd.DataFrame:
    truth = pd.DataFrame([TRUTH])
    clean = toy(truth).iloc[0]
    rng = np.random.default_rng(seed)
    observed = clean + rng.normal(0.0, noise_sd, len(clean))
    return pd.DataFrame(
        {
            "observed": observed,
            "obs_sd": noise_sd,
            "disc_sd": noise_sd,
            "holdout": [name.endswith("2019") for name in clean.index],
        },
        index=pd.Index(clean.index, name="target"),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_truth_stays_and_the_range_shrinks(seed):
    targets = synthetic_targets(0.02, seed)
    match = history_match(toy, targets, names=NAMES, n=3000, max_waves=5, seed=seed)
    truth_scores = implausibility(toy(pd.DataFrame([TRUTH])), targets[~targets["holdout"]])
    assert non_implausible(truth_scores).iloc[0]
    table = constraint_table(match)
    for name in ("denial", "indigenization"):
        low, high = table.loc[name, ["calibrated_low", "calibrated_high"]]
        assert low <= TRUTH[name] <= high
        assert table.loc[name, "share_ruled_out"] > 0.5  # the record pins these down
    # the inert parameter keeps its whole range in the last box sampled
    last = match.waves[-1]
    inert = NAMES.index("exit_probability")
    assert last.upper[inert] - last.lower[inert] > 0.95
    # later waves sample a smaller box
    volumes = match.wave_table()["box_volume"].to_numpy()
    assert volumes[-1] < volumes[0]


def test_same_seed_same_waves():
    targets = synthetic_targets(0.02, 0)
    a = history_match(toy, targets, names=NAMES, n=200, max_waves=2, seed=5)
    b = history_match(toy, targets, names=NAMES, n=200, max_waves=2, seed=5)
    c = history_match(toy, targets, names=NAMES, n=200, max_waves=2, seed=6)
    pd.testing.assert_frame_equal(a.futures, b.futures)
    assert not a.waves[0].futures.equals(c.waves[0].futures)


def test_second_largest_rule_forgives_one_target():
    targets = synthetic_targets(0.02, 0)[["observed", "obs_sd", "disc_sd"]]
    scores = pd.DataFrame([[0.5, 10.0, 1.0]], columns=targets.index[:3])
    assert not non_implausible(scores, 3.0, "max").iloc[0]
    assert non_implausible(scores, 3.0, "second").iloc[0]


def test_implausibility_formula_and_missing_values():
    targets = pd.DataFrame(
        {"observed": [1.0, 0.0], "obs_sd": [0.3, 0.0], "disc_sd": [0.4, 1.0]},
        index=["x", "y"],
    )
    predictions = pd.DataFrame({"x": [2.0, 1.0], "y": [np.nan, -2.0]})
    scores = implausibility(predictions, targets)
    assert scores.loc[0, "x"] == pytest.approx(1.0 / 0.5)
    assert scores.loc[1, "y"] == pytest.approx(2.0)
    assert np.isinf(scores.loc[0, "y"])  # a missing model value is implausible


def test_values_map_back_onto_the_unit_cube():
    from techbloc.calibration.matching import _unit

    p = get_parameter("weakest_link_exponent")  # log-uniform
    u = np.linspace(0, 1, 5)
    frame = pd.DataFrame({p.name: p.from_unit(u)})
    np.testing.assert_allclose(_unit(frame, [p.name])[:, 0], u, atol=1e-12)
