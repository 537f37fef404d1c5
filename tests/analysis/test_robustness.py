import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from techbloc.analysis.outcomes import evaluate_condition, outcome_table
from techbloc.analysis.robustness import (
    Metric,
    minimax,
    parse_metric,
    parse_threshold,
    percentiles,
    regret,
    robustness_summary,
    satisficing,
)
from techbloc.errors import InputError


@pytest.fixture
def table():
    # 3 scenarios x 3 policies; share: more is better, leak: less is better
    share = {"a": [0.5, 0.6, 0.2], "b": [0.4, 0.7, 0.4], "c": [0.3, 0.3, 0.3]}
    leak = {"a": [0.1, 0.3, 0.2], "b": [0.2, 0.2, 0.2], "c": [0.0, 0.1, 0.5]}
    rows = [
        {"scenario": s, "policy": p, "share": share[p][s], "leak": leak[p][s]}
        for s in range(3)
        for p in "abc"
    ]
    return pd.DataFrame(rows)


def test_regret_hand_computed(table):
    r = regret(table, ["share:max", "leak:min"], baseline="c").set_index(
        ["metric", "scenario", "policy"]
    )
    # share, scenario 0: best 0.5 -> regrets a 0, b 0.1, c 0.2
    assert r.loc[("share", 0, "a"), "regret"] == pytest.approx(0.0)
    assert r.loc[("share", 0, "b"), "regret"] == pytest.approx(0.1)
    assert r.loc[("share", 0, "c"), "regret"] == pytest.approx(0.2)
    # scenario 2: best is b (0.4): a 0.2
    assert r.loc[("share", 2, "a"), "regret"] == pytest.approx(0.2)
    # leak, scenario 2: best 0.2 (a, b) -> c 0.3
    assert r.loc[("leak", 2, "c"), "regret"] == pytest.approx(0.3)
    assert r.loc[("leak", 1, "a"), "regret"] == pytest.approx(0.2)
    # to the baseline c: share scenario 1, a: 0.3 - 0.6 = -0.3 (better than c)
    assert r.loc[("share", 1, "a"), "regret_baseline"] == pytest.approx(-0.3)
    # leak scenario 0, a: 0.1 worse than c's 0.0 -> +0.1
    assert r.loc[("leak", 0, "a"), "regret_baseline"] == pytest.approx(0.1)
    assert (r["regret"] >= 0).all()


def test_satisficing_hand_computed(table):
    s = satisficing(table, ["share>=0.4", "leak<=0.2"])
    # a: (0.5,0.1) ok, (0.6,0.3) no, (0.2,0.2) no -> 1/3
    # b: (0.4,0.2) ok, (0.7,0.2) ok, (0.4,0.2) ok -> 1
    # c: share 0.3 always fails -> 0
    assert s.loc["a", "satisficing"] == pytest.approx(1 / 3)
    assert s.loc["b", "satisficing"] == pytest.approx(1.0)
    assert s.loc["c", "satisficing"] == pytest.approx(0.0)
    assert s.loc["a", "share>=0.4"] == pytest.approx(2 / 3)
    assert s.index[0] == "b"
    assert (s["n_scenarios"] == 3).all()


def test_minimax_and_percentiles(table):
    m = minimax(table, ["share:max", "leak:min"])
    assert m.loc[("share", "a"), "worst"] == pytest.approx(0.2)
    assert m.loc[("share", "c"), "worst"] == pytest.approx(0.3)
    assert m.loc[("share", "b"), "maximin_best"]  # worst 0.4 is the best worst case
    # max regrets on share: a 0.2, b 0.1, c 0.4
    assert m.loc[("share", "b"), "max_regret"] == pytest.approx(0.1)
    assert m.loc[("share", "b"), "minimax_regret_best"]
    assert m.loc[("leak", "c"), "worst"] == pytest.approx(0.5)
    # leak: worst cases a 0.3, b 0.2, c 0.5 -> b best
    assert m.loc[("leak", "b"), "maximin_best"]
    p = percentiles(table, ["share:max"], q=(0, 50, 100))
    assert p.loc[("share", "a"), "p50"] == pytest.approx(0.5)
    assert p.loc[("share", "a"), "p0"] == pytest.approx(0.2)
    s = robustness_summary(table, ["share:max"], baseline="c", thresholds=["share>=0.4"])
    assert s.loc[("share", "b"), "satisficing"] == pytest.approx(1.0)
    assert s.loc[("share", "c"), "max_regret_baseline"] == pytest.approx(0.0)


def test_parsing_and_errors(table):
    assert parse_metric("x:max") == Metric("x", "max")  # a column of one's own
    assert parse_metric("x:min").direction == "min"
    assert parse_metric("leakage_to_china") == Metric("leakage_to_china", "min")  # registry
    assert parse_metric("leakage_to_china:max").direction == "max"  # overridden
    with pytest.raises(InputError, match="direction must be"):
        parse_metric("x:up")
    with pytest.raises(InputError, match="needs a direction"):
        parse_metric("x")
    t = parse_threshold("leak < 0.5")
    assert (t.name, t.op, t.value) == ("leak", "<", 0.5)
    with pytest.raises(InputError):
        parse_threshold("leak ~ 3")
    with pytest.raises(InputError, match="unknown outcome"):
        regret(table, ["nope"])
    with pytest.raises(InputError, match="baseline"):
        regret(table, ["share:max"], baseline="zz")


def test_outcome_table_shapes_and_conditions(table):
    wide = outcome_table(table)
    long = wide.reset_index().melt(id_vars=["scenario", "policy"], var_name="outcome")
    pd.testing.assert_frame_equal(outcome_table(long), wide, check_dtype=False)
    case = evaluate_condition(wide, "share > 0.45 and leak < 1e-1 + 0.05")
    assert case.sum() == 1
    with pytest.raises(InputError, match="unknown outcome"):
        evaluate_condition(wide, "backlash > 0")
    with pytest.raises(InputError):
        evaluate_condition(wide, "share + 1")
    with pytest.raises(InputError):
        evaluate_condition(wide, "__import__('os').system('true')")


def test_outcome_table_from_dataset(table):
    import xarray as xr  # a dependency: no skip

    wide = outcome_table(table)
    ds = xr.Dataset.from_dataframe(wide)
    ds["descriptor"] = ("scenario", np.arange(3.0))
    out = outcome_table(ds)
    assert list(out.columns) == ["share", "leak"]
    assert len(out) == 9


@pytest.fixture
def failed_run():
    # policy a has a failed run (NaN) in scenario 1; otherwise it beats b everywhere
    share = {"a": [0.5, np.nan, 0.6], "b": [0.4, 0.45, 0.5]}
    rows = [{"scenario": s, "policy": p, "share": share[p][s]} for s in range(3) for p in "ab"]
    return pd.DataFrame(rows)


def test_missing_counts_as_worst_case(failed_run):
    m = minimax(failed_run, ["share:max"])
    assert m.loc[("share", "a"), "worst"] == -np.inf
    assert m.loc[("share", "a"), "max_regret"] == np.inf
    assert not m.loc[("share", "a"), "maximin_best"] and m.loc[("share", "b"), "maximin_best"]
    assert m.loc[("share", "b"), "minimax_regret_best"]
    assert m["n_missing"].to_dict() == {("share", "a"): 1, ("share", "b"): 0}
    r = regret(failed_run, ["share:max"], baseline="b").set_index(["scenario", "policy"])
    assert r.loc[(1, "a"), "regret"] == np.inf and r.loc[(1, "a"), "missing"]
    assert r.loc[(1, "b"), "regret"] == 0 and r.loc[(1, "a"), "regret_baseline"] == np.inf
    p = percentiles(failed_run, ["share:max"], q=(0, 50, 100))
    assert p.loc[("share", "a"), "p0"] == -np.inf and p.loc[("share", "a"), "mean"] == -np.inf
    assert p.loc[("share", "a"), "p50"] == pytest.approx(0.5)
    assert p.loc[("share", "a"), "p100"] == pytest.approx(0.6)
    # less is better: a missing value sits at the top
    p = percentiles(failed_run, ["share:min"], q=(100,))
    assert p.loc[("share", "a"), "p100"] == np.inf
    s = robustness_summary(failed_run, ["share:max"], thresholds=["share>=0.4"])
    assert s.loc[("share", "a"), "n_missing"] == 1 and s.loc[("share", "a"), "max_regret"] == np.inf
    assert s.loc[("share", "a"), "satisficing"] == pytest.approx(2 / 3)


def test_missing_dropped_on_request(failed_run):
    m = minimax(failed_run, ["share:max"], missing="drop")
    assert m.loc[("share", "a"), "worst"] == pytest.approx(0.5)
    assert m.loc[("share", "a"), "maximin_best"] and m.loc[("share", "a"), "n_missing"] == 1
    p = percentiles(failed_run, ["share:max"], missing="drop")
    assert (p["n_scenarios"] == 2).all()
    r = regret(failed_run, ["share:max"], missing="drop")
    assert set(r["scenario"]) == {0, 2} and np.isfinite(r["regret"]).all()
    s = satisficing(failed_run, ["share>=0.45"], missing="drop")
    assert s.loc["a", "satisficing"] == pytest.approx(1.0) and s.loc["a", "n_scenarios"] == 2
    assert s.loc["a", "n_missing"] == 1
    with pytest.raises(InputError, match="missing"):
        minimax(failed_run, ["share:max"], missing="skip")


def test_threshold_never_met_by_a_missing_value(failed_run):
    s = satisficing(failed_run, ["share!=0.3"])
    assert s.loc["a", "satisficing"] == pytest.approx(2 / 3)
    assert s.loc["b", "satisficing"] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        float,
        st.tuples(st.integers(1, 12), st.integers(1, 4)),
        elements=st.one_of(st.floats(-10, 10), st.just(np.nan)),
    ),
    st.sampled_from(["max", "min"]),
)
def test_regret_invariants_with_missing_values(values, direction):
    s, p = values.shape
    frame = pd.DataFrame(
        {
            "scenario": np.repeat(np.arange(s), p),
            "policy": np.tile([f"p{j}" for j in range(p)], s),
            "y": values.ravel(),
        }
    )
    r = regret(frame, [f"y:{direction}"])
    assert (r["regret"] >= 0).all()
    assert (np.isinf(r["regret"]) == r["value"].isna()).all()
    m = minimax(frame, [f"y:{direction}"])
    assert m["n_missing"].sum() == int(np.isnan(values).sum())
    # a policy with a missing run is maximin-best only if every policy has one
    has_missing = m["n_missing"] > 0
    if not has_missing.all():
        assert not (m["maximin_best"] & has_missing).any()


@given(
    hnp.arrays(
        float, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=st.floats(-1e6, 1e6)
    )
)
def test_percentiles_equal_numpy_on_complete_data(values):
    from techbloc.analysis.robustness import _quantiles

    q = [0, 5, 37.5, 50, 90, 100]
    expected = np.percentile(values, q, axis=0)
    assert np.allclose(_quantiles(pd.DataFrame(values), q), expected, rtol=1e-12, atol=1e-6)
