import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.params import DOMAINS, PARAMETERS, get_parameter, validate_values


def test_names_unique_and_defaults_in_range():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    for p in PARAMETERS:
        assert p.low <= p.default <= p.high
        assert p.source and p.unit and p.mechanism.startswith("E")


def test_domain_military_weights_sum_to_one():
    assert math.isclose(sum(d.military_weight for d in DOMAINS), 1.0)


@given(st.floats(0, 1))
def test_from_unit_stays_in_range(u):
    for p in PARAMETERS:
        v = float(p.from_unit(u))
        assert p.low - 1e-12 <= v <= p.high + 1e-9


def test_loguniform_median_is_geometric_mean():
    p = get_parameter("weakest_link_exponent")
    assert np.isclose(p.from_unit(0.5), math.sqrt(p.low * p.high))


@pytest.mark.parametrize(
    "values, fragment",
    [
        ({"no_such_param": 1}, "unknown parameter"),
        ({"denial": "abc"}, "expected a number"),
        ({"denial": float("nan")}, "finite"),
        ({"denial": 2.0}, "outside its range"),
    ],
)
def test_validate_values_rejects(values, fragment):
    with pytest.raises(InputError, match=fragment):
        validate_values(values, where="study.yaml")


def test_unknown_parameter_suggests_close_match():
    with pytest.raises(InputError, match="did you mean denial"):
        get_parameter("denail")
