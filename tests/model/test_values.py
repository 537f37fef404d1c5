"""The typed per-scenario values stay in step with the parameter registry."""

from dataclasses import fields

import numpy as np
import pandas as pd

from techbloc.model.scenarios import scenario_arrays
from techbloc.model.values import ScenarioValues
from techbloc.params import PARAMETERS


def test_fields_are_the_registered_parameters_in_order():
    assert [f.name for f in fields(ScenarioValues)] == [p.name for p in PARAMETERS]


def test_values_are_the_scenarios_arrays():
    arrays = scenario_arrays(
        pd.DataFrame({"synergy": [0.1, 0.3]}), seed=0, n_years=2, n_countries=3
    )
    values = ScenarioValues.from_mapping(arrays.values)
    assert values.synergy.tolist() == [0.1, 0.3]
    for p in PARAMETERS:
        assert getattr(values, p.name) is arrays.values[p.name]
    assert isinstance(values.trade_cost, np.ndarray)
