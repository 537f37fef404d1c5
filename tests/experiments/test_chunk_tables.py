"""A chunk's tables from the engine's arrays and from a Dataset (:mod:`~techbloc.experiments.
chunk_tables`): the same rules, the same stored rows and files."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from techbloc.experiments.chunk_tables import arrays_to_chunk, dataset_to_chunk
from techbloc.experiments.chunks import insert_rows, range_digest
from techbloc.experiments.runner import run_study
from techbloc.experiments.store import DB_NAME


def _stored(directory) -> dict:
    """What a store recorded for its chunks: row counts and hashes, files and their SHA-256,
    the tables' columns and types, the output schema."""
    con = duckdb.connect(str(directory / DB_NAME), read_only=True)
    try:
        chunks = con.execute(
            "SELECT start, stop, files, scenario_rows, outcome_rows, scenarios_hash, "
            "outcomes_hash, checksums FROM chunks ORDER BY start"
        ).fetchall()
        schema = {t: con.execute(f"DESCRIBE {t}").fetchall() for t in ("scenarios", "outcomes")}
        outputs = con.execute("SELECT value FROM manifest WHERE key = 'outputs'").fetchone()
    finally:
        con.close()
    return {"chunks": chunks, "schema": schema, "outputs": outputs}


@pytest.mark.parametrize("study", ["small_study", "traj_study"])
def test_a_study_stored_from_the_arrays_and_from_the_dataset_is_identical(
    tmp_path, study, request, read_all, assert_same
):
    from techbloc.model import simulate

    study = request.getfixturevalue(study)
    run_study(study, tmp_path / "arrays", chunk_size=5)
    run_study(study, tmp_path / "dataset", chunk_size=5, simulate=simulate)
    assert_same(read_all(tmp_path / "arrays"), read_all(tmp_path / "dataset"))
    arrays, dataset = _stored(tmp_path / "arrays"), _stored(tmp_path / "dataset")
    assert arrays == dataset  # same row hashes, Parquet bytes and SHA-256, columns, types
    files = [f for row in arrays["chunks"] for f in json.loads(row[2])]
    assert files  # per-country and per-domain outcomes, and trajectories when kept
    for name in files:
        a = (tmp_path / "arrays" / name).read_bytes()
        assert a == (tmp_path / "dataset" / name).read_bytes()


def _variables(with_nan: bool = False) -> tuple[dict, dict]:
    share = np.array([[0.1, 0.2, 0.3], [0.4, np.nan if with_nan else 0.5, 0.6]])  # (S, P)
    variables = {
        "share": (("scenario", "policy"), share),
        "flipped": (("policy", "scenario"), share.T + 1),  # any order of the two dims
        "member": (("scenario", "policy"), share > 0.25),
        "credible": (("scenario",), np.array([np.nan if with_nan else 1.0, 2.0])),
        "gap_trajectory": (("scenario", "policy", "year"), np.arange(12.0).reshape(2, 3, 2)),
        "by_country": (("policy", "scenario", "country"), np.arange(6.0).reshape(3, 2, 1)),
        "years_only": (("year",), np.array([1.0, 2.0])),  # no scenario dim: skipped
    }
    coords = {
        "scenario": np.array([7, 8]),
        "policy": ["a", "b", "c"],
        "year": np.array([2024, 2025]),
        "country": ["USA"],
    }
    return variables, coords


def _inputs() -> pd.DataFrame:
    return pd.DataFrame({"x": [0.5, 0.25]}, index=pd.Index([7, 8], name="scenario"))


@pytest.mark.parametrize("trajectories", [True, False])
def test_the_rules_sort_variables_by_their_dims(trajectories):
    variables, coords = _variables()
    chunk = arrays_to_chunk(variables, coords, _inputs(), 7, 9, trajectories=trajectories)
    assert chunk.scenarios.column_names == ["scenario", "x", "credible"]
    assert chunk.outcomes.column_names == ["scenario", "policy", "share", "flipped", "member"]
    outcomes = chunk.outcomes.to_pandas()
    assert outcomes["scenario"].tolist() == [7, 7, 7, 8, 8, 8]
    assert outcomes["policy"].tolist() == ["a", "b", "c"] * 2
    np.testing.assert_array_equal(outcomes["flipped"], outcomes["share"] + 1)
    groups = {"scenario-policy-country": ["by_country"]}
    if trajectories:
        groups["scenario-policy-year"] = ["gap_trajectory"]
    assert {
        k: [c for c in t.column_names if c not in k.split("-")] for k, t in chunk.arrays.items()
    } == groups
    country = chunk.arrays["scenario-policy-country"].to_pandas()
    assert country["by_country"].tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]  # (S, P, N) order
    assert chunk.array_variables["by_country"] == ["scenario", "policy", "country"]


def test_the_dataset_path_applies_the_same_rules():
    import xarray as xr

    variables, coords = _variables()
    ds = xr.Dataset(
        {name: (dims, values) for name, (dims, values) in variables.items()}, coords=coords
    )
    from_arrays = arrays_to_chunk(variables, coords, _inputs(), 7, 9)
    from_dataset = dataset_to_chunk(ds, _inputs(), 7, 9)
    assert from_arrays.scenarios.equals(from_dataset.scenarios)
    assert from_arrays.outcomes.equals(from_dataset.outcomes)
    assert from_arrays.arrays.keys() == from_dataset.arrays.keys()
    for key, table in from_arrays.arrays.items():
        assert table.equals(from_dataset.arrays[key])
    assert from_arrays.array_variables == from_dataset.array_variables


def test_nan_is_stored_as_null_as_from_a_pandas_frame():
    """Arrow rows are stored as a registered pandas frame's were: NaN becomes NULL, and the
    row hashes recorded at commit are the same."""
    variables, coords = _variables(with_nan=True)
    chunk = arrays_to_chunk(variables, coords, _inputs(), 7, 9)
    con = duckdb.connect()
    for table in ("scenarios", "outcomes"):
        rows = getattr(chunk, table)
        insert_rows(con, f"{table}_arrow", rows, exists=False)
        insert_rows(con, f"{table}_pandas", rows.to_pandas(), exists=False)
        con.register("frame", rows.to_pandas())  # how chunks were inserted before
        con.execute(f"CREATE TABLE {table}_registered AS SELECT * FROM frame")
        con.unregister("frame")
        digests = {
            way: range_digest(con, f"{table}_{way}", 7, 9)
            for way in ("arrow", "pandas", "registered")
        }
        assert len(set(digests.values())) == 1, digests
    nulls = con.execute("SELECT count(*) FROM outcomes_arrow WHERE share IS NULL").fetchone()
    assert nulls == (1,)
    nulls = con.execute("SELECT count(*) FROM scenarios_arrow WHERE credible IS NULL").fetchone()
    assert nulls == (1,)


def test_rows_are_appended_by_column_name():
    con = duckdb.connect()
    variables, coords = _variables()
    chunk = arrays_to_chunk(variables, coords, _inputs(), 7, 9)
    insert_rows(con, "outcomes", chunk.outcomes, exists=False)
    reordered = chunk.outcomes.select(list(reversed(chunk.outcomes.column_names)))
    insert_rows(con, "outcomes", reordered, exists=True)
    both = con.execute("SELECT * FROM outcomes").df()
    pd.testing.assert_frame_equal(
        both.iloc[:6].reset_index(drop=True), both.iloc[6:].reset_index(drop=True)
    )
