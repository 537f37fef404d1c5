"""Historical mode (issue 18, item 5) and the converging baseline (item 3)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc import Coalition, Policy, load_world, simulate
from techbloc.errors import InputError
from techbloc.experiments.study import YearsSpec
from techbloc.model.baseline import baseline, rd_ceiling
from techbloc.model.history import (
    STATUS_QUO_STRINGENCY,
    self_sufficiency_start,
    status_quo_stringency_path,
)
from techbloc.model.inputs import prepare_inputs
from techbloc.model.regime import (
    FIRST_RANDOM_ELECTION,
    credibility_paths,
    regime_paths,
    start_credibility,
)
from techbloc.params import get_parameter
from techbloc.years import EARLIEST_START_YEAR, check_years


@pytest.fixture(scope="module")
def inputs():
    return prepare_inputs(load_world())


def _defaults(s=1, **values):
    names = ("long_run_gdp_growth", "gdp_convergence_years", "rd_trend_years")
    out = {n: np.full(s, get_parameter(n).default) for n in names}
    out.update({k: np.asarray(v, dtype=float) for k, v in values.items()})
    return out


def test_start_years_before_2010_are_refused():
    assert EARLIEST_START_YEAR == 2010
    with pytest.raises(InputError, match="before 2010"):
        check_years(2009, 2020)
    with pytest.raises(InputError, match="before start"):
        check_years(2012, 2011)
    with pytest.raises(ValueError):
        YearsSpec(start=2009, end=2020)
    assert YearsSpec(start=2010, end=2023).start == 2010
    policy = Policy(Coalition.from_preset("forging_core"))
    with pytest.raises(InputError, match="before 2010"):
        simulate(load_world(), pd.DataFrame(index=range(1)), [policy], start_year=2005)


def test_observed_gerd_and_gdp_are_reproduced_in_observed_years(inputs):
    history = load_world().gerd_history()
    years = np.arange(2010, 2024)
    paths = baseline(inputs, _defaults(), years)
    for code in ("USA", "CHN", "DEU", "KOR"):
        i = inputs.codes.index(code)
        row = history[(history["iso3"] == code) & (history["year"] == 2010)].iloc[0]
        assert paths.rd[0, 0, i] == pytest.approx(row["gerd_ppp_usd_bn"], rel=1e-9)
        assert paths.gdp[0, 0, i] == pytest.approx(row["gdp_ppp_usd_bn"], rel=1e-9)
        t = int(inputs.rd_year[i]) - 2010
        assert paths.rd[0, t, i] == pytest.approx(inputs.rd[i], rel=1e-9)
        assert paths.gdp[0, t, i] == pytest.approx(inputs.gdp[i], rel=1e-9)
        assert paths.observed[t, i] and not paths.observed[-1, i]
    # log-linear in between: China's 2015 GERD is the geometric mean path of 2010-21
    c = inputs.china
    expected = 212.16 * (667.64 / 212.16) ** (5 / 11)
    assert paths.rd[0, 5, c] == pytest.approx(expected, rel=1e-9)


def test_a_2024_start_is_the_same_path_as_a_2010_start(inputs):
    v = _defaults(3, long_run_gdp_growth=[0.015, 0.02, 0.03], rd_trend_years=[5, 10, 20])
    late = baseline(inputs, v, np.arange(2024, 2051))
    early = baseline(inputs, v, np.arange(2010, 2051))
    np.testing.assert_allclose(early.rd[:, 14:], late.rd, rtol=1e-12)
    np.testing.assert_allclose(early.output[14:], late.output, rtol=1e-12)
    np.testing.assert_allclose(early.row_rd[14:], late.row_rd, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    long_run=st.floats(0.015, 0.03),
    convergence=st.floats(4.0, 15.0),
    trend_years=st.floats(5.0, 20.0),
)
def test_growth_converges_and_intensity_stays_below_the_ceiling(
    inputs, long_run, convergence, trend_years
):
    v = _defaults(
        long_run_gdp_growth=[long_run],
        gdp_convergence_years=[convergence],
        rd_trend_years=[trend_years],
    )
    years = np.arange(2010, 2101)
    paths = baseline(inputs, v, years)
    intensity = paths.rd / paths.gdp
    assert (intensity <= rd_ceiling(inputs) * (1 + 1e-12)).all()
    growth = paths.gdp[0, 1:] / paths.gdp[0, :-1] - 1.0  # (T-1, N)
    projected = years[1:, None] > inputs.rd_year[None, :]
    fast = inputs.gdp_growth > long_run
    # fast growers slow down year after year towards the long-run rate, never below it
    late = growth[-1]
    assert np.allclose(late[fast], long_run, atol=2e-3)
    assert (growth[projected[:, fast].all(axis=1)][:, fast] >= long_run - 1e-12).all()
    assert (np.diff(growth[-60:, fast], axis=0) <= 1e-12).all()
    # slower growers keep their projected rate
    np.testing.assert_allclose(late[~fast], inputs.gdp_growth[~fast], rtol=1e-9)


def test_regime_history_as_it_happened_whatever_the_draws():
    years = np.arange(2010, 2041)
    draws = np.random.default_rng(1).random((50, 10))
    engaged = regime_paths(years, draws, np.full(50, 0.5), np.full(50, 0.5))
    expected = {2010: True, 2016: True, 2017: False, 2020: False, 2021: True, 2024: True}
    expected |= {2025: False, 2028: False}
    for year, value in expected.items():
        assert (engaged[:, year - 2010] == value).all(), year
    assert FIRST_RANDOM_ELECTION == 2028
    after = engaged[:, years > FIRST_RANDOM_ELECTION]
    assert after.any() and not after.all()  # random only after the last observed election
    # the same draws give the same future from any start year
    late = regime_paths(np.arange(2024, 2041), draws, np.full(50, 0.5), np.full(50, 0.5))
    np.testing.assert_array_equal(engaged[:, 14:], late)


@settings(max_examples=25, deadline=None)
@given(
    anchor=st.floats(0.3, 0.7),
    decay=st.floats(0.05, 0.2),
    fraction=st.floats(0.2, 0.9),
    start=st.integers(2017, 2024),
)
def test_credibility_from_any_start_year_reaches_the_anchor(anchor, decay, fraction, start):
    """Unless the back-cast is clipped at 1, a run from an earlier start reaches Cinst(2024)."""
    a, d, f = (np.array([x]) for x in (anchor, decay, fraction))
    years = np.arange(start, 2025)
    engaged = regime_paths(years, np.zeros((1, 3)), np.zeros(1), np.zeros(1))
    initial = start_credibility(start, a, d, f)
    assert (initial < 1.0).all()  # mild parameters: no clip
    institutional, _ = credibility_paths(engaged, initial, d, f, np.full(1, 0.5))
    assert institutional[0, -1] == pytest.approx(anchor, rel=1e-9)


def test_status_quo_controls_and_self_sufficiency_follow_the_observed_history():
    path = status_quo_stringency_path(np.arange(2010, 2026))
    assert path[0] == path[8] < path[9] < path[10] <= path[12] < path[13]  # 2018, 2019, 2020, 2023
    assert path[-1] == STATUS_QUO_STRINGENCY
    assert (np.diff(path) >= 0).all()
    semis = 0  # DOMAINS[0]
    assert self_sufficiency_start(2010)[semis] == pytest.approx(0.102)
    assert self_sufficiency_start(2015)[semis] == pytest.approx((0.102 + 0.159) / 2)
    assert self_sufficiency_start(2024)[semis] == pytest.approx(0.159)
    np.testing.assert_array_equal(
        self_sufficiency_start(2010)[1:], self_sufficiency_start(2024)[1:]
    )


def test_a_hindcast_records_what_history_matching_needs():
    policy = Policy(Coalition.from_preset("forging_core"))
    ds = simulate(
        load_world(), pd.DataFrame(index=range(3)), [policy], start_year=2010, end_year=2023
    )
    for name in (
        "china_knowledge_share_trajectory",
        "china_rd_share_trajectory",
        "rd_ratio_china_us_trajectory",
        "china_self_sufficiency_by_domain_trajectory",
        "members_remaining_trajectory",
        "credibility",
    ):
        assert name in ds, name
    ratio = ds["rd_ratio_china_us_trajectory"].isel(scenario=0).sel(policy=policy.label)
    assert float(ratio.isel(year=0)) == pytest.approx(212.16 / 408.5, rel=0.02)
    assert float(ds["credibility"].isel(scenario=0).sel(year=2017)) < float(
        ds["credibility"].isel(scenario=0).sel(year=2016)
    )
