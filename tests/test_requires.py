"""The ``requires`` marker (tests/conftest.py): skip locally, fail in CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

KERNEL_TEST = "tests/model/test_kernels.py::test_compiled_domain_flows_match_numpy_reference"
REPO = Path(__file__).parents[1]


@pytest.fixture
def without_numba(tmp_path):
    # a numba that fails to import, first on the path
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "__init__.py").write_text("raise ImportError('no numba here')\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    return env


def _run(env):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", KERNEL_TEST]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_a_kernel_test_skips_without_numba_locally(without_numba):
    proc = _run(without_numba)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 skipped" in proc.stdout and "needs numba" in proc.stdout


def test_a_kernel_test_fails_without_numba_in_ci(without_numba):
    proc = _run({**without_numba, "CI": "true"})
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "1 error" in proc.stdout and "CI is set" in proc.stdout  # an error in setup
