"""The public API of techbloc.experiments: cheap to import, each name from its module."""

import importlib
import subprocess
import sys

import pytest

import techbloc.experiments


def test_import_is_light():
    # importing the package must not pull in pandas, DuckDB, Dask
    heavy = ("pandas", "duckdb", "dask", "pyarrow", "pydantic")
    code = f"import sys, techbloc.experiments; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("Study", "study"),
        ("run_study", "runner"),
        ("resolve", "resolve"),
        ("MemorySink", "sinks"),
        ("ResultsStore", "store"),
        ("DaskExecutor", "executors"),
        ("sample_design", "design"),
    ],
)
def test_names_come_from_their_modules(name, module):
    defined = getattr(importlib.import_module(f"techbloc.experiments.{module}"), name)
    assert getattr(techbloc.experiments, name) is defined
    assert name in techbloc.experiments.__all__
