"""The outputs registry: every outcome an object with unit, description, direction, bounds."""

import math

import numpy as np
import pandas as pd
import pytest

from techbloc.errors import InputError
from techbloc.model.outputs import (
    DEPRECATED_ALIASES,
    OUTPUTS,
    SCALARS,
    Direction,
    Output,
    UnknownOutputError,
    find_output,
    output,
    unit_bounds,
)


def test_every_scalar_output_has_unit_description_and_direction():
    assert SCALARS, "no scalar outputs"
    for name, out in SCALARS.items():
        assert isinstance(out, Output) and out.name == name and out.kind == "scalar"
        assert out.unit.strip() and out.description.strip(), name
        assert isinstance(out.direction, Direction), name


def test_names_are_unique_and_scalar_outputs_keep_registry_order():
    names = [o.name for o in OUTPUTS]
    assert len(names) == len(set(names))
    assert list(SCALARS) == [o.name for o in OUTPUTS if o.kind == "scalar"]
    with pytest.raises(TypeError):
        SCALARS["x"] = OUTPUTS[0]  # type: ignore[index]  # read-only on purpose


def test_bounds_are_implied_by_the_unit():
    for out in OUTPUTS:
        assert out.bounds == unit_bounds(out.unit), out.name
        if out.unit in ("share", "0-1", "0/1"):
            assert out.bounds == (0.0, 1.0), out.name
        if out.bounds is not None:
            low, high = out.bounds
            assert low < high and not math.isnan(low + high), out.name
    assert unit_bounds("log ratio") is None and unit_bounds("dimensionless") is None
    assert unit_bounds("PPP $bn") == (0.0, math.inf)


def test_data_are_drivers_without_direction():
    data = [o for o in OUTPUTS if o.data]
    assert "transactional_years" in {o.name for o in data}
    assert all(o.direction is Direction.INFO for o in data)
    # per-scenario arrays do not depend on the policy: they are data
    assert all(o.data for o in OUTPUTS if o.kind == "scenario")
    with pytest.raises(ValueError, match="no preferred direction"):
        Output("x", "x", "years", "scenario", Direction.MAXIMIZE, data=True)


def test_directions_of_headline_outcomes():
    assert output("alliance_rd_share").direction is Direction.MAXIMIZE
    assert output("leakage_to_china").direction is Direction.MINIMIZE
    assert output("china_knowledge_vs_status_quo").direction is Direction.MINIMIZE
    assert output("members_remaining").direction is Direction.INFO
    assert Direction.MAXIMIZE.short == "max" and Direction(-1).short == "min"


def test_deprecated_aliases_resolve_to_scalar_outputs():
    for alias, target in DEPRECATED_ALIASES.items():
        assert alias not in {o.name for o in OUTPUTS}
        assert target in SCALARS
        assert output(alias) is output(target) is find_output(alias)


def test_unknown_output_is_refused_with_a_suggestion():
    assert find_output("nope") is None
    with pytest.raises(UnknownOutputError, match="did you mean 'cohesion'") as error:
        output("cohesian")
    assert isinstance(error.value, InputError)
    assert "alliance_rd_share" in str(error.value)


def test_search_aliases_have_one_direction_on_both_horizons():
    from techbloc.analysis.characteristic import SEARCH_ALIASES, resolve_outcome

    for alias in SEARCH_ALIASES:
        static = output(resolve_outcome(alias, "static")).direction
        assert static is output(resolve_outcome(alias, "end")).direction is not Direction.INFO


def test_china_rd_intensity_starts_at_the_baseline_and_stays_below_the_ceiling():
    from techbloc.model.context import Context, PolicyBatch
    from techbloc.model.engine import run_model
    from techbloc.model.inputs import prepare_inputs
    from techbloc.model.scenarios import scenario_arrays
    from techbloc.world import load_world

    inputs = prepare_inputs(load_world())
    years = np.arange(2024, 2036)
    table = pd.DataFrame({"rd_trend_years": [5.0, 20.0], "long_run_gdp_growth": [0.015, 0.03]})
    arrays = scenario_arrays(table, seed=0, n_years=len(years), n_countries=inputs.n)
    members = np.zeros((2, inputs.n), dtype=bool)
    members[1, [inputs.codes.index(code) for code in ("JPN", "KOR", "NLD", "DEU")]] = True
    batch = PolicyBatch.from_masks(members, inputs, stringency=0.9)
    result = run_model(inputs, arrays, batch, years)
    ctx = Context.build(inputs, arrays, batch.with_status_quo(inputs.usa), years)
    intensity = result["traj_china_rd_intensity"]  # (S, P, T)
    c = inputs.china
    start = ctx.intensity[:, 0, c] / ctx.gdp_ratio[:, 0, c]  # no E8 response yet
    np.testing.assert_allclose(intensity[:, :, 0], np.repeat(start[:, None], 2, 1), rtol=1e-12)
    assert (intensity <= ctx.rd_ceiling * (1 + 1e-12)).all() and (intensity > 0).all()
    assert output("china_rd_intensity").bounds == (0.0, 1.0)
    np.testing.assert_array_equal(result["china_rd_intensity"], intensity[:, :, -1])
