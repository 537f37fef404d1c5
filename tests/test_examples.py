"""Every script in examples/ runs (at small sizes) as part of the test suite."""

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_example_runs(script, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(script), "--scenarios", "8"])
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()
