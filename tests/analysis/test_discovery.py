import numpy as np
import pandas as pd
import pytest

from techbloc.analysis.discovery import cart, case_of_interest, discover, prim
from techbloc.errors import InputError


@pytest.fixture(scope="module")
def planted():
    """Cases concentrated in x0 > 0.6 and x1 < 0.3, with 5% label noise."""
    rng = np.random.default_rng(42)
    n = 3000
    x = pd.DataFrame(rng.random((n, 6)), columns=[f"x{i}" for i in range(6)])
    x["constant"] = 1.0  # dropped: does not vary
    inside = (x.x0 > 0.6) & (x.x1 < 0.3)
    noise = rng.random(n) < 0.05
    y = np.where(noise, ~inside, inside)
    return x, y


def test_prim_finds_planted_box(planted):
    x, y = planted
    result = prim(x, y)
    box = result.box()
    assert set(box.limits.index) == {"x0", "x1"}
    assert box.limits.loc["x0", "low"] == pytest.approx(0.6, abs=0.03)
    assert box.limits.loc["x1", "high"] == pytest.approx(0.3, abs=0.03)
    # label noise caps coverage at 357/489 = 0.73
    assert box.coverage > 0.7 and box.density > 0.85
    # restrictions are significant on the restricted side only
    assert box.limits.loc["x0", "qp_low"] < 1e-10
    assert np.isnan(box.limits.loc["x0", "qp_high"])
    assert box.limits.loc["x1", "qp_high"] < 1e-10
    assert box.contains(x).sum() == box.n


def test_prim_trajectory_is_a_tradeoff(planted):
    x, y = planted
    t = prim(x, y, mass_min=0.05).trajectory
    peel = t[t.step != "paste"]
    assert t.loc[0, "coverage"] == 1.0 and t.loc[0, "mass"] == 1.0
    assert (np.diff(peel.coverage) <= 1e-12).all()  # peeling never adds cases
    assert peel.density.iloc[-1] > peel.density.iloc[0]
    assert (peel["mass"].iloc[1:] >= 0.05 - 1e-12).all()
    paste = t[t.step == "paste"]
    if len(paste):
        assert (np.diff(t.density.iloc[len(peel) - 1 :]) > 0).all()


def test_prim_choose(planted):
    x, y = planted
    result = prim(x, y)
    i = result.choose(min_density=0.9)
    assert result.trajectory.loc[i, "density"] >= 0.9
    j = result.choose(min_coverage=0.95)
    assert result.trajectory.loc[j, "coverage"] >= 0.95
    with pytest.raises(InputError):
        result.choose(min_density=1.1)
    with pytest.raises(InputError):
        result.box(10_000)


def test_cart_leaf_matches_planted_box(planted):
    x, y = planted
    result = cart(x, y, max_depth=2)
    top = result.leaves.iloc[0]
    assert top.predicted and top.density > 0.85 and top.coverage > 0.7
    box = result.box()
    assert set(box.limits.index) == {"x0", "x1"}
    assert box.limits.loc["x0", "split_low"] == pytest.approx(0.6, abs=0.03)
    assert box.limits.loc["x1", "split_high"] == pytest.approx(0.3, abs=0.03)
    assert result.leaves["n"].sum() == len(x)
    assert result.leaves["coverage"].sum() == pytest.approx(1.0)


def test_discover_from_outcomes(planted):
    x, y = planted
    outcomes = pd.DataFrame(
        {
            "scenario": np.repeat(x.index, 2),
            "policy": np.tile(["core", "wide"], len(x)),
            "backlash": np.column_stack([np.where(y, 1.0, -1.0), -np.ones(len(x))]).ravel(),
        }
    )
    case = case_of_interest(outcomes, "backlash > 0", policy="core")
    assert case.sum() == y.sum()
    box = discover(x, outcomes, "backlash > 0", policy="core").box()
    assert set(box.limits.index) == {"x0", "x1"}
    leaves = discover(x, outcomes, "backlash > 0", policy="core", method="cart")
    assert leaves.leaves.iloc[0].density > 0.85
    with pytest.raises(InputError, match="policies"):
        discover(x, outcomes, "backlash > 0")
    with pytest.raises(InputError, match="never happens"):
        discover(x, outcomes, "backlash > 5", policy="core")
    with pytest.raises(InputError, match="unknown outcome"):
        discover(x, outcomes, "nope > 0", policy="core")
    with pytest.raises(InputError, match="method"):
        discover(x, outcomes, "backlash > 0", policy="core", method="svm")
