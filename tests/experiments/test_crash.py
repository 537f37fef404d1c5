"""SIGKILL at random moments, also inside chunk writes: the store stays intact and resumes.

The child runs a small study with trajectories and pauses at three points of every chunk
write (inside the Parquet write before its rename, after the Parquet files, inside the
DuckDB transaction before COMMIT), so random kill times land in writes as often as between
them. After every kill `verify` must find nothing wrong; the run finished at the end must
equal an uninterrupted one. The kill times come from a fixed seed (reproducible).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import yaml

from techbloc.experiments.runner import run_study
from techbloc.experiments.store import verify_store
from techbloc.experiments.study import Study

CHILD = """
import os, sys, time
from pathlib import Path
from techbloc.experiments import chunks as chunks_module
from techbloc.experiments.runner import run_study

study, out, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
fsync = os.fsync

def slow_fsync(fd):  # a chunk's Parquet file is written to its temporary name, then synced
    marker.touch()  # the first write has begun
    fsync(fd)
    time.sleep(0.03)  # the temporary file exists, not yet renamed

os.fsync = slow_fsync
insert = chunks_module.insert_rows

def slow_insert(con, table, frame, **kwargs):
    time.sleep(0.03)  # inside the transaction: Parquet files renamed, rows not committed
    insert(con, table, frame, **kwargs)

chunks_module.insert_rows = slow_insert
run_study(study, out, chunk_size=2)
print("finished")
"""

SPEC = {
    "name": "crash",
    "policies": [{"preset": "forging_core"}, {"preset": "quad", "pool_share": 0.1}],
    "scenarios": 24,
    "years": {"start": 2024, "end": 2030},
    "seed": 11,
    "outputs": {"trajectories": True},
}
KILLS = 3


def test_random_sigkills_leave_an_intact_resumable_store(tmp_path, read_all, assert_same):
    study_file = tmp_path / "study.yaml"
    study_file.write_text(yaml.safe_dump(SPEC))
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    out = tmp_path / "killed"
    rng = random.Random(20261201)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    kills = 0
    for _ in range(KILLS):
        marker = tmp_path / "writing"
        marker.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, str(script), str(study_file), str(out), str(marker)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        # wait until the child writes its first chunk, then kill it at a random moment
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "the child made no progress"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        problems = verify_store(out)
        assert problems == [], [p.message for p in problems]
    assert kills >= 2, "the child finished before most kills: slow it down"
    summary = run_study(Study.from_yaml(study_file), out, chunk_size=2)
    assert summary.status in ("complete", "already complete")
    reference = tmp_path / "reference"
    run_study(Study.from_yaml(study_file), reference, chunk_size=24)
    resumed = read_all(out)
    assert len(resumed["outcomes"]) == 48
    assert_same(resumed, read_all(reference))
    assert verify_store(out) == []
