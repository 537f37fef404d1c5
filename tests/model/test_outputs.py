"""The outputs registry: every outcome an object with unit, description, direction, bounds."""

import math

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
