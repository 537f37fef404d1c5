"""The benchmark scripts run (small) and print their figures."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "benchmarks"


def _run(script: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run ``benchmarks/<script>`` with ``args`` in a child process; its output as text."""
    return subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_scaling_quick():
    proc = _run("scaling.py", "--quick")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1,000" in proc.stdout and "peak MB" in proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("ema_workbench") is None,
    reason="needs the bench extra (ema-workbench)",
)
def test_vs_ema_quick():
    proc = _run("vs_ema.py", "--quick")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "outcomes agree: True" in proc.stdout and "speed-up" in proc.stdout


@pytest.mark.slow
def test_service_load_quick():
    proc = _run("service_load.py", "--scenarios", "300", "--requests", "20")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "during evaluate" in proc.stdout and "p95" in proc.stdout


@pytest.mark.slow
def test_bad_inputs_script_prints_the_counts():
    proc = _run("bad_inputs.py")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "; traceback 0;" in proc.stdout  # the summary line: "...; traceback 0; hang 0"


@pytest.mark.slow
def test_cli_latency_quick():
    proc = _run("cli_latency.py", "--quick", timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "second (cached)" in proc.stdout
    assert "compiling" not in proc.stderr
    assert "first runs 1/1, second runs 0/1" in proc.stdout


@pytest.mark.slow
def test_search_quick():
    proc = _run("search.py", "--quick")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "same front: True" in proc.stdout and "same front: False" not in proc.stdout
    assert "largest difference in values: 0.0e+00" in proc.stdout


@pytest.mark.slow
def test_dask_scaling_small():
    proc = _run("dask_scaling.py", "--scenarios", "400", "--repeats", "1", timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1 worker / 2 workers" in proc.stdout and "per-task overhead" in proc.stdout
    assert "misses 0" in proc.stdout  # workers load the kernels from the cache
    assert "client commit of k chunks of 500 together" in proc.stdout
    assert "batched: chunks of at least" in proc.stdout or "batched: the client" in proc.stdout


@pytest.mark.slow
def test_first_pass_layouts_quick():
    proc = _run("first_pass_layouts.py", "--quick", "--c")
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the C kernels run where a compiler is, and must then agree bit for bit too
    c_kernels = 0 if "C kernels skipped" in proc.stdout else 3
    assert proc.stdout.count("bit-identical to rows: True") == 5 + c_kernels, proc.stdout
    assert proc.stdout.count("largest relative difference from rows") == 2, proc.stdout
    assert "transposing" in proc.stdout


@pytest.mark.slow
def test_commit_growth_quick():
    proc = _run("commit_growth.py", "--chunks", "60", "--window", "20")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("median / first window's") == 3, proc.stdout


@pytest.mark.slow
def test_vector_powers_quick():
    proc = _run("vector_powers.py", "--quick")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "special values as numpy's: log True, exp True" in proc.stdout, proc.stdout
    assert "vector body and scalar remainder bit-identical: True" in proc.stdout, proc.stdout
    # within 1 ulp of the exact value, as libm and numpy are
    for line in proc.stdout.splitlines():
        if line.strip().startswith(("exp on", "log on")):
            assert int(line.split()[-3]) <= 1, line


@pytest.mark.slow
def test_report_scale_quick():
    proc = _run("report_scale.py", "--quick", timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "store of 500 futures: complete" in proc.stdout
    assert "      500  this" in proc.stdout and "largest MB" in proc.stdout
