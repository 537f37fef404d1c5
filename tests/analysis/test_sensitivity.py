import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc.analysis._random import check_rng, library_seed
from techbloc.analysis.sensitivity import (
    given_data_indices,
    morris_indices,
    problem,
    saltelli_layout,
    sensitivity,
    sobol_indices,
)
from techbloc.errors import InputError
from techbloc.params import get_parameter

A, B = 7.0, 0.1
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami(x):
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_analytic():
    pi = np.pi
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / v
    st = np.array([v1 + v13, v2, v13]) / v
    return s1, st


def test_sobol_on_ishigami_within_confidence_interval():
    from SALib.sample import sobol as sobol_sample

    x = sobol_sample.sample(ISHIGAMI, 2048, calc_second_order=False, seed=3)
    result = sobol_indices(ishigami(x), ISHIGAMI, x=x, rng=1).loc[ISHIGAMI["names"]]
    s1, st = ishigami_analytic()
    assert np.allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-3)  # textbook values
    assert np.all(np.abs(result["S1"] - s1) <= result["S1_conf"])
    assert np.all(np.abs(result["ST"] - st) <= result["ST_conf"])


def test_saltelli_layout_detection():
    from SALib.sample import sobol as sobol_sample

    x2 = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=True, seed=1)
    assert saltelli_layout(x2, 3) is True
    x1 = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=1)
    assert saltelli_layout(x1, 3) is False
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match="not a Saltelli design"):
        saltelli_layout(rng.random((320, 3)), 3)


def test_problem_from_registry():
    spec = problem(["synergy", "weakest_link_exponent"])
    assert spec["bounds"][0] == [get_parameter("synergy").low, get_parameter("synergy").high]
    assert spec["dists"] == ["unif", "logunif"]
    assert problem()["num_vars"] > 40
    with pytest.raises(InputError, match="unknown parameter"):
        problem(["no_such_parameter"])


def test_morris_ranks_linear_effects():
    from SALib.sample import morris as morris_sample

    spec = problem(["synergy", "diffusion", "denial"])
    x = morris_sample.sample(spec, 40, num_levels=4, seed=2)
    lo = np.array([b[0] for b in spec["bounds"]])
    hi = np.array([b[1] for b in spec["bounds"]])
    u = (x - lo) / (hi - lo)
    y = 5 * u[:, 0] + 1 * u[:, 1] + 0 * u[:, 2]
    frame = pd.DataFrame(x, columns=spec["names"])
    result = morris_indices(frame, y)
    assert list(result.index) == ["synergy", "diffusion", "denial"]
    assert result.loc["synergy", "mu_star"] == pytest.approx(5, rel=0.05)
    assert result.loc["denial", "mu_star"] == pytest.approx(0, abs=1e-9)
    with pytest.raises(InputError, match="Morris design"):
        morris_indices(frame.sample(frac=1, random_state=0), y)


def test_given_data_on_ishigami():
    rng = np.random.default_rng(0)
    x = rng.uniform(-np.pi, np.pi, size=(4000, 3))
    result = given_data_indices(x, ishigami(x), ISHIGAMI, num_resamples=20)
    s1, _ = ishigami_analytic()
    assert np.all(np.abs(result.loc[ISHIGAMI["names"], "S1"] - s1) < 0.05)


def test_sensitivity_from_tables_and_design_check():
    from SALib.sample import sobol as sobol_sample

    spec = problem(["synergy", "diffusion", "denial"])
    x = sobol_sample.sample(spec, 256, calc_second_order=False, seed=1)
    scenarios = pd.DataFrame(x, columns=spec["names"])
    scenarios["rd_max"] = get_parameter("rd_max").default  # not varied: ignored
    y = 10 * scenarios["synergy"] + scenarios["denial"] ** 2
    outcomes = pd.DataFrame({"scenario": scenarios.index, "policy": "core", "alliance_rd_share": y})
    result = sensitivity(scenarios, outcomes, "alliance_rd_share", design="sobol")
    assert result.index[0] == "synergy"
    assert {"S1", "S1_conf", "ST", "ST_conf", "unit", "description"} <= set(result.columns)
    with pytest.raises(InputError, match="given_data"):
        sensitivity(scenarios, outcomes, "alliance_rd_share", design="lhs")
    with pytest.raises(InputError, match="unknown outcome"):
        sensitivity(scenarios, outcomes, "nope")
    gd = sensitivity(scenarios, outcomes, "alliance_rd_share", method="given_data")
    assert gd.index[0] == "synergy"


@pytest.fixture(scope="module")
def saltelli():
    from SALib.sample import sobol as sobol_sample

    x = sobol_sample.sample(ISHIGAMI, 256, calc_second_order=False, seed=3)
    return x, ishigami(x)


def test_sobol_identical_calls_are_equal_at_the_default_seed(saltelli):
    """SALib treats seed 0 as no seed: the default must still give the same intervals."""
    x, y = saltelli
    first = sobol_indices(y, ISHIGAMI, x=x)
    pd.testing.assert_frame_equal(first, sobol_indices(y, ISHIGAMI, x=x))
    gen = sobol_indices(y, ISHIGAMI, x=x, rng=np.random.default_rng(5))
    pd.testing.assert_frame_equal(
        gen, sobol_indices(y, ISHIGAMI, x=x, rng=np.random.default_rng(5))
    )
    assert not np.allclose(first["S1_conf"], sobol_indices(y, ISHIGAMI, x=x, rng=7)["S1_conf"])


def test_sobol_equals_salib_with_the_seed_passed_on(saltelli):
    from SALib.analyze import sobol

    x, y = saltelli
    ours = sobol_indices(y, ISHIGAMI, x=x, rng=4).loc[ISHIGAMI["names"]]
    ref = sobol.analyze(
        ISHIGAMI, y, calc_second_order=False, num_resamples=200, seed=library_seed(4)
    )
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        assert np.allclose(ours[key], ref[key], rtol=0, atol=1e-15)


def test_given_data_and_morris_identical_calls_are_equal():
    from SALib.sample import morris as morris_sample

    rng = np.random.default_rng(0)
    x = rng.uniform(-np.pi, np.pi, size=(1000, 3))
    y = ishigami(x)
    state = np.random.get_state()
    first = given_data_indices(x, y, ISHIGAMI, num_resamples=10)
    pd.testing.assert_frame_equal(first, given_data_indices(x, y, ISHIGAMI, num_resamples=10))
    # numpy's global random state (which SALib's delta module seeds) is left as it was
    assert np.array_equal(np.random.get_state()[1], state[1])
    xm = morris_sample.sample(ISHIGAMI, 20, num_levels=4, seed=2)
    ym = ishigami(xm)
    m1 = morris_indices(xm, ym, ISHIGAMI, rng=np.random.default_rng(1))
    pd.testing.assert_frame_equal(
        m1, morris_indices(xm, ym, ISHIGAMI, rng=np.random.default_rng(1))
    )
    pd.testing.assert_frame_equal(
        morris_indices(xm, ym, ISHIGAMI), morris_indices(xm, ym, ISHIGAMI)
    )


def test_sobol_needs_the_design(saltelli):
    x, y = saltelli
    with pytest.raises(InputError, match="needs the design x"):
        sobol_indices(y, ISHIGAMI)
    order = np.random.default_rng(0).permutation(len(x))
    with pytest.raises(InputError, match="not a Saltelli design"):
        sobol_indices(y[order], ISHIGAMI, x=x[order])
    with pytest.raises(InputError, match="outcome values"):
        sobol_indices(y[:-5], ISHIGAMI, x=x)


def test_sensitivity_on_a_table_of_your_own(saltelli):
    x, y = saltelli
    scenarios = pd.DataFrame(x, columns=ISHIGAMI["names"])
    outcomes = pd.DataFrame({"scenario": scenarios.index, "policy": "any", "f": y})
    result = sensitivity(scenarios, outcomes, "f", spec=ISHIGAMI, design="sobol")
    direct = sobol_indices(y, ISHIGAMI, x=x)
    pd.testing.assert_frame_equal(result[direct.columns], direct)
    assert (result["unit"] == "").all()
    with pytest.raises(InputError, match="spec="):
        sensitivity(scenarios, outcomes, "f")


@given(st.integers(0, 2**63 - 1))
def test_library_seed_is_positive_and_deterministic(seed):
    assert library_seed(seed) == library_seed(seed) >= 1
    assert check_rng(seed).random() == check_rng(seed).random()


def test_check_rng_rejects_other_types():
    gen = np.random.default_rng(0)
    assert check_rng(gen) is gen
    for bad in (1.5, True, -1, np.random.RandomState(0), "0"):
        with pytest.raises(InputError):
            check_rng(bad)


def test_sobol_says_when_the_parameters_are_only_in_another_order():
    from SALib.sample import sobol as sobol_sample

    spec = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}
    x = pd.DataFrame(
        sobol_sample.sample(spec, 64, calc_second_order=False, seed=1), columns=spec["names"]
    )
    y = x["x1"] + 2 * x["x2"] ** 2 + 0.1 * x["x3"]
    swapped = {**spec, "names": ["x2", "x1", "x3"]}
    with pytest.raises(
        InputError, match=r"another order: pass them in the design's order \(x1, x2, x3\)"
    ):
        sobol_indices(y.to_numpy(), swapped, x=x)
    assert set(sobol_indices(y.to_numpy(), spec, x=x).index) == {"x1", "x2", "x3"}


@pytest.mark.parametrize(
    "design, method",
    [
        ("sobol", "sobol"),
        ("Saltelli", "sobol"),
        ("morris", "morris"),
        ("lhs", "given_data"),
        ("calibrated", "given_data"),
        (None, "given_data"),
    ],
)
def test_auto_takes_the_method_the_design_supports(design, method):
    from techbloc.analysis.sensitivity import method_for

    assert method_for(design) == method
