import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.analysis.search import (
    Objective,
    pareto_mask,
    parse_objective,
    search_coalitions,
    subset_masks,
)
from techbloc.errors import InputError


def brute_pareto(values, directions):
    s = values * np.where(np.array(directions) == "max", -1.0, 1.0)
    le = (s[:, None, :] <= s[None, :, :]).all(axis=2)
    lt = (s[:, None, :] < s[None, :, :]).any(axis=2)
    return ~(le & lt).any(axis=0)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(1, 700), st.integers(1, 3)), elements=st.integers(0, 5)),
    st.data(),
)
def test_pareto_mask_matches_brute_force(values, data):
    directions = data.draw(
        st.lists(
            st.sampled_from(["max", "min"]), min_size=values.shape[1], max_size=values.shape[1]
        )
    )
    values = values.astype(float)
    assert (pareto_mask(values, directions) == brute_pareto(values, directions)).all()


def test_subset_masks_constraints():
    m = subset_masks(6, min_size=2, max_size=4, required=[0], excluded=[5])
    assert m[:, 0].all() and not m[:, 5].any()
    assert ((m.sum(1) >= 2) & (m.sum(1) <= 4)).all()
    # 4 free members, 1 required: sizes 2..4 -> choose 1..3 of 4 free = 4 + 6 + 4
    assert len(m) == 14
    assert len({row.tobytes() for row in m}) == len(m)
    assert subset_masks(16).shape == (2**16, 16)


def test_parse_objective():
    assert parse_objective("leakage:min") == Objective("leakage", "min", 50.0)
    o = parse_objective("alliance_rd_share:max:p10")
    assert o.statistic == 10.0 and o.label == "alliance_rd_share_p10"
    assert parse_objective("x:min:mean").statistic == "mean"
    # without a direction: the registered output's (leakage stands for a leak rate or flow)
    assert parse_objective("leakage") == Objective("leakage", "min", 50.0)
    assert parse_objective("cohesion::p10") == Objective("cohesion", "max", 10.0)
    with pytest.raises(InputError, match="needs a direction"):
        parse_objective("x::mean")
    with pytest.raises(InputError):
        parse_objective("x:up")
    with pytest.raises(InputError):
        parse_objective("leakage:min:p50:extra")
    with pytest.raises(InputError):
        parse_objective("x:max:q3")


def synthetic(n, seed):
    rng = np.random.default_rng(seed)
    a, b, c = rng.random(n), rng.random(n), rng.normal(size=(n, n)) * 0.1

    def evaluate(masks):
        m = masks.astype(float)
        gain = m @ a + 0.2 * np.einsum("pi,ij,pj->p", m, c, m)
        cost = m @ b + 0.3 * m.sum(axis=1) ** 1.5 / n
        return np.column_stack([gain, cost])

    return evaluate


def test_exhaustive_equals_brute_force_front():
    n = 8
    pool = [f"C{i}" for i in range(n)]
    evaluate = synthetic(n, 1)
    result = search_coalitions(pool, evaluate, ["gain:max", "cost:min"], min_size=0)
    masks = subset_masks(n)
    values = evaluate(masks)
    expected = {
        "+".join(np.array(pool)[row]) for row in masks[brute_pareto(values, ["max", "min"])]
    }
    assert set(result.front["members"]) == expected
    assert result.method == "exhaustive" and result.n_evaluated == 2**n


@pytest.mark.parametrize("seed", [0, 1])
def test_exhaustive_and_nsga2_fronts_agree(seed):
    n = 10
    pool = [f"C{i}" for i in range(n)]
    evaluate = synthetic(n, seed)
    kwargs = dict(required=["C1"], excluded=["C2"], min_size=2, max_size=7)
    exact = search_coalitions(pool, evaluate, ["gain:max", "cost:min"], **kwargs)
    moea = search_coalitions(
        pool,
        evaluate,
        ["gain:max", "cost:min"],
        method="nsga2",
        pop_size=60,
        n_gen=40,
        rng=seed,
        **kwargs,
    )
    assert exact.method == "exhaustive" and moea.method == "nsga2"
    assert set(exact.front["members"]) == set(moea.front["members"])
    assert np.allclose(
        np.sort(exact.front["gain"].to_numpy()), np.sort(moea.front["gain"].to_numpy())
    )
    for row in moea.masks:  # constraints respected
        assert row[1] and not row[2] and 2 <= row.sum() <= 7


def test_exhaustive_2_16_is_feasible():
    """2^16 coalitions enumerate (the time is benchmarks/search.py's, not a test's)."""
    n = 16
    evaluate = synthetic(n, 3)
    result = search_coalitions(
        [f"C{i}" for i in range(n)], evaluate, ["g:max", "c:min"], min_size=0
    )
    assert result.method == "exhaustive"
    assert result.n_evaluated == 2**16
    assert result.front["g"].is_monotonic_decreasing


def test_search_input_errors():
    ev = synthetic(3, 0)
    with pytest.raises(InputError, match="not in the candidate pool"):
        search_coalitions(["A", "B", "C"], ev, ["g:max", "c:min"], required=["D"])
    with pytest.raises(InputError, match="both required and excluded"):
        search_coalitions(["A", "B", "C"], ev, ["g:max", "c:min"], required=["A"], excluded=["A"])
    with pytest.raises(InputError, match="no coalition fits"):
        search_coalitions(["A", "B", "C"], ev, ["g:max", "c:min"], min_size=3, excluded=["A"])
    with pytest.raises(InputError, match="evaluator returned"):
        search_coalitions(["A", "B", "C"], ev, ["g:max"])


def test_search_methods_are_a_registry_and_unknown_names_list_the_options():
    from techbloc.analysis.search import SEARCH_METHODS, search_method

    assert set(SEARCH_METHODS) == {"exhaustive", "nsga2"}
    with pytest.raises(InputError, match="'auto', 'exhaustive', 'nsga2'"):
        search_method("greedy")
