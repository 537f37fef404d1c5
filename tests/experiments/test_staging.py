"""Workers write their chunks' Parquet files when they see the store, else ship them.

Both paths give the same store (files, checksums, seal) as the client writing everything;
whether a worker sees the store is detected from a probe file's token, never assumed.
"""

from __future__ import annotations

import errno
import json
import os

import pytest

from techbloc.errors import StoreError
from techbloc.experiments.chunks import CHUNK_FILE, PROBE_FILE, Staging, stage_arrays
from techbloc.experiments.executors import DaskExecutor
from techbloc.experiments.runner import ChunkEvaluator, ChunkTask, run_study
from techbloc.experiments.store import ResultsStore, verify_store


@pytest.fixture
def reference(tmp_path, traj_study, read_all):
    run_study(traj_study, tmp_path / "reference", chunk_size=12)
    return read_all(tmp_path / "reference")


def _paths_used(monkeypatch) -> list[str]:
    """Record, for every chunk committed, whether its worker wrote its files or shipped them."""
    used: list[str] = []
    write = ResultsStore.write_chunks

    def spy(self, results):
        for result in results:
            used.append("worker" if result.staged else "shipped" if result.arrays else "none")
        write(self, results)

    monkeypatch.setattr(ResultsStore, "write_chunks", spy)
    return used


def _remote_view(monkeypatch, tmp_path) -> None:
    """Workers look for the store where a remote machine would: a path they cannot see."""
    elsewhere = tmp_path / "not-mounted-here"

    def staging(self):
        return Staging(str(elsewhere / self.directory.name), "0" * 32)

    monkeypatch.setattr(ResultsStore, "staging", staging)


def _chunk(store, study, a: int, b: int, staging):
    evaluator = ChunkEvaluator(study)
    evaluator.staging = staging
    return evaluator(ChunkTask(a, b, study.design_table().iloc[a:b]))


def test_a_worker_that_sees_the_store_writes_its_files_and_the_client_renames_them(
    tmp_path, traj_study
) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        staging = store.staging()
        assert staging is not None and staging.reachable()
        assert PROBE_FILE.match(staging.probe.name)
        result = _chunk(store, traj_study, 0, 5, staging)
        assert result.arrays == {} and result.staged
        for file in result.staged.values():
            assert (store.directory / file.staged).is_file()
            assert not (store.directory / file.name).exists()
        store.write_chunk(result)
        for file in result.staged.values():
            assert not (store.directory / file.staged).exists()
            assert (store.directory / file.name).stat().st_size == file.checksum["bytes"]
        (row,) = store._con.execute("SELECT files, checksums FROM chunks").fetchall()
        assert json.loads(row[0]) == sorted(f.name for f in result.staged.values())
        assert json.loads(row[1]) == {f.name: f.checksum for f in result.staged.values()}
        probe = staging.probe
    assert not probe.exists()  # removed on close
    assert verify_store(tmp_path / "out") == []


@pytest.mark.parametrize("where", ["another path", "same path, another store's token"])
def test_a_worker_that_cannot_see_the_store_ships_its_arrays(tmp_path, traj_study, where) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        own = store.staging()
        assert own is not None
        if where == "another path":
            staging = Staging(str(tmp_path / "remote" / "out"), own.token)
        else:
            staging = Staging(own.directory, "f" * 32)
        assert not staging.reachable()
        result = _chunk(store, traj_study, 0, 5, staging)
        assert result.staged == {} and result.arrays
        store.write_chunk(result)
    assert verify_store(tmp_path / "out") == []
    assert not (tmp_path / "remote").exists()


def test_a_failed_write_on_the_worker_ships_the_arrays_instead(
    tmp_path, traj_study, monkeypatch
) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        staging = store.staging()
        written: list[int] = []

        def full(fd):  # the file's bytes are written, the disk reports it full on sync
            written.append(os.fstat(fd).st_size)
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        result = _chunk(store, traj_study, 0, 5, staging)
        monkeypatch.undo()
        assert written and written[0] > 0
        assert result.staged == {} and result.arrays
        left = [
            p.name
            for p in (tmp_path / "out").rglob("*")
            if p.is_file() and CHUNK_FILE.match(p.name)
        ]
        assert left == []  # its temporary files removed
        store.write_chunk(result)
    assert verify_store(tmp_path / "out") == []


def test_a_staged_file_gone_before_commit_is_refused_and_nothing_is_committed(
    tmp_path, traj_study
) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        result = _chunk(store, traj_study, 0, 5, store.staging())
        first, *rest = result.staged.values()
        (store.directory / first.staged).unlink()
        with pytest.raises(StoreError, match=r"missing .*run the study again"):
            store.write_chunk(result)
        assert store.done_ranges() == []
        for file in rest:  # the chunk's other files are not left behind
            assert not (store.directory / file.staged).exists()
    assert verify_store(tmp_path / "out") == []


def test_workers_leftovers_are_removed_when_the_store_is_reopened(tmp_path, traj_study) -> None:
    out = tmp_path / "out"
    run_study(traj_study, out, chunk_size=6, max_chunks=1)
    with ResultsStore.create(out, traj_study) as store:  # a killed run's probe and file
        staging = Staging.create(store.directory)
        result = stage_arrays(_chunk(store, traj_study, 6, 12, None), staging)
        assert result.staged
    assert staging.probe.exists()
    with ResultsStore.create(out, traj_study):
        pass
    assert not staging.probe.exists()
    for file in result.staged.values():
        assert not (out / file.staged).exists()
    assert verify_store(out) == []


@pytest.mark.parametrize("view", ["sees the store", "remote"])
@pytest.mark.parametrize("chunk_size", [1, 5])
def test_results_are_the_same_whoever_writes_the_files(
    tmp_path, traj_study, reference, read_all, assert_same, monkeypatch, view, chunk_size
) -> None:
    if view == "remote":
        _remote_view(monkeypatch, tmp_path)
    used = _paths_used(monkeypatch)
    run_study(traj_study, tmp_path / "out", chunk_size=chunk_size)
    assert set(used) == {"worker" if view == "sees the store" else "shipped"}
    assert verify_store(tmp_path / "out") == []
    assert_same(read_all(tmp_path / "out"), reference)


@pytest.mark.parametrize("view", ["sees the store", "remote"])
def test_dask_workers_write_or_ship_by_what_they_see(
    tmp_path, traj_study, reference, read_all, assert_same, monkeypatch, view
) -> None:
    if view == "remote":
        _remote_view(monkeypatch, tmp_path)
    used = _paths_used(monkeypatch)
    executor = DaskExecutor(workers=2, processes=True)
    run_study(traj_study, tmp_path / "out", executor=executor, chunk_size=4)
    assert used == ["worker" if view == "sees the store" else "shipped"] * 3
    assert verify_store(tmp_path / "out") == []
    assert_same(read_all(tmp_path / "out"), reference)
