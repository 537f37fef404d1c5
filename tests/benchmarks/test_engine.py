"""The engine benchmark keeps running (at smoke-test size); its figures are not asserted."""

import runpy
import sys
from pathlib import Path


def test_engine_benchmark_quick(monkeypatch, capsys):
    script = Path(__file__).parents[2] / "benchmarks" / "engine.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--quick"])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert "runs/s" in out and "ratio batched / one-at-a-time" in out
