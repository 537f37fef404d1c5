"""Designs: LHS, Sobol/Saltelli, full factorial, tables; chunk planning."""

from __future__ import annotations

import numpy as np
import pytest

from techbloc.errors import InputError
from techbloc.experiments.budget import default_chunk_size
from techbloc.experiments.design import design_rng, design_size, latin_hypercube, sample_design
from techbloc.experiments.runner import plan_chunks
from techbloc.params import get_parameter

NAMES = ["denial", "indigenization", "weakest_link_exponent"]


@pytest.mark.parametrize(("n", "d", "seed"), [(1, 1, 0), (1, 30, 3), (7, 2, 1), (200, 27, 5)])
def test_latin_hypercube_draws_what_scipy_draws(n, d, seed):
    from scipy.stats import qmc

    expected = qmc.LatinHypercube(d=d, rng=design_rng(seed)).random(n)
    np.testing.assert_array_equal(latin_hypercube(n, d, design_rng(seed)), expected)


def test_lhs_is_stratified_in_range_and_seeded():
    n = 50
    table = sample_design("lhs", NAMES, n, seed=1)
    assert list(table.index) == list(range(n)) and table.index.name == "scenario"
    for name in NAMES:
        p = get_parameter(name)
        assert table[name].between(p.low, p.high).all()
    # one point per stratum of a uniform parameter
    strata = np.floor(table["denial"].to_numpy() * n).astype(int)
    assert sorted(strata) == list(range(n))
    # log-uniform: one point per stratum of log(value)
    w = get_parameter("weakest_link_exponent")
    u = np.log(table["weakest_link_exponent"] / w.low) / np.log(w.high / w.low)
    assert sorted(np.floor(u * n).astype(int)) == list(range(n))
    assert table.equals(sample_design("lhs", NAMES, n, seed=1))
    assert not table.equals(sample_design("lhs", NAMES, n, seed=2))


def test_sobol_has_saltelli_rows():
    table = sample_design("sobol", NAMES, 8, seed=0)
    assert len(table) == 8 * (len(NAMES) + 2) == design_size("sobol", 8, 3)
    table = sample_design("sobol", NAMES, 8, seed=0, second_order=True)
    assert len(table) == 8 * (2 * len(NAMES) + 2)


def test_full_factorial_covers_every_combination():
    table = sample_design("factorial", NAMES[:2], None, seed=0, levels=3)
    assert len(table) == 9
    assert len(table.drop_duplicates()) == 9
    assert sorted(table["denial"].unique()) == [0.0, 0.5, 1.0]


def test_fixed_values_are_constant_columns():
    table = sample_design("lhs", ["denial"], 5, seed=0, fixed={"exit_probability": 0.2})
    assert (table["exit_probability"] == 0.2).all()


def test_table_design(tmp_path):
    path = tmp_path / "draws.csv"
    path.write_text("scenario,denial\n0,0.1\n1,0.9\n")
    table = sample_design("table", [], None, seed=0, table=path, fixed={"denial": 0.5})
    assert list(table["denial"]) == [0.5, 0.5]
    with pytest.raises(InputError, match="3 scenarios but the table has 2 rows"):
        sample_design("table", [], 3, seed=0, table=path)
    path.write_text("scenario,denial\n1,0.1\n0,0.9\n")
    with pytest.raises(InputError, match="column 'scenario'"):
        sample_design("table", [], None, seed=0, table=path)


def test_too_large_a_design_is_refused():
    with pytest.raises(InputError, match="exceeds"):
        sample_design("factorial", [f"x{i}" for i in range(40)], None, seed=0, levels=3)


def test_design_does_not_depend_on_how_it_is_sliced():
    whole = sample_design("lhs", NAMES, 30, seed=5)
    parts = [whole.iloc[a:b] for a, b in plan_chunks(30, [], 7)]
    assert np.array_equal(np.concatenate([p.to_numpy() for p in parts]), whole.to_numpy())


def test_plan_chunks_skips_done_ranges_of_any_size():
    assert plan_chunks(10, [], 4) == [(0, 4), (4, 8), (8, 10)]
    assert plan_chunks(10, [(0, 3), (5, 6)], 4) == [(3, 5), (6, 10)]
    assert plan_chunks(10, [(0, 10)], 4) == []
    with pytest.raises(InputError):
        plan_chunks(10, [], 0)


def test_default_chunk_size_is_bounded():
    assert default_chunk_size(200_000, 2, 2, trajectories=False) == 500
    assert default_chunk_size(200_000, 2, 2, trajectories=True) == 400
    assert default_chunk_size(10, 2, 2, trajectories=False) == 5  # no worker idle


def test_morris_design_is_trajectories_of_one_at_a_time_steps():
    import numpy as np

    from techbloc.experiments.design import design_size, sample_design

    names = ["denial", "indigenization", "weakest_link_exponent"]
    table = sample_design("morris", names, 5, seed=7, levels=4)
    assert len(table) == design_size("morris", 5, len(names)) == 5 * (len(names) + 1)
    steps = np.diff(table.to_numpy().reshape(5, len(names) + 1, len(names)), axis=1)
    assert ((steps != 0).sum(axis=2) == 1).all()
    # mapped onto the registry ranges (log-uniform for the weakest-link exponent)
    assert table["weakest_link_exponent"].between(1.0, 32.0).all()
    again = sample_design("morris", names, 5, seed=7, levels=4)
    assert table.equals(again)
