import numpy as np
import pandas as pd
import pytest

from techbloc.analysis.ranking import leader
from techbloc.errors import InputError


def _table(values: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = [
        {"scenario": s, "policy": name, "cohesion": float(v[s])}
        for name, v in values.items()
        for s in range(len(v))
    ]
    return pd.DataFrame(rows).set_index(["scenario", "policy"])


def test_a_clear_lead_holds():
    rng = np.random.default_rng(0)
    base = rng.normal(size=400)
    lead = leader(_table({"a": base + 1.0, "b": base, "c": base - 1.0}), "cohesion")
    assert (lead.leader, lead.runner_up) == ("a", "b")
    assert lead.holds and lead.best == "a" and lead.share_holding > 0.99
    assert lead.lead == pytest.approx(1.0)


def test_a_tie_does_not_hold():
    rng = np.random.default_rng(1)
    lead = leader(_table({"a": rng.normal(size=300), "b": rng.normal(size=300)}), "cohesion")
    assert not lead.holds and lead.best is None
    assert 0.05 < lead.share_holding < 0.95
    assert "no coalition is best" in lead.describe()


def test_direction_min_ranks_the_smallest_first():
    x = np.linspace(0, 1, 200)
    lead = leader(_table({"a": x, "b": x + 0.5}), "cohesion", direction="min")
    assert lead.leader == "a" and lead.holds


def test_bad_inputs_are_refused():
    x = np.zeros(10)
    with pytest.raises(InputError):
        leader(_table({"a": x}), "cohesion")
    with pytest.raises(InputError):
        leader(_table({"a": x, "b": x}), "cohesion", direction="info")
    with pytest.raises(InputError):
        leader(_table({"a": x, "b": x}), "cohesion", policies=["a", "z"])
