"""The baseline GDP and R&D paths (:mod:`techbloc.model.baseline`)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.model.baseline import GROWTH_WINDOW, baseline, rd_ceiling
from techbloc.model.inputs import ModelInputs
from techbloc.params import get_parameter

NAMES = ("long_run_gdp_growth", "gdp_convergence_years", "rd_trend_years")


def _values(s=1, **given):
    out = {n: np.full(s, get_parameter(n).default) for n in NAMES}
    out.update({k: np.asarray(v, dtype=float) for k, v in given.items()})
    return out


def _inputs(gdp_growth=(0.05, 0.01), rd_growth=(0.05, 0.01), rd=(2.0, 1.0), gdp=(100.0, 50.0)):
    """Two countries with one data point each (2020), no earlier history."""
    n = len(rd)
    zeros = np.zeros(n)
    fields = {f.name: zeros for f in dataclasses.fields(ModelInputs) if f.init}
    del fields["history_years"], fields["history_rd"], fields["history_gdp"]
    fields.update(
        codes=("AAA", "BBB"),
        rd=np.array(rd),
        gdp=np.array(gdp),
        rd_year=np.full(n, 2020.0),
        rd_growth=np.array(rd_growth),
        gdp_growth=np.array(gdp_growth),
        friction=np.zeros((n, n)),
        friction_low=np.zeros((n, n)),
        friction_high=np.zeros((n, n)),
        row_rd=10.0,
        row_rd_year=2020.0,
        row_gdp=0.0,
        row_growth=0.0,
        china=0,
        usa=1,
    )
    return ModelInputs(**fields)


def test_rd_ceiling_is_the_highest_observed_intensity():
    assert rd_ceiling(_inputs(rd=(2.0, 1.5), gdp=(100.0, 50.0))) == pytest.approx(0.03)


def test_shapes_and_the_central_path():
    years = np.arange(2020, 2031)
    base = baseline(_inputs(), _values(3), years)
    assert base.output.shape == (11, 2) and base.row_rd.shape == (11,)
    for name in ("gdp", "rd", "intensity"):
        assert getattr(base, name).shape == (3, 11, 2)
    assert base.start_growth.shape == (3, 2) and base.observed.dtype == bool
    np.testing.assert_allclose(base.gdp[0], base.output)  # the defaults are the central path
    np.testing.assert_allclose(base.intensity, base.rd / base.output[None])
    np.testing.assert_array_equal(base.observed[:, 0], years <= 2020)


def test_projected_gdp_growth_converges_as_the_docstring_says():
    """g(t) = gL + (g0 - gL) exp(-(t - a) / convergence), gL = min(g0, long_run)."""
    values = _values(long_run_gdp_growth=[0.02], gdp_convergence_years=[10.0])
    base = baseline(_inputs(), values, np.arange(2020, 2024))
    growth = base.gdp[0, 1:, :] / base.gdp[0, :-1, :] - 1.0
    steps = np.arange(1, 4)[:, None]
    expected_fast = 0.02 + 0.03 * np.exp(-steps / 10.0)
    np.testing.assert_allclose(growth[:, [0]], expected_fast)
    np.testing.assert_allclose(growth[:, 1], 0.01)  # slower than the long run: kept
    np.testing.assert_allclose(base.gdp[0, 0], [100.0, 50.0])  # the data year's GDP


def test_rd_follows_its_intensity_trend_within_the_ceiling():
    # R&D grows faster than GDP: the intensity rises, fading, and stops at the ceiling
    inputs = _inputs(gdp_growth=(0.02, 0.02), rd_growth=(0.10, 0.02))
    base = baseline(inputs, _values(rd_trend_years=[50.0]), np.arange(2020, 2061))
    intensity = base.rd[0] / base.gdp[0]
    assert (np.diff(intensity[:, 0]) >= -1e-15).all()
    assert intensity.max() <= rd_ceiling(inputs) + 1e-15
    np.testing.assert_allclose(intensity[:, 1], 0.02)  # no trend: constant


def test_start_growth_measures_the_first_window():
    years = np.arange(2020, 2026)  # shorter than the window: the grid extends past it
    base = baseline(_inputs(), _values(), years)
    longer = baseline(_inputs(), _values(), np.arange(2020, 2020 + GROWTH_WINDOW + 1))
    np.testing.assert_allclose(base.start_growth, longer.start_growth)
    ratio = longer.rd[:, -1] / longer.rd[:, 0]
    np.testing.assert_allclose(longer.start_growth, ratio ** (1 / GROWTH_WINDOW) - 1.0)


def test_rest_of_world_moves_with_central_gdp():
    base = baseline(_inputs(), _values(), np.arange(2020, 2030))
    total = base.output.sum(axis=1)
    np.testing.assert_allclose(base.row_rd, 10.0 * total / total[0])


@settings(max_examples=30, deadline=None)
@given(low=st.floats(0.0, 0.03), high=st.floats(0.0, 0.03))
def test_a_higher_long_run_rate_never_lowers_gdp(low, high):
    low, high = min(low, high), max(low, high)
    base = baseline(_inputs(), _values(2, long_run_gdp_growth=[low, high]), np.arange(2020, 2050))
    assert (base.gdp[1] >= base.gdp[0] * (1 - 1e-12)).all()
    assert (base.gdp[0, 0] == base.gdp[1, 0]).all()  # the data year is observed


def test_observed_paths_are_computed_once_per_inputs_object():
    """Every block of a run reads the same observed paths; other inputs get their own."""
    from techbloc.model import baseline as module

    grid = np.arange(2015, 2041)
    inputs = _inputs()
    first = module._observed_once(inputs, 2015, 2040)
    assert module._observed_once(inputs, 2015, 2040) is first
    assert not any(array.flags.writeable for array in first)
    other = _inputs(rd=(3.0, 1.0))  # equal in shape, different in value
    again = module._observed_once(other, 2015, 2040)
    assert again is not first
    assert not np.array_equal(again[1], first[1])
    for array, expected in zip(again, module._observed(other, grid), strict=True):
        np.testing.assert_array_equal(array, expected)
    assert (
        module._observed_once.cache_info().currsize
        <= module._observed_once.cache_info().maxsize
        == 8
    )
