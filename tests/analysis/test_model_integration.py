"""Analyses on the real model and the bundled world."""

import numpy as np
import pandas as pd
import pytest

from techbloc.analysis.discovery import discover


@pytest.fixture(scope="module")
def world():
    from techbloc.world import load_world

    return load_world()


@pytest.fixture(scope="module")
def lhs_scenarios():
    from techbloc.experiments.design import sample_design
    from techbloc.params import parameter_names

    return sample_design("lhs", parameter_names(uncertain_only=True), 300, seed=11)


def test_exclusion_backfires_scenario_discovery(world, lhs_scenarios):
    """MODEL.md §8.7: exclusion backfires in some futures; PRIM separates them."""
    from techbloc.coalitions import Coalition
    from techbloc.model import simulate
    from techbloc.policies import Policy

    policy = Policy(Coalition.from_preset("forging_core"))
    ds = simulate(world, lhs_scenarios, [policy], end_year=2040, trajectories=False)
    share = float((ds["backlash_exclusion"] > 0).mean())
    assert 0.05 < share < 0.95  # backfires in some futures and works in others
    result = discover(lhs_scenarios, ds, "backlash_exclusion > 0")
    box = result.box()
    assert box.density > 0.7 and box.coverage > 0.5
    # the box concentrates the backfiring futures (v2 asked for 1.5x the base rate; with
    # self-sufficiency eroding denial, MODEL.md §9.5b, the base rate is ~0.7 and 1.5x it
    # would exceed 1, so the box must beat the base rate by 10 points instead)
    assert box.density > share + 0.1
    significant = box.limits[box.limits[["qp_low", "qp_high"]].min(axis=1) < 0.01]
    # the mechanism of E7: indigenization versus denial
    assert {"denial", "indigenization"} & set(significant.index)
    if "denial" in significant.index:
        assert significant.loc["denial", "high"] < significant.loc["denial", "max"]
    if "indigenization" in significant.index:
        assert significant.loc["indigenization", "low"] > significant.loc["indigenization", "min"]


def test_model_search_exhaustive_equals_nsga2(world, lhs_scenarios):
    from techbloc.analysis.search import model_evaluator, search_coalitions

    pool = ["JPN", "KOR", "GBR", "DEU", "FRA", "AUS", "CAN"]
    objectives = ["alliance_rd_share:max", "leakage:min", "cohesion:max"]
    evaluate = model_evaluator(world, lhs_scenarios.iloc[:20], pool, objectives)
    exact = search_coalitions(pool, evaluate, objectives, min_size=1)
    moea = search_coalitions(
        pool, evaluate, objectives, min_size=1, method="nsga2", pop_size=40, n_gen=30
    )
    assert set(exact.front["members"]) == set(moea.front["members"])


def test_model_shapley_efficiency_and_korea(world, lhs_scenarios):
    from techbloc.analysis.shapley import model_game, shapley
    from techbloc.coalitions import Coalition

    members = Coalition.from_preset("forging_core+KOR").members
    game, players = model_game(world, lhs_scenarios.iloc[:10], members)
    table = shapley(game, players, names=world.names)
    rd = table[table.outcome == "alliance_rd_share"].set_index("country")
    full = np.zeros((1, len(players)), bool)
    total = game(~full)["alliance_rd_share"].mean() - game(full)["alliance_rd_share"].mean()
    assert rd["value"].sum() == pytest.approx(total, rel=1e-9)
    assert rd.loc["KOR", "name"] == world.names["KOR"]
    assert rd.loc["KOR", "value"] > 0.02  # MODEL.md §8.8: Korea ≈ 4% of world R&D


def test_model_stability(world, lhs_scenarios):
    from techbloc.analysis.stability import coalition_stability

    result = coalition_stability(world, lhs_scenarios.iloc[:10], ["JPN", "GBR", "AUS", "CAN"])
    assert set(result.members.index) == {"JPN", "GBR", "AUS", "CAN"}
    assert result.members["share_non_negative"].between(0, 1).all()
    assert "KOR" in result.outsiders.index and "CHN" not in result.outsiders.index
    assert isinstance(result.outsiders, pd.DataFrame)


def test_end_of_horizon_shapley_on_full_runs(world):
    from techbloc.analysis.shapley import model_game, shapley

    scenarios = pd.DataFrame(index=range(4))
    game, players = model_game(
        world,
        scenarios,
        ["USA", "JPN", "GBR", "KOR"],
        horizon="end",
        end_year=2030,
        outcomes=["alliance_rd_share", "leakage"],
    )
    assert players == ["JPN", "GBR", "KOR"]
    table = shapley(game, players, names=world.names)
    rd = table[table.outcome == "alliance_rd_share"].set_index("country")
    none, everyone = np.zeros((1, 3), bool), np.ones((1, 3), bool)
    total = game(everyone)["alliance_rd_share"].mean() - game(none)["alliance_rd_share"].mean()
    assert rd["value"].sum() == pytest.approx(total, rel=1e-9)
    assert (rd["value"] > 0).all()
    assert rd.loc["KOR", "value"] > 0.02  # MODEL.md §8.8: Korea ≈ 4% of world R&D


def test_full_run_search_exhaustive_equals_nsga2(world):
    """Exhaustive and MOEA fronts agree on the real model (end-of-horizon outcomes)."""
    from techbloc.analysis.search import model_evaluator, search_coalitions

    pool = ["JPN", "KOR", "GBR", "DEU", "ISR"]
    objectives = ["alliance_rd_share:max", "leakage:min", "cohesion:max:p10"]
    evaluate = model_evaluator(
        world, pd.DataFrame(index=range(4)), pool, objectives, horizon="end", end_year=2030
    )
    exact = search_coalitions(pool, evaluate, objectives, min_size=1, names=world.names)
    moea = search_coalitions(
        pool, evaluate, objectives, min_size=1, method="nsga2", pop_size=16, n_gen=15
    )
    assert exact.n_evaluated == 2**5 - 1
    assert set(exact.front["members"]) == set(moea.front["members"])
    assert "Japan" in " ".join(exact.front["names"])
    # adding members raises the R&D share: the all-in coalition is on the front
    assert "JPN+KOR+GBR+DEU+ISR" in set(exact.front["members"])


def test_static_plumbing_with_a_stand_in_model(world, monkeypatch):
    """Wiring of the static evaluator, games and stability (the model is stood in for)."""
    import techbloc.model as model
    from techbloc.analysis.search import model_evaluator
    from techbloc.analysis.shapley import model_game, shapley_exact
    from techbloc.analysis.stability import coalition_stability

    rd = world.model_inputs()["rd"].reindex(world.codes).fillna(0).to_numpy()
    calls = []

    class StaticModel:
        def __init__(self, world_, scenarios):
            self.s = len(scenarios)

        def outcomes(self, members, outcomes):
            calls.append(members.shape)
            share = (members * rd).sum(axis=1) / rd.sum()
            return {
                "alliance_rd_share": np.tile(share, (self.s, 1)),
                "pool_leak_rate": np.tile(members.sum(axis=1) / 100.0, (self.s, 1)),
                "cohesion": np.ones((self.s, len(members))),
            }

    def member_margins(world_, scenarios, members):
        margin = np.where(members, 0.1 - 0.01 * members.sum(axis=1, keepdims=True), np.nan)
        return np.tile(margin, (len(scenarios), 1, 1))

    monkeypatch.setattr(model, "StaticModel", StaticModel, raising=False)
    monkeypatch.setattr(model, "member_margins", member_margins, raising=False)
    scenarios = pd.DataFrame(index=range(3))
    evaluate = model_evaluator(
        world, scenarios, ["JPN", "KOR"], ["alliance_rd_share", "leakage:min"]
    )
    values = evaluate(np.array([[True, False], [True, True]]))
    assert values[1, 0] > values[0, 0] and values[1, 1] == pytest.approx(0.03)
    assert calls[-1] == (2, len(world.codes))
    usa = world.codes.index("USA")
    assert values[0, 0] == pytest.approx((rd[usa] + rd[world.codes.index("JPN")]) / rd.sum())

    game, players = model_game(world, scenarios, ["USA", "JPN", "KOR"])
    table = shapley_exact(game, players)
    kor = table[(table.outcome == "alliance_rd_share") & (table.country == "KOR")]
    assert kor["value"].iloc[0] == pytest.approx(rd[world.codes.index("KOR")] / rd.sum())

    result = coalition_stability(world, scenarios, ["JPN", "GBR"])
    # size 3: margin 0.07 >= 0; an outsider joining: 0.06 > 0 and incumbents stay >= 0
    assert (result.members["share_non_negative"] == 1).all()
    assert result.summary["externally_stable"] == 0.0


def test_end_of_horizon_stability_on_full_runs(world):
    from techbloc.analysis.stability import coalition_stability

    result = coalition_stability(
        world,
        pd.DataFrame(index=range(3)),
        ["JPN", "GBR", "AUS", "CAN"],
        horizon="end",
        end_year=2028,
    )
    assert set(result.members.index) == {"JPN", "GBR", "AUS", "CAN"}
    assert result.members["name"].loc["JPN"] == world.names["JPN"]
    assert result.members["share_non_negative"].between(0, 1).all()
    assert "KOR" in result.outsiders.index
    assert not {"CHN", "ROW", "USA"} & set(result.outsiders.index)
    assert 0 <= result.summary["stable"] <= result.summary["internally_stable"] <= 1


class _EngineStaticModel:
    """The path before batching: the engine's one-year run of each batch, status quo added,
    every output observed (with NaN-aware percentiles column by column, below)."""

    def __init__(self, world_, scenarios):
        self.world, self.scenarios = world_, scenarios

    def outcomes(self, members, outcomes):
        from techbloc.model.engine import DEFAULT_START_YEAR, PolicyBatch, run_model
        from techbloc.model.inputs import prepare_inputs
        from techbloc.model.scenarios import scenario_arrays

        inputs = prepare_inputs(self.world)
        columns = [list(self.world.codes).index(c) for c in inputs.codes]
        arrays = scenario_arrays(self.scenarios, seed=0, n_years=1, n_countries=inputs.n)
        batch = PolicyBatch.from_masks(np.asarray(members)[:, columns], inputs)
        result = run_model(
            inputs,
            arrays,
            batch,
            np.array([DEFAULT_START_YEAR]),
            trajectories=False,
            external_stability=False,
        )
        return {name: result[name] for name in outcomes}


@pytest.mark.parametrize(
    "objectives",
    [
        # membership-only outcomes: StaticModel's shared start-year terms, no flows kernel
        ["alliance_rd_share:max", "leakage:min:p90", "stringency:max"],
        # with margins: the start year's flows and toggles
        ["alliance_rd_share:max", "leakage:min:p90", "cohesion:max:p10", "min_margin"],
    ],
)
def test_batched_search_and_shapley_equal_the_engine_path(
    world, lhs_scenarios, monkeypatch, objectives
):
    """Same front and the same Shapley values as one-year engine runs of every coalition."""
    import techbloc.analysis.search_objectives as search_objectives
    import techbloc.model as model
    from techbloc.analysis.search import model_evaluator, search_coalitions
    from techbloc.analysis.shapley import model_game, shapley

    scenarios = lhs_scenarios.iloc[:12]
    pool = ["JPN", "KOR", "DEU", "NLD", "TWN", "GBR"]

    def run():
        evaluate = model_evaluator(world, scenarios, pool, objectives)
        front = search_coalitions(pool, evaluate, objectives, method="exhaustive").front
        game, players = model_game(world, scenarios, ["USA", *pool])
        values = shapley(game, players, method="sampled", n_permutations=40, rng=1)
        return front, values

    front, values = run()
    monkeypatch.setattr(model, "StaticModel", _EngineStaticModel)
    monkeypatch.setattr(
        search_objectives, "_nanpercentile", lambda v, q, axis: np.nanpercentile(v, q, axis)
    )
    front_ref, values_ref = run()
    pd.testing.assert_frame_equal(front, front_ref, check_exact=True)
    pd.testing.assert_frame_equal(values, values_ref, check_exact=False, rtol=1e-12)
