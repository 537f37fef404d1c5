"""The given-data estimator gives SALib's delta module's S1 and S1_conf (method="sobol")."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.analysis.given_data import first_order_indices


def _salib(x, y, seed, num_resamples=20):
    from SALib.analyze import delta

    d = x.shape[1]
    spec = {"num_vars": d, "names": [f"p{i}" for i in range(d)], "bounds": [[0, 1]] * d}
    state = np.random.get_state()
    try:
        res = delta.analyze(spec, x, y, num_resamples=num_resamples, seed=seed, method="sobol")
    finally:
        np.random.set_state(state)
    return np.asarray(res["S1"]), np.asarray(res["S1_conf"])


def _ours(x, y, seed, num_resamples=20):
    state = np.random.get_state()
    try:
        return first_order_indices(x, y, num_resamples=num_resamples, seed=seed)
    finally:
        np.random.set_state(state)


@pytest.mark.parametrize("n", [40, 700, 3000])
def test_matches_salib_on_continuous_and_tied_inputs(n):
    rng = np.random.default_rng(n)
    x = rng.random((n, 4))
    x[:, 2] = np.round(x[:, 2], 1)  # ties between distinct points: the sorting path
    x[:, 3] = 0.5  # constant input
    y = np.sin(6 * x[:, 0]) + x[:, 2] ** 2 + rng.normal(0, 0.2, n)
    s1, conf = _ours(x, y, seed=11)
    want_s1, want_conf = _salib(x, y, seed=11)
    np.testing.assert_allclose(s1, want_s1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(conf, want_conf, rtol=0, atol=1e-12)
    assert s1[0] > 0.3 and abs(s1[1]) < 0.1  # x0 matters, x1 does not


def test_constant_outcome_has_no_sensitivity():
    x = np.random.default_rng(0).random((200, 2))
    s1, conf = _ours(x, np.ones(200), seed=3)
    assert (s1 == 0).all() and (conf == 0).all()
    np.testing.assert_array_equal(s1, _salib(x, np.ones(200), seed=3)[0])


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(20, 400),
    grid=st.sampled_from([None, 2, 5, 20]),
    seed=st.integers(1, 2**31 - 2),
)
def test_matches_salib_on_any_sample(n, grid, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2))
    if grid is not None:
        x = np.round(x * grid) / grid
    y = x[:, 0] * rng.random(n) + rng.normal(0, 0.1, n)
    s1, conf = _ours(x, y, seed=seed, num_resamples=5)
    want_s1, want_conf = _salib(x, y, seed=seed, num_resamples=5)
    np.testing.assert_allclose(s1, want_s1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(conf, want_conf, rtol=0, atol=1e-12)
