"""E4-E5: export controls, China's access to foreign technology, and leakage.

Achieved stringency is capped by the least willing member (consensus, as in CoCom), but
the US keeps its unilateral controls (v4): US-held technology is controlled at least at
the US's own level (the status quo's stringency that year), and every other holder, member
or not, at least at that level times the extraterritorial reach; the coalition can raise
them, not lower them. Access and pool leakage
are power means with the weakest-link exponent ``r``: with a large ``r`` the most open
holder (or the leakiest member) dominates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "access",
    "achieved_stringency",
    "control_binding",
    "control_coverage",
    "exposure",
    "member_level",
    "national_leak_rate",
    "pool_leak_rate",
    "stock_exposure",
    "us_level",
]


def achieved_stringency(
    target: NDArray[np.float64], will: NDArray[np.float64], members: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """``s*_k = s_target,k · min_{i∈C} will_i``.

    Parameters
    ----------
    target : ndarray, shape (P, D) or (S, P, D)
    will : ndarray, shape (S, P, N)
    members : ndarray of bool, shape (S, P, N)

    Returns
    -------
    ndarray, shape (S, P, D)
    """
    least = np.where(members, will, np.inf).min(axis=-1)
    least = np.where(np.isfinite(least), least, 0.0)
    return target * least[..., None]


def us_level(stringency: NDArray[np.float64], floor: NDArray[np.float64]) -> NDArray[np.float64]:
    """Stringency on US-held technology, ``u_k = max(s*_k, floor_k)`` (v4).

    Parameters
    ----------
    stringency : ndarray, shape (S, P, D)
        Achieved (common) stringency ``s*``.
    floor : ndarray, shape (D,) or broadcastable
        The US's unilateral stringency (the status quo's that year).
    """
    return np.maximum(stringency, floor)


def member_level(
    stringency: NDArray[np.float64], floor: NDArray[np.float64], reach: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Stringency on a (non-US) member's technology, ``max(s*_k, reach · u_k)`` (v4).

    A member applies the common level, but US extraterritorial rules reach its technology
    as they reach an outsider's: joining cannot lower its coverage below that.

    Parameters
    ----------
    stringency : ndarray, shape (S, P, D)
    floor : ndarray, shape (D,)
    reach : ndarray, shape (S,)
    """
    return np.maximum(stringency, reach[:, None, None] * us_level(stringency, floor))


def control_coverage(
    stringency: NDArray[np.float64],
    protection: NDArray[np.float64],
    members: NDArray[np.bool_],
    reach: NDArray[np.float64],
    usa: int,
    floor: NDArray[np.float64],
) -> NDArray[np.float64]:
    """How far each holder's technology is closed to China, ``c[j,k]``.

    ``c[j,k] = p_j ×`` the US's level ``u_k = max(s*_k, floor_k)`` for the USA,
    ``reach · u_k`` for an outsider and ``max(s*_k, reach · u_k)`` for a member (v4: the US
    keeps its unilateral controls and their extraterritorial reach). Written as
    ``a_k b_j + u_k v_j`` with ``a`` from :func:`member_level`, ``u`` from
    :func:`us_level` and ``(b, v)`` from :func:`control_binding`.

    Parameters
    ----------
    stringency : ndarray, shape (S, P, D)
    protection : ndarray, shape (S, P, N)
    members : ndarray of bool, shape (S, P, N)
    reach : ndarray, shape (S,)
    usa : int
    floor : ndarray, shape (D,)

    Returns
    -------
    ndarray, shape (S, P, D, N)
    """
    binding, us_binding = control_binding(protection, members, reach, usa)
    return (
        member_level(stringency, floor, reach)[..., None] * binding[:, :, None, :]
        + us_level(stringency, floor)[..., None] * us_binding[:, :, None, :]
    )


def control_binding(
    protection: NDArray[np.float64],
    members: NDArray[np.bool_],
    reach: NDArray[np.float64],
    usa: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coverage per unit of the members' level and per unit of the US's level.

    Parameters
    ----------
    protection : ndarray, shape (S, P, N)
    members : ndarray of bool, shape (S, P, N)
    reach : ndarray, shape (S,)
    usa : int

    Returns
    -------
    binding : ndarray, shape (S, P, N)
        ``b_j = p_j m_j [j ≠ USA]``: members other than the USA.
    us_binding : ndarray, shape (S, P, N)
        ``v_j = p_j ([j = USA] + (1 - m_j) extraterritorial_reach)``: the holders whose
        coverage follows the US's own level (the USA and, through reach, outsiders).
    """
    is_us = np.arange(protection.shape[-1]) == usa
    binding = (members & ~is_us) * protection
    outside = np.where(members, 0.0, reach[:, None, None])
    us_binding = (outside + is_us) * protection
    return binding, us_binding


def access(
    coverage: NDArray[np.float64],
    knowledge: NDArray[np.float64],
    holders: NDArray[np.bool_],
    concentration: NDArray[np.float64],
    exponent: NDArray[np.float64],
) -> NDArray[np.float64]:
    """China's access to foreign technology per domain, ``A_k`` in [0, 1].

    ``A_k = (Σ_j ω_jk (1 - c[j,k])^r)^(1/r)``, ``ω ∝ K^η`` over holders ``j``.

    Parameters
    ----------
    coverage : ndarray, shape (S, P, D, N)
    knowledge : ndarray, shape (S, P, D, N)
    holders : ndarray of bool, shape (N,)
        Countries whose technology China could reach (everyone but China; ROW is not
        modelled as a holder).
    concentration : ndarray, shape (S,)
        η.
    exponent : ndarray, shape (S,)
        r.
    """
    eta = concentration[:, None, None, None]
    r = exponent[:, None, None, None]
    weight = np.where(holders, np.power(np.maximum(knowledge, 0.0), eta), 0.0)
    total = weight.sum(axis=-1, keepdims=True)
    weight = weight / np.where(total > 0, total, 1.0)
    openness = np.power(np.clip(1.0 - coverage, 0.0, 1.0), r)
    mean: NDArray[np.float64] = (weight * openness).sum(axis=-1)
    return np.power(mean, 1.0 / exponent[:, None, None])


def national_leak_rate(
    base_rate: NDArray[np.float64], protection: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``l_j = base_leak_rate (1 - p_j)``, shape (S, P, N)."""
    return base_rate[:, None, None] * (1.0 - protection)


def pool_leak_rate(
    leak: NDArray[np.float64], contribution: NDArray[np.float64], exponent: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Leak rate of the joint pool, ``l_C = (Σ_{j∈C} w_j l_j^r)^(1/r)``.

    Parameters
    ----------
    leak : ndarray, shape (S, P, N)
    contribution : ndarray, shape (S, P, N)
        Each member's contribution (summed over domains); weights ``w_j`` are shares of it.
    exponent : ndarray, shape (S,)

    Returns
    -------
    ndarray, shape (S, P)
        0 where nothing is pooled.
    """
    total = contribution.sum(axis=-1)
    weight = contribution / np.where(total > 0, total, 1.0)[..., None]
    r = exponent[:, None]
    mean = (weight * np.power(leak, r[..., None])).sum(axis=-1)
    return np.where(total > 0, np.power(mean, 1.0 / r), 0.0)


def stock_exposure(
    leak: NDArray[np.float64], knowledge: NDArray[np.float64], holders: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """E5, stock term: ``Σ_j l_j K[j,k]`` over holders ``j``, shape (S, P, D)."""
    exposure: NDArray[np.float64] = (knowledge * np.where(holders, leak, 0.0)[:, :, None, :]).sum(
        axis=-1
    )
    return exposure


def exposure(
    stock: NDArray[np.float64],
    stock_leak_share: NDArray[np.float64],
    pool_leak: NDArray[np.float64],
    theta: NDArray[np.float64],
    pool: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E5: knowledge exposed to China each year, ``Λ_k``, shape (S, P, D).

    ``Λ_k = stock_leak_share Σ_j l_j K[j,k] + l_C θ P_k``: stolen know-how is a share of
    the *stock* (``stock``, from :func:`stock_exposure`), plus the pool's output leaking
    through its weakest members. (The engine exposes the shared stock instead of this
    year's pool output, v3 §9.3; this function is kept for the one-year form.)
    """
    return stock_leak_share[:, None, None] * stock + (pool_leak * theta[:, None])[..., None] * pool
