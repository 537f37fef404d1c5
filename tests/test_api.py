import subprocess
import sys

import techbloc


def test_every_public_name_resolves():
    for name in techbloc.__all__:
        assert getattr(techbloc, name) is not None, name


def test_import_is_light():
    # importing the package must not pull in the heavy libraries
    code = (
        "import sys, techbloc; "
        "heavy = [m for m in ('pandas', 'xarray', 'duckdb', 'dask', 'matplotlib', 'numba') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError):
        techbloc.no_such_thing  # noqa: B018
