"""Same study and seed: identical stored results whatever the chunking or the executor."""

from __future__ import annotations

import pytest

from techbloc.experiments.executors import DaskExecutor, ProcessExecutor
from techbloc.experiments.runner import run_study


@pytest.fixture
def reference(tmp_path, traj_study, read_all):
    run_study(traj_study, tmp_path / "reference", chunk_size=12)
    return read_all(tmp_path / "reference")


@pytest.mark.parametrize("chunk_size", [1, 5])
def test_chunk_size_does_not_change_results(
    tmp_path, traj_study, reference, read_all, assert_same, chunk_size
):
    run_study(traj_study, tmp_path / "out", chunk_size=chunk_size)
    assert_same(read_all(tmp_path / "out"), reference)


def test_local_processes_give_the_same_results(
    tmp_path, traj_study, reference, read_all, assert_same
):
    run_study(traj_study, tmp_path / "out", executor=ProcessExecutor(2), chunk_size=5)
    assert_same(read_all(tmp_path / "out"), reference)


def test_dask_local_cluster_gives_the_same_results(
    tmp_path, traj_study, reference, read_all, assert_same
):
    executor = DaskExecutor(workers=2, processes=False)
    run_study(traj_study, tmp_path / "out", executor=executor, chunk_size=3)
    assert_same(read_all(tmp_path / "out"), reference)


def test_resume_with_another_chunk_size_and_executor(
    tmp_path, traj_study, reference, read_all, assert_same
):
    out = tmp_path / "out"
    first = run_study(traj_study, out, chunk_size=5, max_chunks=1)
    assert first.status == "stopped"
    second = run_study(
        traj_study, out, executor=DaskExecutor(workers=1, processes=False), chunk_size=4
    )
    assert second.status == "complete" and second.scenarios_run == 7
    assert_same(read_all(out), reference)


@pytest.mark.slow
def test_dask_process_workers_give_the_same_results(
    tmp_path, traj_study, reference, read_all, assert_same
):
    run_study(traj_study, tmp_path / "out", executor="dask", workers=2, chunk_size=2)
    assert_same(read_all(tmp_path / "out"), reference)


def test_dask_scheduler_address_gives_the_same_results(
    tmp_path, traj_study, reference, read_all, assert_same
):
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        run_study(
            traj_study,
            tmp_path / "out",
            executor="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=4,
        )
    assert_same(read_all(tmp_path / "out"), reference)
