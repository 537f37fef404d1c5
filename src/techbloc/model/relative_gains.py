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

- **China's access** ``A_k = M_k^(1/r)``, ``M_k = Σ_h ω_hk (1 - s*_k b_h - e_k u_h)^r``
  (``e_k = max(0, floor_k - s*_k)``: the US keeps its own level for its technology and its
  extraterritorial reach, v4): the toggled country's coverage switches between that of a
  member (``s*_k p``) and of an outsider (``max(s*_k, floor_k) p · reach``); the USA's own
  coverage does not move (its controls are its own). Where the toggle also moves achieved
  stringency (the country was, or would become, the least willing member) ``M`` is
  recomputed at the new stringency, so the access a low-will newcomer opens is exact, not
  first order.
- **Leakage** ``Λ_k``: the pool's weakest-link leak rate with and without the country's
  contribution, applied to the shared stock ``S_C,k`` (§9.3). (v3 also counted the
  country's pool gain entering its own leaky stock; since v4 pool gains are not copied
  into national stocks.)
- ``ΔG = Σ_k (∂G/∂A_k ΔA_k + ∂G/∂Λ_k ΔΛ_k)``: the slopes of China's own production
  (``θ R_c (1 - denial X (1 - SS)) (1 + indigenization Z)``, ``X = 1 - A``) and of its
  imitation ``min(gap, χ (catch_up A gap + Λ))`` (zero where the gap caps imitation).

:func:`veto` then applies §9.2: an outsider is accepted only if no incumbent's payoff falls
by more than ``veto_tolerance`` when it joins, counting the larger pool, the lower achieved
stringency's trade relief, frictions with the newcomer and the relative-gains term.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from numpy.typing import NDArray

from techbloc.model import kernels

__all__ = [
    "ToggleInputs",
    "VetoInputs",
    "growth_changes",
    "growth_slopes",
    "membership_toggle",
    "veto",
]


@dataclass(frozen=True)
class ToggleInputs:
    """One year's inputs to :func:`growth_changes`, built by keyword.

    Attributes
    ----------
    members : ndarray of bool, shape (S, P, N)
    will, protection, leak : ndarray, shape (S, P, N)
        Will, protection and national leak rate this year.
    target : ndarray, shape (P, D) or (S, P, D)
        Target stringency per domain.
    stringency : ndarray, shape (S, P, D)
        Achieved stringency ``s*``.
    reach, concentration, exponent, stock_leak_share : ndarray, shape (S,)
        ``extraterritorial_reach``, ``η``, ``r`` and ``stock_leak_share``.
    knowledge : ndarray, shape (S, P, D, N)
    holders : ndarray of bool, shape (N,)
    contribution : ndarray, shape (S, P, N)
        Members' pool contributions, summed over domains.
    national_rd, share, joining_share : ndarray, shape (S, P, N)
        R&D this year; share of it paid into the pool; share each outsider would pay.
    mix : ndarray, shape (S, D, N)
    shared : ndarray, shape (S, P, D)
        The coalition's shared stock.
    per_access, per_exposure : ndarray, shape (S, P, D)
        From :func:`growth_slopes`.
    floor : ndarray, shape (D,)
        The US's own level (the status quo's stringency this year).
    china, usa : int
    """

    members: NDArray[np.bool_]
    will: NDArray[np.float64]
    target: NDArray[np.float64]
    stringency: NDArray[np.float64]
    protection: NDArray[np.float64]
    reach: NDArray[np.float64]
    knowledge: NDArray[np.float64]
    holders: NDArray[np.bool_]
    concentration: NDArray[np.float64]
    exponent: NDArray[np.float64]
    leak: NDArray[np.float64]
    contribution: NDArray[np.float64]
    national_rd: NDArray[np.float64]
    mix: NDArray[np.float64]
    share: NDArray[np.float64]
    joining_share: NDArray[np.float64]
    shared: NDArray[np.float64]
    stock_leak_share: NDArray[np.float64]
    per_access: NDArray[np.float64]
    per_exposure: NDArray[np.float64]
    floor: NDArray[np.float64]
    china: int
    usa: int


@dataclass(frozen=True)
class VetoInputs:
    """The final year's inputs to :func:`veto`, built by keyword.

    Attributes
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
        ``trade_cost · dependence_i``: an incumbent's trade relief per unit fall of the
        stringency its trade meets.
    stringency_drop : ndarray, shape (S, P, N)
        How far outsider ``j`` would lower that stringency (v4: the members' level
        ``max(s*, reach · max(s*, floor))`` on means over domains, with the least will
        before and after ``j`` joins).
    friction : ndarray, shape (S, N, N)
        Positioned pairwise frictions.
    concern : ndarray, shape (S, N)
        ``rel_gains · threat_i``.
    growth_change : ndarray, shape (S, P, N)
        ``G_c(C∪{j}) - G_c(C)`` (:func:`membership_toggle`).
    """

    members: NDArray[np.bool_]
    pool_paid: NDArray[np.float64]
    joining_paid: NDArray[np.float64]
    cap: NDArray[np.float64]
    rd: NDArray[np.float64]
    synergy: NDArray[np.float64]
    trade_weight: NDArray[np.float64]
    stringency_drop: NDArray[np.float64]
    friction: NDArray[np.float64]
    friction_scale: NDArray[np.float64]
    concern: NDArray[np.float64]
    growth_change: NDArray[np.float64]
    payoff_scale: NDArray[np.float64]
    tolerance: NDArray[np.float64]


def growth_slopes(
    rd: NDArray[np.float64],
    theta: NDArray[np.float64],
    denial: NDArray[np.float64],
    self_sufficiency: NDArray[np.float64],
    indigenization: NDArray[np.float64],
    capacity: NDArray[np.float64],
    conversion: NDArray[np.float64],
    uncapped: NDArray[np.bool_],
    catch_up_rate: NDArray[np.float64],
    gap: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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


def _least_two(
    members: NDArray[np.bool_], will: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    masked = np.where(members, will, np.inf)
    two = np.partition(masked, 1, axis=-1)[..., :2]
    return two[..., 0], two[..., 1]


def membership_toggle(
    members: NDArray[np.bool_],
    will: NDArray[np.float64],
    target: NDArray[np.float64],
    stringency: NDArray[np.float64],
    floor: NDArray[np.float64],
    protection: NDArray[np.float64],
    reach: NDArray[np.float64],
    weight: NDArray[np.float64],
    exponent: NDArray[np.float64],
    leak: NDArray[np.float64],
    contribution: NDArray[np.float64],
    joining_contribution: NDArray[np.float64],
    shared: NDArray[np.float64],
    stock_leak_share: NDArray[np.float64],
    per_access: NDArray[np.float64],
    per_exposure: NDArray[np.float64],
    usa: int,
    *,
    outsiders: bool = True,
) -> NDArray[np.float64]:
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
    floor : ndarray, shape (D,)
        The US's own level (the status quo's stringency this year).
    reach, exponent, stock_leak_share : ndarray, shape (S,)
        ``extraterritorial_reach``, ``r`` and ``stock_leak_share``.
    weight : ndarray, shape (S, P, D, N)
        Normalised holder weights ``ω`` of China's access (0 for China).
    contribution, joining_contribution : ndarray, shape (S, P, N)
        Members' pool contributions; what each outsider would pay in (summed over domains).
    shared : ndarray, shape (S, P, D)
        The coalition's shared stock.
    per_access, per_exposure : ndarray, shape (S, P, D)
        From :func:`growth_slopes`.
    usa : int
    outsiders : bool
        Also compute outsiders' joining changes (False: they get 0).

    Returns
    -------
    ndarray, shape (S, P, N)
        For members ``G_c(C∖{i}) - G_c(C)``; for outsiders ``G_c(C∪{j}) - G_c(C)``.
    """
    r = exponent[:, None, None, None]
    reach3 = reach[:, None, None]
    is_us = np.arange(members.shape[-1]) == usa
    # coverage per unit of the members' level a and of the US's level u (v4,
    # controls.control_binding); the toggled country's as an outsider (a member) or a
    # member (an outsider); the USA's own coverage does not move
    binding = protection * (members & ~is_us)
    us_binding = protection * (np.where(members, 0.0, reach3) + is_us)
    toggled = np.where(is_us, binding, protection * np.where(members, 0.0, 1.0))
    us_toggled = np.where(is_us, us_binding, protection * np.where(members, reach3, 0.0))
    s = stringency[..., None]

    def levels(
        strict: NDArray[np.float64],
    ) -> tuple[
        NDArray[np.float64], NDArray[np.float64]
    ]:  # (members' level, US's level), each (S, P, D, 1)
        us = np.maximum(strict, floor)
        return np.maximum(strict, reach3 * us)[..., None], us[..., None]

    def openness(
        a: NDArray[np.float64],
        u: NDArray[np.float64],
        b: NDArray[np.float64],
        ub: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        return np.power(np.clip(1.0 - a * b[:, :, None, :] - u * ub[:, :, None, :], 0.0, 1.0), r)

    a_now, u_now = levels(stringency)
    open_now = openness(a_now, u_now, binding, us_binding)
    open_toggled = openness(a_now, u_now, toggled, us_toggled)
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
        this = np.arange(binding.shape[-1]) == j
        q = np.where(this, toggled, binding)  # (S, P, N)
        uq = np.where(this, us_toggled, us_binding)
        a_new, u_new = levels(s_new)
        exact = (weight * openness(a_new, u_new, q, uq)).sum(-1)
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
    exposure_change = stock_leak_share[:, None, None, None] * (
        (rate_t - rate[..., None])[:, :, None, :] * shared[..., None]
    )
    result = (
        per_access[..., None] * access_change + per_exposure[..., None] * exposure_change
    ).sum(axis=2)
    return np.where(counted, result, 0.0)


def _compiled_growth_changes(
    run: Callable[..., NDArray[np.float64]], a: SimpleNamespace
) -> NDArray[np.float64]:
    """:func:`growth_changes` by the compiled kernel (:mod:`techbloc.model.jit.toggle`)."""
    x: ToggleInputs = a.x
    target = np.broadcast_to(x.target, x.stringency.shape)
    powered = a.powered
    if powered is None:
        powered = np.power(np.maximum(x.knowledge, 0.0), x.concentration[:, None, None, None])
    c = kernels.contiguous
    return run(
        kernels.ToggleArrays(
            members=c(x.members, np.bool_),
            will=c(x.will),
            target=c(target),
            stringency=c(x.stringency),
            floor=c(np.broadcast_to(x.floor, x.stringency.shape[-1:])),
            protection=c(x.protection),
            reach=c(x.reach),
            weight_k=c(powered),
            holders=c(x.holders, np.bool_),
            r=c(x.exponent),
            leak=c(x.leak),
            contribution=c(x.contribution),
            national_rd=c(x.national_rd),
            mix=c(x.mix),
            share=c(x.share),
            joining_share=c(x.joining_share),
            shared=c(x.shared),
            sls=c(x.stock_leak_share),
            per_access=c(x.per_access),
            per_exposure=c(x.per_exposure),
            china=x.china,
            usa=x.usa,
            outsiders=a.outsiders,
        )
    )


@kernels.twin("toggle", _compiled_growth_changes)
def growth_changes(
    x: ToggleInputs,
    *,
    outsiders: bool = True,
    powered: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """:func:`membership_toggle` from the year's raw arrays, compiled when numba is available.

    Builds the holder weights ``ω ∝ K^η`` and what each outsider would pay into the pool
    (E2), then toggles each country (China's entry is 0).

    Parameters
    ----------
    x : ToggleInputs
    outsiders : bool
        Also compute outsiders' joining changes (False: members only, outsiders get 0; the
        engine needs outsiders only in the final year).
    powered : ndarray, shape (S, P, D, N), optional
        ``max(K, 0)^η`` if already computed (the compiled flows kernel leaves it in its
        workspace); computed here otherwise.

    Returns
    -------
    ndarray, shape (S, P, N)
    """
    target = np.broadcast_to(x.target, x.stringency.shape)
    rd = x.national_rd[:, :, None, :] * x.mix[:, None]
    joining_paid = rd * x.joining_share[:, :, None, :]
    weight = np.where(
        x.holders,
        np.power(np.maximum(x.knowledge, 0.0), x.concentration[:, None, None, None]),
        0.0,
    )
    total = weight.sum(axis=-1, keepdims=True)
    weight = weight / np.where(total > 0, total, 1.0)
    change = membership_toggle(
        x.members,
        x.will,
        target,
        x.stringency,
        x.floor,
        x.protection,
        x.reach,
        weight,
        x.exponent,
        x.leak,
        x.contribution,
        joining_paid.sum(axis=2),
        x.shared,
        x.stock_leak_share,
        x.per_access,
        x.per_exposure,
        x.usa,
        outsiders=outsiders,
    )
    change[..., x.china] = 0.0
    return change


def _compiled_veto(
    run: Callable[..., NDArray[np.float64]], a: SimpleNamespace
) -> NDArray[np.float64]:
    """:func:`veto` by the compiled kernel (:mod:`techbloc.model.jit.veto`)."""
    x: VetoInputs = a.x
    c = kernels.contiguous
    return run(
        kernels.VetoArrays(
            members=c(x.members, np.bool_),
            pool_paid=c(x.pool_paid),
            joining_paid=c(x.joining_paid),
            cap=c(x.cap),
            rd=c(x.rd),
            synergy=c(x.synergy),
            trade_weight=c(x.trade_weight),
            stringency_drop=c(x.stringency_drop),
            friction=c(x.friction),
            friction_scale=c(x.friction_scale),
            concern=c(x.concern),
            growth_change=c(x.growth_change),
            payoff_scale=c(x.payoff_scale),
            tolerance=c(x.tolerance),
        )
    )


@kernels.twin("veto", _compiled_veto)
def veto(x: VetoInputs) -> NDArray[np.float64]:
    """E12 (§9.2): whether every incumbent accepts each outsider.

    Incumbent ``i`` accepts outsider ``j`` when its payoff falls by at most ``tolerance``:
    ``b Σ_k [min(P'_k, cap_ik) - min(P_k, cap_ik)] / R_i + trade_i drop_j
    - friction_scale f_ij - concern_i ΔG_j >= -tolerance``, with the pool
    ``P_k = paid_k (1 + synergy (n-1)/n)`` now and ``P'_k = (paid_k + paid_jk)
    (1 + synergy n/(n+1))`` with ``j`` in. An outsider is accepted when every member
    accepts it (a veto).

    Parameters
    ----------
    x : VetoInputs

    Returns
    -------
    ndarray of bool, shape (S, P, N)
        True where the outsider would be accepted (False for members).
    """
    members, pool_paid, joining_paid, cap = x.members, x.pool_paid, x.joining_paid, x.cap
    S, P, N = members.shape
    n = members.sum(axis=-1).astype(float)  # (S, P)
    syn = x.synergy[:, None]
    boost_now = 1.0 + syn * (n - 1.0) / np.maximum(n, 1.0)
    boost_join = 1.0 + syn * n / (n + 1.0)
    gain_now = np.minimum((pool_paid * boost_now[..., None])[..., None], cap)  # (S, P, D, N)
    rd_safe = np.maximum(x.rd, 1e-12)
    accepted = np.zeros((S, P, N), dtype=bool)
    for j in range(N):
        pool_join = (pool_paid + joining_paid[..., j]) * boost_join[..., None]
        gain_join = np.minimum(pool_join[..., None], cap)
        change = (
            x.payoff_scale[:, None, None] * (gain_join - gain_now).sum(axis=2) / rd_safe
            + x.trade_weight * x.stringency_drop[..., j, None]
            - x.friction_scale[:, None, None] * x.friction[:, None, j, :]
            - x.concern[:, None, :] * x.growth_change[..., j, None]
        )
        ok = (change >= -x.tolerance[:, None, None]) | ~members
        accepted[..., j] = ok.all(axis=-1) & ~members[..., j]
    return accepted
