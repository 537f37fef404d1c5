"""The public API of techbloc.report: cheap to import, each name from its module."""

import importlib
import subprocess
import sys

import pytest

import techbloc.report


def test_import_is_light():
    # importing the package must not pull in matplotlib, Jinja2
    heavy = ("pandas", "matplotlib", "jinja2", "xarray")
    code = f"import sys, techbloc.report; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("name", "module"), [("write_report", "html"), ("report_context", "html")])
def test_names_come_from_their_modules(name, module):
    defined = getattr(importlib.import_module(f"techbloc.report.{module}"), name)
    assert getattr(techbloc.report, name) is defined
    assert name in techbloc.report.__all__
