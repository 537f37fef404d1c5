"""Report figures: pure functions on plain data, no pyplot state, PNG data URIs."""

from __future__ import annotations

import base64
import sys

import numpy as np
import pandas as pd
import pytest

from techbloc.report import figures
from techbloc.report.sections import headline_table

POLICIES = [f"policy_{i}" for i in range(12)]


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 40
    rows = []
    for p in POLICIES:
        rows.append(
            pd.DataFrame(
                {
                    "scenario": np.arange(n),
                    "policy": p,
                    "alliance_rd_share": rng.uniform(0.2, 0.6, n),
                    "leakage_to_china": rng.uniform(50.0, 200.0, n),
                    "achieved_stringency": rng.uniform(0.3, 0.6, n),
                    "cohesion": rng.uniform(0.5, 1.0, n),
                    "china_knowledge_vs_status_quo": rng.normal(0, 0.05, n),
                    "power_ratio_china_us": rng.uniform(0.4, 1.4, n),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _is_png_uri(uri: str) -> bool:
    prefix = "data:image/png;base64,"
    return uri.startswith(prefix) and base64.b64decode(uri[len(prefix) :])[:4] == b"\x89PNG"


def test_headline_table(outcomes):
    stats = headline_table(outcomes, POLICIES)
    assert list(stats.index) == POLICIES
    sub = outcomes[outcomes["policy"] == "policy_3"]["cohesion"]
    assert stats.loc["policy_3", ("cohesion", "p50")] == pytest.approx(sub.median())
    assert stats.loc["policy_3", ("cohesion", "p10")] == pytest.approx(sub.quantile(0.1))
    sq = outcomes[outcomes["policy"] == "policy_3"]["china_knowledge_vs_status_quo"]
    assert stats.loc["policy_3", ("china_knowledge_vs_status_quo", "share_positive")] == (
        pytest.approx((sq > 0).mean())
    )
    assert "gap_capability" not in stats.columns.get_level_values(0)  # missing: skipped


def test_every_figure_encodes_without_pyplot(outcomes):
    from matplotlib.figure import Figure

    stats = headline_table(outcomes, POLICIES)
    scenarios = pd.DataFrame(
        {"transactional_years": np.arange(20) % 9, "credibility_final": np.linspace(1, 0, 20)}
    )
    credibility = pd.DataFrame(
        [(s, y, 0.8 - 0.01 * s * (y - 2024)) for s in range(20) for y in range(2024, 2034)],
        columns=["scenario", "year", "credibility"],
    )
    trajectory = pd.DataFrame(
        {
            "coverage": np.linspace(1, 0.5, 8),
            "density": np.linspace(0.3, 0.9, 8),
            "n_restricted": np.arange(8),
        }
    )
    made = [
        figures.fig_who_is_in(stats),
        figures.fig_capability_vs_will(stats),
        figures.fig_technology_vs_power(outcomes, POLICIES),
        figures.fig_us_reliability(scenarios, credibility),
        figures.fig_us_reliability(scenarios),
        figures.fig_prim_tradeoff(trajectory, 5),
    ]
    for fig in made:
        assert isinstance(fig, Figure)
        uri = figures.figure_to_data_uri(fig)
        assert _is_png_uri(uri)
        assert len(uri) < 400_000
        assert not fig.axes  # released after encoding
    if "matplotlib.pyplot" in sys.modules:  # another test may have imported pyplot
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []
