import numpy as np
import pandas as pd
import pytest

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
    p = percentiles(table, ["share"], q=(0, 50, 100))
    assert p.loc[("share", "a"), "p50"] == pytest.approx(0.5)
    assert p.loc[("share", "a"), "p0"] == pytest.approx(0.2)
    s = robustness_summary(table, ["share:max"], baseline="c", thresholds=["share>=0.4"])
    assert s.loc[("share", "b"), "satisficing"] == pytest.approx(1.0)
    assert s.loc[("share", "c"), "max_regret_baseline"] == pytest.approx(0.0)


def test_parsing_and_errors(table):
    assert parse_metric("x") == Metric("x", "max")
    assert parse_metric("x:min").direction == "min"
    with pytest.raises(InputError):
        parse_metric("x:up")
    t = parse_threshold("leak < 0.5")
    assert (t.name, t.op, t.value) == ("leak", "<", 0.5)
    with pytest.raises(InputError):
        parse_threshold("leak ~ 3")
    with pytest.raises(InputError, match="unknown outcome"):
        regret(table, ["nope"])
    with pytest.raises(InputError, match="baseline"):
        regret(table, ["share"], baseline="zz")


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
    xr = pytest.importorskip("xarray")
    wide = outcome_table(table)
    ds = xr.Dataset.from_dataframe(wide)
    ds["descriptor"] = ("scenario", np.arange(3.0))
    out = outcome_table(ds)
    assert list(out.columns) == ["share", "leak"]
    assert len(out) == 9
