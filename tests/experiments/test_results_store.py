"""The results store: contents, read API, refusal of a changed study, export."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from techbloc.errors import StoreError
from techbloc.experiments.runner import run_study
from techbloc.experiments.store import ResultsStore
from techbloc.experiments.study import Study


def test_store_holds_scenarios_outcomes_and_manifest(tmp_path, small_study):
    summary = run_study(small_study, tmp_path / "out", chunk_size=5)
    assert summary.status == "complete" and summary.chunks_run == 3
    with ResultsStore.open(tmp_path / "out") as store:
        manifest = store.manifest
        assert manifest["study_hash"] == small_study.fingerprint()
        assert manifest["seed"] == 7 and manifest["version"]
        assert manifest["chunks_done"] == 3 and manifest["complete"]
        assert store.study == small_study
        scenarios = store.scenarios()
        assert list(scenarios.index) == list(range(12))
        pd.testing.assert_frame_equal(
            scenarios[small_study.varied()], small_study.design_table(), check_exact=True
        )
        assert "transactional_years" in scenarios  # a descriptor, dims ("scenario",)
        outcomes = store.outcomes()
        assert len(outcomes) == 24
        assert list(outcomes["policy"][:2]) == ["forging_core", "forging_core+KOR"]
        assert "alliance_rd_share" in outcomes
        # scalars only: year-less arrays (per member, per domain) are kept, trajectories not
        assert not any("year" in dims for dims in store.array_variables().values())
        with pytest.raises(StoreError, match="no trajectories stored"):
            store.trajectories()


def test_trajectories_are_read_back_filtered(tmp_path, traj_study):
    run_study(traj_study, tmp_path / "out", chunk_size=5)
    with ResultsStore.open(tmp_path / "out") as store:
        variables = store.array_variables()
        assert variables["alliance_rd_share_trajectory"] == ["scenario", "policy", "year"]
        frame = store.trajectories(
            "alliance_rd_share_trajectory", scenarios=[3, 4], policies=["forging_core+KOR"]
        )
        assert list(frame.columns) == ["scenario", "policy", "year", "alliance_rd_share_trajectory"]
        assert len(frame) == 2 * 7 and set(frame["scenario"]) == {3, 4}
        by_domain = [n for n, d in variables.items() if "domain" in d and "year" in d]
        frame = store.trajectories(by_domain[0])
        assert len(frame) == 12 * 2 * 7 * frame["domain"].nunique()
        with pytest.raises(StoreError, match="different dims"):
            store.trajectories(["alliance_rd_share_trajectory", by_domain[0]])
        with pytest.raises(StoreError, match="no stored array named"):
            store.trajectories("nope")


def test_changed_study_is_refused_unless_fresh(tmp_path, small_study, small_spec):
    run_study(small_study, tmp_path / "out")
    changed = Study.from_dict({**small_spec, "seed": 8})
    with pytest.raises(StoreError, match="different study"):
        run_study(changed, tmp_path / "out")
    summary = run_study(changed, tmp_path / "out", fresh=True)
    assert summary.status == "complete"
    with ResultsStore.open(tmp_path / "out") as store:
        assert store.manifest["seed"] == 8


def test_finished_study_does_nothing_and_says_so(tmp_path, small_study, read_all):
    run_study(small_study, tmp_path / "out")
    before = read_all(tmp_path / "out")
    messages = []
    summary = run_study(small_study, tmp_path / "out", echo=messages.append)
    assert summary.status == "already complete" and summary.chunks_run == 0
    assert "nothing to do" in messages[0]
    after = read_all(tmp_path / "out")
    pd.testing.assert_frame_equal(before["outcomes"], after["outcomes"])


def test_overlapping_chunk_is_refused_and_orphans_are_removed(tmp_path, traj_study):
    out = tmp_path / "out"
    run_study(traj_study, out, chunk_size=6, max_chunks=1)
    orphan = out / "arrays" / "scenario-policy-year" / "chunk-000000000006-000000000012.parquet"
    orphan.write_bytes(b"half-written")
    with ResultsStore.create(out, traj_study) as store:
        assert not orphan.exists()
        from techbloc.experiments.store import ChunkResult

        with pytest.raises(StoreError, match="overlaps"):
            store.write_chunk(ChunkResult(3, 8, pd.DataFrame(), pd.DataFrame()))


def test_open_missing_store(tmp_path):
    with pytest.raises(StoreError, match="no results store"):
        ResultsStore.open(tmp_path)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export(tmp_path, traj_study, fmt):
    run_study(traj_study, tmp_path / "out", chunk_size=5)
    with ResultsStore.open(tmp_path / "out") as store:
        files = store.export(tmp_path / "export", fmt)
        outcomes = store.outcomes()
        scenarios = store.scenarios().reset_index()
        trajectory = store.trajectories("alliance_rd_share_trajectory")
    names = {f.name for f in files}
    assert {
        f"outcomes.{fmt}",
        f"scenarios.{fmt}",
        "manifest.json",
        "study.yaml",
        f"arrays-scenario-policy-year.{fmt}",
    } <= names
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    exported = read(tmp_path / "export" / f"outcomes.{fmt}")
    assert len(exported) == len(outcomes)
    pd.testing.assert_series_equal(
        exported["alliance_rd_share"],
        outcomes["alliance_rd_share"],
        check_exact=fmt == "parquet",
        check_dtype=False,
    )
    assert list(read(tmp_path / "export" / f"scenarios.{fmt}")["scenario"]) == list(
        scenarios["scenario"]
    )
    arrays = read(tmp_path / "export" / f"arrays-scenario-policy-year.{fmt}")
    assert len(arrays) == len(trajectory)
    assert json.loads((tmp_path / "export" / "manifest.json").read_text())["complete"]
    assert Study.from_yaml(tmp_path / "export" / "study.yaml") == traj_study


def test_the_writer_appends_in_small_row_groups_within_its_pool(tmp_path):
    """The writing connection's row groups, log, pool and threads are what store.py
    documents."""
    from techbloc.experiments.budget import parse_size
    from techbloc.experiments.store import (
        WRITER_CHECKPOINT,
        WRITER_MEMORY_LIMIT,
        WRITER_ROW_GROUP,
        WRITER_THREADS,
        _connect,
    )

    assert WRITER_ROW_GROUP < 122_880  # DuckDB's default: the count below tells them apart
    con = _connect(tmp_path / "results.duckdb", read_only=False)
    try:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('memory_limit', 'checkpoint_threshold', 'threads')"
            ).fetchall()
        )
        assert int(settings["threads"]) == WRITER_THREADS
        assert parse_size(settings["memory_limit"].replace(" ", "")) <= parse_size(
            WRITER_MEMORY_LIMIT
        )
        assert parse_size(settings["checkpoint_threshold"].replace(" ", "")) <= parse_size(
            WRITER_CHECKPOINT
        )
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(3 * ?)", [WRITER_ROW_GROUP])
        con.execute("CHECKPOINT")
        (groups,) = con.execute(
            "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')"
        ).fetchone()
    finally:
        con.close()
    assert groups == 3


def test_the_writer_checkpoints_the_widest_table_within_its_pool(tmp_path):
    """A checkpoint pins a row group's columns at once; with DuckDB's default row groups a
    table as wide as the widest ``scenarios`` failed at 135,000 rows in the same pool.

    Writes 150,000 rows of random doubles (incompressible) in commits of 1,000, as the
    runner does; a failed checkpoint would invalidate the database.
    """
    import numpy as np
    import pyarrow as pa

    from techbloc.experiments.store import WRITER_COLUMNS_CHECKED, _connect

    rng = np.random.default_rng(0)
    names = [f"c{i}" for i in range(WRITER_COLUMNS_CHECKED - 1)]
    con = _connect(tmp_path / "results.duckdb", read_only=False)
    try:
        con.execute(
            "CREATE TABLE wide (scenario BIGINT, " + ", ".join(f"{n} DOUBLE" for n in names) + ")"
        )
        for start in range(0, 150_000, 1_000):
            rows = pa.table(
                {"scenario": np.arange(start, start + 1_000)}
                | {n: rng.random(1_000) for n in names}
            )
            con.register("rows", rows)
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO wide SELECT * FROM rows")
            con.execute("COMMIT")
        (count,) = con.execute("SELECT count(*) FROM wide").fetchone()
    finally:
        con.close()
    assert count == 150_000


def test_no_study_writes_a_table_wider_than_the_writer_was_checked_with(tmp_path):
    """Every parameter varied: the ``scenarios`` and ``outcomes`` tables stay within the
    columns the writer's pool was measured with (store.WRITER_COLUMNS_CHECKED)."""
    from techbloc.experiments.store import WRITER_COLUMNS_CHECKED
    from techbloc.params import parameter_names

    study = Study.from_dict(
        {
            "name": "wide",
            "policies": [{"preset": "forging_core"}],
            "scenarios": 2,
            "years": {"start": 2024, "end": 2026},
            "seed": 1,
        }
    )
    run_study(study, tmp_path, progress=False)
    with ResultsStore.open(tmp_path) as store:
        widths = {
            name: len(frame.columns)
            for name, frame in (("scenarios", store.scenarios()), ("outcomes", store.outcomes()))
        }
    assert study.varied() == parameter_names()  # the default design varies every one
    assert max(widths.values()) <= WRITER_COLUMNS_CHECKED, widths


def test_a_store_has_no_index_the_integrity_check_cannot_see(tmp_path, small_study):
    """Every block a store reads is covered by the seal: no table has an index."""
    import duckdb

    run_study(small_study, tmp_path)
    con = duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True)
    try:
        (indexes,) = con.execute("SELECT count(*) FROM duckdb_indexes()").fetchone()
        (keys,) = con.execute(
            "SELECT count(*) FROM duckdb_constraints() "
            "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
        ).fetchone()
    finally:
        con.close()
    assert (indexes, keys) == (0, 0)


def test_the_writer_spills_beside_the_store_not_in_the_working_directory(tmp_path, monkeypatch):
    from techbloc.experiments.store import _connect

    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    path = tmp_path / "store" / "results.duckdb"
    path.parent.mkdir()
    con = _connect(path, read_only=False)
    try:
        (where,) = con.execute("SELECT current_setting('temp_directory')").fetchone()
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    finally:
        con.close()
    assert where == f"{path}.tmp"
    assert list((tmp_path / "cwd").iterdir()) == []
