"""Invariants and reproducibility of the batch engine on the bundled world."""

import numpy as np
import pandas as pd
import pytest

from techbloc.coalitions import Coalition
from techbloc.errors import InputError
from techbloc.model import PolicyBatch, run_model, simulate
from techbloc.model.inputs import prepare_inputs
from techbloc.model.scenarios import scenario_arrays
from techbloc.policies import Policy


@pytest.fixture(scope="module")
def policies():
    return [
        Policy(Coalition.from_preset("forging_core")),
        Policy(Coalition.from_preset("chip4"), control_stringency={"semiconductors": 0.9}),
        Policy(Coalition.parse("USA,JPN,KOR,DEU"), pool_share=0.2, start_year=2027, name="late"),
    ]


@pytest.fixture(scope="module")
def batch(world, sampled_scenarios, policies):
    return simulate(world, sampled_scenarios.iloc[:40], policies, end_year=2040)


def test_dims_follow_the_contract(batch):
    scalars = [k for k, v in batch.data_vars.items() if v.dims == ("scenario", "policy")]
    assert {"alliance_rd_share", "backlash", "leakage_absorbed", "cohesion"} <= set(scalars)
    assert batch.transactional_years.dims == ("scenario",)
    assert batch.alliance_rd_share_trajectory.dims == ("scenario", "policy", "year")
    assert list(batch.year.values) == list(range(2024, 2041))
    assert "ROW" not in batch.country.values


def test_invariants(batch):
    for name in (
        "alliance_rd_share",
        "alliance_knowledge_share",
        "achieved_stringency",
        "exclusion",
        "cohesion",
        "china_self_sufficiency",
    ):
        values = batch[f"{name}_trajectory"].values
        assert np.all((values >= 0) & (values <= 1)), name
    for name in ("china_knowledge", "china_capability", "leakage_exposed", "leakage_absorbed"):
        assert np.all(batch[f"{name}_trajectory"].values >= 0), name
    # realized capability never exceeds knowledge
    assert np.all(batch.china_capability_trajectory <= batch.china_knowledge_trajectory + 1e-9)
    assert np.all(batch.leakage_absorbed <= batch.leakage_exposed + 1e-12)
    assert np.all(np.isfinite(batch.power_ratio_china_us))


def test_no_leak_no_leakage(world, policies):
    scenarios = pd.DataFrame({"base_leak_rate": [0.0, 0.0]})
    ds = simulate(world, scenarios, policies, end_year=2030, check_ranges=False)
    assert float(abs(ds.leakage_exposed_trajectory).max()) == 0.0
    assert float(abs(ds.leakage_to_china_cumulative).max()) == 0.0
    assert float(abs(ds.leakage_share).max()) == 0.0


def test_policy_start_year_keeps_status_quo_until_then(batch):
    late = batch.sel(policy="late")
    members = late.members_remaining_trajectory.sel(year=[2024, 2026]).values
    assert np.all(members == 1)
    assert np.all(late.members_remaining_trajectory.sel(year=2027).values == 4)


def test_batch_equals_single_runs(world, sampled_scenarios, policies):
    scenarios = sampled_scenarios.iloc[:6]
    whole = simulate(world, scenarios, policies, end_year=2035, seed=7)
    for sid in scenarios.index:
        one = simulate(world, scenarios.loc[[sid]], policies, end_year=2035, seed=7)
        for name in (
            "china_knowledge",
            "backlash",
            "min_margin",
            "power_ratio_china_us",
            "alliance_rd_share_trajectory",
            "credibility",
        ):
            np.testing.assert_array_equal(
                whole[name].sel(scenario=sid).values, one[name].sel(scenario=sid).values
            )


def test_results_do_not_depend_on_chunking_or_order(world, sampled_scenarios, policies):
    scenarios = sampled_scenarios.iloc[:10].copy()
    scenarios["exit_probability"] = 0.5  # exercise the random exits too
    whole = simulate(world, scenarios, policies, end_year=2040, seed=3, trajectories=False)
    reversed_ = simulate(
        world, scenarios.iloc[::-1], policies, end_year=2040, seed=3, trajectories=False
    )
    np.testing.assert_array_equal(
        whole.members_remaining.values,
        reversed_.members_remaining.sel(scenario=whole.scenario).values,
    )
    other_seed = simulate(world, scenarios, policies, end_year=2040, seed=4, trajectories=False)
    assert not np.array_equal(
        whole.transactional_years.values, other_seed.transactional_years.values
    )


def test_exits_only_remove_members_with_negative_margin(world, sampled_scenarios):
    nato = Policy(Coalition.from_preset("nato"))
    scenarios = sampled_scenarios.iloc[:30].assign(exit_probability=0.5)
    ds = simulate(world, scenarios, [nato], trajectories=True)
    traj = ds.members_remaining_trajectory.sel(policy="nato").values
    assert np.all(np.diff(traj, axis=1) <= 0)
    assert traj[:, -1].min() >= 1


def test_run_model_from_masks(world, sampled_scenarios):
    inputs = prepare_inputs(world)
    masks = np.zeros((3, inputs.n), dtype=bool)
    masks[1, inputs.codes.index("JPN")] = True
    masks[2, [inputs.codes.index(c) for c in ("JPN", "KOR")]] = True
    batch = PolicyBatch.from_masks(masks, inputs)
    scen = scenario_arrays(sampled_scenarios.iloc[:5], seed=0, n_years=1, n_countries=inputs.n)
    out = run_model(inputs, scen, batch, np.array([2024]), trajectories=False)
    share = out["alliance_rd_share"]
    assert np.all(share[:, 0] < share[:, 1]) and np.all(share[:, 1] < share[:, 2])


@pytest.mark.parametrize(
    "scenarios, fragment",
    [
        (pd.DataFrame({"denial": [2.0]}), "outside"),
        (pd.DataFrame({"denial": [np.nan]}), "non-finite"),
        (pd.DataFrame({"nonsense": [1.0]}), "unknown parameter"),
        (pd.DataFrame({"denial": ["high"]}), "numbers"),
        (pd.DataFrame(index=[0, 0]), "unique"),
        (pd.DataFrame(), "empty"),
    ],
)
def test_bad_scenarios_rejected_before_running(world, policies, scenarios, fragment):
    with pytest.raises(InputError, match=fragment):
        simulate(world, scenarios, policies)


def test_bad_years_and_policies_rejected(world, policies):
    with pytest.raises(InputError, match="before"):
        simulate(world, pd.DataFrame(index=[0]), policies, start_year=2030, end_year=2025)
    with pytest.raises(InputError, match="unique"):
        simulate(world, pd.DataFrame(index=[0]), [policies[0], policies[0]])


def test_simulate_scalars_is_the_dataset_s_outcome_table(world, sampled_scenarios):
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.model.dataset import simulate_scalars

    policies = [
        Policy(Coalition.from_preset("forging_core")),
        Policy(Coalition.parse("USA,JPN,KOR"), pool_share=0.2, name="a_small_one"),
    ]
    scenarios = sampled_scenarios.iloc[3:9]
    frame = simulate_scalars(world, scenarios, policies, end_year=2032, seed=4)
    expected = outcome_table(
        simulate(world, scenarios, policies, end_year=2032, seed=4, trajectories=False)
    )
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame.index.get_level_values("scenario").unique()) == list(range(3, 9))
