"""The engine's parts: one immutable state per year, and outputs computed by their reporters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from techbloc.model.context import Context, PolicyBatch
from techbloc.model.engine import advance, run_model
from techbloc.model.inputs import prepare_inputs
from techbloc.model.observe import accumulate
from techbloc.model.outputs import OUTPUTS
from techbloc.model.scenarios import scenario_arrays
from techbloc.model.state import EngineState
from techbloc.model.year import friction_sum, year_flows


@pytest.fixture(scope="module")
def setup(world):
    inputs = prepare_inputs(world)
    years = np.arange(2024, 2029)
    arrays = scenario_arrays(
        pd.DataFrame(index=range(3)), seed=0, n_years=len(years), n_countries=inputs.n
    )
    members = np.zeros((2, inputs.n), dtype=bool)
    members[1, [inputs.codes.index(code) for code in ("JPN", "KOR", "NLD")]] = True
    batch = PolicyBatch.from_masks(members, inputs)
    return inputs, arrays, batch, years


def test_advancing_leaves_the_year_before_unchanged(setup):
    inputs, arrays, batch, years = setup
    ctx = Context.build(inputs, arrays, batch.with_status_quo(inputs.usa), years)
    state = EngineState.initial(ctx)
    before = {k: getattr(state.cumulative, k).copy() for k in ("leakage", "production")}
    frictions = friction_sum(state.members, inputs, ctx.values["friction_position"])
    year = year_flows(state, ctx, 0, None, frictions, last_year=False, keep=True)
    sums = accumulate(state, year, ctx)
    following = advance(state, year, ctx, sums)
    assert following.cumulative is sums and sums.tfp0 is not None
    assert (sums.leakage > 0).all() and (sums.production > 0).all()
    for name, value in before.items():  # the running sums of the year before are untouched
        np.testing.assert_array_equal(getattr(state.cumulative, name), value)
    assert state.cumulative.tfp0 is None


def test_a_run_returns_exactly_the_registered_outputs(setup):
    inputs, arrays, batch, years = setup
    result = run_model(inputs, arrays, batch, years)
    ends = {n for n in result if not n.startswith("traj_")}
    # per-scenario trajectories are kept under traj_ only
    registered = {
        o.name
        for o in OUTPUTS
        if not (
            o.kind == "scenario"
            and o.name in ("credibility", "institutional_credibility", "engaged")
        )
    }
    assert ends == registered
    yearly = {o.name for o in OUTPUTS if o.stage == "year"}
    assert {n[len("traj_") :] for n in result if n.startswith("traj_")} >= yearly


def test_a_batch_split_over_threads_gives_the_same_bits(setup, monkeypatch):
    from techbloc import sample_futures
    from techbloc.model import engine, kernels

    inputs, _, batch, years = setup
    n = 2 * engine.SPLIT_SCENARIOS + 5
    futures = sample_futures(n, seed=2)
    arrays = scenario_arrays(futures, seed=4, n_years=len(years), n_countries=inputs.n)
    monkeypatch.setattr(kernels, "threads", lambda: 1)
    whole = run_model(inputs, arrays, batch, years)
    monkeypatch.setattr(kernels, "threads", lambda: 2)
    split = run_model(inputs, arrays, batch, years)
    assert set(split) == set(whole)
    for name, value in whole.items():
        np.testing.assert_array_equal(split[name], value, err_msg=name)


def test_a_batch_run_in_blocks_gives_the_same_bits(setup, monkeypatch):
    from techbloc import sample_futures
    from techbloc.model import engine, kernels

    inputs, _, batch, years = setup
    futures = sample_futures(7, seed=2)
    arrays = scenario_arrays(futures, seed=4, n_years=len(years), n_countries=inputs.n)
    monkeypatch.setattr(kernels, "threads", lambda: 1)
    monkeypatch.setattr(engine, "BLOCK_PAIRS", 10**9)
    whole = run_model(inputs, arrays, batch, years)
    monkeypatch.setattr(engine, "BLOCK_PAIRS", 2 * (len(batch.members) + 1))  # 2 futures
    blocks = run_model(inputs, arrays, batch, years)
    monkeypatch.setattr(kernels, "threads", lambda: 2)  # and 2 threads of blocks
    monkeypatch.setattr(engine, "SPLIT_SCENARIOS", 2)
    threaded = run_model(inputs, arrays, batch, years)
    for run in (blocks, threaded):
        assert set(run) == set(whole)
        for name, value in whole.items():
            np.testing.assert_array_equal(run[name], value, err_msg=name)


@pytest.mark.parametrize("numba", ["1", "0"])
def test_a_policys_numbers_do_not_depend_on_the_others_in_its_batch(world, numba, monkeypatch):
    """Each policy's relative-gains term is evaluated at its own reviews: a policy that
    starts later (so reviews in other years) changes nothing for the one beside it."""
    from techbloc import sample_futures, simulate
    from techbloc.coalitions import Coalition
    from techbloc.policies import Policy

    monkeypatch.setenv("TECHBLOC_NUMBA", numba)
    core = Policy(Coalition.from_preset("forging_core"), name="core")
    late = Policy(Coalition.from_preset("g7"), start_year=2026, pool_share=0.2, name="late")
    futures = sample_futures(6, seed=3)
    alone = simulate(world, futures, [core], seed=7, end_year=2035)
    beside = simulate(world, futures, [late, core], seed=7, end_year=2035)
    for name, value in alone.data_vars.items():
        other = beside[name]
        if "policy" in value.dims:
            value, other = value.sel(policy="core"), other.sel(policy="core")
        np.testing.assert_array_equal(other.values, value.values, err_msg=name)
