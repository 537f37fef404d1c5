"""The Makefile tells a newcomer what the first, slow step is doing."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("target", ["run", "test"])
def test_make_says_what_it_installs(target, tmp_path):
    """`make run` on a fresh clone announces the install and lets pip show its progress."""
    out = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Installing techbloc and its dependencies" in out and "a few minutes" in out
    install = next(line for line in out.splitlines() if "pip install" in line and "-e" in line)
    assert "--quiet" not in install and "--progress-bar on" in install
