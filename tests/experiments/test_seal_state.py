"""Commits extend the seal from what the writer knows: the same seal as one computed afresh."""

from __future__ import annotations

import json

import pytest

from techbloc.errors import StoreError
from techbloc.experiments.integrity import chunk_records, manifest_entries
from techbloc.experiments.runner import ChunkEvaluator, ChunkTask, run_study
from techbloc.experiments.seal import KEY_ENV, SEAL_KEY, make_seal, seal_key
from techbloc.experiments.store import ResultsStore, verify_store


def _fresh_seal_text(store: ResultsStore) -> str:
    return json.dumps(make_seal(manifest_entries(store), chunk_records(store), seal_key()))


@pytest.mark.parametrize("key", [None, "k" * 32])
def test_the_seal_after_each_commit_is_the_one_computed_from_every_record(
    tmp_path, traj_study, monkeypatch, key
) -> None:
    if key:
        monkeypatch.setenv(KEY_ENV, key)
    out = tmp_path / "out"
    run_study(traj_study, out, chunk_size=5, max_chunks=1)  # a resumed store: state rebuilt
    design = traj_study.design_table()
    with ResultsStore.create(out, traj_study) as store:
        for a, b in [(8, 12), (5, 8)]:  # out of order
            result = ChunkEvaluator(traj_study)(ChunkTask(a, b, design.iloc[a:b]))
            store.write_chunk(result)
            (stored,) = store._con.execute(
                "SELECT value FROM manifest WHERE key = ?", [SEAL_KEY]
            ).fetchone()
            assert stored == _fresh_seal_text(store)
    assert verify_store(out) == []


def test_a_seal_changed_under_the_writer_is_checked_in_full_before_the_next_commit(
    tmp_path, traj_study
) -> None:
    out = tmp_path / "out"
    design = traj_study.design_table()
    with ResultsStore.create(out, traj_study) as store:
        store.write_chunk(ChunkEvaluator(traj_study)(ChunkTask(0, 4, design.iloc[0:4])))
        # an edit of the study's seed and of the seal's text (not its hashes)
        store._con.execute("UPDATE manifest SET value = '8' WHERE key = 'seed'")
        store._con.execute(
            "UPDATE manifest SET value = replace(value, '\"scheme\": 1', '\"scheme\":  1') "
            "WHERE key = ?",
            [SEAL_KEY],
        )
        with pytest.raises(StoreError, match="seed altered since written"):
            store.write_chunk(ChunkEvaluator(traj_study)(ChunkTask(4, 8, design.iloc[4:8])))
        assert store.done_ranges() == [(0, 4)]


def test_a_record_altered_under_the_writer_is_not_sealed_over(tmp_path, traj_study) -> None:
    out = tmp_path / "out"
    design = traj_study.design_table()
    with ResultsStore.create(out, traj_study) as store:
        store.write_chunk(ChunkEvaluator(traj_study)(ChunkTask(0, 4, design.iloc[0:4])))
        store._con.execute("UPDATE chunks SET scenario_rows = 3")
        store.write_chunk(ChunkEvaluator(traj_study)(ChunkTask(4, 8, design.iloc[4:8])))
    problems = [str(p) for p in verify_store(out)]
    assert any("chunk [0, 4)" in p and "differs from the one sealed" in p for p in problems)
