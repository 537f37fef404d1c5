"""The benchmark scripts run (small) and print their figures."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "benchmarks"


@pytest.mark.slow
def test_scaling_quick():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "scaling.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1,000" in proc.stdout and "peak MB" in proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("ema_workbench") is None,
    reason="needs the bench extra (ema-workbench)",
)
def test_vs_ema_quick():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "vs_ema.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "outcomes agree: True" in proc.stdout and "speed-up" in proc.stdout


@pytest.mark.slow
def test_service_load_quick():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "service_load.py"), "--scenarios", "300", "--requests", "20"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "during evaluate" in proc.stdout and "p95" in proc.stdout


@pytest.mark.slow
def test_bad_inputs_script_prints_the_counts():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bad_inputs.py")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "tracebacks: 0" in proc.stdout


@pytest.mark.slow
def test_cli_latency_quick():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "cli_latency.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "second (cached)" in proc.stdout
    assert "compiling" not in proc.stderr
    assert "first runs 1/1, second runs 0/1" in proc.stdout


@pytest.mark.slow
def test_search_quick():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "search.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "same front: True" in proc.stdout and "same front: False" not in proc.stdout
    assert "largest difference in values: 0.0e+00" in proc.stdout


@pytest.mark.slow
def test_dask_scaling_small():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "dask_scaling.py"), "--scenarios", "400", "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1 worker / 2 workers" in proc.stdout and "per-task overhead" in proc.stdout
    assert "misses 0" in proc.stdout  # workers load the kernels from the cache
