"""Designs drawn by row range: the rows of any range are those of the whole table.

The runner asks its study's sampler for each chunk's rows (``Study.sampler().rows(a, b)``),
so memory does not grow with the number of scenarios; results must not depend on the
chunking, for either Latin-hypercube draw (scipy's up to ``EXACT_ROWS`` rows, the keyed
permutation above).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.experiments import hypercube
from techbloc.experiments.design import DESIGN_METHODS, design_method
from techbloc.experiments.design_base import DesignRequest
from techbloc.experiments.hypercube import LatinHypercubeRows, design_rng, latin_hypercube, permute
from techbloc.experiments.runner import plan_chunks, run_study
from techbloc.experiments.study import Study

NAMES = ["denial", "indigenization", "weakest_link_exponent"]


def _by_chunks(sampler, size: int, chunk: int) -> pd.DataFrame:
    return pd.concat([sampler.rows(a, b) for a, b in plan_chunks(size, [], chunk)])


def test_unknown_design_method_is_refused_listing_the_options():
    with pytest.raises(InputError, match="unknown design method 'monte_carlo'") as info:
        design_method("monte_carlo")
    for name in DESIGN_METHODS:
        assert repr(name) in str(info.value)
    assert all(method.name == name for name, method in DESIGN_METHODS.items())


@pytest.mark.parametrize(
    ("design", "extra"),
    [
        ("lhs", {}),
        ({"method": "sobol", "second_order": True}, {"scenarios": 8}),
        ({"method": "morris", "levels": 4}, {"scenarios": 5}),
        ({"method": "factorial", "levels": 3}, {"scenarios": None}),
        ({"method": "calibrated", "set": "history"}, {"scenarios": 40, "vary": None}),
    ],
)
def test_every_method_serves_the_rows_of_its_whole_table(design, extra):
    data = {
        "policies": [{"preset": "forging_core"}],
        "design": design,
        "scenarios": 61,
        "vary": NAMES,
        "set": {"exit_probability": 0.2},
        "seed": 3,
        **extra,
    }
    study = Study.from_dict({k: v for k, v in data.items() if v is not None})
    whole = study.design_table()
    assert len(whole) == study.n_scenarios
    for chunk in (7, 50, len(whole)):
        pd.testing.assert_frame_equal(
            _by_chunks(study.sampler(), len(whole), chunk), whole, check_exact=True
        )
    assert (whole["exit_probability"] == 0.2).all()


def test_table_design_by_range(tmp_path):
    path = tmp_path / "draws.csv"
    path.write_text("denial,synergy\n" + "".join(f"0.{i},0.0{9 - i}\n" for i in range(10)))
    study = Study.from_dict(
        {"policies": [{"preset": "quad"}], "design": {"method": "table", "table": str(path)}}
    )
    whole = study.design_table()
    pd.testing.assert_frame_equal(_by_chunks(study.sampler(), 10, 3), whole, check_exact=True)


@pytest.mark.parametrize(("n", "d", "seed"), [(1, 1, 0), (7, 2, 1), (200, 27, 5), (997, 58, 9)])
def test_exact_rows_are_scipys_whatever_the_range(n, d, seed):
    from scipy.stats import qmc

    expected = qmc.LatinHypercube(d=d, rng=design_rng(seed)).random(n)
    np.testing.assert_array_equal(latin_hypercube(n, d, design_rng(seed)), expected)
    rows = LatinHypercubeRows(n, d, seed)
    assert rows.exact
    for chunk in (7, 50, n):
        parts = [rows.rows(a, b) for a, b in plan_chunks(n, [], chunk)]
        np.testing.assert_array_equal(np.concatenate(parts), expected)


@pytest.mark.parametrize(("n", "d", "seed"), [(1, 3, 0), (2, 1, 4), (61, 5, 1), (1000, 58, 2)])
def test_keyed_rows_are_a_latin_hypercube_whatever_the_range(n, d, seed):
    rows = LatinHypercubeRows(n, d, seed, exact_up_to=0)
    assert not rows.exact
    whole = rows.rows(0, n)
    assert whole.shape == (n, d) and ((whole >= 0) & (whole < 1)).all()
    for j in range(d):  # one point per stratum in every column
        assert sorted(np.floor(whole[:, j] * n).astype(int)) == list(range(n))
    for chunk in (7, 50):
        parts = [rows.rows(a, b) for a, b in plan_chunks(n, [], chunk)]
        np.testing.assert_array_equal(np.concatenate(parts), whole)
    other = LatinHypercubeRows(n, d, seed + 1, exact_up_to=0).rows(0, n)
    assert n == 1 or not np.array_equal(other, whole)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5000), st.integers(0, 2**32 - 1))
def test_permute_is_a_bijection(n, key):
    values = permute(np.arange(n), n, key)
    assert np.array_equal(np.sort(values), np.arange(n))


def test_keyed_columns_are_not_correlated():
    # independent keys per column: rank correlations of order 1/sqrt(n), not more
    n = 20_000
    unit = LatinHypercubeRows(n, 6, 0, exact_up_to=0).rows(0, n)
    corr = np.corrcoef(unit.T) - np.eye(6)
    assert np.abs(corr).max() < 5 / np.sqrt(n)


def test_only_the_keyed_draw_enters_the_fingerprint():
    method = design_method("lhs")
    assert method.fingerprint(DesignRequest(n=hypercube.EXACT_ROWS)) == {}
    assert method.fingerprint(DesignRequest(n=hypercube.EXACT_ROWS + 1)) == {"lhs_draw": "keyed"}


@pytest.mark.parametrize("exact_up_to", [hypercube.EXACT_ROWS, 0])
def test_stored_results_do_not_depend_on_the_chunking(tmp_path, monkeypatch, read_all, exact_up_to):
    monkeypatch.setattr(hypercube, "EXACT_ROWS", exact_up_to)
    study = Study.from_dict(
        {
            "policies": [{"preset": "forging_core"}],
            "scenarios": 60,
            "years": {"start": 2024, "end": 2027},
            "seed": 11,
        }
    )
    stores = {}
    for chunk in (7, 50, 60):
        run_study(study, tmp_path / f"chunk{chunk}", chunk_size=chunk)
        stores[chunk] = read_all(tmp_path / f"chunk{chunk}")
    for chunk in (7, 50):
        for key, frame in stores[60].items():
            pd.testing.assert_frame_equal(stores[chunk][key], frame, check_exact=True, obj=key)
    scenarios = stores[60]["scenarios"]
    pd.testing.assert_frame_equal(scenarios[study.varied()], study.design_table(), check_exact=True)
