import numpy as np
import pytest

from techbloc.analysis.stability import stability
from techbloc.errors import InputError

CODES = ["USA", "AAA", "BBB", "CCC", "DDD"]


def margins_fn(masks):
    """Two scenarios of a toy E12 margin.

    Each member i gains value[i] - 0.1 * (size - 1) (crowding). Scenario 1 halves values.
    """
    value = np.array([0.0, 0.5, 0.25, 0.35, 0.02])
    out = []
    for scale in (1.0, 0.5):
        size = masks.sum(axis=1, keepdims=True)
        margin = scale * value[None, :] - 0.1 * (size - 1)
        out.append(np.where(masks, margin, np.nan))
    return np.stack(out)


def test_internal_and_external_stability_hand_computed():
    r = stability(margins_fn, CODES, ["USA", "AAA", "BBB"], names={"AAA": "Aland"})
    # coalition size 3: crowding 0.2. AAA: 0.5-0.2 >= 0, 0.25-0.2 >= 0 -> 1.0
    # BBB: 0.25-0.2 = 0.05 ok, 0.125-0.2 < 0 -> 0.5
    assert r.members.loc["AAA", "share_non_negative"] == 1.0
    assert r.members.loc["BBB", "share_non_negative"] == 0.5
    assert r.members.loc["AAA", "name"] == "Aland"
    assert "USA" not in r.members.index
    assert r.members.index[0] == "BBB"  # weakest first
    # CCC joining (size 4, crowding 0.3): gain 0.05 / -0.125 -> wants in scenario 0 only;
    # scenario 0: BBB 0.25-0.3 < 0 turns negative -> rejected;
    # scenario 1: BBB was already negative, but AAA 0.25-0.3 turns negative -> rejected
    assert r.outsiders.loc["CCC", "share_wants_in"] == 0.5
    assert r.outsiders.loc["CCC", "share_accepted"] == 0.0
    assert r.outsiders.loc["CCC", "share_would_join"] == 0.0
    # DDD never gains
    assert r.outsiders.loc["DDD", "share_wants_in"] == 0.0
    assert r.summary == {
        "internally_stable": 0.5,
        "externally_stable": 1.0,
        "stable": 0.5,
        "n_scenarios": 2,
    }


def test_outsider_accepted_and_joining():
    r = stability(margins_fn, CODES, ["USA", "AAA"], outsiders=["CCC"])
    # size 3 after CCC joins: crowding 0.2; CCC gains 0.15 / -0.025; AAA 0.3 / 0.05 ok
    assert r.outsiders.loc["CCC", "share_would_join"] == 0.5
    assert r.summary["externally_stable"] == 0.5
    with pytest.raises(InputError, match="already"):
        stability(margins_fn, CODES, ["USA", "AAA"], outsiders=["AAA"])
    with pytest.raises(InputError, match="unknown"):
        stability(margins_fn, CODES, ["USA", "ZZZ"])
    d = r.to_dict()
    assert d["summary"]["n_scenarios"] == 2 and d["outsiders"][0]["country"] == "CCC"


def _core_kor_stability():
    from techbloc.analysis.stability import coalition_stability
    from techbloc.experiments.design import sample_design
    from techbloc.params import parameter_names
    from techbloc.world import load_world

    futures = sample_design("lhs", parameter_names(uncertain_only=True), 100, seed=0)
    return coalition_stability(load_world(), futures, ["USA", "JPN", "GBR", "AUS", "CAN", "KOR"])


@pytest.mark.xfail(
    reason="measured (model v4): RUS accepted at the start year in 86% of these futures "
    "(v3: under 25%). The US now keeps its own controls and their extraterritorial reach "
    "(issue 18 item 4), so a low-will joiner barely opens China's access and its pool "
    "contribution benefits every incumbent; the model has no security cost of admitting "
    "a state aligned with China (tests/model/test_behaviour_v3.py, behaviour 10)",
    strict=False,
)
def test_coalition_stability_on_the_model_vetoes_russia():
    """MODEL.md §9.2 on the bundled world: RUS is vetoed in most futures."""
    assert _core_kor_stability().outsiders["share_accepted"]["RUS"] < 0.25


def test_coalition_stability_on_the_model_welcomes_the_netherlands():
    """MODEL.md §9.2 on the bundled world: NLD is welcome."""
    result = _core_kor_stability()
    accepted = result.outsiders["share_accepted"]
    assert accepted["NLD"] > 0.9
    assert set(result.members.index) == {"JPN", "GBR", "AUS", "CAN", "KOR"}
    assert 0 <= result.summary["externally_stable"] <= 1
