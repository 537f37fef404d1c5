import numpy as np
import pandas as pd

from techbloc.coalitions import Coalition
from techbloc.model import STATIC_OUTCOMES, member_margins, simulate, static_outcomes
from techbloc.policies import Policy


def test_static_outcomes_equal_the_first_year_of_a_full_run(world, sampled_scenarios):
    scenarios = sampled_scenarios.iloc[:5]
    coalitions = [Coalition.from_preset("forging_core"), Coalition.from_preset("chip4")]
    masks = np.stack([c.mask(world) for c in coalitions])
    static = static_outcomes(world, scenarios, masks)
    full = simulate(world, scenarios, [Policy(c) for c in coalitions], end_year=2024)
    for name in STATIC_OUTCOMES:
        assert static[name].shape == (5, 2)
        np.testing.assert_allclose(static[name], full[name].values, rtol=1e-12, equal_nan=True)


def test_member_margins_over_world_codes(world):
    masks = np.stack([Coalition.parse("USA,JPN,KOR").mask(world)])
    margins = member_margins(world, pd.DataFrame(index=range(3)), masks)
    codes = list(world.codes)
    assert margins.shape == (3, 1, len(codes))
    members = [codes.index(c) for c in ("USA", "JPN", "KOR")]
    assert np.isfinite(margins[:, 0, members]).all()
    others = np.ones(len(codes), bool)
    others[members] = False
    assert np.isnan(margins[:, 0, others]).all()


def test_static_outcomes_batch_many_masks(world):
    rng = np.random.default_rng(0)
    masks = rng.random((300, len(world.codes))) < 0.3
    out = static_outcomes(world, pd.DataFrame(index=range(2)), masks)
    assert out["alliance_rd_share"].shape == (2, 300)
    assert np.all((out["alliance_rd_share"] > 0) & (out["alliance_rd_share"] < 1))
