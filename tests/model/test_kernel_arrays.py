"""The compiled kernels' argument tuples (:mod:`techbloc.model.kernel_arrays`)."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from techbloc.model import flows, kernels, relative_gains
from techbloc.model.kernel_arrays import (
    FlowArrays,
    MarginArrays,
    ToggleArrays,
    VetoArrays,
    contiguous,
)
from techbloc.model.partners import _compiled_margins


def test_contiguous_does_not_copy_what_is_already_contiguous_float64():
    a = np.arange(6.0).reshape(2, 3)
    assert contiguous(a) is a


def test_contiguous_copies_a_fortran_view_and_converts_the_dtype():
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    c = contiguous(a)
    assert c.flags.c_contiguous and not np.shares_memory(a, c)
    np.testing.assert_array_equal(c, a)
    flags = contiguous([1, 0, 2], np.bool_)
    assert flags.dtype == np.bool_ and flags.tolist() == [True, False, True]
    assert contiguous([1, 2]).dtype == np.float64


@settings(max_examples=50, deadline=None)
@given(
    a=arrays(np.float64, array_shapes(min_dims=1, max_dims=4), elements=st.floats(-1e6, 1e6)),
    step=st.integers(1, 3),
)
def test_contiguous_keeps_the_values_of_any_view(a, step):
    view = a[..., ::step]
    c = contiguous(view)
    assert c.flags.c_contiguous and c.dtype == np.float64
    np.testing.assert_array_equal(c, view)


@pytest.mark.parametrize("arrays_type", [FlowArrays, MarginArrays, ToggleArrays, VetoArrays])
def test_each_kernel_is_registered_with_its_tuple(arrays_type):
    assert flows and relative_gains  # loading the mechanisms registers their kernels
    assert arrays_type in {entry.arrays for entry in kernels.KERNELS.values()}
    assert len(set(arrays_type._fields)) == len(arrays_type._fields)


@pytest.mark.parametrize("arrays_type", [MarginArrays, ToggleArrays, VetoArrays])
def test_the_docstring_names_every_argument(arrays_type):
    """Each field's shape is documented: the docstring names it (``name``)."""
    missing = [f for f in arrays_type._fields if f"``{f}``" not in arrays_type.__doc__]
    assert not missing, f"{arrays_type.__name__} does not document {missing}"


def test_the_margins_call_hands_the_kernel_contiguous_float64_and_bool_members():
    """:func:`~techbloc.model.partners.margins_from_flows`'s compiled path builds
    :class:`MarginArrays` by keyword from arguments of any layout."""
    S, P, N = 2, 3, 4
    rng = np.random.default_rng(0)

    def f(*shape):  # a non-contiguous float view
        return np.asfortranarray(rng.random(shape))

    args = SimpleNamespace(
        gain=f(S, P, N),
        contribution=f(S, P, N),
        allied_bonus=f(S, P, N),
        rd=f(S, P, N),
        theta=rng.random(S),
        target_mean=rng.random(P),
        floor_mean=0.5,
        will_=f(S, P, N),
        members=rng.random((S, P, N)) > 0.5,
        reach=rng.random(S),
        dependence=rng.random(N),
        friction_sum=f(S, P, N),
        threat=rng.random(N),
        credibility=rng.random(S),
        values={
            k: rng.random(S)
            for k in ("payoff_scale", "trade_cost", "friction_scale", "security_value")
        },
    )
    seen = []
    _compiled_margins(lambda arrays: seen.append(arrays) or np.zeros((S, P, N)), args)
    (built,) = seen
    assert isinstance(built, MarginArrays)
    for name, value in built._asdict().items():
        assert value.flags.c_contiguous, name
        assert value.dtype == (np.bool_ if name == "members" else np.float64), name
    assert built.target_mean.shape == built.floor_mean.shape == (S, P)
    np.testing.assert_array_equal(built.bonus, args.allied_bonus)
    np.testing.assert_array_equal(built.will, args.will_)
    np.testing.assert_array_equal(built.payoff_scale, args.values["payoff_scale"])
