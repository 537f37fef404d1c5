"""Shared fixtures for the experiments tests: small studies on the real model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from techbloc.experiments.study import Study

SMALL = {
    "name": "small",
    "policies": [{"preset": "forging_core"}, {"preset": "forging_core+KOR", "pool_share": 0.1}],
    "scenarios": 12,
    "years": {"start": 2024, "end": 2030},
    "seed": 7,
}


@pytest.fixture
def small_study() -> Study:
    """12 scenarios × 2 policies, 7 years, scalars only."""
    return Study.from_dict(SMALL)


@pytest.fixture
def traj_study() -> Study:
    """12 scenarios × 2 policies, 7 years, with trajectories."""
    return Study.from_dict({**SMALL, "outputs": {"trajectories": True}})


def _read_all(directory: Path) -> dict[str, pd.DataFrame]:
    """Everything a store holds, as frames (for row-by-row comparisons)."""
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(directory) as store:
        out = {"scenarios": store.scenarios(), "outcomes": store.outcomes()}
        for name in sorted(store.array_variables()):
            out[name] = store.trajectories(name)
    return out


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    """Two stores hold exactly the same rows and values."""
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)


@pytest.fixture
def small_spec() -> dict:
    """The plain data of the small study (a fresh copy)."""
    import copy

    return copy.deepcopy(SMALL)


@pytest.fixture
def read_all():
    """Read everything a store holds: ``read_all(directory) -> dict of DataFrames``."""
    return _read_all


@pytest.fixture
def assert_same():
    """``assert_same(a, b)``: two ``read_all`` results hold exactly the same rows."""
    return _assert_same
