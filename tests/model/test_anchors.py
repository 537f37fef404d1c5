"""Data anchors quoted in the parameter registry must match the bundled data."""

import pytest

from techbloc.params import get_parameter


def test_china_know_how_note_quotes_the_bundled_eci(world):
    source = get_parameter("china_know_how_ratio").source
    eci = world.model_inputs()["eci"]
    assert f"CHN {eci['CHN']:.3f}" in source
    assert f"USA {eci['USA']:.3f}" in source
    assert eci["CHN"] >= eci["USA"]  # the reason the default is not the literal ECI ratio


def test_korea_share_of_world_rd(world):
    """MODEL.md §8.8 rests on NSB's ~4% for Korea; the bundle must agree."""
    from techbloc.model.inputs import prepare_inputs

    inputs = prepare_inputs(world)
    share = inputs.rd[inputs.codes.index("KOR")] / inputs.world_rd
    assert share == pytest.approx(0.04, abs=0.005)
