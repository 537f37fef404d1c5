"""Worker processes die with their parent and start only from a program they can import;
worker counts and scheduler addresses are bounded."""

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
from techbloc.experiments import executors
from techbloc.experiments.budget import AUTO_PROCESS_WORK, Limits, choose_executor
from techbloc.experiments.executors import (
    DaskExecutor,
    ProcessExecutor,
    check_scheduler,
    check_workers,
    make_executor,
    max_workers,
)
from techbloc.experiments.study import Study

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


PIPED = textwrap.dedent(
    """
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    spec = {"name": "piped", "policies": [{"preset": "forging_core"}], "scenarios": 4}
    run_study(Study.from_dict(spec), OUT, executor="processes", workers=2, chunk_size=1)
    """
)


def test_worker_processes_refuse_a_script_read_from_standard_input(tmp_path) -> None:
    """Workers import the main script again: from ``python -`` they cannot, and the run says
    so before starting them (it failed with a broken pipe in the process pool)."""
    script = f"OUT = {str(tmp_path / 'out')!r}\n" + PIPED
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "InputError: worker processes start by importing this program's main script" in (
        done.stderr
    )
    assert "'<stdin>' is not a file they can import" in done.stderr
    assert "BrokenPipeError" not in done.stderr


@pytest.fixture
def piped_main(monkeypatch):
    """This process's ``__main__`` as a script piped into ``python -`` has it."""
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    monkeypatch.setattr(main, "__file__", "<stdin>", raising=False)
    return main


def test_main_importable(piped_main, monkeypatch, tmp_path) -> None:
    assert not executors.main_importable()
    script = tmp_path / "script.py"
    script.write_text("")
    monkeypatch.setattr(piped_main, "__file__", str(script))
    assert executors.main_importable()
    monkeypatch.delattr(piped_main, "__file__")  # python -c, an interactive session
    assert executors.main_importable()
    monkeypatch.setattr(piped_main, "__file__", "<stdin>", raising=False)
    monkeypatch.setattr(piped_main, "__spec__", object())  # python -m: imported by name
    assert executors.main_importable()


def test_a_piped_script_gets_no_worker_processes(piped_main, monkeypatch) -> None:
    with pytest.raises(InputError, match="'<stdin>' is not a file they can import"):
        ProcessExecutor(2)
    with pytest.raises(InputError, match="LocalCluster's worker processes start by importing"):
        DaskExecutor(workers=1, processes=True)
    DaskExecutor(workers=1, processes=False)  # threads in this process need no import
    # ``auto`` runs such a script's large study in its own process instead
    monkeypatch.setattr(executors, "usable_cpus", lambda: 2)
    spec = {"name": "big", "policies": [{"preset": "forging_core"}]}
    study = Study.from_dict({**spec, "scenarios": AUTO_PROCESS_WORK})
    roomy = Limits(memory=None, disk=None)
    assert choose_executor(study, "auto", limits=roomy) == "local"
    monkeypatch.setattr(piped_main, "__file__", __file__)
    assert choose_executor(study, "auto", limits=roomy) == "processes"


UNGUARDED = textwrap.dedent(
    """
    import sys

    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    spec = {"name": "unguarded", "policies": [{"preset": "forging_core"}], "scenarios": 4}
    run_study(Study.from_dict(spec), sys.argv[1], executor=sys.argv[2], workers=2, chunk_size=1)
    """
)


@pytest.mark.parametrize(
    "executor, error",
    [("processes", "WorkerStartError"), pytest.param("dask", "ClusterStartError")],
)
def test_a_script_that_runs_its_study_at_import_is_told_to_guard_it(
    tmp_path, executor, error
) -> None:
    """Workers import the main script again, so a script without the ``__main__`` guard ran
    its study in every worker: the workers met the store locked, and the run ended in a
    StoreError ("another run is using this results store") and a broken pipe."""
    if executor == "dask":
        pytest.importorskip("distributed")
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), str(out), executor],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"techbloc.experiments.executors.{error}: "), done.stderr[-3000:]
    assert "import unguarded.py again" in last
    assert 'put that code under `if __name__ == "__main__":`' in last
    assert "StoreError" not in done.stderr and "BrokenPipeError" not in done.stderr
    assert not out.exists()  # the store the run created and never wrote to is removed


def test_a_worker_importing_the_main_script_stops_before_a_study(monkeypatch, tmp_path) -> None:
    from multiprocessing import process

    from techbloc.experiments.runner import run_study

    assert not executors.importing_main()
    monkeypatch.setattr(process.current_process(), "_inheriting", True, raising=False)
    assert executors.importing_main()
    with pytest.raises(SystemExit) as stopped:
        run_study(
            Study.from_dict({"policies": [{"preset": "forging_core"}], "scenarios": 2}),
            tmp_path / "x",
        )
    assert stopped.value.code == 1 and not (tmp_path / "x").exists()
    executor = ProcessExecutor(1)  # made at import, used under the guard: fine
    with pytest.raises(SystemExit), executor:
        list(executor.imap_unordered(abs, [1]))  # started at import: stopped
    with pytest.raises(SystemExit), DaskExecutor(workers=1, processes=True):
        pass


def _die_on_the_third(item: int) -> int:
    if item == 2:
        os._exit(9)  # killed mid-run, as the kernel's out-of-memory killer would
    time.sleep(0.2)
    return item


def test_a_worker_that_dies_mid_run_is_reported_plainly() -> None:
    seen: list[int] = []
    with (
        pytest.raises(executors.WorkerStartError, match="a worker process died while computing"),
        ProcessExecutor(1) as pool,
    ):
        for batch in pool.imap_batches(_die_on_the_third, range(6)):
            seen.extend(batch)
    assert seen[:2] == [0, 1]


def test_an_executor_made_at_import_and_used_under_the_guard_runs(tmp_path) -> None:
    """Only starting work while a worker imports the script stops it; making an executor at
    module level, as a script may, does not."""
    script = tmp_path / "guarded.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys

            from techbloc.experiments.executors import ProcessExecutor
            from techbloc.experiments.runner import run_study
            from techbloc.experiments.study import Study

            executor = ProcessExecutor(2)
            spec = {"name": "guarded", "policies": [{"preset": "forging_core"}], "scenarios": 4}
            if __name__ == "__main__":
                summary = run_study(Study.from_dict(spec), sys.argv[1], executor=executor,
                                    chunk_size=1)
                print(summary.status)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "complete"
