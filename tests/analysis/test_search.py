import numpy as np
import pytest

from techbloc.analysis.search import search_coalitions, subset_masks
from techbloc.errors import InputError


def brute_pareto(values, directions):
    s = values * np.where(np.array(directions) == "max", -1.0, 1.0)
    le = (s[:, None, :] <= s[None, :, :]).all(axis=2)
    lt = (s[:, None, :] < s[None, :, :]).any(axis=2)
    return ~(le & lt).any(axis=0)


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


def test_the_public_names_stay_where_they_were():
    import techbloc.analysis.search as search
    from techbloc.analysis import search_methods, search_objectives, search_pareto

    assert search.Objective is search_objectives.Objective
    assert search.parse_objective is search_objectives.parse_objective
    assert search.pareto_mask is search_pareto.pareto_mask
    assert search.subset_masks is search_pareto.subset_masks
    assert search.SEARCH_METHODS is search_methods.SEARCH_METHODS
    assert search.search_method is search_methods.search_method


def test_the_model_exhaustive_limit_follows_the_objectives_cost():
    from techbloc.analysis.search import (
        MODEL_EXHAUSTIVE_LIMIT,
        MODEL_EXHAUSTIVE_LIMIT_END,
        MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS,
        model_exhaustive_limit,
    )

    assert MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS > MODEL_EXHAUSTIVE_LIMIT
    assert MODEL_EXHAUSTIVE_LIMIT >= MODEL_EXHAUSTIVE_LIMIT_END  # margins: one year each
    cheap = ["alliance_rd_share:max", "leakage:min:p90", "stringency"]
    assert model_exhaustive_limit(cheap) == MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS
    assert model_exhaustive_limit([*cheap, "cohesion::p10"]) == MODEL_EXHAUSTIVE_LIMIT
    assert model_exhaustive_limit(["min_margin"]) == MODEL_EXHAUSTIVE_LIMIT
    assert model_exhaustive_limit(cheap, "end") == MODEL_EXHAUSTIVE_LIMIT_END
