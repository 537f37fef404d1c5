"""The top-level API, and the lazy imports of every package with an ``__init__.pyi``."""

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import techbloc

SRC = Path(__file__).parents[1] / "src"
STUBS = sorted(SRC.glob("techbloc/**/__init__.pyi"))
PACKAGES = [".".join(p.parent.relative_to(SRC).parts) for p in STUBS]


def test_every_public_name_resolves():
    for name in techbloc.__all__:
        assert getattr(techbloc, name) is not None, name


def test_the_five_packages_load_lazily():
    assert PACKAGES == [
        "techbloc",
        "techbloc.analysis",
        "techbloc.experiments",
        "techbloc.report",
        "techbloc.service",
    ]


@pytest.mark.parametrize("stub", STUBS, ids=PACKAGES)
def test_stub_lists_each_import_once_in_all(stub):
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    imported = [a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names]
    (declared,) = [
        ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and [t.id for t in n.targets] == ["__all__"]
    ]
    assert all(n.level == 1 for n in tree.body if isinstance(n, ast.ImportFrom))
    assert len(set(imported)) == len(imported)
    assert declared == sorted(declared, key=lambda name: (not name.isupper(), name))
    assert sorted(declared) == sorted(imported)


@pytest.mark.parametrize("package", PACKAGES)
def test_all_dir_and_star_import_agree(package):
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__) and module.__all__
    assert dir(module) == module.__all__
    namespace: dict[str, object] = {}
    exec(f"from {package} import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == module.__all__
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_every_stub_name_exists_in_its_module():
    # EAGER_IMPORT (lazy_loader) resolves every name of every stub at import
    code = "import " + ", ".join(PACKAGES)
    env = {**os.environ, "EAGER_IMPORT": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=300)


def test_a_function_shadows_its_module_of_the_same_name():
    # importing techbloc.analysis.sensitivity (the module) first must not make
    # techbloc.analysis.sensitivity the module
    code = (
        "import techbloc.analysis.sensitivity, techbloc.analysis.stability; "
        "from techbloc.analysis import sensitivity, shapley, stability; "
        "import techbloc.analysis as a; "
        "print(callable(sensitivity), callable(shapley), callable(stability), "
        "callable(a.sensitivity), a.sensitivity.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"] * 4 + ["techbloc.analysis.sensitivity"]


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
    with pytest.raises(AttributeError):
        techbloc.no_such_thing  # noqa: B018


def test_sample_futures_draws_every_uncertain_parameter():
    import pandas as pd

    from techbloc import Coalition, Error, Policy, load_world, sample_futures, simulate
    from techbloc.params import get_parameter, parameter_names

    futures = sample_futures(50, seed=3)
    assert list(futures.columns) == parameter_names(uncertain_only=True)
    assert futures.index.name == "scenario" and len(futures) == 50
    for name in futures.columns:
        p = get_parameter(name)
        assert futures[name].between(p.low, p.high).all()
        assert futures[name].nunique() == 50  # drawn, not held at the default
    pd.testing.assert_frame_equal(futures, sample_futures(50, seed=3))
    assert not futures.equals(sample_futures(50, seed=4))
    fixed = sample_futures(8, seed=3, vary=["denial"], fixed={"synergy": 0.1})
    assert list(fixed.columns) == ["denial", "synergy"] and (fixed["synergy"] == 0.1).all()
    sobol = sample_futures(8, design="sobol", vary=["denial", "synergy"])
    assert len(sobol) == 8 * (2 + 2)
    # the futures differ where a bare index would not
    world, policy = load_world(), Policy(Coalition.from_preset("forging_core"))
    sampled = simulate(world, futures.iloc[:6], [policy], end_year=2030, trajectories=False)
    bare = simulate(
        world, pd.DataFrame(index=range(6)), [policy], end_year=2030, trajectories=False
    )
    assert float(sampled.leakage_share.std()) > 2 * float(bare.leakage_share.std())
    for bad in (
        {"n": 0},
        {"n": 5, "design": "table"},
        {"n": 5, "vary": ["denail"]},
        {"n": 5, "fixed": {"denial": 2.0}},
        {"n": 5, "vary": ["denial"], "fixed": {"denial": 0.1}},
    ):
        with pytest.raises(Error):
            sample_futures(**bad)
