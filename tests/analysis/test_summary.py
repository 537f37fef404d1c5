"""The one study summary: long table, JSON shape and wide table agree."""

import numpy as np
import pandas as pd
import pytest

from techbloc.analysis.summary import study_summary, summary_json, summary_table


@pytest.fixture
def outcomes():
    rng = np.random.default_rng(3)
    rows = []
    for policy in ("b", "a"):
        for scenario in range(40):
            rows.append(
                {
                    "scenario": scenario,
                    "policy": policy,
                    "cohesion": rng.random(),
                    "china_knowledge_vs_status_quo": rng.normal(0.01, 0.02),
                    "external_stability": float(rng.random() < 0.3),
                }
            )
    frame = pd.DataFrame(rows)
    frame.loc[0, "cohesion"] = np.nan
    return frame


def test_statistics_match_numpy_and_missing_values_are_counted(outcomes):
    summary = study_summary(outcomes, ["a", "b"])
    row = summary[(summary.metric == "cohesion") & (summary.policy == "b")].iloc[0]
    values = outcomes.loc[outcomes.policy == "b", "cohesion"].dropna()
    assert row.p50 == pytest.approx(np.median(values))
    assert row.p10 == pytest.approx(np.percentile(values, 10))
    assert row.n_missing == 1
    assert np.isnan(row.share_positive)  # not a *_vs_status_quo outcome
    sq = summary[summary.metric == "china_knowledge_vs_status_quo"].set_index("policy")
    stronger = outcomes.groupby("policy")["china_knowledge_vs_status_quo"].apply(
        lambda s: (s > 0).mean()
    )
    assert sq.loc["a", "share_positive"] == pytest.approx(stronger["a"])
    assert list(sq.index) == ["a", "b"]  # the display order asked for


def test_names_and_extra_share_positive(outcomes):
    summary = study_summary(
        outcomes,
        names=["external_stability", "gap_capability"],
        share_positive=["external_stability"],
    )
    assert set(summary.metric) == {"external_stability"}  # missing names are skipped
    stable = outcomes.groupby("policy")["external_stability"].mean()
    got = summary.set_index("policy")["share_positive"]
    assert got["a"] == pytest.approx(stable["a"]) and got["b"] == pytest.approx(stable["b"])
    # the JSON shape carries it where it was asked for
    assert summary_json(summary)["a"]["external_stability"]["share_positive"] == pytest.approx(
        stable["a"]
    )


def test_wide_table_is_the_long_one_pivoted(outcomes):
    summary = study_summary(outcomes, ["b", "a"])
    wide = summary_table(summary)
    assert list(wide.index) == ["b", "a"]
    for row in summary.itertuples():
        assert wide.loc[row.policy, (row.metric, "p50")] == pytest.approx(row.p50)
    data = summary_json(summary)
    assert data["b"]["cohesion"]["median"] == pytest.approx(wide.loc["b", ("cohesion", "p50")])
    assert "share_positive" not in data["b"]["cohesion"]
    assert data["b"]["cohesion"]["direction"] == "max"
