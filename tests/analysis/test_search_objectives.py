import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.analysis.search_objectives import Objective, _nanpercentile, parse_objective
from techbloc.errors import InputError


def test_parse_objective():
    assert parse_objective("leakage:min") == Objective("leakage", "min", 50.0)
    o = parse_objective("alliance_rd_share:max:p10")
    assert o.statistic == 10.0 and o.label == "alliance_rd_share_p10"
    assert parse_objective("x:min:mean").statistic == "mean"
    # without a direction: the registered output's (leakage stands for a leak rate or flow)
    assert parse_objective("leakage") == Objective("leakage", "min", 50.0)
    assert parse_objective("cohesion::p10") == Objective("cohesion", "max", 10.0)
    with pytest.raises(InputError, match="needs a direction"):
        parse_objective("x::mean")
    with pytest.raises(InputError):
        parse_objective("x:up")
    with pytest.raises(InputError):
        parse_objective("leakage:min:p50:extra")
    with pytest.raises(InputError):
        parse_objective("x:max:q3")


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 6)),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    st.floats(0, 100),
)
def test_nanpercentile_equals_numpy(values, q):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(values, q, axis=0)
    np.testing.assert_array_equal(_nanpercentile(values, q, 0), expected)


def test_objective_reduces_over_scenarios():
    values = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 4.0]])
    np.testing.assert_array_equal(Objective("x", "max").reduce(values), [3.0, 3.0])
    np.testing.assert_array_equal(Objective("x", "max", "mean").reduce(values), [3.0, 3.0])
    assert Objective("x", "min", 90.0).label == "x_p90"
    with pytest.raises(InputError, match="percentile"):
        Objective("x", "min", 101.0)
