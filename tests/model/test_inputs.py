"""Country inputs as arrays (:mod:`techbloc.model.inputs`)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.errors import DataError
from techbloc.model.inputs import ModelInputs, prepare_inputs
from techbloc.params import DOMAINS


@pytest.fixture(scope="module")
def inputs(world):
    return prepare_inputs(world)


def test_inputs_of_the_bundled_world(world, inputs):
    table = world.model_inputs()
    assert "ROW" not in inputs.codes and inputs.n == len(table) - ("ROW" in table.index)
    assert inputs.codes[inputs.usa] == "USA" and inputs.codes[inputs.china] == "CHN"
    for field in ("rd", "gdp", "rd_year", "alignment", "threat", "hedging", "semis_share"):
        assert getattr(inputs, field).shape == (inputs.n,), field
    for index in ("capability", "alignment", "defence_pact", "threat", "dependence", "semis_share"):
        values = getattr(inputs, index)
        assert ((values >= 0) & (values <= 1)).all(), index
    np.testing.assert_allclose(inputs.rd, table.loc[list(inputs.codes), "rd"])


def test_frictions_are_symmetric_pairs(inputs):
    for layer in (inputs.friction, inputs.friction_low, inputs.friction_high):
        assert layer.shape == (inputs.n, inputs.n)
        np.testing.assert_array_equal(layer, layer.T)
        np.testing.assert_array_equal(np.diag(layer), 0.0)
    assert (inputs.friction_low <= inputs.friction + 1e-12).all()
    assert (inputs.friction <= inputs.friction_high + 1e-12).all()
    assert inputs.friction.any()


def test_row_growth_is_the_gdp_weighted_mean(inputs):
    assert inputs.row_growth == pytest.approx(np.average(inputs.gdp_growth, weights=inputs.gdp))
    assert inputs.world_rd == pytest.approx(inputs.rd.sum() + inputs.row_rd)


def test_history_stops_before_each_data_year(inputs):
    years = inputs.history_years
    assert inputs.history_rd.shape == inputs.history_gdp.shape == (len(years), inputs.n)
    late = years[:, None] >= inputs.rd_year[None, :]
    assert np.isnan(inputs.history_rd[late]).all()
    assert np.isfinite(inputs.history_rd[~late]).any()


def _small(semis_share, rd, row_rd=0.0) -> ModelInputs:
    n = len(rd)
    zeros = np.zeros(n)
    fields = {f.name: zeros for f in dataclasses.fields(ModelInputs) if f.init}
    fields.update(
        codes=tuple(f"C{i}" for i in range(n)),
        rd=np.asarray(rd, float),
        semis_share=np.asarray(semis_share, float),
        friction=np.zeros((n, n)),
        friction_low=np.zeros((n, n)),
        friction_high=np.zeros((n, n)),
        row_rd=row_rd,
        row_rd_year=2021.0,
        row_gdp=0.0,
        row_growth=0.0,
        china=0,
        usa=1,
    )
    del fields["history_years"], fields["history_rd"], fields["history_gdp"]
    return ModelInputs(**fields)


def test_domain_mix_by_hand():
    """Semiconductor R&D is share_of_world_rd × ETO share × world R&D, capped at half."""
    small = _small([0.5, 0.1], [10.0, 90.0])  # world R&D 100
    mix = small.domain_mix(np.array([0.1]))
    semis = np.array([0.1 * 0.5 * 100 / 10, 0.1 * 0.1 * 100 / 90])
    np.testing.assert_allclose(mix[0, 0], semis)
    np.testing.assert_allclose(
        mix[0, 1:], np.broadcast_to((1 - semis) / (len(DOMAINS) - 1), (len(DOMAINS) - 1, 2))
    )
    capped = _small([1.0, 0.0], [1.0, 99.0]).domain_mix(np.array([0.12]))
    assert capped[0, 0, 0] == 0.5


@settings(max_examples=50, deadline=None)
@given(
    semis=arrays(np.float64, 4, elements=st.floats(0.0, 1.0)),
    rd=arrays(np.float64, 4, elements=st.floats(0.0, 1e3)),
    share=arrays(np.float64, 3, elements=st.floats(0.05, 0.12)),
)
def test_domain_mix_is_a_distribution(semis, rd, share):
    mix = _small(semis, rd, row_rd=10.0).domain_mix(share)
    assert mix.shape == (3, len(DOMAINS), 4)
    assert (mix >= 0).all() and (mix[:, 0] <= 0.5).all()
    np.testing.assert_allclose(mix.sum(axis=1), 1.0)


class _Stub:
    """The three tables :func:`prepare_inputs` reads from a World."""

    def __init__(self, world, table):
        self._world, self._table = world, table

    def model_inputs(self):
        return self._table

    def frictions(self):
        return self._world.frictions()

    def gerd_history(self):
        return self._world.gerd_history()


def test_a_missing_column_is_named(world):
    table = world.model_inputs().drop(columns=["alignment"])
    with pytest.raises(DataError, match=r"lack column.*alignment"):
        prepare_inputs(_Stub(world, table))


def test_a_missing_value_names_the_country(world):
    table = world.model_inputs().copy()
    table.loc["JPN", "threat"] = np.nan
    with pytest.raises(DataError, match="threat are missing for JPN"):
        prepare_inputs(_Stub(world, table))


def test_the_model_needs_the_usa_and_china(world):
    table = world.model_inputs().drop(index="CHN")
    with pytest.raises(DataError, match="no CHN"):
        prepare_inputs(_Stub(world, table))


def test_without_a_rest_of_world_row(world):
    table = world.model_inputs()
    table = table.drop(index="ROW") if "ROW" in table.index else table
    small = prepare_inputs(_Stub(world, pd.DataFrame(table)))
    assert small.row_rd == 0.0 and small.row_gdp == 0.0
    assert small.row_rd_year == float(np.median(small.rd_year))
