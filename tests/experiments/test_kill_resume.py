"""Kill a real run with SIGKILL mid-way, resume it, and compare with an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from techbloc.experiments.runner import run_study
from techbloc.experiments.store import ResultsStore
from techbloc.experiments.study import Study

# The child runs the study in-process, chunk by chunk, with the real model. Before each chunk
# it drops a marker file; it is slowed a little so the parent can kill it between and during
# chunk writes.
CHILD = """
import sys, time
from pathlib import Path
from techbloc.model import simulate
from techbloc.experiments.runner import run_study

study, out, markers = sys.argv[1], sys.argv[2], Path(sys.argv[3])
markers.mkdir(exist_ok=True)

def slow(world, scenarios, *args, **kwargs):
    (markers / f"start-{int(scenarios.index[0])}").touch()
    time.sleep(0.15)
    return simulate(world, scenarios, *args, **kwargs)

run_study(study, out, chunk_size=2, simulate=slow)
print("finished")
"""


def _start(script: Path, study: Path, out: Path, markers: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(
        [sys.executable, str(script), str(study), str(out), str(markers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _kill_when(proc: subprocess.Popen, markers: Path, n_markers: int, delay: float) -> None:
    deadline = time.monotonic() + 120
    while len(list(markers.glob("start-*"))) < n_markers:
        if proc.poll() is not None:
            pytest.fail(f"child ended early: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("child made no progress")
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_then_resume_gives_the_uninterrupted_rows(
    tmp_path, small_spec, read_all, assert_same
):
    spec = {**small_spec, "scenarios": 16, "outputs": {"trajectories": True}}
    study_file = tmp_path / "study.yaml"
    study_file.write_text(yaml.safe_dump(spec))
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    out, markers = tmp_path / "killed", tmp_path / "markers"

    # 1st run: killed while the 4th chunk is being evaluated (3 chunks committed)
    _kill_when(_start(script, study_file, out, markers), markers, 4, 0.05)
    with ResultsStore.open(out) as store:
        done = store.manifest["scenarios_done"]
        assert store.manifest["chunks_done"] == 3 and done == 6
        assert len(store.outcomes()) == done * 2

    # 2nd run resumes; killed again at an arbitrary moment around a chunk's write
    for name in markers.iterdir():
        name.unlink()
    _kill_when(_start(script, study_file, out, markers), markers, 2, 0.17)
    with ResultsStore.open(out) as store:
        manifest = store.manifest
        assert 6 <= manifest["scenarios_done"] < 16
        assert not manifest["complete"]
        assert len(store.outcomes()) == manifest["scenarios_done"] * 2

    # 3rd run finishes; it only evaluates what is missing
    summary = run_study(Study.from_yaml(study_file), out, chunk_size=2)
    assert summary.status == "complete"
    assert summary.chunks_skipped >= 3
    assert summary.scenarios_run == 16 - manifest["scenarios_done"]

    reference = tmp_path / "reference"
    run_study(Study.from_yaml(study_file), reference, chunk_size=16)
    resumed, uninterrupted = read_all(out), read_all(reference)
    assert len(resumed["outcomes"]) == 32
    assert not resumed["outcomes"].duplicated(["scenario", "policy"]).any()
    assert_same(resumed, uninterrupted)
