import itertools
import math

import numpy as np
import pytest

from techbloc.analysis.shapley import shapley, shapley_exact, shapley_sampled
from techbloc.errors import InputError, SamplingWarning


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
    sampled = shapley_sampled(v, players, n_permutations=3000, rng=5, batch=128)
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


def test_sampled_evaluates_each_distinct_coalition_once():
    n, q = 19, 200
    v = random_game(n, 3, seed=2)
    calls, ticks = [], []

    def counted(masks):
        calls.append(masks.copy())
        return v(masks)

    players = [f"P{i}" for i in range(n)]
    table = shapley_sampled(
        counted, players, n_permutations=q, batch=500, progress=lambda d, t: ticks.append((d, t))
    )
    seen = np.concatenate(calls)
    assert len(np.unique(seen, axis=0)) == len(seen)  # no coalition evaluated twice
    assert len(seen) < 0.9 * q * (n + 1)  # the permutations hold q (n + 1) prefixes
    assert max(len(c) for c in calls) <= 500
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)
    assert ticks[-1] == (len(seen), len(seen))
    # the plain average of marginal contributions over the same (antithetic) permutations
    gen = np.random.default_rng(0)
    perms = np.argsort(gen.random((q // 2, n)), axis=1)
    perms = np.stack([perms, perms[:, ::-1]], axis=1).reshape(-1, n)
    phi = np.zeros(n)
    for perm in perms:
        mask = np.zeros((1, n), bool)
        previous = v(mask)[0].mean()
        for i in perm:
            mask[0, i] = True
            current = v(mask)[0].mean()
            phi[i] += current - previous
            previous = current
    assert np.allclose(table["value"], phi / len(perms), rtol=1e-10, atol=1e-12)


def test_sampled_is_reproducible_and_takes_a_generator():
    v = random_game(6, 2, seed=4)
    players = list("ABCDEF")
    first = shapley_sampled(v, players, n_permutations=40)
    assert first.equals(shapley_sampled(v, players, n_permutations=40))
    a = shapley_sampled(v, players, n_permutations=40, rng=np.random.default_rng(9))
    b = shapley_sampled(v, players, n_permutations=40, rng=np.random.default_rng(9))
    assert a.equals(b) and not a.equals(first)


def test_sampled_standard_error_is_nan_with_a_warning_when_pairs_cannot_measure_it():
    # a weighted majority game: 20 permutations often give a player the same marginal in
    # every antithetic pair, and its value is then wrong although the spread is 0
    weights = np.array([5, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    players = [f"p{i}" for i in range(len(weights))]

    def game(masks):
        return {"win": (masks @ weights >= 8).astype(float)[:, None]}

    with pytest.warns(SamplingWarning, match="cannot be estimated"):
        est = shapley_sampled(game, players, n_permutations=20, rng=1).set_index("country")
    exact = shapley_exact(game, players).set_index("country")["value"]
    blind = est["std_error"].isna()
    assert blind.any()
    assert not (est["std_error"] == 0).any()
    # where an error was estimated it is finite and positive
    assert (est.loc[~blind, "std_error"] > 0).all()
    # a blind player's estimate can be off: the NaN says so instead of a false 0
    assert (est.loc[blind, "value"] - exact[blind]).abs().max() > 0
