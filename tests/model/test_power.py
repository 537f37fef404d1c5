"""E13 (:mod:`techbloc.model.power`): TFP terms relative to the world, economic power."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.model.power import economic_power, log_tfp_terms


def test_economic_power_is_output_squared_over_population():
    power = economic_power(np.array([10.0, 20.0, 5.0]), np.array([2.0, 8.0, np.nan]))
    np.testing.assert_allclose(power[:2], [50.0, 50.0])
    assert np.isnan(power[2])  # unknown population


def test_log_tfp_terms_by_hand():
    knowledge = np.array([[[[1.0, 2.0, 4.0], [1.0, 2.0, 0.0]]]])  # (S=1, P=1, D=2, N=3)
    frontier = np.array([[[10.0, 20.0]]])
    access = np.array([[[0.5, 0.25]]])
    domestic, foreign = log_tfp_terms(knowledge.sum(axis=2), frontier, access, china=2)
    total = np.array([2.0, 4.0, 4.0])
    np.testing.assert_allclose(domestic[0, 0], np.log(total) - np.log(total.mean()))
    # others: everyone else's stocks but China's; China: what its access reaches
    outside = np.array([4.0 + 0.0, 2.0 + 0.0, 0.5 * 10 + 0.25 * 20])
    np.testing.assert_allclose(foreign[0, 0], np.log(outside) - np.log(outside.mean()))


def test_usable_knowledge_replaces_the_domestic_term_only():
    knowledge = np.ones((1, 1, 3))  # (S, P, N), all domains
    usable = np.array([[[1.0, 3.0, 1.0]]])
    args = (np.ones((1, 1, 1)), np.ones((1, 1, 1)))
    base_d, base_f = log_tfp_terms(knowledge, *args, china=2)
    with_d, with_f = log_tfp_terms(knowledge, *args, china=2, usable=usable)
    np.testing.assert_allclose(base_f, with_f)
    np.testing.assert_allclose(with_d[0, 0], np.log([1.0, 3.0, 1.0]) - np.log(5.0 / 3.0))
    np.testing.assert_allclose(base_d, 0.0)


@settings(max_examples=50, deadline=None)
@given(
    knowledge=arrays(np.float64, (2, 2, 3, 4), elements=st.floats(0.01, 1e3)),
    scale=st.floats(0.1, 10.0),
)
def test_tfp_terms_cancel_a_common_scale(knowledge, scale):
    """Relative to the world mean: scaling every stock (and the frontier China reaches) by
    the same factor moves nothing, as a common decline in research productivity must not."""
    frontier = knowledge.sum(axis=-1)
    access = np.full((2, 2, 3), 0.5)
    total = knowledge.sum(axis=2)
    d, f = log_tfp_terms(total, frontier, access, china=0)
    d2, f2 = log_tfp_terms(scale * total, scale * frontier, access, china=0)
    np.testing.assert_allclose(d, d2, atol=1e-9)
    np.testing.assert_allclose(f, f2, atol=1e-9)
    # relative to the log of the mean, the mean of the logs is at most 0 (Jensen)
    assert (d.mean(axis=-1) <= 1e-12).all()
