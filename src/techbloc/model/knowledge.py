"""E1-E3 and E9: R&D by domain, the joint pool, diffusion, knowledge and know-how stocks.

Arrays carry leading axes ``[S, P]`` (scenario, policy), then domain ``D`` and country
``N`` last (``[S, P, D, N]``), so that reductions over countries run over contiguous
memory. Knowledge is measured in PPP $bn of R&D-equivalent (θ0 = 1 sets the unit).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "diffusion_inflow",
    "diffusion_scale",
    "initial_stocks",
    "know_how_step",
    "pool_boost",
    "pool_flows",
    "pool_shares",
    "usable_knowledge",
]


def initial_stocks(
    rd_by_domain: NDArray[np.float64],
    depreciation: NDArray[np.float64],
    rd_growth: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Perpetual-inventory steady-state knowledge ``K0 = θ0 R0 / (δ_k + g_i)`` (MODEL.md §4.0).

    Parameters
    ----------
    rd_by_domain : ndarray, shape (S, D, N)
        Start-year R&D by domain, PPP $bn/yr.
    depreciation : ndarray, shape (S, D)
        δ_k, 1/yr.
    rd_growth : ndarray, shape (N,) or (S, N)
        R&D growth the stock is consistent with, 1/yr (the run's own path, see
        :mod:`techbloc.model.baseline`).

    Returns
    -------
    ndarray, shape (S, D, N)
        Knowledge stocks (PPP $bn). The denominator is floored at 0.05/yr so that a
        country with shrinking GERD does not get an implausibly large stock.
    """
    growth = np.asarray(rd_growth)[..., None, :]
    denominator = np.maximum(depreciation[:, :, None] + growth, 0.05)
    return rd_by_domain / denominator


def pool_flows(
    rd: NDArray[np.float64],
    members: NDArray[np.bool_],
    share: NDArray[np.float64],
    boost: NDArray[np.float64],
    theta: NDArray[np.float64],
    absorptive_multiple: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """E2: the joint pool as a club good, financed out of members' own R&D.

    Parameters
    ----------
    rd : ndarray, shape (S, P, D, N)
        R&D by domain, PPP $bn/yr.
    members : ndarray of bool, shape (S, P, N)
    share : ndarray, shape (S, P, N)
        Share of each country's R&D paid in (:func:`pool_shares`).
    boost : ndarray, shape (S, P)
        Synergy factor of the pool (:func:`pool_boost`).
    theta : ndarray, shape (S,)
        Knowledge per $ of R&D this year.
    absorptive_multiple : ndarray, shape (S,)

    Returns
    -------
    contribution : ndarray, shape (S, P, D, N)
        ``m_i φ R[i,k]`` (US share scaled by its regime's commitment).
    own_rd : ndarray, shape (S, P, D, N)
        R&D left for national programmes.
    pool : ndarray, shape (S, P, D)
        ``P_k = Σ_j contrib[j,k] (1 + synergy (n_C - 1) / n_C)``.
    gain : ndarray, shape (S, P, D, N)
        Knowledge each member can use from this year's pool output,
        ``θ min(P_k, multiple · R_own)``: the non-rival benefit that enters its payoff
        (E12). Since v4 it is *not* added to the member's national stock: the pool's
        output accumulates once, in the shared stock ``S_C`` (:func:`usable_knowledge`).
    """
    contribution = rd * share[:, :, None, :]
    own_rd = rd - contribution
    pool = contribution.sum(axis=-1) * boost[:, :, None]
    cap = absorptive_multiple[:, None, None, None] * own_rd
    gain = np.minimum(pool[..., None], cap) * (theta[:, None, None, None] * members[:, :, None, :])
    return contribution, own_rd, pool, gain


def usable_knowledge(
    knowledge: NDArray[np.float64],
    shared: NDArray[np.float64],
    members: NDArray[np.bool_],
    multiple: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Knowledge a country can use: its national stock plus what it can draw from ``S_C``.

    ``U_i,k = K_i,k + m_i min(S_C,k, multiple · K_i,k)`` (v4). The pool's output is
    counted once, in the coalition's shared stock ``S_C`` (MODEL.md §9.3); every member
    uses it (knowledge is non-rival) up to ``absorptive_multiple`` times its own stock in
    the domain, the stock form of E2's cap on the yearly pool gain. Usable knowledge is
    what a member's know-how learns towards (E9), its realized capability
    ``min(U, I)`` and the domestic term of its TFP (E13); national stocks alone leak
    (E5), weight China's access (E4) and diffuse (E3). A member that leaves keeps its
    national stock and the know-how it built, and loses the shared stock: its know-how
    then converges to its national stock at its learning rate.

    Parameters
    ----------
    knowledge : ndarray, shape (S, P, D, N)
    shared : ndarray, shape (S, P, D)
    members : ndarray of bool, shape (S, P, N)
    multiple : ndarray, shape (S,)
        ``absorptive_multiple``.

    Returns
    -------
    ndarray, shape (S, P, D, N)
    """
    drawn = np.minimum(shared[..., None], multiple[:, None, None, None] * knowledge)
    return knowledge + members[:, :, None, :] * np.maximum(drawn, 0.0)


def pool_shares(
    members: NDArray[np.bool_],
    pool_share: NDArray[np.float64],
    us_factor: NDArray[np.float64],
    usa: int,
) -> NDArray[np.float64]:
    """Share of each country's R&D paid into the pool, ``m_i φ``, shape (S, P, N).

    ``us_factor`` (shape (S,)) scales the US share: 1 under an engaged administration,
    ``us_pool_commitment_transactional`` under a transactional one.
    """
    share = members * pool_share[None, :, None]
    share[:, :, usa] *= us_factor[:, None]
    return share


def pool_boost(members: NDArray[np.bool_], synergy: NDArray[np.float64]) -> NDArray[np.float64]:
    """The pool's synergy factor ``1 + synergy (n_C - 1) / n_C``, shape (S, P)."""
    n_members: NDArray[np.intp] = members.sum(axis=-1)
    return 1.0 + synergy[:, None] * (n_members - 1) / np.maximum(n_members, 1)


def diffusion_scale(size: NDArray[np.float64]) -> NDArray[np.float64]:
    """``Y_i / Σ_{j≠i} Y_j`` (0 where no other country has size), shape (N,)."""
    others = size.sum() - size
    return np.where(others > 0, size / np.where(others > 0, others, 1.0), 0.0)


def diffusion_inflow(
    intensity: NDArray[np.float64],
    size: NDArray[np.float64],
    members: NDArray[np.bool_],
    rate: NDArray[np.float64],
    allied: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """E3: knowledge diffusing down knowledge-intensity gaps, boosted between allies.

    ``inflow[i,k] = rate Y_i Σ_{j≠i} W[i,j] (1 + allied m_i m_j) max(0, κ[j,k] - κ[i,k])``
    with ``W[i,j] = Y_j / Σ_{j'≠i} Y_j'`` (size-weighted sources). The sum over ``j`` is
    computed by sorting κ per domain and taking suffix sums, so no ``[S,P,D,N,N]`` tensor is
    built (memory stays O(S·P·D·N)).

    Parameters
    ----------
    intensity : ndarray, shape (S, P, D, N)
        κ = K / Y.
    size : ndarray, shape (N,)
        Y_i, the weight of each country as a source and receiver; 0 removes a country
        from diffusion (China, whose inflow runs through E4-E6). Sizes are GDPs: positive
        sizes many orders of magnitude below the others would amplify rounding in the
        suffix sums.
    members : ndarray of bool, shape (S, P, N)
    rate, allied : ndarray, shape (S,)
        ``diffusion`` and ``allied_diffusion``.

    Returns
    -------
    inflow : ndarray, shape (S, P, D, N)
        Knowledge diffusing in per year (PPP $bn).
    allied_bonus : ndarray, shape (S, P, D, N)
        The part of ``inflow`` due to alliance membership.
    """
    total, member = _gap_sums(intensity, size, members)
    scale = rate[:, None, None, None] * diffusion_scale(size)
    allied_bonus = scale * allied[:, None, None, None] * members[:, :, None, :] * member
    return scale * total + allied_bonus, allied_bonus


def _gap_sums(
    intensity: NDArray[np.float64], size: NDArray[np.float64], members: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``Σ_j w_j max(0, κ_j - κ_i)`` over all countries and over members (sort, suffix sums)."""
    order = np.argsort(intensity, axis=-1)
    sorted_k = np.take_along_axis(intensity, order, axis=-1)
    sorted_w = size[order]
    member_w = (
        np.take_along_axis(np.broadcast_to(members[:, :, None, :], intensity.shape), order, axis=-1)
        * sorted_w
    )

    def gap_sum(weights: NDArray[np.float64]) -> NDArray[np.float64]:
        # Σ_{j ranked at or above i} w_j (κ_j - κ_i); ties and i itself add zero
        suffix_w = np.cumsum(weights[..., ::-1], axis=-1)[..., ::-1]
        suffix_wk = np.cumsum((weights * sorted_k)[..., ::-1], axis=-1)[..., ::-1]
        return suffix_wk - sorted_k * suffix_w

    total_sorted = gap_sum(sorted_w)
    member_sorted = gap_sum(member_w)
    total = np.empty_like(intensity)
    member = np.empty_like(intensity)
    np.put_along_axis(total, order, total_sorted, axis=-1)
    np.put_along_axis(member, order, member_sorted, axis=-1)
    return total, member


def know_how_step(
    know_how: NDArray[np.float64],
    knowledge: NDArray[np.float64],
    learning_rate: NDArray[np.float64],
    complexity: NDArray[np.float64],
    experience: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E9: integration know-how follows knowledge through production experience.

    ``I' = I + learning_rate / (1 + complexity_k) · u · (K - I)``; know-how cannot be
    stolen, so realized capability ``M = min(K, I)`` lags stolen knowledge.

    Parameters
    ----------
    know_how, knowledge : ndarray
        I and K, broadcastable to each other.
    learning_rate : ndarray
        Shaped to broadcast (scenario axis first).
    complexity : ndarray
        Domain complexity, shaped to broadcast over the domain axis.
    experience : ndarray
        ``u`` in [0, 1]: China's self-sufficiency, others' relative economic size.
    """
    return know_how + learning_rate / (1.0 + complexity) * experience * (knowledge - know_how)
