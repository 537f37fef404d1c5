"""Worker processes die with their parent; worker counts and scheduler addresses are bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from techbloc.errors import InputError
from techbloc.experiments.executors import (
    ProcessExecutor,
    check_scheduler,
    check_workers,
    make_executor,
    max_workers,
)

SCRIPT = textwrap.dedent(
    """
    import sys
    import time

    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study


    def busy(*args, **kwargs):
        time.sleep(600)  # a worker in the middle of a long chunk


    if __name__ == "__main__":
        spec = {
            "name": "orphans",
            "policies": [{"preset": "forging_core"}],
            "scenarios": 4,
            "years": {"start": 2024, "end": 2026},
        }
        run_study(
            Study.from_dict(spec),
            sys.argv[1],
            executor="processes",
            workers=2,
            chunk_size=1,
            simulate=busy,
        )
    """
)


def _session(sid: int) -> list[int]:
    """Processes (not zombies) in session ``sid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_within_seconds_of_a_sigkill_of_the_parent(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "store")],
        env=env,
        start_new_session=True,  # the run, its fork server and workers: one session
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_session(parent.pid)) < 4 and time.monotonic() < deadline:  # + server + 2
            assert parent.poll() is None, "the run ended before its workers started"
            time.sleep(0.2)
        assert len(_session(parent.pid)) >= 4, _session(parent.pid)
        time.sleep(2)  # the workers are inside their (endless) chunks
        parent.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while [p for p in _session(parent.pid) if p != parent.pid] and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [p for p in _session(parent.pid) if p != parent.pid]
        assert left == [], f"still alive 10 s after the parent's SIGKILL: {left}"
    finally:
        for pid in _session(parent.pid):
            if pid != os.getpid():
                os.kill(pid, signal.SIGKILL)
        parent.wait()


@pytest.mark.parametrize("workers", [0, -1, 10_000])
def test_worker_counts_out_of_bounds_are_refused(workers) -> None:
    with pytest.raises(InputError, match=r"--workers .*give 1 to \d+"):
        check_workers(workers)
    with pytest.raises(InputError, match="--workers"):
        ProcessExecutor(workers)
    with pytest.raises(InputError, match="--workers"):
        make_executor("dask", workers=workers)


def test_worker_counts_within_bounds() -> None:
    assert check_workers(None) is None
    assert check_workers(max_workers()) == max_workers()
    assert ProcessExecutor(1).workers == 1


@pytest.mark.parametrize("address", ["not a url", "tcp://host", "host:99999", "", "http://x/:1"])
def test_bad_scheduler_addresses_are_refused(address) -> None:
    with pytest.raises(InputError, match="not a Dask scheduler address"):
        check_scheduler(address)


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "localhost:8786", "tls://[::1]:1"])
def test_scheduler_addresses(address) -> None:
    assert check_scheduler(address) == address
