"""Shapley attribution: each member's contribution to a coalition's outcomes.

A *game* is any vectorized characteristic function ``v(masks: bool[P, n]) -> values``
over the ``n`` players, returning an array ``(P,)`` or ``(P, S)`` (one value per
scenario), or a mapping of outcome name to such arrays (several outcomes at once).
Values are Shapley values per scenario, averaged over scenarios.

- :func:`shapley_exact`: all ``2^n`` sub-coalitions are evaluated in one vectorized call
  and combined with the Shapley weights ``|C|! (n-|C|-1)! / n!``; exact, so the values sum
  to ``v(N) - v(∅)`` in every scenario (efficiency). Up to about 15 players.
- :func:`shapley_sampled`: random permutations (each paired with its reverse: antithetic
  sampling, which cancels much of the position effect); every permutation's marginal
  contributions also sum to ``v(N) - v(∅)``, so efficiency holds exactly here too, and the
  standard errors come from the spread between permutation pairs.

:func:`model_game` builds games on the alliance model: the static one-year characteristic
functions (fast default) or end-of-horizon outcomes of full runs of every sub-coalition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from techbloc.errors import InputError

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = ["Game", "model_game", "shapley", "shapley_exact", "shapley_sampled"]

Game = Callable[[np.ndarray], Any]


def _values(game: Game, masks: np.ndarray) -> dict[str, np.ndarray]:
    """Evaluate ``game`` and normalise to {outcome: (P, S)}."""
    raw = game(masks)
    items = raw.items() if isinstance(raw, Mapping) else [("value", raw)]
    out = {}
    for name, value in items:
        value = np.asarray(value, float)
        if value.ndim == 1:
            value = value[:, None]
        if value.ndim != 2 or value.shape[0] != len(masks):
            raise InputError(
                f"the game returned shape {value.shape} for '{name}'; expected "
                f"({len(masks)},) or ({len(masks)}, scenarios)"
            )
        out[str(name)] = value
    return out


def _players(players: Sequence[str]) -> list[str]:
    players = [str(p) for p in players]
    if not players:
        raise InputError("a game needs at least one player")
    if len(set(players)) != len(players):
        raise InputError("players must be distinct")
    return players


def _table(
    players: list[str],
    phi: dict[str, np.ndarray],
    se: dict[str, np.ndarray],
    total: dict[str, np.ndarray],
    names: Mapping[str, str] | None,
    method: str,
) -> pd.DataFrame:
    rows = []
    for outcome, values in phi.items():  # values: (n, S)
        mean = values.mean(axis=1)
        spread = values.std(axis=1, ddof=1) if values.shape[1] > 1 else np.zeros(len(players))
        grand = float(total[outcome].mean())
        for i, code in enumerate(players):
            rows.append(
                {
                    "outcome": outcome,
                    "country": code,
                    "name": (names or {}).get(code, code),
                    "value": mean[i],
                    "std_error": se[outcome][i],
                    "scenario_sd": spread[i],
                    "share": mean[i] / grand if grand != 0 else np.nan,
                    "method": method,
                }
            )
    return pd.DataFrame(rows)


def shapley_exact(
    game: Game, players: Sequence[str], *, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Exact Shapley values by enumerating every sub-coalition once.

    Parameters
    ----------
    game : callable
        ``v(masks: bool[P, n]) -> (P,) | (P, S) | {outcome: ...}``.
    players : sequence of str
        Player labels (ISO3 codes), in the game's column order.
    names : mapping, optional
        Display names (e.g. ``world.names``).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``outcome, country, name, value`` (mean over scenarios), ``std_error`` (0:
        exact), ``scenario_sd`` (spread over scenarios), ``share`` (of
        ``v(N) - v(∅)``), ``method``.
    """
    players = _players(players)
    n = len(players)
    if n > 20:
        raise InputError(f"{n} players: too many for exact Shapley values (use sampling)")
    codes = np.arange(2**n, dtype=np.int64)
    masks = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
    values = _values(game, masks)
    sizes = masks.sum(axis=1)
    weights = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    phi, se, total = {}, {}, {}
    for outcome, v in values.items():
        result = np.empty((n, v.shape[1]))
        for i in range(n):
            without = codes[(codes >> i) & 1 == 0]
            result[i] = weights[sizes[without]] @ (v[without | (1 << i)] - v[without])
        phi[outcome] = result
        se[outcome] = np.zeros(n)
        total[outcome] = v[-1] - v[0]
    return _table(players, phi, se, total, names, "exact")


def shapley_sampled(
    game: Game,
    players: Sequence[str],
    *,
    n_permutations: int = 2000,
    seed: int = 0,
    batch: int = 200,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Shapley values from random permutations, with standard errors.

    Parameters
    ----------
    game : callable
        As in :func:`shapley_exact`.
    players : sequence of str
    n_permutations : int
        Permutations evaluated (rounded up to an even number: half are random, half
        their reverses).
    seed : int
        Seed of the permutations.
    batch : int
        Permutations per game call (each costs ``n + 1`` coalitions).
    names : mapping, optional

    Returns
    -------
    pandas.DataFrame
        As :func:`shapley_exact`, with ``std_error`` the Monte Carlo standard error of the
        scenario-averaged value (from the spread between antithetic pairs).
    """
    players = _players(players)
    n = len(players)
    pairs = max(2, math.ceil(n_permutations / 2))
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((pairs, n)), axis=1)
    perms = np.stack([perms, perms[:, ::-1]], axis=1)  # (pairs, 2, n)
    flat = perms.reshape(-1, n)
    # prefix masks: row k of permutation q holds its first k players
    rank = np.empty_like(flat)
    rank[np.arange(len(flat))[:, None], flat] = np.arange(n)
    per_pair: dict[str, list[np.ndarray]] = {}
    total: dict[str, np.ndarray] = {}
    phi_sum: dict[str, np.ndarray] = {}
    step = max(1, batch)
    for start in range(0, len(flat), 2 * step):
        block = rank[start : start + 2 * step]  # even length: pairs stay together
        q = len(block)
        masks = block[:, None, :] < np.arange(n + 1)[None, :, None]  # (q, n+1, n)
        values = _values(game, masks.reshape(-1, n))
        for outcome, v in values.items():
            v = v.reshape(q, n + 1, -1)
            marginal_by_position = np.diff(v, axis=1)  # (q, n, S)
            # marginal of player i sits at position rank[i]
            marginal = np.take_along_axis(marginal_by_position, block[:, :, None], axis=1)
            phi_sum[outcome] = phi_sum.get(outcome, 0) + marginal.sum(axis=0)
            per_pair.setdefault(outcome, []).append(
                marginal.mean(axis=2).reshape(q // 2, 2, n).mean(axis=1)
            )
            total[outcome] = v[0, -1] - v[0, 0]
    phi, se = {}, {}
    for outcome, chunks in per_pair.items():
        pair_means = np.concatenate(chunks)  # (pairs, n), averaged over scenarios
        phi[outcome] = phi_sum[outcome] / len(flat)
        se[outcome] = pair_means.std(axis=0, ddof=1) / math.sqrt(len(pair_means))
    return _table(players, phi, se, total, names, "sampled")


def shapley(
    game: Game,
    players: Sequence[str],
    *,
    method: Literal["auto", "exact", "sampled"] = "auto",
    max_exact: int = 15,
    n_permutations: int = 2000,
    seed: int = 0,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Shapley values, exact up to ``max_exact`` players and sampled beyond.

    See :func:`shapley_exact` and :func:`shapley_sampled`.
    """
    if method == "auto":
        method = "exact" if len(players) <= max_exact else "sampled"
    if method == "exact":
        return shapley_exact(game, players, names=names)
    if method == "sampled":
        return shapley_sampled(game, players, n_permutations=n_permutations, seed=seed, names=names)
    raise InputError(f"unknown Shapley method {method!r}; use auto, exact or sampled")


def model_game(
    world: World,
    scenarios: pd.DataFrame,
    members: Sequence[str],
    *,
    outcomes: Sequence[str] = ("alliance_rd_share", "leakage", "cohesion"),
    horizon: Literal["static", "end"] = "static",
    base: Sequence[str] = ("USA",),
    seed: int = 0,
    start_year: int = 2024,
    end_year: int = 2050,
) -> tuple[Game, list[str]]:
    """A game on the alliance model over a coalition's members.

    The players are ``members`` minus ``base`` (the USA, always in the coalition):
    ``v(S) = f(S ∪ base)``, so the players' Shapley values share out
    ``f(C) - f(base)``, the difference the partners make over the USA alone.

    Parameters
    ----------
    world : World
    scenarios : pandas.DataFrame
        Scenario parameters (missing columns take defaults).
    members : sequence of str
        The coalition (ISO3).
    outcomes : sequence of str
        Outcomes of the chosen horizon (see :mod:`techbloc.analysis.characteristic`;
        ``leakage`` is the pool leak rate (static) or cumulative leakage (end)).
    horizon : {"static", "end"}
        One-year characteristic functions (fast) or end-of-horizon outcomes of full runs
        of every sub-coalition (``2^n`` policies for the exact method: keep ``n`` small).
    base : sequence of str
        Countries in every sub-coalition.
    seed, start_year, end_year
        Settings of full runs (``end``).

    Returns
    -------
    (game, players)
        ``game(masks: bool[P, len(players)]) -> {outcome: float[P, S]}``.
    """
    from techbloc.analysis.characteristic import model_outcomes

    codes = list(world.codes)
    members = [c.upper() for c in members]
    unknown = [c for c in [*members, *base] if c not in codes]
    if unknown:
        raise InputError(f"unknown country code(s): {', '.join(unknown)}")
    players = [c for c in members if c not in base]
    if not players:
        raise InputError("the coalition has no members besides the USA")
    player_idx = np.array([codes.index(c) for c in players])
    base_idx = np.array([codes.index(c) for c in base], dtype=int)
    score = model_outcomes(
        world,
        scenarios,
        list(outcomes),
        horizon=horizon,
        seed=seed,
        start_year=start_year,
        end_year=end_year,
    )

    def game(masks: np.ndarray) -> dict[str, np.ndarray]:
        masks = np.asarray(masks, bool)
        full = np.zeros((len(masks), len(codes)), bool)
        full[:, player_idx] = masks
        full[:, base_idx] = True
        return {o: v.T for o, v in score(full).items()}

    return game, players
