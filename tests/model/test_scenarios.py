"""Scenario arrays and each scenario's own random stream (:mod:`techbloc.model.scenarios`)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.model.scenarios import ScenarioArrays, scenario_arrays, scenario_rng
from techbloc.params import PARAMETERS, get_parameter


def _arrays(table: pd.DataFrame, **kw) -> ScenarioArrays:
    return scenario_arrays(
        table, seed=kw.pop("seed", 7), n_years=kw.pop("n_years", 9), n_countries=3, **kw
    )


def test_scenario_rng_depends_on_the_seed_and_the_id_only():
    assert scenario_rng(1, 5).random() == scenario_rng(1, 5).random()
    assert scenario_rng(1, 5).random() != scenario_rng(1, 6).random()
    assert scenario_rng(1, 5).random() != scenario_rng(2, 5).random()


def test_every_parameter_gets_an_array_defaults_filled():
    table = pd.DataFrame({"diffusion": [0.01, 0.04]}, index=[3, 8])
    arrays = _arrays(table)
    assert set(arrays.values) == {p.name for p in PARAMETERS}
    np.testing.assert_array_equal(arrays["diffusion"], [0.01, 0.04])
    np.testing.assert_array_equal(arrays["synergy"], get_parameter("synergy").default)
    np.testing.assert_array_equal(arrays.ids, [3, 8])
    assert arrays.size == 2
    # one draw per election (every four years, plus one) and per year and country
    assert arrays.election_draws.shape == (2, 9 // 4 + 1)
    assert arrays.exit_draws.shape == (2, 9, 3)
    assert ((arrays.exit_draws >= 0) & (arrays.exit_draws < 1)).all()


@settings(max_examples=30, deadline=None)
@given(ids=st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True))
def test_a_scenarios_draws_do_not_depend_on_its_batch(ids):
    """Common random numbers: scenario ``i``'s draws are the same alone or in any batch."""
    batch = _arrays(pd.DataFrame(index=ids))
    for row, scenario in enumerate(ids):
        alone = _arrays(pd.DataFrame(index=[scenario]))
        np.testing.assert_array_equal(batch.election_draws[row], alone.election_draws[0])
        np.testing.assert_array_equal(batch.exit_draws[row], alone.exit_draws[0])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame({"nope": [1.0]}), "unknown parameter 'nope'"),
        (pd.DataFrame({"diffusion": [0.01]}, index=["a"]), "must be integers"),
        (pd.DataFrame({"diffusion": [0.01, 0.01]}, index=[1, 1]), "must be unique"),
        (pd.DataFrame({"diffusion": [0.01]}, index=[-1]), "non-negative"),
        (pd.DataFrame({"diffusion": []}), "empty"),
        (pd.DataFrame({"diffusion": ["x"]}), "must be numbers"),
        (pd.DataFrame({"diffusion": [np.inf]}, index=[4]), "non-finite value in scenario 4"),
        (pd.DataFrame({"diffusion": [9.0]}, index=[2]), "outside"),
    ],
)
def test_bad_tables_are_refused_saying_what(table, message):
    with pytest.raises(InputError, match=message):
        _arrays(table)


def test_a_list_is_not_a_table():
    with pytest.raises(InputError, match="DataFrame"):
        _arrays([{"diffusion": 0.1}])


def test_ranges_can_be_left_unchecked_for_counterfactuals():
    arrays = _arrays(pd.DataFrame({"base_leak_rate": [0.0]}), check_ranges=False)
    assert arrays["base_leak_rate"][0] == 0.0
    assert get_parameter("base_leak_rate").low > 0.0  # so the default check would refuse it
