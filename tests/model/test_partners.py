"""E10's will split into terms (:func:`techbloc.model.partners.will_terms`)."""

from __future__ import annotations

import numpy as np
import pytest

from techbloc.model.inputs import prepare_inputs
from techbloc.model.partners import WILL_TERMS, will, will_logit_base, will_terms
from techbloc.params import PARAMETERS


@pytest.fixture(scope="module")
def inputs(world):
    return prepare_inputs(world)


@pytest.fixture(scope="module")
def values(sampled_scenarios):
    """Every parameter: sampled where uncertain, its default otherwise, shape (S,)."""
    n = len(sampled_scenarios)
    out = {p.name: np.full(n, float(p.default)) for p in PARAMETERS}
    out.update({k: sampled_scenarios[k].to_numpy(float) for k in sampled_scenarios})
    return out


def test_terms_add_up_to_the_models_will(inputs, values) -> None:
    rng = np.random.default_rng(5)
    s, n = len(values["will_intercept"]), inputs.n
    credibility = rng.random(s)
    margin = rng.normal(0.0, 2.0, (s, n))
    terms = will_terms(inputs, values, credibility, margin)
    assert list(terms) == list(WILL_TERMS)
    assert all(t.shape == (s, n) for t in terms.values())
    from techbloc.model.partners import hedging_values

    base = will_logit_base(inputs, values, hedging_values(inputs, values["hedging_position"]))
    model = will(
        base, values["will_credibility"], credibility, values["will_value"], margin[:, None], 0
    )[:, 0]
    logit = sum(terms.values())
    others = np.arange(n) != 0  # index 0 is passed as the "USA" (will 1 by construction)
    np.testing.assert_allclose(
        1.0 / (1.0 + np.exp(-logit))[:, others], model[:, others], rtol=1e-12
    )


def test_hedging_term_uses_the_scenarios_positioned_value(inputs, values) -> None:
    high = dict(values, hedging_position=np.ones_like(values["hedging_position"]))
    low = dict(values, hedging_position=-np.ones_like(values["hedging_position"]))
    credibility = np.full(len(values["will_intercept"]), 0.5)
    w = values["will_hedging"][:, None]
    np.testing.assert_allclose(
        will_terms(inputs, high, credibility)["hedging"], -w * inputs.hedging_high
    )
    np.testing.assert_allclose(
        will_terms(inputs, low, credibility)["hedging"], -w * inputs.hedging_low
    )


def test_membership_term_is_bounded_and_zero_outside(inputs, values) -> None:
    credibility = np.zeros(len(values["will_intercept"]))
    outside = will_terms(inputs, values, credibility)
    assert np.all(outside["membership"] == 0.0) and np.all(outside["credibility"] == 0.0)
    huge = np.full((len(credibility), inputs.n), 1e6)
    inside = will_terms(inputs, values, credibility, huge)["membership"]
    np.testing.assert_allclose(inside, np.broadcast_to(values["will_value"][:, None], inside.shape))
