"""Suite-wide test settings."""

import importlib
import os

import pytest
from hypothesis import settings

# CI runs property tests with a fixed seed so that a green build stays green; locally they
# explore new examples on every run (and keep failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.requires("numba", ...)``: skip without the modules, fail in CI.

    CI installs every extra the tests need, so there a missing module is a broken install
    and a failure, not a skip (as xarray's ``requires_*`` decorators).
    """
    for marker in item.iter_markers(name="requires"):
        missing = []
        for module in marker.args:
            try:
                importlib.import_module(module)
            except ImportError:
                missing.append(module)
        if missing:
            reason = f"needs {', '.join(missing)} (pip install -e '.[dev,fast]')"
            if os.environ.get("CI"):
                pytest.fail(f"{reason}: CI is set, so a missing module fails", pytrace=False)
            pytest.skip(reason)
