"""World.replace: the public way to build a modified World (overrides use it)."""

from __future__ import annotations

import pandas as pd
import pytest

from techbloc.world import World, load_world


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


def test_replace_rederives_inputs_and_leaves_the_world_unchanged(world):
    ind = world.indicators
    mask = (ind["iso3"] == "KOR") & (ind["indicator"] == "srd1_gerd_ppp_usd_bn")
    ind.loc[mask, "value"] = 200.0
    new = world.replace(indicators=ind, origin="test")
    assert new.model_inputs().loc["KOR", "rd"] == pytest.approx(200.0)
    assert world.model_inputs().loc["KOR", "rd"] != pytest.approx(200.0)
    assert new.origin == "test" and world.origin == "bundled data"
    pd.testing.assert_frame_equal(new.frictions(), world.frictions())


def test_replace_without_arguments_gives_an_equal_world(world):
    same = world.replace()
    assert same is not world
    pd.testing.assert_frame_equal(same.model_inputs(), world.model_inputs())
    assert same.origin == world.origin and same.input_overrides == {}


def test_input_overrides_are_kept_and_reported(world):
    new = world.replace(input_overrides={("KOR", "hedging"): (0.4, "mine.csv:2")})
    assert new.model_inputs().loc["KOR", "hedging"] == pytest.approx(0.4)
    assert new.input_overrides == {("KOR", "hedging"): (0.4, "mine.csv:2")}
    again = new.replace(origin="again")
    assert again.input_overrides == new.input_overrides
    # the property is a copy
    new.input_overrides.clear()
    assert new.input_overrides


def test_with_overrides_merges_input_overrides(world):
    first = world.with_overrides({"values": [{"iso3": "KOR", "column": "hedging", "value": 0.4}]})
    both = first.with_overrides({"values": [{"iso3": "JPN", "column": "hedging", "value": 0.2}]})
    assert set(both.input_overrides) == {("KOR", "hedging"), ("JPN", "hedging")}
    assert both.origin == "bundled data + <mapping> + <mapping>"
