"""Dask workers: one kernel thread per task, the machine's numba cache, and nannies that fail."""

from __future__ import annotations

import logging
import os

import pytest

from techbloc.experiments.executors import (
    CLUSTER_ATTEMPTS,
    ClusterStartError,
    DaskExecutor,
    worker_environment,
)


def _kernel_setup(item: int) -> tuple[int, str, str]:
    """What a task sees: numba's threads for it, and the environment its worker has."""
    import numba

    return (
        numba.get_num_threads(),
        os.environ.get("NUMBA_NUM_THREADS", ""),
        os.environ.get("NUMBA_CACHE_DIR", ""),
    )


def test_worker_environment_sets_the_threads_and_the_cache(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    assert worker_environment(1) == {
        "NUMBA_NUM_THREADS": "1",
        "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
    }
    assert worker_environment(3)["NUMBA_NUM_THREADS"] == "3"


def test_local_cluster_workers_run_one_kernel_thread_and_share_the_cache(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    with DaskExecutor(workers=2, processes=True) as executor:
        seen = list(executor.imap_unordered(_kernel_setup, range(4)))
    assert seen == [(1, "1", str(tmp_path / "cache"))] * 4


def test_thread_workers_run_one_kernel_thread_and_leave_this_process_alone(monkeypatch) -> None:
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    with DaskExecutor(workers=2, processes=False) as executor:
        seen = list(executor.imap_unordered(_kernel_setup, range(4)))
    assert [threads for threads, _, _ in seen] == [1] * 4
    assert "NUMBA_NUM_THREADS" not in os.environ


def _fail_first_starts(monkeypatch, failures: int) -> list[int]:
    """Make the first ``failures`` nanny starts fail as a real one does; count the starts."""
    from distributed.nanny import Nanny

    real = Nanny.start_unsafe
    starts: list[int] = []

    async def start_unsafe(self):
        starts.append(1)
        if len(starts) <= failures:
            raise RuntimeError("Nanny failed to start worker process")
        return await real(self)

    monkeypatch.setattr(Nanny, "start_unsafe", start_unsafe)
    return starts


def test_a_nanny_that_fails_to_start_is_retried(monkeypatch, caplog) -> None:
    starts = _fail_first_starts(monkeypatch, failures=1)
    with (
        caplog.at_level(logging.WARNING, logger="techbloc.experiments.executors"),
        DaskExecutor(workers=1, processes=True) as executor,
    ):
        assert list(executor.imap_unordered(abs, [-3])) == [3]
    assert len(starts) == 2
    assert "failed to start" in caplog.text and f"attempt 1 of {CLUSTER_ATTEMPTS}" in caplog.text


def test_nannies_that_never_start_give_a_clear_error(monkeypatch) -> None:
    starts = _fail_first_starts(monkeypatch, failures=10**6)
    executor = DaskExecutor(workers=1, processes=True)
    with pytest.raises(ClusterStartError, match="did not start after 3 attempts") as caught:
        executor.__enter__()
    message = str(caught.value)
    assert "failed to start" in message and "--executor processes" in message
    assert len(starts) == CLUSTER_ATTEMPTS


def test_a_local_cluster_is_quiet_when_port_8787_is_taken() -> None:
    """Another cluster (or anything) on Dask's default HTTP port made every run print
    "Port 8787 is already in use. Perhaps you already have a cluster running?"."""
    import socket
    import warnings

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:  # taken already: the case itself
        pass
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with DaskExecutor(workers=1, processes=False) as executor:
                assert list(executor.imap_unordered(abs, [-1])) == [1]
                port = executor._client.scheduler_info()["services"]["dashboard"]
    finally:
        holder.close()
    assert port != 8787
    assert not [w for w in seen if "already in use" in str(w.message)]
