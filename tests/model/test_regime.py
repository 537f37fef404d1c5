"""E11 (:mod:`techbloc.model.regime`): US regimes and the credibility of its commitments."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.model.regime import (
    FIRST_RANDOM_ELECTION,
    LAST_OBSERVED_ELECTION,
    OBSERVED_TERMS,
    credibility_paths,
    observed_engaged,
    regime_paths,
    start_credibility,
)


@pytest.mark.parametrize(
    ("year", "engaged"),
    [
        (2009, True),
        (2016, True),
        (2017, False),
        (2020, False),
        (2021, True),
        (2025, False),
        (2028, False),
        (2008, None),
        (2029, None),
    ],
)
def test_observed_engaged_follows_the_terms(year, engaged):
    assert observed_engaged(year) is engaged


def test_the_first_random_election_follows_the_last_observed_one():
    assert LAST_OBSERVED_ELECTION == max(OBSERVED_TERMS) - 1 == 2024
    assert FIRST_RANDOM_ELECTION == 2028


def test_regime_paths_follow_history_then_the_draws():
    years = np.arange(2015, 2040)
    draws = np.array([[0.5] * 4, [0.5] * 4])
    always = regime_paths(years, draws, np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert always.shape == (2, len(years)) and always.dtype == bool
    for t, year in enumerate(years):
        if observed_engaged(int(year)) is not None:
            assert (always[:, t] == observed_engaged(int(year))).all()
    # scenario 0 switches at every election (T in 2025-28 -> E 2029-32 -> T 2033-36 -> E),
    # scenario 1 never does (transactional from 2025 on)
    after = years >= 2029
    expected = ((years[after] - 2029) // 4) % 2 == 0
    np.testing.assert_array_equal(always[0, after], expected)
    assert not always[1, after].any()


def test_regime_paths_use_one_draw_per_election():
    years = np.arange(2029, 2041)  # terms from 2029, 2033, 2037
    draws = np.array([[0.1, 0.9, 0.1]])
    engaged = regime_paths(years, draws, np.array([0.5]), np.array([0.5]))
    # T -> E (0.1 < 0.5) -> stays E (0.9) -> T (0.1 < 0.5)
    np.testing.assert_array_equal(engaged[0, ::4], [True, True, False])


def test_credibility_paths_compound_a_term_per_four_years():
    engaged = np.zeros((1, 9), dtype=bool)
    institutional, credibility = credibility_paths(
        engaged, np.array([0.8]), np.array([0.2]), np.array([0.5]), np.array([0.6])
    )
    # one transactional term (four yearly steps) loses exactly cred_decay
    np.testing.assert_allclose(institutional[0, 4], 0.8 * (1 - 0.2))
    np.testing.assert_allclose(institutional[0, 8], 0.8 * (1 - 0.2) ** 2)
    np.testing.assert_allclose(credibility, 0.6 * institutional)  # Cred = w Cinst + (1-w) 1[E]


def test_credibility_recovers_by_the_fraction_per_engaged_term():
    institutional, credibility = credibility_paths(
        np.ones((1, 5), dtype=bool),
        np.array([0.5]),
        np.array([0.2]),
        np.array([0.5]),
        np.array([0.6]),
    )
    np.testing.assert_allclose(institutional[0, 4], 0.5 + 0.2 * 0.5 * (1 - 0.5))
    np.testing.assert_allclose(credibility, 0.6 * institutional + 0.4)


def test_start_credibility_is_the_anchor_in_the_anchor_year():
    anchor = np.array([0.3, 0.7])
    level = start_credibility(LAST_OBSERVED_ELECTION, anchor, np.full(2, 0.2), np.full(2, 0.5))
    np.testing.assert_allclose(level, anchor)


@settings(max_examples=40, deadline=None)
@given(
    start=st.integers(2010, LAST_OBSERVED_ELECTION),
    anchor=st.floats(0.3, 0.9),
    decay=st.floats(0.05, 0.3),
    fraction=st.floats(0.1, 0.9),
)
def test_start_credibility_run_forward_reaches_the_anchor(start, anchor, decay, fraction):
    """Inverting the observed years and running E11 forward again gives the anchor back
    where no clip binds, and the nearest level a run can reach where one does (the run is
    increasing in its start level)."""
    args = (np.array([decay]), np.array([fraction]))
    level = start_credibility(start, np.array([anchor]), *args)
    years = np.arange(start, LAST_OBSERVED_ELECTION + 1)
    engaged = np.array([[bool(observed_engaged(int(y))) for y in years]])
    institutional, _ = credibility_paths(engaged, level, *args, np.array([1.0]))
    if 0.0 < level[0] < 1.0:
        assert institutional[0, -1] == pytest.approx(anchor, abs=1e-9)
    elif level[0] == 1.0:  # even the highest start falls short of the anchor
        assert institutional[0, -1] <= anchor + 1e-9
    else:  # even the lowest start overshoots it
        assert level[0] == 0.0 and institutional[0, -1] >= anchor - 1e-9
