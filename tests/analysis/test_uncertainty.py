"""Bootstrap over futures: intervals cover what they should, leads resolve when they should."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.analysis.uncertainty import _median, bootstrap, lead, resample_indices


def test_median_interval_brackets_the_median_and_narrows_with_more_futures():
    rng = np.random.default_rng(3)
    small = bootstrap(rng.normal(size=100), seed=1)
    large = bootstrap(rng.normal(size=3000), seed=1)
    assert small.low <= small.value <= small.high
    assert (large.high - large.low) < (small.high - small.low) / 3


def test_share_interval_matches_the_binomial_standard_error():
    rng = np.random.default_rng(5)
    flags = rng.random(2000) < 0.3
    est = bootstrap(flags, "share", seed=2)
    se = np.sqrt(0.3 * 0.7 / 2000)
    assert est.value == pytest.approx(flags.mean())
    assert (est.high - est.low) == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_nan_values_are_left_out_and_all_nan_gives_nan():
    est = bootstrap([1.0, np.nan, 3.0, 2.0], seed=0)
    assert est.n == 3 and est.value == 2.0
    empty = bootstrap([np.nan, np.nan])
    assert empty.n == 0 and np.isnan(empty.value) and np.isnan(empty.low)


def test_same_seed_same_interval_other_seed_close():
    values = np.random.default_rng(0).exponential(size=800)
    a, b, c = (bootstrap(values, seed=s) for s in (7, 7, 8))
    assert (a.low, a.high) == (b.low, b.high)
    assert abs(a.low - c.low) < 0.2 * (a.high - a.low)


def test_callable_statistic_reduces_the_last_axis():
    values = np.arange(1000.0)
    est = bootstrap(values, lambda a: np.percentile(a, 90, axis=-1), seed=0)
    assert est.value == pytest.approx(np.percentile(values, 90))


def test_bad_level_and_statistic_are_rejected():
    with pytest.raises(ValueError, match="level"):
        bootstrap([1.0, 2.0], level=1.0)
    with pytest.raises(ValueError, match="statistic"):
        bootstrap([1.0, 2.0], "mode")  # type: ignore[arg-type]


def test_lead_resolved_when_options_differ_and_not_when_they_tie():
    rng = np.random.default_rng(1)
    common = rng.normal(size=1000)  # shared future effect: paired comparison is sharp
    table = pd.DataFrame({"a": common + 0.05, "b": common, "c": common - 1})
    clear = lead(table, seed=0)
    assert (clear.best, clear.runner_up) == ("a", "b") and clear.resolved
    assert clear.holds > 0.95
    tie = lead(pd.DataFrame({"a": common, "b": common + rng.normal(0, 1e-3, 1000)}), seed=0)
    assert not tie.resolved or tie.margin.low < 1e-3


def test_lower_is_better_picks_the_smallest():
    table = pd.DataFrame({"x": np.arange(100.0), "y": np.arange(100.0) + 10})
    result = lead(table, "mean", lower_is_better=True, seed=0)
    assert result.best == "x" and result.margin.value == pytest.approx(10)
    assert result.values == {"x": pytest.approx(49.5), "y": pytest.approx(59.5)}


def test_lead_needs_two_options():
    with pytest.raises(ValueError, match="two options"):
        lead(pd.DataFrame({"a": [1.0, 2.0]}))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 50), b=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_resample_indices_stay_within_the_futures(n, b, seed):
    idx = resample_indices(n, b, seed)
    assert idx.shape == (b, n) and idx.min() >= 0 and idx.max() < n


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.integers(0, 1000))
def test_interval_lies_within_the_data(values, seed):
    est = bootstrap(values, seed=seed, n_resamples=50)
    assert min(values) <= est.low <= est.high <= max(values)


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 40)),
        elements=st.floats(-1e6, 1e6) | st.just(np.nan),
    )
)
def test_the_median_is_nanmedian(values) -> None:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN row
        np.testing.assert_array_equal(_median(values), np.nanmedian(values, axis=-1))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 60),
    options=st.sampled_from([None, 1, 3]),
    b=st.integers(1, 40),
    block=st.integers(1, 200),
    seed=st.integers(0, 2**31),
)
def test_resamples_in_blocks_are_the_resamples_at_once(n, options, b, block, seed):
    """The bootstrap draws its resamples a block at a time (memory bounded whatever the
    futures): the same indices, so the same statistics, as all at once."""
    from techbloc.analysis import uncertainty

    rng = np.random.default_rng(seed)
    a = rng.normal(size=n if options is None else (options, n))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(uncertainty, "_RESAMPLED_ELEMENTS", block)
        got = uncertainty._resampled(_median, a, b, seed)
    want = _median(a[..., resample_indices(n, b, seed)])
    np.testing.assert_array_equal(got, want)
