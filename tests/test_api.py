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


def test_sample_futures_draws_every_uncertain_parameter():
    import pandas as pd
    import pytest

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
