import itertools
import math

import numpy as np
import pytest

from techbloc.analysis.shapley import shapley, shapley_exact, shapley_sampled
from techbloc.errors import InputError


def random_game(n, s, seed):
    rng = np.random.default_rng(seed)
    w, pair = rng.random((n, s)), rng.normal(size=(n, n, s))

    def v(masks):
        m = masks.astype(float)
        return m @ w + np.einsum("pi,ijs,pj->ps", m, pair, m) + (m.sum(1) >= n // 2)[:, None]

    return v


def brute_force(v, n):
    """Average marginal contribution over all n! orderings, one coalition at a time."""
    phi = 0.0
    for perm in itertools.permutations(range(n)):
        mask = np.zeros(n, bool)
        previous = v(mask[None])[0]
        contrib = np.zeros((n, *np.shape(previous)))
        for i in perm:
            mask[i] = True
            current = v(mask[None])[0]
            contrib[i] = current - previous
            previous = current
        phi = phi + contrib
    return phi / math.factorial(n)


@pytest.mark.parametrize("n", [1, 2, 4, 6])
def test_exact_matches_brute_force(n):
    v = random_game(n, 3, seed=n)
    players = [f"P{i}" for i in range(n)]
    table = shapley_exact(v, players)
    expected = brute_force(v, n).mean(axis=1)
    assert np.allclose(table["value"], expected, atol=1e-12)
    assert (table["std_error"] == 0).all()


def test_glove_and_majority_games():
    # glove game: player 0 holds a left glove, players 1 and 2 right gloves
    def glove(m):
        return np.minimum(m[:, 0], m[:, 1] | m[:, 2]).astype(float)

    t = shapley_exact(glove, ["L", "R1", "R2"])
    assert np.allclose(t["value"], [2 / 3, 1 / 6, 1 / 6])

    # weighted majority [quota 4; 3, 2, 1, 1]
    weights = np.array([3, 2, 1, 1])

    def majority(m):
        return (m @ weights >= 4).astype(float)

    t = shapley_exact(majority, list("ABCD"))
    expected = brute_force(majority, 4)
    assert np.allclose(t["value"], expected)


def test_efficiency_exact_per_scenario_and_outcome():
    n = 9
    base = random_game(n, 5, seed=3)

    def v(masks):
        values = base(masks)
        return {"first": values, "second": values**2}

    table = shapley_exact(v, [f"P{i}" for i in range(n)])
    full, empty = np.ones((1, n), bool), np.zeros((1, n), bool)
    for outcome, fn in (("first", lambda x: x), ("second", lambda x: x**2)):
        total = (fn(base(full)) - fn(base(empty))).mean()
        values = table.loc[table.outcome == outcome, "value"]
        assert values.sum() == pytest.approx(total, rel=1e-12, abs=1e-12)
        assert table.loc[table.outcome == outcome, "share"].sum() == pytest.approx(1.0)


def test_null_and_symmetric_players():
    def v(m):
        return (m[:, 0].astype(float) + m[:, 1]) * 2 + 0 * m[:, 2]

    t = shapley_exact(v, ["A", "B", "NULL"]).set_index("country")
    assert t.loc["NULL", "value"] == 0
    assert t.loc["A", "value"] == t.loc["B", "value"] == 2


def test_sampled_agrees_with_exact_within_standard_errors():
    n = 8
    v = random_game(n, 4, seed=11)
    players = [f"P{i}" for i in range(n)]
    exact = shapley_exact(v, players)["value"].to_numpy()
    sampled = shapley_sampled(v, players, n_permutations=3000, seed=5, batch=128)
    z = np.abs(sampled["value"].to_numpy() - exact) / sampled["std_error"].to_numpy()
    assert (z < 4.5).all()
    assert (sampled["std_error"] > 0).all()
    # efficiency holds exactly for every sampled permutation
    total = (v(np.ones((1, n), bool)) - v(np.zeros((1, n), bool))).mean()
    assert sampled["value"].sum() == pytest.approx(total, rel=1e-10)


def test_shapley_dispatch_and_errors():
    v = random_game(3, 1, seed=0)
    assert set(shapley(v, list("ABC"))["method"]) == {"exact"}
    assert set(shapley(v, list("ABC"), max_exact=2, n_permutations=50)["method"]) == {"sampled"}
    names = {"A": "Alpha"}
    assert shapley(v, list("ABC"), names=names)["name"].tolist() == ["Alpha", "B", "C"]
    with pytest.raises(InputError):
        shapley_exact(v, ["A", "A", "B"])
    with pytest.raises(InputError, match="returned shape"):
        shapley_exact(lambda m: np.zeros(3), list("ABC"))
