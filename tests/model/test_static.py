import numpy as np
import pandas as pd

from techbloc.coalitions import Coalition
from techbloc.model import STATIC_OUTCOMES, member_margins, simulate, static_outcomes
from techbloc.policies import Policy


def test_static_outcomes_equal_the_first_year_of_a_full_run(world, sampled_scenarios):
    scenarios = sampled_scenarios.iloc[:5]
    coalitions = [Coalition.from_preset("forging_core"), Coalition.from_preset("chip4")]
    masks = np.stack([c.mask(world) for c in coalitions])
    static = static_outcomes(world, scenarios, masks)
    full = simulate(world, scenarios, [Policy(c) for c in coalitions], end_year=2024)
    for name in STATIC_OUTCOMES:
        assert static[name].shape == (5, 2)
        np.testing.assert_allclose(static[name], full[name].values, rtol=1e-12, equal_nan=True)


def test_member_margins_over_world_codes(world):
    masks = np.stack([Coalition.parse("USA,JPN,KOR").mask(world)])
    margins = member_margins(world, pd.DataFrame(index=range(3)), masks)
    codes = list(world.codes)
    assert margins.shape == (3, 1, len(codes))
    members = [codes.index(c) for c in ("USA", "JPN", "KOR")]
    assert np.isfinite(margins[:, 0, members]).all()
    others = np.ones(len(codes), bool)
    others[members] = False
    assert np.isnan(margins[:, 0, others]).all()


def test_static_outcomes_batch_many_masks(world):
    rng = np.random.default_rng(0)
    masks = rng.random((300, len(world.codes))) < 0.3
    out = static_outcomes(world, pd.DataFrame(index=range(2)), masks)
    assert out["alliance_rd_share"].shape == (2, 300)
    assert np.all((out["alliance_rd_share"] > 0) & (out["alliance_rd_share"] < 1))


def _one_year_runs(world, scenarios, masks):
    """The reference: the engine's own one-year run (status quo added, outputs observed)."""
    from techbloc.model.engine import DEFAULT_START_YEAR, PolicyBatch, run_model
    from techbloc.model.inputs import prepare_inputs
    from techbloc.model.scenarios import scenario_arrays

    inputs = prepare_inputs(world)
    columns = [list(world.codes).index(c) for c in inputs.codes]
    arrays = scenario_arrays(scenarios, seed=0, n_years=1, n_countries=inputs.n)
    batch = PolicyBatch.from_masks(masks[:, columns], inputs)
    years = np.array([DEFAULT_START_YEAR])
    result = run_model(inputs, arrays, batch, years, trajectories=False, external_stability=False)
    return result, columns


def test_batched_static_path_equals_one_year_runs(world, sampled_scenarios, monkeypatch):
    """Batches (a smaller last one), reused state and buffers: the engine's numbers."""
    import techbloc.model.static as static

    scenarios = sampled_scenarios.iloc[:4]
    rng = np.random.default_rng(3)
    masks = rng.random((23, len(world.codes))) < 0.25
    reference, columns = _one_year_runs(world, scenarios, masks)
    # 5 coalitions per batch: 4 full batches and a last one of 3
    n = static.prepare_inputs(world).n
    monkeypatch.setattr(static, "_MAX_CELLS", 5 * len(scenarios) * len(static.DOMAINS) * n)
    out = static_outcomes(world, scenarios, masks)
    for name in STATIC_OUTCOMES:  # the same operations in the same order: equal bit for bit
        np.testing.assert_array_equal(out[name], reference[name])
    margins = member_margins(world, scenarios, masks)
    np.testing.assert_array_equal(margins[:, :, columns], reference["margin"])


def test_outcomes_without_margins_are_the_same_numbers(world, sampled_scenarios):
    scenarios = sampled_scenarios.iloc[:3]
    masks = np.random.default_rng(4).random((9, len(world.codes))) < 0.3
    every = static_outcomes(world, scenarios, masks)
    some = static_outcomes(
        world, scenarios, masks, outcomes=["pool_leak_rate", "alliance_rd_share"]
    )
    assert sorted(some) == ["alliance_rd_share", "pool_leak_rate"]
    for name, values in some.items():
        np.testing.assert_array_equal(values, every[name])


def test_unknown_static_outcome_is_refused(world):
    import pytest

    from techbloc.errors import InputError

    with pytest.raises(InputError, match="known: alliance_rd_share"):
        static_outcomes(
            world,
            pd.DataFrame(index=range(1)),
            np.zeros((1, len(world.codes)), bool),
            outcomes=["x"],
        )


def test_outcomes_without_margins_equal_one_year_runs_in_steps(
    world, sampled_scenarios, monkeypatch
):
    """The shared start-year terms (no flows kernel), several steps: the engine's numbers."""
    import techbloc.model.static as static

    scenarios = sampled_scenarios.iloc[:4]
    masks = np.random.default_rng(6).random((19, len(world.codes))) < 0.3
    masks[3] = False  # the USA alone
    reference, _ = _one_year_runs(world, scenarios, masks)
    n = static.prepare_inputs(world).n
    monkeypatch.setattr(static, "_MAX_SHARED_CELLS", 5 * len(scenarios) * n)  # steps of 5
    names = [name for name in STATIC_OUTCOMES if name not in static.MARGIN_OUTCOMES]
    out = static_outcomes(world, scenarios, masks, outcomes=names)
    assert sorted(out) == sorted(names)
    for name in names:
        np.testing.assert_array_equal(out[name], reference[name])
