"""The public API of techbloc.analysis: cheap to import, each name from its module."""

import importlib
import subprocess
import sys

import pytest

import techbloc.analysis


def test_import_is_light():
    # importing the package must not pull in scikit-learn, SALib, pymoo
    heavy = ("pandas", "sklearn", "SALib", "pymoo", "scipy")
    code = f"import sys, techbloc.analysis; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("prim", "discovery"),
        ("sensitivity", "sensitivity"),
        ("search_coalitions", "search"),
        ("Metric", "robustness"),
        ("shapley", "shapley"),
    ],
)
def test_names_come_from_their_modules(name, module):
    defined = getattr(importlib.import_module(f"techbloc.analysis.{module}"), name)
    assert getattr(techbloc.analysis, name) is defined
    assert name in techbloc.analysis.__all__
