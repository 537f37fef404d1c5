"""E1-E3 and E9 (:mod:`techbloc.model.knowledge`): stocks, the pool, diffusion, know-how."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.model.knowledge import (
    diffusion_inflow,
    diffusion_scale,
    initial_stocks,
    know_how_step,
    pool_boost,
    pool_flows,
    pool_shares,
    usable_knowledge,
)


def test_initial_stocks_is_the_perpetual_inventory_steady_state():
    rd = np.array([[[10.0, 4.0]]])  # (S=1, D=1, N=2)
    depreciation = np.array([[0.15]])  # (S, D)
    growth = np.array([0.05, -0.5])  # the second country's denominator is floored at 0.05
    stocks = initial_stocks(rd, depreciation, growth)
    assert stocks.shape == (1, 1, 2)
    np.testing.assert_allclose(stocks[0, 0], [10.0 / 0.2, 4.0 / 0.05])


def test_initial_stocks_takes_growth_per_scenario():
    rd = np.ones((2, 3, 4))
    depreciation = np.full((2, 3), 0.1)
    growth = np.array([[0.0] * 4, [0.1] * 4])  # (S, N)
    stocks = initial_stocks(rd, depreciation, growth)
    np.testing.assert_allclose(stocks[0], 10.0)
    np.testing.assert_allclose(stocks[1], 5.0)


def _pool_case():
    rd = np.array([[[[10.0, 20.0, 30.0]]]])  # (S=1, P=1, D=1, N=3)
    members = np.array([[[True, True, False]]])
    share = pool_shares(members, np.array([0.1]), np.array([1.0]), usa=0)
    boost = pool_boost(members, np.array([0.5]))
    return rd, members, share, boost


def test_pool_flows_by_hand():
    rd, members, share, boost = _pool_case()
    np.testing.assert_allclose(boost, [[1.0 + 0.5 * 1 / 2]])  # two members
    contribution, own, pool, gain = pool_flows(
        rd, members, share, boost, np.array([2.0]), np.array([1.0])
    )
    np.testing.assert_allclose(contribution[0, 0, 0], [1.0, 2.0, 0.0])
    np.testing.assert_allclose(own[0, 0, 0], [9.0, 18.0, 30.0])
    np.testing.assert_allclose(pool[0, 0], [3.0 * 1.25])
    # gain = θ min(P, multiple · own R&D), members only
    np.testing.assert_allclose(gain[0, 0, 0], [2.0 * 3.75, 2.0 * 3.75, 0.0])


def test_pool_gain_is_capped_by_own_rd():
    rd, members, share, boost = _pool_case()
    *_, gain = pool_flows(rd, members, share, boost, np.array([1.0]), np.array([0.1]))
    np.testing.assert_allclose(gain[0, 0, 0], [0.9, 1.8, 0.0])


@settings(max_examples=50, deadline=None)
@given(
    rd=arrays(np.float64, (2, 3, 2, 4), elements=st.floats(0.0, 100.0)),
    members=arrays(np.bool_, (2, 3, 4)),
    phi=st.floats(0.0, 0.5),
)
def test_pool_flows_conserve_rd(rd, members, phi):
    share = pool_shares(members, np.full(3, phi), np.ones(2), usa=0)
    boost = pool_boost(members, np.full(2, 0.3))
    contribution, own, pool, gain = pool_flows(rd, members, share, boost, np.ones(2), np.ones(2))
    np.testing.assert_allclose(contribution + own, rd)
    assert (contribution >= 0).all() and (gain >= 0).all()
    assert (gain[~np.broadcast_to(members[:, :, None, :], gain.shape)] == 0).all()
    np.testing.assert_allclose(pool, contribution.sum(axis=-1) * boost[:, :, None])


def test_pool_shares_scale_the_us_and_skip_outsiders():
    members = np.array([[[True, True, False]], [[True, True, False]]])  # (S=2, P=1, N=3)
    share = pool_shares(members, np.array([0.2]), np.array([1.0, 0.5]), usa=1)
    np.testing.assert_allclose(share[:, 0], [[0.2, 0.2, 0.0], [0.2, 0.1, 0.0]])


def test_diffusion_scale_by_hand():
    np.testing.assert_allclose(diffusion_scale(np.array([1.0, 2.0, 3.0])), [0.2, 0.5, 1.0])
    np.testing.assert_allclose(diffusion_scale(np.array([0.0, 5.0])), [0.0, 0.0])


def _inflow_brute_force(intensity, size, members, rate, allied):
    S, P, D, N = intensity.shape
    inflow = np.zeros_like(intensity)
    bonus = np.zeros_like(intensity)
    for s, p, k, i in np.ndindex(S, P, D, N):
        others = size.sum() - size[i]
        if others <= 0:
            continue
        for j in range(N):
            if j == i:
                continue
            gap = max(0.0, intensity[s, p, k, j] - intensity[s, p, k, i])
            w = rate[s] * size[i] * size[j] / others * gap
            extra = allied[s] * members[s, p, i] * members[s, p, j]
            inflow[s, p, k, i] += w * (1.0 + extra)
            bonus[s, p, k, i] += w * extra
    return inflow, bonus


@settings(max_examples=60, deadline=None)
@given(
    intensity=arrays(np.float64, (2, 2, 2, 5), elements=st.floats(0.0, 10.0)),
    size=arrays(np.float64, 5, elements=st.one_of(st.just(0.0), st.floats(0.5, 50.0))),
    members=arrays(np.bool_, (2, 2, 5)),
)
def test_diffusion_inflow_matches_the_pairwise_sum(intensity, size, members):
    """E3 by sorting and suffix sums equals the O(N²) sum written in the docstring."""
    rate, allied = np.array([0.1, 0.3]), np.array([0.5, 1.0])
    inflow, bonus = diffusion_inflow(intensity, size, members, rate, allied)
    expected_inflow, expected_bonus = _inflow_brute_force(intensity, size, members, rate, allied)
    np.testing.assert_allclose(inflow, expected_inflow, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(bonus, expected_bonus, rtol=1e-9, atol=1e-9)


def test_the_leader_receives_no_diffusion():
    intensity = np.array([[[[3.0, 1.0, 2.0]]]])
    inflow, _ = diffusion_inflow(
        intensity, np.ones(3), np.zeros((1, 1, 3), bool), np.array([0.2]), np.array([0.0])
    )
    assert inflow[0, 0, 0, 0] == 0.0
    assert inflow[0, 0, 0, 1] > inflow[0, 0, 0, 2] > 0.0


def test_usable_knowledge_draws_on_the_shared_stock_up_to_the_cap():
    knowledge = np.array([[[[10.0, 10.0, 1.0]]]])
    shared = np.array([[[5.0]]])
    members = np.array([[[True, False, True]]])
    usable = usable_knowledge(knowledge, shared, members, np.array([2.0]))
    # a member adds min(S_C, multiple · K); an outsider keeps its national stock
    np.testing.assert_allclose(usable[0, 0, 0], [15.0, 10.0, 3.0])


@pytest.mark.parametrize("experience", [0.0, 0.4, 1.0])
def test_know_how_step_by_hand(experience):
    new = know_how_step(
        np.array([2.0]), np.array([10.0]), np.array([0.5]), np.array([1.0]), np.array([experience])
    )
    np.testing.assert_allclose(new, 2.0 + 0.5 / 2.0 * experience * 8.0)


def test_know_how_converges_to_knowledge():
    know_how = np.array([0.0, 20.0])
    for _ in range(200):
        know_how = know_how_step(know_how, np.array([10.0, 10.0]), 0.3, 1.0, 1.0)
    np.testing.assert_allclose(know_how, 10.0)
