"""E12 (v3): what one country's membership does to China's knowledge growth, and the veto.

Members value keeping technology from China (MODEL.md §9.1): each country's payoff carries
``- rel_gains · threat_i · G_c(C)``, where ``G_c(C)`` is China's knowledge growth this year
under coalition ``C`` (own production after denial and indigenization, plus imitation and
absorbed leakage from every country's stock and the shared stock), per unit of China's
own knowledge production before controls (``θ Σ_k R_c,k``).

A membership margin needs ``G_c(C∖{i}) - G_c(C)`` for every member ``i`` and a joining
decision ``G_c(C∪{j}) - G_c(C)`` for every outsider ``j``. Both are computed here in closed
form from the year's state, without counterfactual runs, by toggling one country's
membership at a time:

- **China's access** ``A_k = M_k^(1/r)``, ``M_k = Σ_h ω_hk (1 - s*_k q_h)^r``: the toggled
  country's own coverage ``q`` switches between ``p`` (member) and ``p · reach``
  (outsider); where the toggle also moves achieved stringency (the country was, or would
  become, the least willing member) ``M`` is recomputed at the new stringency, so the
  access a low-will newcomer opens is exact, not first order.
- **Leakage** ``Λ_k``: the pool's weakest-link leak rate with and without the country's
  contribution, applied to the shared stock ``S_C,k`` (§9.3), and the country's pool gain,
  which enters its own (leaky) stock.
- ``ΔG = Σ_k (∂G/∂A_k ΔA_k + ∂G/∂Λ_k ΔΛ_k)``: the slopes of China's own production
  (``θ R_c (1 - denial X (1 - SS)) (1 + indigenization Z)``, ``X = 1 - A``) and of its
  imitation ``min(gap, χ (catch_up A gap + Λ))`` (zero where the gap caps imitation).

:func:`veto` then applies §9.2: an outsider is accepted only if no incumbent's payoff falls
by more than ``veto_tolerance`` when it joins, counting the larger pool, the lower achieved
stringency's trade relief, frictions with the newcomer and the relative-gains term.
"""

from __future__ import annotations

import numpy as np

from techbloc.model import kernels

__all__ = ["growth_changes", "growth_slopes", "membership_toggle", "veto"]


def growth_slopes(
    rd: np.ndarray,
    theta: np.ndarray,
    denial: np.ndarray,
    self_sufficiency: np.ndarray,
    indigenization: np.ndarray,
    capacity: np.ndarray,
    conversion: np.ndarray,
    uncapped: np.ndarray,
    catch_up_rate: np.ndarray,
    gap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Slopes of ``G_c`` with respect to China's access and to exposed knowledge.

    Parameters
    ----------
    rd : ndarray, shape (S, P, D)
        China's R&D by domain, PPP $bn/yr.
    theta, denial, indigenization, catch_up_rate : ndarray, shape (S,)
    self_sufficiency, capacity, conversion, gap : ndarray, shape (S, P, D)
        ``SS``, ``Z``, ``χ`` and ``max(0, K_F - K_c)``.
    uncapped : ndarray of bool, shape (S, P, D)
        Where imitation is below the gap (so it responds to access and exposure).

    Returns
    -------
    per_access, per_exposure : ndarray, shape (S, P, D)
        ``∂G/∂A_k`` and ``∂G/∂Λ_k``, per unit of ``θ Σ_k R_c,k``.
    """
    th = theta[:, None, None]
    norm = np.maximum(th[..., 0] * rd.sum(axis=-1), 1e-12)[..., None]
    own = (
        th
        * rd
        * denial[:, None, None]
        * (1.0 - self_sufficiency)
        * (1.0 + indigenization[:, None, None] * capacity)
    )
    imitation = np.where(uncapped, conversion * catch_up_rate[:, None, None] * gap, 0.0)
    return (own + imitation) / norm, np.where(uncapped, conversion, 0.0) / norm


def _least_two(members: np.ndarray, will: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    masked = np.where(members, will, np.inf)
    two = np.partition(masked, 1, axis=-1)[..., :2]
    return two[..., 0], two[..., 1]


def membership_toggle(
    members: np.ndarray,
    will: np.ndarray,
    target: np.ndarray,
    stringency: np.ndarray,
    protection: np.ndarray,
    reach: np.ndarray,
    weight: np.ndarray,
    exponent: np.ndarray,
    leak: np.ndarray,
    contribution: np.ndarray,
    joining_contribution: np.ndarray,
    shared: np.ndarray,
    stock_leak_share: np.ndarray,
    gain: np.ndarray,
    joining_gain: np.ndarray,
    per_access: np.ndarray,
    per_exposure: np.ndarray,
    *,
    outsiders: bool = True,
) -> np.ndarray:
    """Change in China's knowledge growth ``G_c`` if one country's membership is toggled.

    Parameters
    ----------
    members : ndarray of bool, shape (S, P, N)
    will, protection, leak : ndarray, shape (S, P, N)
        Will, protection and national leak rate this year.
    target : ndarray, shape (P, D) or (S, P, D)
        Target stringency per domain.
    stringency : ndarray, shape (S, P, D)
        Achieved stringency ``s*``.
    reach, exponent, stock_leak_share : ndarray, shape (S,)
        ``extraterritorial_reach``, ``r`` and ``stock_leak_share``.
    weight : ndarray, shape (S, P, D, N)
        Normalised holder weights ``ω`` of China's access (0 for China).
    contribution, joining_contribution : ndarray, shape (S, P, N)
        Members' pool contributions; what each outsider would pay in (summed over domains).
    shared : ndarray, shape (S, P, D)
        The coalition's shared stock.
    gain, joining_gain : ndarray, shape (S, P, D, N)
        Members' pool gains this year; what each outsider would draw if it joined.
    per_access, per_exposure : ndarray, shape (S, P, D)
        From :func:`growth_slopes`.
    outsiders : bool
        Also compute outsiders' joining changes (False: they get 0).

    Returns
    -------
    ndarray, shape (S, P, N)
        For members ``G_c(C∖{i}) - G_c(C)``; for outsiders ``G_c(C∪{j}) - G_c(C)``.
    """
    r = exponent[:, None, None, None]
    reach3 = reach[:, None, None]
    binding = protection * np.where(members, 1.0, reach3)
    toggled = protection * np.where(members, reach3, 1.0)
    s = stringency[..., None]
    open_now = np.power(np.clip(1.0 - s * binding[:, :, None, :], 0.0, 1.0), r)
    open_toggled = np.power(np.clip(1.0 - s * toggled[:, :, None, :], 0.0, 1.0), r)
    total = (weight * open_now).sum(axis=-1)  # M_k = A_k^r

    least, second = _least_two(members, will)
    has_least = np.isfinite(least)
    masked = np.where(members, will, np.inf)
    without = np.where(masked <= least[..., None], second[..., None], least[..., None])
    without = np.where(np.isfinite(without), without, least[..., None])
    joined = np.minimum(least[..., None], will)
    new_least = np.where(members, without, joined)
    change = np.where(has_least[..., None], new_least - least[..., None], 0.0)  # (S, P, N)
    counted = members | outsiders
    change = np.where(counted, change, 0.0)
    target = np.broadcast_to(target, stringency.shape)
    d_stringency = target[..., None] * change[:, :, None, :]  # (S, P, D, N)

    # the toggled country's own coverage; where the toggle moves achieved stringency, M is
    # recomputed at the new stringency below
    moved = total[..., None] + weight * (open_toggled - open_now)
    for j in np.flatnonzero((change != 0).any(axis=(0, 1))):
        moves = change[..., j] != 0  # (S, P)
        s_new = s[..., 0] + d_stringency[..., j]  # (S, P, D)
        q = np.where(
            np.arange(binding.shape[-1]) == j, toggled[:, :, None, :], binding[:, :, None, :]
        )  # (S, P, 1, N)
        exact = (weight * np.power(np.clip(1.0 - s_new[..., None] * q, 0.0, 1.0), r)).sum(-1)
        moved[..., j] = np.where(moves[..., None], exact, moved[..., j])
    moved = np.maximum(moved, 0.0)
    access_change = np.power(moved, 1.0 / r) - np.power(total, 1.0 / r[..., 0])[..., None]

    r3 = exponent[:, None, None]
    powered = np.power(leak, r3)
    paid = contribution.sum(axis=-1)
    mean = (contribution * powered).sum(axis=-1)
    rate = np.where(paid > 0, np.power(mean / np.where(paid > 0, paid, 1.0), 1.0 / r3[..., 0]), 0.0)
    delta_w = np.where(members, -contribution, joining_contribution)
    paid_t = paid[..., None] + delta_w
    mean_t = np.maximum(mean[..., None] + delta_w * powered, 0.0)
    positive = paid_t > 1e-12
    rate_t = np.where(positive, np.power(mean_t / np.where(positive, paid_t, 1.0), 1.0 / r3), 0.0)
    own_gain = np.where(members[:, :, None, :], -gain, joining_gain)
    exposure_change = stock_leak_share[:, None, None, None] * (
        (rate_t - rate[..., None])[:, :, None, :] * shared[..., None]
        + leak[:, :, None, :] * own_gain
    )
    result = (
        per_access[..., None] * access_change + per_exposure[..., None] * exposure_change
    ).sum(axis=2)
    return np.where(counted, result, 0.0)


def growth_changes(
    members: np.ndarray,
    will: np.ndarray,
    target: np.ndarray,
    stringency: np.ndarray,
    protection: np.ndarray,
    reach: np.ndarray,
    knowledge: np.ndarray,
    holders: np.ndarray,
    concentration: np.ndarray,
    exponent: np.ndarray,
    leak: np.ndarray,
    contribution: np.ndarray,
    national_rd: np.ndarray,
    mix: np.ndarray,
    share: np.ndarray,
    joining_share: np.ndarray,
    synergy: np.ndarray,
    absorptive_multiple: np.ndarray,
    theta: np.ndarray,
    shared: np.ndarray,
    stock_leak_share: np.ndarray,
    per_access: np.ndarray,
    per_exposure: np.ndarray,
    china: int,
    *,
    outsiders: bool = True,
    powered: np.ndarray | None = None,
    use_compiled: bool = True,
) -> np.ndarray:
    """:func:`membership_toggle` from the year's raw arrays, compiled when numba is available.

    Builds the holder weights ``ω ∝ K^η``, members' pool gains and outsiders' would-be
    gains (E2), then toggles each country (China's entry is 0).

    Parameters
    ----------
    knowledge : ndarray, shape (S, P, D, N)
    holders : ndarray of bool, shape (N,)
    concentration, synergy, absorptive_multiple, theta : ndarray, shape (S,)
    national_rd, share, joining_share : ndarray, shape (S, P, N)
        R&D this year; share of it paid into the pool; share each outsider would pay.
    mix : ndarray, shape (S, D, N)
    china : int
    outsiders : bool
        Also compute outsiders' joining changes (False: members only, outsiders get 0; the
        engine needs outsiders only in the final year).
    powered : ndarray, shape (S, P, D, N), optional
        ``max(K, 0)^η`` if already computed (the compiled flows kernel leaves it in its
        workspace); computed here otherwise.
    Other parameters as in :func:`membership_toggle`.

    Returns
    -------
    ndarray, shape (S, P, N)
    """
    target = np.broadcast_to(target, stringency.shape)
    kernel = kernels.get("toggle") if use_compiled else None
    if kernel is not None:
        c = kernels.contiguous

        if powered is None:
            powered = np.power(np.maximum(knowledge, 0.0), concentration[:, None, None, None])
        return kernel(
            kernels.ToggleArrays(
                members=c(members, np.bool_),
                will=c(will),
                target=c(target),
                stringency=c(stringency),
                protection=c(protection),
                reach=c(reach),
                weight_k=c(powered),
                holders=c(holders, np.bool_),
                r=c(exponent),
                leak=c(leak),
                contribution=c(contribution),
                national_rd=c(national_rd),
                mix=c(mix),
                share=c(share),
                joining_share=c(joining_share),
                synergy=c(synergy),
                multiple=c(absorptive_multiple),
                theta=c(theta),
                shared=c(shared),
                sls=c(stock_leak_share),
                per_access=c(per_access),
                per_exposure=c(per_exposure),
                china=china,
                outsiders=outsiders,
            )
        )
    th = theta[:, None, None, None]
    multiple = absorptive_multiple[:, None, None, None]
    rd = national_rd[:, :, None, :] * mix[:, None]
    paid = rd * share[:, :, None, :]
    pool_paid = paid.sum(axis=-1)
    n = members.sum(axis=-1).astype(float)[..., None]
    boost = 1.0 + synergy[:, None, None] * (n - 1.0) / np.maximum(n, 1.0)
    gain = np.where(
        members[:, :, None, :],
        np.minimum((pool_paid * boost)[..., None], multiple * (rd - paid)) * th,
        0.0,
    )
    joining_paid = rd * joining_share[:, :, None, :]
    boost_join = (1.0 + synergy[:, None, None] * n / (n + 1.0))[..., None]
    joined = np.where(
        members[:, :, None, :],
        0.0,
        np.minimum(
            (pool_paid[..., None] + joining_paid) * boost_join, multiple * (rd - joining_paid)
        )
        * th,
    )
    weight = np.where(
        holders, np.power(np.maximum(knowledge, 0.0), concentration[:, None, None, None]), 0.0
    )
    total = weight.sum(axis=-1, keepdims=True)
    weight = weight / np.where(total > 0, total, 1.0)
    change = membership_toggle(
        members,
        will,
        target,
        stringency,
        protection,
        reach,
        weight,
        exponent,
        leak,
        contribution,
        joining_paid.sum(axis=2),
        shared,
        stock_leak_share,
        gain,
        joined,
        per_access,
        per_exposure,
        outsiders=outsiders,
    )
    change[..., china] = 0.0
    return change


def veto(
    members: np.ndarray,
    pool_paid: np.ndarray,
    joining_paid: np.ndarray,
    cap: np.ndarray,
    rd: np.ndarray,
    synergy: np.ndarray,
    trade_weight: np.ndarray,
    stringency_drop: np.ndarray,
    friction: np.ndarray,
    friction_scale: np.ndarray,
    concern: np.ndarray,
    growth_change: np.ndarray,
    payoff_scale: np.ndarray,
    tolerance: np.ndarray,
    *,
    use_compiled: bool = True,
) -> np.ndarray:
    """E12 (§9.2): whether every incumbent accepts each outsider.

    Incumbent ``i`` accepts outsider ``j`` when its payoff falls by at most ``tolerance``:
    ``b Σ_k [min(P'_k, cap_ik) - min(P_k, cap_ik)] / R_i + trade_i drop_j
    - friction_scale f_ij - concern_i ΔG_j >= -tolerance``, with the pool
    ``P_k = paid_k (1 + synergy (n-1)/n)`` now and ``P'_k = (paid_k + paid_jk)
    (1 + synergy n/(n+1))`` with ``j`` in. An outsider is accepted when every member
    accepts it (a veto).

    Parameters
    ----------
    members : ndarray of bool, shape (S, P, N)
    pool_paid : ndarray, shape (S, P, D)
        Contributions paid into the pool this year, by domain.
    joining_paid : ndarray, shape (S, P, D, N)
        What each outsider would pay in, by domain.
    cap : ndarray, shape (S, P, D, N)
        Usable pool gain, ``absorptive_multiple · own R&D`` (knowledge per θ).
    rd : ndarray, shape (S, P, N)
        R&D summed over domains.
    synergy, friction_scale, payoff_scale, tolerance : ndarray, shape (S,)
    trade_weight : ndarray, shape (S, P, N)
        ``trade_cost · dependence_i · mean target stringency``: an incumbent's trade relief
        per unit fall of the least will.
    stringency_drop : ndarray, shape (S, P, N)
        How far outsider ``j`` would lower the least will, ``least - min(least, will_j)``.
    friction : ndarray, shape (S, N, N)
        Positioned pairwise frictions.
    concern : ndarray, shape (S, N)
        ``rel_gains · threat_i``.
    growth_change : ndarray, shape (S, P, N)
        ``G_c(C∪{j}) - G_c(C)`` (:func:`membership_toggle`).

    Returns
    -------
    ndarray of bool, shape (S, P, N)
        True where the outsider would be accepted (False for members).
    """
    kernel = kernels.get("veto") if use_compiled else None
    if kernel is not None:
        c = kernels.contiguous

        return kernel(
            kernels.VetoArrays(
                members=c(members, np.bool_),
                pool_paid=c(pool_paid),
                joining_paid=c(joining_paid),
                cap=c(cap),
                rd=c(rd),
                synergy=c(synergy),
                trade_weight=c(trade_weight),
                stringency_drop=c(stringency_drop),
                friction=c(friction),
                friction_scale=c(friction_scale),
                concern=c(concern),
                growth_change=c(growth_change),
                payoff_scale=c(payoff_scale),
                tolerance=c(tolerance),
            )
        )
    S, P, N = members.shape
    n = members.sum(axis=-1).astype(float)  # (S, P)
    syn = synergy[:, None]
    boost_now = 1.0 + syn * (n - 1.0) / np.maximum(n, 1.0)
    boost_join = 1.0 + syn * n / (n + 1.0)
    gain_now = np.minimum((pool_paid * boost_now[..., None])[..., None], cap)  # (S, P, D, N)
    rd_safe = np.maximum(rd, 1e-12)
    accepted = np.zeros((S, P, N), dtype=bool)
    for j in range(N):
        pool_join = (pool_paid + joining_paid[..., j]) * boost_join[..., None]
        gain_join = np.minimum(pool_join[..., None], cap)
        change = (
            payoff_scale[:, None, None] * (gain_join - gain_now).sum(axis=2) / rd_safe
            + trade_weight * stringency_drop[..., j, None]
            - friction_scale[:, None, None] * friction[:, None, j, :]
            - concern[:, None, :] * growth_change[..., j, None]
        )
        ok = (change >= -tolerance[:, None, None]) | ~members
        accepted[..., j] = ok.all(axis=-1) & ~members[..., j]
    return accepted
