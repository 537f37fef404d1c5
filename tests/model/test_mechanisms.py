"""Unit tests of each mechanism on small hand-computed cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.model.china import imitation, knowledge_step, self_sufficiency_step
from techbloc.model.controls import access, achieved_stringency, control_coverage, pool_leak_rate
from techbloc.model.knowledge import (
    diffusion_inflow,
    initial_stocks,
    pool_boost,
    pool_flows,
    pool_shares,
)
from techbloc.model.partners import positioned, will
from techbloc.model.regime import credibility_paths, regime_paths


def test_initial_stock_is_perpetual_inventory_steady_state():
    rd = np.array([[[10.0, 4.0]]])
    k = initial_stocks(rd, np.array([[0.15]]), np.array([0.05, 0.02]))
    np.testing.assert_allclose(k, [[[10 / 0.2, 4 / 0.17]]])


def test_pool_by_hand():
    # two members (USA at 0, JPN at 1), one outsider; one domain
    rd = np.array([[[[100.0, 20.0, 50.0]]]])
    members = np.array([[[True, True, False]]])
    contribution, own, pool, gain = pool_flows(
        rd,
        members,
        pool_shares(members, np.array([0.1]), np.array([1.0]), 0),
        pool_boost(members, np.array([0.2])),
        np.array([1.0]),
        np.array([2.0]),
    )
    np.testing.assert_allclose(contribution[0, 0, 0], [10.0, 2.0, 0.0])
    np.testing.assert_allclose(own[0, 0, 0], [90.0, 18.0, 50.0])
    assert pool[0, 0, 0] == pytest.approx(12.0 * (1 + 0.2 * 1 / 2))
    # JPN's gain is capped by twice its own remaining R&D (36 > 13.2: not binding)
    np.testing.assert_allclose(gain[0, 0, 0], [13.2, 13.2, 0.0])


def test_one_member_coalition_gains_nothing_net():
    rd = np.array([[[[100.0, 20.0]]]])
    members = np.array([[[True, False]]])
    contribution, _, _, gain = pool_flows(
        rd,
        members,
        pool_shares(members, np.array([0.05]), np.array([1.0]), 0),
        pool_boost(members, np.array([0.5])),
        np.array([0.7]),
        np.array([2.0]),
    )
    assert gain[0, 0, 0, 0] == pytest.approx(0.7 * contribution[0, 0, 0, 0])


def test_transactional_us_contributes_less():
    rd = np.ones((1, 1, 1, 2)) * 10
    members = np.array([[[True, True]]])
    contribution, *_ = pool_flows(
        rd,
        members,
        pool_shares(members, np.array([0.1]), np.array([0.5]), 0),
        pool_boost(members, np.zeros(1)),
        np.ones(1),
        np.ones(1) * 2,
    )
    np.testing.assert_allclose(contribution[0, 0, 0], [0.5, 1.0])


def _diffusion_brute_force(kappa, size, members, rate, allied):
    n = kappa.shape[-1]
    out = np.zeros_like(kappa)
    bonus = np.zeros_like(kappa)
    for i in range(n):
        others = size.sum() - size[i]
        if size[i] == 0 or others == 0:
            continue
        for j in range(n):
            if j == i:
                continue
            w = size[j] / others
            gap = np.maximum(kappa[..., j] - kappa[..., i], 0)
            both = members[..., i] * members[..., j]
            out[..., i] += rate * size[i] * w * (1 + allied * both[:, :, None]) * gap
            bonus[..., i] += rate * size[i] * w * allied * both[:, :, None] * gap
    return out, bonus


@settings(max_examples=40, deadline=None)
@given(
    kappa=arrays(float, (1, 2, 3, 5), elements=st.floats(0, 10)),
    # sizes are GDPs (PPP $bn) or 0 for a country left out; near-zero sizes such as 1e-16
    # would make W[i, j] = Y_j / sum(Y) amplify rounding of the suffix sums by ~1e15
    size=arrays(float, (5,), elements=st.one_of(st.just(0.0), st.floats(0.01, 5))),
    members=arrays(bool, (1, 2, 5)),
)
def test_diffusion_matches_pairwise_sum(kappa, size, members):
    fast, fast_bonus = diffusion_inflow(kappa, size, members, np.array([0.02]), np.array([0.5]))
    slow, slow_bonus = _diffusion_brute_force(kappa, size, members, 0.02, 0.5)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast_bonus, slow_bonus, rtol=1e-9, atol=1e-9)
    assert np.all(fast >= -1e-12)


def test_stringency_capped_by_least_willing_member():
    target = np.array([[0.8, 0.4]])
    w = np.array([[[1.0, 0.5, 0.9]]])
    members = np.array([[[True, True, False]]])
    np.testing.assert_allclose(achieved_stringency(target, w, members), [[[0.4, 0.2]]])


def test_access_by_hand():
    coverage = control_coverage(
        np.array([[[0.5]]]),
        np.array([[[1.0, 0.8, 0.0]]]),
        np.array([[[True, False, False]]]),
        np.array([0.5]),
        0,  # the USA, whose own level (the floor) is below the common one here
        np.array([0.0]),
    )
    np.testing.assert_allclose(coverage[0, 0, 0], [0.5, 0.2, 0.0])
    knowledge = np.array([[[[2.0, 1.0, 1.0]]]])
    holders = np.array([True, True, False])
    a = access(coverage, knowledge, holders, np.array([1.0]), np.array([1.0]))
    assert a[0, 0, 0] == pytest.approx(2 / 3 * 0.5 + 1 / 3 * 0.8)
    # with a very large exponent the most open holder decides
    a = access(coverage, knowledge, holders, np.array([1.0]), np.array([500.0]))
    assert a[0, 0, 0] == pytest.approx(0.8, rel=0.01)


def test_pool_leak_rate_is_weighted_power_mean():
    leak = np.array([[[0.1, 0.3]]])
    contribution = np.array([[[1.0, 3.0]]])
    assert pool_leak_rate(leak, contribution, np.array([1.0]))[0, 0] == pytest.approx(0.25)
    r2 = pool_leak_rate(leak, contribution, np.array([2.0]))[0, 0]
    assert r2 == pytest.approx(np.sqrt(0.25 * 0.01 + 0.75 * 0.09))
    assert pool_leak_rate(leak, np.zeros((1, 1, 2)), np.array([2.0]))[0, 0] == 0


def test_imitation_by_hand():
    k, i, frontier, leader = (np.full((1, 1, 1), x) for x in (10.0, 5.0, 50.0, 20.0))
    total, leaked = imitation(
        k,
        i,
        frontier,
        leader,
        np.full((1, 1, 1), 0.5),
        np.full((1, 1, 1), 4.0),
        np.full((1, 1, 1), 1.0),
        np.array([0.5]),
        np.array([1.0]),
        np.array([0.05]),
    )
    ac = (10 / 20) * (5 / 10)
    chi = 0.5 * ac / (ac + 1.0)
    wanted = 0.05 * 0.5 * 40 + 4.0
    assert total[0, 0, 0] == pytest.approx(chi * wanted)
    assert leaked[0, 0, 0] == pytest.approx(chi * 4.0)


def test_imitation_never_exceeds_gap():
    one = np.ones((1, 1, 1))
    total, _ = imitation(
        one * 9.9,
        one * 9.9,
        one * 10,
        one * 10,
        one,
        one * 1e6,
        one * 0.01,
        np.array([1.0]),
        np.array([1.0]),
        np.array([1.0]),
    )
    assert total[0, 0, 0] == pytest.approx(0.1)


def test_denial_and_indigenization():
    one = np.ones((1, 1, 1))
    k = knowledge_step(
        one * 100,
        one * 10,
        np.array([1.0]),
        one * 0.1,
        np.array([0.5]),
        one * 0.4,
        np.array([0.3]),
        one * 0.2,
        one * 0.0,
        one * 0.0,
    )
    assert k[0, 0, 0] == pytest.approx(90 + 10 * (1 - 0.2) * (1 + 0.06))


def test_self_sufficiency_erodes_denial():
    """MODEL.md §9.5b: denial bites only on what China still imports."""
    one = np.ones((1, 1, 1))
    k = knowledge_step(
        one * 100,
        one * 10,
        np.array([1.0]),
        one * 0.1,
        np.array([0.5]),
        one * 0.4,
        np.array([0.0]),
        one * 0.0,
        one * 0.0,
        one * 0.75,
    )
    assert k[0, 0, 0] == pytest.approx(90 + 10 * (1 - 0.5 * 0.4 * 0.25))


def test_membership_margin_bonus_in_will_is_bounded():
    """MODEL.md §9.4: a huge margin adds at most a_value to the will logit."""
    base = np.array([[-2.5, -2.5]])
    w = will(
        base, np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([[[0.0, 50.0]]]), usa=0
    )
    assert w[0, 0, 1] == pytest.approx(1 / (1 + np.exp(2.5 - 1.0)))


def test_self_sufficiency_status_quo_drift_is_calibrated_rate():
    share = np.full((1, 1, 1), 0.16)
    new = self_sufficiency_step(
        share,
        np.full((1, 1, 1), 0.0065),
        share * 0 + 0.3,
        0.3,
        np.array([0.5]),
        np.array([1.0]),
        share * 0 + 0.2,
        0.2,
    )
    assert new[0, 0, 0] - 0.16 == pytest.approx(0.0065 * 0.84)


def test_will_is_logistic_and_us_will_is_one():
    base = np.array([[0.0, 1.0]])
    w = will(base, np.array([0.0]), np.array([0.0]), np.array([1.0]), np.zeros((1, 1, 2)), usa=0)
    np.testing.assert_allclose(w[0, 0], [1.0, 1 / (1 + np.exp(-1))])


def test_positioned_interpolates_within_cited_range():
    default, low, high = np.array([0.5]), np.array([0.2]), np.array([0.9])
    out = positioned(default, low, high, np.array([-1.0, 0.0, 0.5, 1.0]))
    np.testing.assert_allclose(out[:, 0], [0.2, 0.5, 0.7, 0.9])


def test_regime_history_and_switching():
    years = np.arange(2024, 2038)
    draws = np.array([[0.0, 0.0, 0.0], [0.99, 0.99, 0.99]])
    engaged = regime_paths(years, draws, np.full(2, 0.3), np.full(2, 0.5))
    assert engaged[:, 0].all()  # 2024: engaged administration in office
    assert not engaged[:, 1:5].any()  # 2025-2028 transactional, as history
    np.testing.assert_array_equal(engaged[0, 5:9], True)  # switched at the 2028 election
    np.testing.assert_array_equal(engaged[0, 9:13], False)  # switched back in 2032
    np.testing.assert_array_equal(engaged[1, 5:], False)  # never switched


def test_credibility_per_term_rates():
    engaged = np.array([[False] * 4 + [True] * 4])
    inst, cred = credibility_paths(
        engaged, np.array([0.8]), np.array([0.5]), np.array([0.5]), np.array([0.5])
    )
    after_t = 0.8 * 0.5
    assert inst[0, 4] == pytest.approx(after_t)
    assert cred[0, 4] == pytest.approx(0.5 * after_t + 0.5)
    recovered = after_t + 0.25 * (1 - after_t)
    inst2, _ = credibility_paths(
        np.array([[False] * 4 + [True] * 4 + [True]]),
        np.array([0.8]),
        np.array([0.5]),
        np.array([0.5]),
        np.array([0.5]),
    )
    assert inst2[0, 8] == pytest.approx(recovered)


def test_engine_same_with_and_without_compiled_kernel(world, monkeypatch):
    import pandas as pd

    from techbloc.coalitions import Coalition
    from techbloc.model import simulate
    from techbloc.policies import Policy

    policies = [Policy(Coalition.from_preset("d10"))]
    scenarios = pd.DataFrame(index=range(3))
    fast = simulate(world, scenarios, policies, end_year=2034, trajectories=False)
    monkeypatch.setenv("TECHBLOC_NUMBA", "0")
    slow = simulate(world, scenarios, policies, end_year=2034, trajectories=False)
    for name in ("china_knowledge", "alliance_knowledge_share", "min_margin"):
        np.testing.assert_allclose(fast[name].values, slow[name].values, rtol=1e-9)
