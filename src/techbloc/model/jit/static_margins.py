"""The start year's membership margins of many coalitions at once (E12 with §9.1).

:func:`margins` computes, for a batch of membership masks, what the engine's start year
computes for each member's margin: the flows kernel's pool gains, contributions and
allied-diffusion bonus (:mod:`techbloc.model.jit.flows`), China's access, the E12 margin
(:mod:`techbloc.model.jit.margins`) and the relative-gains term of the membership toggles
(:mod:`techbloc.model.jit.toggle`), with the same floating-point operations in the same
order, so the same numbers bit for bit (tests compare it with
:func:`techbloc.model.year.year_flows`). It differs from those kernels in what it does
*once*: at the start year every coalition starts from the same state with zero margins
and the same levers, so will, protection, leak rates, R&D, each country's contribution if
a member, the access weights ``K^η`` (and their normalised form), the diffusion order,
China's conversion rate, gap and exposure, and the two values each slope ``∂G/∂A_k`` can
take are the same for every coalition (:class:`techbloc.model.static.StaticModel` builds
them). A coalition then changes only

- the least will among its members, hence achieved stringency and every country's
  openness ``(1 - c)^r``: openness depends on the country, on whether it is a member and
  on the least will only, so the weighted openness terms ``ω_jk (1 - c_jk)^r`` of the
  access sums are tabulated per scenario for each least-willing country (and, for the
  toggle of the least willing member, which moves stringency, for each pair of least and
  second-least), once, the first time a coalition needs them; the sums themselves are
  taken per coalition, over every country in index order, as the kernels take them;
- which countries pay into the pool and count in the diffusion suffix sums (non-members
  add exact zeros there, so only members are summed, in the same order: the diffusion
  order's members are found by a 64-bit mask of their ranks, lowest set bit first).

The leak-rate term of the toggles multiplies the shared stock, which is zero at the start
year: it adds a signed zero to each domain's term, which changes no sum (a sum that starts
at +0 is never -0), and is left out. So is the USA's toggle (unless it moves stringency): it
moves no coverage, and the toggle kernel's access is then the same power of the same value
as before, a change of exactly 0 in every domain. Every power is
:func:`~techbloc.model.jit.power`, as in the kernels it mirrors.

The kernel writes each coalition's ``cohesion`` and ``min_margin`` (as
:func:`techbloc.model.static._outcomes` computes them) and, when asked, the margins.
:func:`run` splits the scenarios over numba's threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from techbloc.model import jit
from techbloc.model.jit import clip_unit, greater, lesser, njit, power

__all__ = ["margins", "run"]

#: Membership states, the second index of the tables.
_OUTSIDER = 0
_MEMBER = 1


@njit(nogil=True)
def _bindings(
    s: int,
    protection: NDArray[np.float64],
    reach: NDArray[np.float64],
    usa: int,
    binding: NDArray[np.float64],
    us_binding: NDArray[np.float64],
    toggled: NDArray[np.float64],
    us_toggled: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Coverage per unit of the members' and of the US's level, ``(N, 2)`` by membership
    (as the protection kernel writes them), and a member's toggled to an outsider (as the
    toggle kernel's ``toggled``, the USA's unchanged)."""
    rch = reach[s]
    for j in range(protection.shape[1]):
        pr = protection[s, j]
        is_us = 1.0 if j == usa else 0.0
        binding[j, _OUTSIDER] = 0.0 * pr
        us_binding[j, _OUTSIDER] = (rch + is_us) * pr
        binding[j, _MEMBER] = (1.0 if j != usa else 0.0) * pr
        us_binding[j, _MEMBER] = (0.0 + is_us) * pr
        if j == usa:
            toggled[j] = pr * 0.0
            us_toggled[j] = pr * (0.0 + 1.0)
        else:
            toggled[j] = pr * 0.0
            us_toggled[j] = pr * rch


@njit(nogil=True)
def _least_tables(
    s: int,
    least: float,
    target: NDArray[np.float64],
    floor: NDArray[np.float64],
    reach: NDArray[np.float64],
    r: NDArray[np.float64],
    weight_k: NDArray[np.float64],
    holders: NDArray[np.bool_],
    normalised: NDArray[np.float64],
    binding: NDArray[np.float64],
    us_binding: NDArray[np.float64],
    toggled: NDArray[np.float64],
    us_toggled: NDArray[np.float64],
    terms: NDArray[np.float64],
    deltas: NDArray[np.float64],
    open_flows: NDArray[np.float64],
    open_toggle: NDArray[np.float64],
    open_toggled: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """The weighted openness terms of one least will: ``terms[j, m, d]`` the flows kernel's
    ``K^η (1 - (a b + u v))^r`` and ``terms[j, m, D + d]`` the toggle kernel's
    ``ω (1 - a b - u v)^r`` (``ω`` normalised), of country ``j`` in membership state ``m``;
    ``deltas[j, d]`` the toggle kernel's ``ω (open_toggled - open_now)`` of member ``j``.
    Openness is computed once per run of domains with the same levels (the same values: the
    kernels reuse it too)."""
    n, d_len = normalised.shape
    rs = r[s]
    rch = reach[s]
    last_strict = 0.0
    last_ex = 0.0
    for d in range(d_len):
        strict = target[d] * least  # achieved stringency, as the protection kernel
        ex = greater(strict, floor[d])  # the US's level
        level = greater(strict, rch * ex)  # members' level
        if d == 0 or strict != last_strict or ex != last_ex:
            for j in range(n):
                for m in range(2):
                    b = binding[j, m]
                    ub = us_binding[j, m]
                    o = 1.0 - (level * b + ex * ub)  # the flows kernel's form
                    open_flows[j, m] = power(clip_unit(o), rs)
                    o = 1.0 - level * b - ex * ub  # the toggle kernel's form
                    open_toggle[j, m] = power(clip_unit(o), rs)
                o = 1.0 - level * toggled[j] - ex * us_toggled[j]
                open_toggled[j] = power(clip_unit(o), rs)
            last_strict = strict
            last_ex = ex
        for j in range(n):
            w = weight_k[s, d, j] if holders[j] else 0.0
            for m in range(2):
                terms[j, m, d] = w * open_flows[j, m]
                terms[j, m, d_len + d] = normalised[j, d] * open_toggle[j, m]
            deltas[j, d] = normalised[j, d] * (open_toggled[j] - open_toggle[j, _MEMBER])


@njit(nogil=True)
def _moved_tables(
    s: int,
    least: float,
    change: float,
    target: NDArray[np.float64],
    floor: NDArray[np.float64],
    reach: NDArray[np.float64],
    r: NDArray[np.float64],
    normalised: NDArray[np.float64],
    binding: NDArray[np.float64],
    us_binding: NDArray[np.float64],
    terms: NDArray[np.float64],
    open_new: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """``terms[j, m, d]``: the toggle kernel's ``ω (1 - a' b - u' v)^r`` at the stringency
    the least willing member's toggle leaves, ``s* + target · change`` (``change`` the
    second-least will minus the least). A country covered by the US's level alone keeps its
    openness where that level does not move: the kernel copies it, the same value."""
    n, d_len = normalised.shape
    rs = r[s]
    rch = reach[s]
    last_new = 0.0
    last_floor = 0.0
    for d in range(d_len):
        s_new = target[d] * least + target[d] * change
        if d == 0 or s_new != last_new or floor[d] != last_floor:
            e_new = greater(s_new, floor[d])  # the US's level
            a_new = greater(s_new, rch * e_new)  # members' level
            for j in range(n):
                for m in range(2):
                    o = 1.0 - a_new * binding[j, m] - e_new * us_binding[j, m]
                    open_new[j, m] = power(clip_unit(o), rs)
            last_new = s_new
            last_floor = floor[d]
        for j in range(n):
            for m in range(2):
                terms[j, m, d] = normalised[j, d] * open_new[j, m]


#: De Bruijn sequence and table: the position of a 64-bit word's lowest set bit.
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_BIT_POSITION = np.array(
    [0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22,
     45, 39, 33, 30, 24, 18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23,
     11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6],
    dtype=np.int64,
)  # fmt: skip


@njit(nogil=True)  # serial, a slice of scenarios per thread
def margins(  # pragma: no cover - compiled
    first: int,
    stop: int,
    members: NDArray[np.bool_],
    will: NDArray[np.float64],
    protection: NDArray[np.float64],
    target: NDArray[np.float64],
    floor: NDArray[np.float64],
    reach: NDArray[np.float64],
    r: NDArray[np.float64],
    weight_k: NDArray[np.float64],
    holders: NDArray[np.bool_],
    conversion: NDArray[np.float64],
    gap: NDArray[np.float64],
    exposed: NDArray[np.float64],
    catch_up_rate: NDArray[np.float64],
    per_access_uncapped: NDArray[np.float64],
    per_access_capped: NDArray[np.float64],
    national_rd: NDArray[np.float64],
    share: NDArray[np.float64],
    mix: NDArray[np.float64],
    absorptive: NDArray[np.float64],
    theta: NDArray[np.float64],
    synergy: NDArray[np.float64],
    kappa: NDArray[np.float64],
    order: NDArray[np.int64],
    size: NDArray[np.float64],
    scale: NDArray[np.float64],
    rate: NDArray[np.float64],
    allied: NDArray[np.float64],
    target_mean: float,
    floor_mean: float,
    dependence: NDArray[np.float64],
    threat: NDArray[np.float64],
    credibility: NDArray[np.float64],
    payoff_scale: NDArray[np.float64],
    trade_cost: NDArray[np.float64],
    friction_scale: NDArray[np.float64],
    security_value: NDArray[np.float64],
    rel_gains: NDArray[np.float64],
    up: NDArray[np.float64],
    down: NDArray[np.float64],
    usa: int,
    first_member: NDArray[np.int64],
    listed: NDArray[np.int64],
    friction: NDArray[np.float64],
    friction_up: NDArray[np.float64],
    friction_down: NDArray[np.float64],
    bit_masks: bool,
    write_margins: bool,
    margin_out: NDArray[np.float64],
    cohesion: NDArray[np.float64],
    min_margin: NDArray[np.float64],
) -> None:
    p_len, n = members.shape
    d_len = target.shape[0]
    by_bits = bit_masks and n <= 64  # the diffusion order walked by bit masks, or in full
    # per scenario: coalition-independent terms
    total_w = np.empty(d_len)
    normalised = np.empty((n, d_len))
    binding = np.empty((n, 2))
    us_binding = np.empty((n, 2))
    toggled = np.empty(n)
    us_toggled = np.empty(n)
    paid = np.empty((d_len, n))  # R&D x mix x share: a member's contribution per domain
    cap = np.empty((n, d_len))  # absorptive multiple x own R&D
    paid_sum = np.empty(n)
    rd_sum = np.empty(n)
    bonus_rate = np.empty(n)  # diffusion x scale x allied
    boost = np.empty(n + 1)
    bit = np.empty((d_len, n), dtype=np.uint64)  # 1 << (n - 1 - rank of j in the order)
    at_bit = np.empty((d_len, 64), dtype=np.int64)  # the country at each bit
    # tables, filled the first time a coalition needs them in this scenario
    least_terms = np.empty((n, n, 2, 2 * d_len))
    least_deltas = np.empty((n, n, d_len))
    have_least = np.zeros(n, dtype=np.bool_)
    pair_slot = np.empty((n, n), dtype=np.int64)
    capacity = 64
    pair_terms = np.empty((capacity, n, 2, d_len))
    open_flows = np.empty((n, 2))
    open_toggle = np.empty((n, 2))
    open_toggled = np.empty(n)
    # per coalition and scenario
    sums = np.empty(2 * d_len)
    per_access = np.empty(d_len)
    access_now = np.empty(d_len)
    pooled = np.empty(d_len)
    moved = np.empty(d_len)
    bonus = np.empty(n)
    one = np.uint64(1)
    for s in range(first, stop):
        rs = r[s]
        inv = 1.0 / rs
        rch = reach[s]
        th = theta[s]
        ab = absorptive[s]
        security = security_value[s] * credibility[s]
        for d in range(d_len):
            tw = 0.0
            for j in range(n):
                tw += weight_k[s, d, j] if holders[j] else 0.0
            if not tw > 0:
                tw = 1.0
            total_w[d] = tw
            for j in range(n):
                normalised[j, d] = (weight_k[s, d, j] if holders[j] else 0.0) / tw
            if by_bits:
                for rank in range(n):
                    position = n - 1 - rank
                    bit[d, order[s, d, rank]] = one << np.uint64(position)
                    at_bit[d, position] = order[s, d, rank]
        _bindings(s, protection, reach, usa, binding, us_binding, toggled, us_toggled)
        for j in range(n):
            paid_sum[j] = 0.0
            rd_sum[j] = 0.0
            for d in range(d_len):
                rd = national_rd[s, j] * mix[s, d, j]
                contribution = rd * share[s, j]
                paid[d, j] = contribution
                cap[j, d] = ab * (rd - contribution)
                paid_sum[j] += contribution
                rd_sum[j] += rd
            bonus_rate[j] = rate[s] * scale[j] * allied[s]
        for count in range(n + 1):  # pool_boost, 1 + synergy (n - 1) / max(n, 1)
            boost[count] = 1.0 + synergy[s] * (count - 1) / max(count, 1)
        have_least[:] = False
        pair_slot[:, :] = -1
        n_pairs = 0
        for p in range(p_len):
            at = first_member[p]  # the coalition's members: listed[at : at + count]
            count = first_member[p + 1] - at
            if count == 0:  # no members (the USA is always one): nothing to score
                cohesion[s, p] = np.nan
                min_margin[s, p] = np.nan
                continue
            # the least and second-least will among members
            least = np.inf
            second = np.inf
            at_least = -1
            at_second = -1
            for k in range(at, at + count):
                j = listed[k]
                x = will[s, j]
                if x < least:
                    second = least
                    at_second = at_least
                    least = x
                    at_least = j
                elif x < second:
                    second = x
                    at_second = j
            if not have_least[at_least]:
                _least_tables(
                    s,
                    least,
                    target,
                    floor,
                    reach,
                    r,
                    weight_k,
                    holders,
                    normalised,
                    binding,
                    us_binding,
                    toggled,
                    us_toggled,
                    least_terms[at_least],
                    least_deltas[at_least],
                    open_flows,
                    open_toggle,
                    open_toggled,
                )
                have_least[at_least] = True
            terms = least_terms[at_least]
            # the least willing member's toggle moves stringency (unless another member is
            # as unwilling, or it is alone): M anew at the second-least will, from the
            # tables of that pair
            change = second - least if second < np.inf else 0.0
            if change != 0.0:
                slot = pair_slot[at_least, at_second]
                if slot < 0:
                    if n_pairs == capacity:
                        grown = np.empty((2 * capacity, n, 2, d_len))
                        grown[:capacity] = pair_terms
                        pair_terms = grown
                        capacity *= 2
                    slot = n_pairs
                    n_pairs += 1
                    pair_slot[at_least, at_second] = slot
                    _moved_tables(
                        s,
                        least,
                        change,
                        target,
                        floor,
                        reach,
                        r,
                        normalised,
                        binding,
                        us_binding,
                        pair_terms[slot],
                        open_toggle,
                    )
                moved_terms = pair_terms[slot]
            # China's access, as the flows kernel sums it and as the toggle kernel does, and
            # the toggle kernel's M with the least willing member out: every country in
            # index order (membership state _MEMBER is 1, _OUTSIDER 0)
            for k in range(2 * d_len):
                sums[k] = 0.0
            for j in range(n):
                row = terms[j, int(members[p, j])]
                for k in range(2 * d_len):
                    sums[k] += row[k]
            if change != 0.0:
                for d in range(d_len):
                    moved[d] = 0.0
                for j in range(n):
                    row = moved_terms[j, int(members[p, j] and (j != at_least or j == usa))]
                    for d in range(d_len):
                        moved[d] += row[d]
            for d in range(d_len):
                access = power(sums[d] / total_w[d], inv)
                wanted = catch_up_rate[s] * access * gap[s, d] + exposed[s, d]
                if conversion[s, d] * wanted < gap[s, d]:  # imitation below the gap
                    per_access[d] = per_access_uncapped[s, d]
                else:
                    per_access[d] = per_access_capped[s, d]
                access_now[d] = power(sums[d_len + d], inv)
            # the pool (members' contributions in country order) and its synergy
            for d in range(d_len):
                contributed = 0.0
                for k in range(at, at + count):
                    contributed += paid[d, listed[k]]
                pooled[d] = contributed * boost[count]
            # allied diffusion: suffix sums over members from the most knowledge-intensive
            # (outsiders add zeros there)
            for k in range(at, at + count):
                bonus[listed[k]] = 0.0
            for d in range(d_len):
                acc_mw = 0.0
                acc_mwk = 0.0
                if by_bits:
                    word = np.uint64(0)
                    for k in range(at, at + count):
                        word |= bit[d, listed[k]]
                    while word != 0:
                        low = word & (~word + one)
                        j = at_bit[d, _BIT_POSITION[(low * _DE_BRUIJN) >> np.uint64(58)]]
                        word ^= low
                        kj = kappa[s, d, j]
                        mw = size[j] * 1.0
                        acc_mw += mw
                        acc_mwk += mw * kj
                        bonus[j] += bonus_rate[j] * 1.0 * (acc_mwk - kj * acc_mw)
                else:
                    for rank in range(n - 1, -1, -1):
                        j = order[s, d, rank]
                        if members[p, j]:
                            kj = kappa[s, d, j]
                            mw = size[j] * 1.0
                            acc_mw += mw
                            acc_mwk += mw * kj
                            bonus[j] += bonus_rate[j] * 1.0 * (acc_mwk - kj * acc_mw)
            # each member's margin (the margins kernel) plus its relative-gains term
            common = target_mean * (least if np.isfinite(least) else 0.0)
            s_with = greater(common, rch * greater(common, floor_mean))
            n_positive = 0
            lowest = np.inf
            missing = False
            for k in range(at, at + count):
                j = listed[k]
                gain = 0.0
                for d in range(d_len):
                    gain += lesser(pooled[d], cap[j, d]) * (th * 1.0)
                without = second if will[s, j] <= least else least
                if not np.isfinite(without):
                    without = 0.0
                knowledge_gain = (gain - th * paid_sum[j] + bonus[j]) / (
                    th * greater(rd_sum[j], 1e-12)
                )
                outside = greater(target_mean * without, floor_mean)
                trade = trade_cost[s] * dependence[j] * (s_with - rch * outside)
                friction_sum = friction[k] + up[s] * friction_up[k] - down[s] * friction_down[k]
                value = (
                    payoff_scale[s] * knowledge_gain
                    - trade
                    - friction_scale[s] * friction_sum
                    + security * threat[j]
                )
                # the toggle: China's access with j out, at the stringency it leaves (the
                # toggle kernel's new least will minus the least is nonzero for the least
                # willing member alone, `change` above)
                if change != 0.0 and j == at_least:
                    growth_change = 0.0
                    for d in range(d_len):
                        growth_change += per_access[d] * (
                            power(greater(moved[d], 0.0), inv) - access_now[d]
                        )
                elif j == usa:  # its toggle moves no coverage: every change is exactly 0
                    growth_change = 0.0
                else:
                    growth_change = 0.0
                    for d in range(d_len):
                        moved_d = sums[d_len + d] + least_deltas[at_least, j, d]
                        growth_change += per_access[d] * (
                            power(greater(moved_d, 0.0), inv) - access_now[d]
                        )
                margin = value + rel_gains[s] * threat[j] * growth_change
                if write_margins:
                    margin_out[s, p, j] = margin
                if margin >= 0:
                    n_positive += 1
                if j != usa:
                    if np.isnan(margin):
                        missing = True
                    elif margin < lowest:
                        lowest = margin
            cohesion[s, p] = n_positive / count
            min_margin[s, p] = np.nan if missing or not np.isfinite(lowest) else lowest


def run(
    arrays: Any,
    members: NDArray[np.bool_],
    friction: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    write_margins: bool,
    bit_masks: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``(cohesion, min_margin, margins)`` of coalitions ``members`` (bool ``(P, N)``).

    ``arrays``: the scenarios' start-year terms, a named tuple in :func:`margins`' order
    (``techbloc.model.static._MarginTerms``); ``friction``: ``m @ f``, ``m @ (f_high - f)``
    and ``m @ (f - f_low)`` per coalition ``(P, N)`` (the kernel reads its members' entries,
    packed with the members' list, so that what it reads per coalition stays in cache).
    Margins ``(S, P, N)`` (NaN for non-members) only with ``write_margins``, else an empty
    array. ``bit_masks``: walk the members in diffusion order by 64-bit masks (up to 64
    countries; False, or more countries: over every country's rank, as the flows kernel
    walks; the same numbers).
    """
    n_scenarios = arrays.will.shape[0]
    p_len, n = members.shape
    cohesion = np.empty((n_scenarios, p_len))
    min_margin = np.empty((n_scenarios, p_len))
    margin_out = np.full((n_scenarios, p_len, n), np.nan) if write_margins else np.empty((0, 0, 0))
    kernel = cast(Callable[..., None], margins)  # its arguments are unpacked from tuples
    rows, listed = np.nonzero(members)  # each coalition's members, in country order
    first_member = np.zeros(p_len + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=p_len), out=first_member[1:])
    packed = tuple(np.ascontiguousarray(f[rows, listed]) for f in friction)
    listed = listed.astype(np.int64)

    def run_slice(a: int, b: int) -> None:
        kernel(
            a,
            b,
            members,
            *arrays,
            first_member,
            listed,
            *packed,
            bit_masks,
            write_margins,
            margin_out,
            cohesion,
            min_margin,
        )

    jit.split(run_slice, n_scenarios, min(jit.threads(), n_scenarios))
    return cohesion, min_margin, margin_out
