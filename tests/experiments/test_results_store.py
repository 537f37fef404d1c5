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
