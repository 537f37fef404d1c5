"""The eight behaviours MODEL.md §8 requires, on the bundled world at default parameters."""

import numpy as np
import pandas as pd
import pytest

from techbloc.coalitions import Coalition
from techbloc.model import simulate
from techbloc.model.controls import pool_leak_rate
from techbloc.model.partners import capability_step
from techbloc.policies import Policy


def test_8_1_espionage_helps_only_partly(world, core, defaults_table):
    """Leakage off lowers China's knowledge after 20 years by roughly 8-18%."""
    with_leak = simulate(world, defaults_table(8), [core], end_year=2044, trajectories=False)
    without = simulate(
        world,
        defaults_table(8, base_leak_rate=0.0),
        [core],
        end_year=2044,
        trajectories=False,
        check_ranges=False,
    )
    drop_k = float((1 - without.china_knowledge / with_leak.china_knowledge).median())
    drop_m = float((1 - without.china_capability / with_leak.china_capability).median())
    assert 0.08 <= drop_k <= 0.18
    # realized capability moves less than knowledge: know-how cannot be stolen
    assert 0 < drop_m < drop_k
    assert float(without.leakage_absorbed.max()) == 0.0


def test_8_2_complexity_blocks_imitation(world, core, defaults_table):
    """With high leakage, complex domains keep a wide capability gap, simple ones converge."""
    ds = simulate(
        world,
        defaults_table(4, base_leak_rate=0.3, stock_leak_share=3.2),  # top of the range
        [core],
        check_ranges=False,
    )
    gap = ds.gap_capability_by_domain_trajectory.median("scenario").sel(policy=core.label)
    after_15 = gap.sel(year=2039)
    start = gap.sel(year=2024)
    for complex_domain in ("aerospace_defence", "semiconductors"):
        # v4: stocks consistent with the path's growth give China a larger start stock, so
        # the aerospace gap starts at 0.61 (v3: 0.72) and keeps 80% of it (0.49; v3 0.54,
        # 74%): a wide gap is now > 0.45 in log units (China below 64% of the US)
        assert after_15.sel(domain=complex_domain) > 0.45
        assert after_15.sel(domain=complex_domain) > 0.6 * start.sel(domain=complex_domain)
    assert after_15.sel(domain="ai_software") < 0.3 * start.sel(domain="ai_software")


def test_8_3_self_sufficiency_drift(world, defaults_table):
    """Without new shocks, semiconductor self-sufficiency rises ~0.5-1.0 points a year."""
    status_quo = Policy(Coalition.parse("USA"), name="status_quo")
    ds = simulate(world, defaults_table(8), [status_quo], end_year=2034)
    ss = ds.china_self_sufficiency_by_domain_trajectory.sel(
        domain="semiconductors", policy="status_quo"
    ).median("scenario")
    yearly = np.diff(ss.values) * 100
    assert np.all((yearly >= 0.5) & (yearly <= 1.0))


def test_8_4_credibility_falls_fast_recovers_slowly(world, core, defaults_table):
    ds = simulate(world, defaults_table(60), [core], end_year=2036)
    years = ds.year.values
    cred = ds.credibility.values
    inst = ds.institutional_credibility.values
    engaged = ds.engaged.values
    # the 2025-2028 transactional term: a sharp fall
    assert np.all(cred[:, years == 2028][:, 0] < cred[:, years == 2024][:, 0] - 0.3)
    # an engaged term after it recovers only part of the institutional loss
    recovered = engaged[:, (years >= 2029) & (years <= 2032)].all(axis=1)
    assert 0 < recovered.sum() < len(recovered)
    before = inst[recovered][:, years == 2025][:, 0]
    fallen = inst[recovered][:, years == 2029][:, 0]
    after = inst[recovered][:, years == 2033][:, 0]
    assert np.all(after > fallen)
    assert np.all(after < before)


def test_8_4_transactional_years_explain_credibility(world, core, sampled_scenarios):
    ds = simulate(world, sampled_scenarios, [core], trajectories=False)
    inst = ds.institutional_credibility_final.values
    r2_years = np.corrcoef(ds.transactional_years, inst)[0, 1] ** 2
    r2_prob = np.corrcoef(sampled_scenarios.p_engaged_to_transactional, inst)[0, 1] ** 2
    assert r2_years > 0.5
    assert r2_years > 2 * r2_prob


def test_8_5_breadth_dilutes_strictness(world, defaults_table):
    """Adding members never raises achieved stringency; less willing members lower it."""
    nested = [
        "USA,GBR,CAN",
        "USA,GBR,CAN,AUS,JPN",
        "USA,GBR,CAN,AUS,JPN,KOR",
        "USA,GBR,CAN,AUS,JPN,KOR,ISR",
        "USA,GBR,CAN,AUS,JPN,KOR,ISR,HUN",
    ]
    policies = [Policy(Coalition.parse(members), name=str(i)) for i, members in enumerate(nested)]
    ds = simulate(world, defaults_table(4), policies, end_year=2024)
    s = ds.achieved_stringency.isel(scenario=0).values
    assert np.all(np.diff(s) <= 1e-12)
    assert s[-1] < s[0] - 0.01
    # with a large weakest-link exponent the leakiest member dominates the pool
    leak = np.array([[[0.01, 0.02, 0.20]]])
    contribution = np.array([[[10.0, 10.0, 1.0]]])
    weakest = pool_leak_rate(leak, contribution, np.array([32.0]))
    average = pool_leak_rate(leak, contribution, np.array([1.0]))
    assert weakest[0, 0] > 0.9 * 0.20
    assert average[0, 0] < 0.05


def test_8_6_capacity_building_moves_capability_not_will():
    capability = np.array([[[0.2, 0.5, 0.9]]])
    new = capability_step(capability, np.array([0.2]), np.ones((1, 1, 3)))
    will = np.array([[[0.9, 0.9, 0.001]]])
    gain = (new - capability) * will
    # proportional to the capability gap closed, scaled by will
    np.testing.assert_allclose(gain[0, 0, :2], 0.2 * (1 - capability[0, 0, :2]) * 0.9)
    assert gain[0, 0, 2] < 1e-4


def test_8_6_capacity_building_in_the_model(world, defaults_table):
    members = Coalition.parse("USA,JPN,IND")
    plain = Policy(members, name="plain")
    built = Policy(members, capacity_building={"IND": 1.0}, name="built")
    ds = simulate(world, defaults_table(4), [plain, built], end_year=2034)
    leak = ds.leakage_exposed.median("scenario")
    assert leak.sel(policy="built") < leak.sel(policy="plain")


def test_8_7_exclusion_backfires_in_some_futures_only(world, core, sampled_scenarios):
    ds = simulate(world, sampled_scenarios, [core], trajectories=False)
    backfires = (ds.backlash.sel(policy=core.label) > 0).values
    assert 0.1 < backfires.mean() < 0.9
    # indigenization and denial pull in opposite directions
    table = sampled_scenarios.assign(backlash=ds.backlash.sel(policy=core.label).values)
    corr = table.corr()["backlash"]
    assert corr["indigenization"] > 0.2
    assert corr["denial"] < -0.2


def test_8_8_south_korea_adds_about_four_points(world, core, defaults_table):
    with_kor = Policy(Coalition.from_preset("forging_core+KOR"))
    ds = simulate(world, defaults_table(2), [core, with_kor], end_year=2024)
    share = ds.alliance_rd_share.isel(scenario=0)
    delta = float(share.sel(policy=with_kor.label) - share.sel(policy=core.label))
    assert delta == pytest.approx(0.04, abs=0.01)
    assert isinstance(ds.to_dataframe(), pd.DataFrame)
