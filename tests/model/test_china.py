"""E4.0 and E6-E9 for China (:mod:`techbloc.model.china`)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.model.china import (
    ChinaState,
    china_step,
    conversion_rate,
    imitation,
    indigenous_capacity_step,
    knowledge_step,
    own_production,
    rd_intensity_step,
    self_sufficiency_step,
)
from techbloc.params import defaults

one = np.ones(1)
SHAPE = (1, 1, 1)  # (S, P, D)


def a(x):
    return np.full(SHAPE, float(x))


def test_conversion_rate_by_hand():
    """χ = max_conversion · AC / (AC + complexity), AC = (K/K_lead)^e (I/K)."""
    chi = conversion_rate(a(4), a(2), a(16), a(1.5), np.array([0.6]), np.array([0.5]))
    ac = (4 / 16) ** 0.5 * (2 / 4)
    np.testing.assert_allclose(chi, 0.6 * ac / (ac + 1.5))


def test_imitation_by_hand():
    """Imit = min(gap, χ (catch_up · A · gap + Λ)); the leakage part is Λ's share of it."""
    args = dict(
        complexity=a(1.5), max_conversion=np.array([0.6]), absorption_exponent=np.array([0.5])
    )
    chi = conversion_rate(a(4), a(2), a(16), **args)
    total, from_leakage = imitation(
        a(4), a(2), a(20), a(16), a(0.5), a(1.0), catch_up_rate=np.array([0.1]), **args
    )
    wanted = 0.1 * 0.5 * 16 + 1.0
    np.testing.assert_allclose(total, chi * wanted)
    np.testing.assert_allclose(from_leakage, chi * wanted * 1.0 / wanted)


@settings(max_examples=60, deadline=None)
@given(
    knowledge=arrays(np.float64, (2, 2, 3), elements=st.floats(0.1, 100.0)),
    frontier=arrays(np.float64, (2, 2, 3), elements=st.floats(0.0, 200.0)),
    access=arrays(np.float64, (2, 2, 3), elements=st.floats(0.0, 1.0)),
    exposed=arrays(np.float64, (2, 2, 3), elements=st.floats(0.0, 50.0)),
)
def test_imitation_never_exceeds_the_gap(knowledge, frontier, access, exposed):
    total, from_leakage = imitation(
        knowledge,
        0.5 * knowledge,
        frontier,
        np.maximum(frontier, knowledge),
        access,
        exposed,
        np.full((2, 1, 3), 1.0),
        np.full(2, 0.8),
        np.full(2, 1.0),
        np.full(2, 0.5),
    )
    gap = np.maximum(frontier - knowledge, 0.0)
    assert (total >= 0).all() and (total <= gap + 1e-12).all()
    assert (from_leakage >= 0).all() and (from_leakage <= total + 1e-12).all()


def test_own_production_and_knowledge_step_by_hand():
    """E7: K' = (1-δ)K + θR(1 - denial X (1-SS))(1 + indig. Z) + Imit."""
    own = own_production(
        a(10), np.array([2.0]), np.array([0.5]), a(0.8), np.array([0.3]), a(0.4), a(0.25)
    )
    expected_own = 2.0 * 10 * (1 - 0.5 * 0.8 * 0.75) * (1 + 0.3 * 0.4)
    np.testing.assert_allclose(own, expected_own)
    new = knowledge_step(
        a(100),
        a(10),
        np.array([2.0]),
        a(0.15),
        np.array([0.5]),
        a(0.8),
        np.array([0.3]),
        a(0.4),
        a(3),
        a(0.25),
    )
    np.testing.assert_allclose(new, 0.85 * 100 + expected_own + 3)


def test_indigenous_capacity_approaches_exclusion():
    capacity = a(0.0)
    capacity = indigenous_capacity_step(capacity, a(0.6), np.array([4.0]))
    np.testing.assert_allclose(capacity, 0.15)
    for _ in range(200):
        capacity = indigenous_capacity_step(capacity, a(0.6), np.array([4.0]))
    np.testing.assert_allclose(capacity, 0.6)


def test_rd_intensity_step_by_hand_and_zero_under_the_status_quo():
    capacity = np.array([[[0.5, 0.3]]])  # (S, P, D)
    exclusion0 = np.array([[[0.1, 0.1]]])
    args = (np.array([0.5]), np.array([0.25]), np.array([0.04]))
    x = rd_intensity_step(np.array([[0.0]]), 0.02, capacity, exclusion0, *args)
    target = 0.5 * np.mean([0.4, 0.2]) * (0.04 - 0.02)
    np.testing.assert_allclose(x, [[0.25 * target]])
    still = rd_intensity_step(np.array([[0.0]]), 0.02, exclusion0, exclusion0, *args)
    np.testing.assert_array_equal(still, 0.0)


def test_self_sufficiency_drifts_as_observed_at_the_start():
    """At ρ = ρ0 and Z = Z0 the step adds drift (1 - SS): the IC Insights drift."""
    share = self_sufficiency_step(a(0.16), a(0.0057), a(0.3), a(0.3), one, one, a(0.2), a(0.2))
    np.testing.assert_allclose(share, 0.16 + 0.0057 * 0.84)


@settings(max_examples=60, deadline=None)
@given(
    share=arrays(np.float64, (2, 1, 3), elements=st.floats(0.0, 1.0)),
    relative=arrays(np.float64, (2, 1, 3), elements=st.floats(0.0, 5.0)),
    capacity=arrays(np.float64, (2, 1, 3), elements=st.floats(0.0, 1.0)),
)
def test_self_sufficiency_stays_a_share_and_never_falls(share, relative, capacity):
    new = self_sufficiency_step(
        share, np.full((2, 1, 3), 0.05), relative, 0.3, np.ones(2), np.full(2, 2.0), capacity, 0.5
    )
    assert ((new >= 0) & (new <= 1)).all()
    assert (new >= share - 1e-15).all()


@pytest.fixture
def values():
    return {name: np.array([value]) for name, value in defaults().items()}


def test_china_step_advances_every_part_of_the_state(values):
    state = ChinaState(
        knowledge=a(100),
        know_how=a(50),
        capacity=a(0.3),
        self_sufficiency=a(0.2),
        rd_extra=np.zeros((1, 1)),
    )
    args = dict(
        rd=a(20),
        theta=one,
        depreciation=a(0.15),
        complexity=a(1.0),
        exclusion=a(0.5),
        imitated=a(2.0),
        frontier=a(400),
        relative0=a(0.25),
        exclusion0=a(0.1),
        ss_drift=a(0.005),
        rd_initial=0.024,
        values=values,
    )
    new = china_step(state, **args)
    v = values
    np.testing.assert_allclose(
        new.knowledge,
        knowledge_step(
            state.knowledge,
            a(20),
            one,
            a(0.15),
            v["denial"],
            a(0.5),
            v["indigenization"],
            a(0.3),
            a(2.0),
            a(0.2),
        ),
    )
    np.testing.assert_allclose(new.capacity, a(0.3 + 0.2 / v["indigenization_lag"][0]))
    assert new.know_how.shape == new.self_sufficiency.shape == SHAPE
    assert (new.rd_extra > 0).all()  # capacity above the status quo's exclusion: pressure
    # the twin without exclusion produces more on its own (nothing denied)
    free = china_step(state, **{**args, "exclusion": a(0.0)})
    assert (free.knowledge > new.knowledge).all()
