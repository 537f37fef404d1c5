import numpy as np
import pandas as pd
import pytest

from techbloc.coalitions import Coalition
from techbloc.params import PARAMETERS
from techbloc.policies import Policy


@pytest.fixture(scope="session")
def world():
    from techbloc.world import load_world

    return load_world()


@pytest.fixture(scope="session")
def core():
    return Policy(Coalition.from_preset("forging_core"))


@pytest.fixture(scope="session")
def sampled_scenarios():
    """300 futures drawn uniformly over every uncertain parameter's range."""
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {p.name: p.from_unit(rng.random(300)) for p in PARAMETERS if p.is_uncertain}
    )


def _defaults_table(n: int, **values) -> pd.DataFrame:
    """``n`` scenarios at the defaults, except ``values``."""
    return pd.DataFrame({k: [v] * n for k, v in values.items()}, index=range(n))


@pytest.fixture(scope="session")
def defaults_table():
    return _defaults_table
