"""E4-E5 (:mod:`techbloc.model.controls`): stringency, coverage, access and leakage."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.model.controls import (
    access,
    achieved_stringency,
    control_binding,
    control_coverage,
    exposure,
    member_level,
    national_leak_rate,
    pool_leak_rate,
    stock_exposure,
    us_level,
)

unit = st.floats(0.0, 1.0)


def test_achieved_stringency_is_capped_by_the_least_willing_member():
    target = np.array([[0.8, 0.5]])  # (P=1, D=2)
    will = np.array([[[0.9, 0.3, 0.1]]])  # (S=1, P=1, N=3); the outsider's 0.1 does not count
    members = np.array([[[True, True, False]]])
    np.testing.assert_allclose(
        achieved_stringency(target, will, members), [[[0.8 * 0.3, 0.5 * 0.3]]]
    )


def test_achieved_stringency_without_members_is_zero():
    out = achieved_stringency(np.ones((1, 2)), np.ones((1, 1, 3)), np.zeros((1, 1, 3), bool))
    np.testing.assert_array_equal(out, 0.0)


def test_member_level_by_hand():
    stringency = np.array([[[0.2, 0.6]]])
    floor = np.array([0.5, 0.5])
    np.testing.assert_allclose(us_level(stringency, floor), [[[0.5, 0.6]]])
    # max(s*, reach · max(s*, floor)) with reach 0.8
    np.testing.assert_allclose(member_level(stringency, floor, np.array([0.8])), [[[0.4, 0.6]]])


def test_control_coverage_by_hand():
    """USA: p u; member: p max(s*, reach u); outsider: p reach u (v4)."""
    stringency = np.array([[[0.3]]])  # (S=1, P=1, D=1)
    protection = np.array([[[1.0, 0.5, 0.5]]])  # USA, member, outsider
    members = np.array([[[True, True, False]]])
    coverage = control_coverage(
        stringency, protection, members, np.array([0.5]), 0, np.array([0.4])
    )
    u = max(0.3, 0.4)
    np.testing.assert_allclose(coverage[0, 0, 0], [u, 0.5 * max(0.3, 0.5 * u), 0.5 * 0.5 * u])


@settings(max_examples=50, deadline=None)
@given(
    protection=arrays(np.float64, (2, 2, 4), elements=unit),
    members=arrays(np.bool_, (2, 2, 4)),
    reach=arrays(np.float64, 2, elements=unit),
)
def test_control_binding_splits_coverage(protection, members, reach):
    binding, us_binding = control_binding(protection, members, reach, usa=1)
    assert (binding[..., 1] == 0).all()  # the USA follows its own level only
    assert (binding[~members] == 0).all()  # outsiders are bound only through reach
    np.testing.assert_allclose(
        us_binding[..., 1], protection[..., 1] * (1 + ~members[..., 1] * reach[:, None])
    )
    assert (binding <= protection).all() and (us_binding <= 2 * protection).all()


def test_access_by_hand():
    """A_k = (Σ_j ω_j (1 - c_j)^r)^(1/r), ω ∝ K^η over holders."""
    coverage = np.array([[[[0.0, 0.5, 1.0]]]])
    knowledge = np.array([[[[1.0, 3.0, 100.0]]]])
    holders = np.array([True, True, False])  # the third (China) is no holder
    a = access(coverage, knowledge, holders, np.array([1.0]), np.array([2.0]))
    expected = np.sqrt(0.25 * 1.0 + 0.75 * 0.25)
    np.testing.assert_allclose(a, [[[expected]]])


@settings(max_examples=50, deadline=None)
@given(
    coverage=arrays(np.float64, (2, 1, 2, 4), elements=unit),
    knowledge=arrays(np.float64, (2, 1, 2, 4), elements=st.floats(0.01, 100.0)),
    r=st.floats(1.0, 8.0),
)
def test_access_lies_in_the_unit_interval_and_falls_with_coverage(coverage, knowledge, r):
    holders = np.array([True, True, True, False])
    args = (knowledge, holders, np.full(2, 1.0), np.full(2, r))
    a = access(coverage, *args)
    assert ((a >= -1e-12) & (a <= 1 + 1e-12)).all()
    tighter = access(np.minimum(coverage + 0.1, 1.0), *args)
    assert (tighter <= a + 1e-12).all()
    np.testing.assert_allclose(access(np.zeros_like(coverage), *args), 1.0)


def test_pool_leak_rate_by_hand_and_zero_without_a_pool():
    leak = np.array([[[0.1, 0.4]], [[0.1, 0.4]]])  # (S=2, P=1, N=2)
    contribution = np.array([[[1.0, 3.0]], [[0.0, 0.0]]])
    rate = pool_leak_rate(leak, contribution, np.array([2.0, 2.0]))
    np.testing.assert_allclose(rate, [[np.sqrt(0.25 * 0.01 + 0.75 * 0.16)], [0.0]])


def test_leak_rates_and_exposure_by_hand():
    leak = national_leak_rate(np.array([0.2]), np.array([[[0.5, 1.0, 0.0]]]))
    np.testing.assert_allclose(leak, [[[0.1, 0.0, 0.2]]])
    knowledge = np.array([[[[10.0, 10.0, 10.0]]]])
    holders = np.array([True, True, False])
    stock = stock_exposure(leak, knowledge, holders)
    np.testing.assert_allclose(stock, [[[1.0]]])  # China's own stock does not leak to it
    # Λ = stock_leak_share · stock + l_C θ P
    total = exposure(
        stock, np.array([2.0]), np.array([[0.1]]), np.array([3.0]), np.array([[[5.0]]])
    )
    np.testing.assert_allclose(total, [[[2.0 * 1.0 + 0.1 * 3.0 * 5.0]]])
