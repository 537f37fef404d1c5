"""The membership-toggle kernel (§9.1): what one country's membership does to China's growth.

:func:`toggle` computes :func:`techbloc.model.relative_gains.growth_changes` in one loop per
scenario and policy instead of chains of small array passes; :func:`run` splits the
scenarios over numba's threads, as the flows kernel does. Where a toggle moves the least
will, access is recomputed at the new stringency for every holder: the sums over holders
run six domains at a time in registers, each in country order (a read-modify-write of each
domain's sum through memory took 58% of the final year's call).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from techbloc.model import jit
from techbloc.model.jit import clip_unit, greater, lesser, njit, power
from techbloc.model.kernel_arrays import ToggleArrays

__all__ = ["run", "toggle"]


@njit(nogil=True)  # serial, a slice of scenarios per thread
def toggle(  # pragma: no cover - compiled
    first: int,
    stop: int,
    members: NDArray[np.bool_],
    will: NDArray[np.float64],
    target: NDArray[np.float64],
    stringency: NDArray[np.float64],
    floor: NDArray[np.float64],
    protection: NDArray[np.float64],
    reach: NDArray[np.float64],
    weight_k: NDArray[np.float64],
    holders: NDArray[np.bool_],
    r: NDArray[np.float64],
    leak: NDArray[np.float64],
    contribution: NDArray[np.float64],
    national_rd: NDArray[np.float64],
    mix: NDArray[np.float64],
    share: NDArray[np.float64],
    joining_share: NDArray[np.float64],
    shared: NDArray[np.float64],
    sls: NDArray[np.float64],
    per_access: NDArray[np.float64],
    per_exposure: NDArray[np.float64],
    china: int,
    usa: int,
    outsiders: bool,
    out: NDArray[np.float64],
) -> None:
    _, p_len, d_len, n = weight_k.shape
    binding = np.empty(n)
    us_binding = np.empty(n)
    toggled = np.empty(n)
    us_toggled = np.empty(n)
    weight = np.empty((d_len, n))  # normalised holder weights, a row per domain
    moved = np.empty(d_len)
    open_now = np.empty((d_len, n))
    open_toggled = np.empty((d_len, n))
    open_new = np.empty(n)
    totals = np.empty(d_len)
    access_now = np.empty(d_len)
    powered = np.empty(n)
    new_least = np.empty(n)
    would_total = np.empty(n)
    rate_change = np.empty(n)
    for s in range(first, stop):
        rs = r[s]
        inv = 1.0 / rs
        rch = reach[s]
        for p in range(p_len):
            least = np.inf
            second = np.inf
            count = 0.0
            paid = 0.0
            mean = 0.0
            for j in range(n):
                mem = members[s, p, j]
                x = will[s, p, j]
                if mem:
                    count += 1.0
                    if x < least:
                        second = least
                        least = x
                    elif x < second:
                        second = x
                pr = protection[s, p, j]
                # coverage per unit of the members' level a and of the US's level u (v4);
                # the toggled country's as an outsider (member) or a member (outsider);
                # the USA's own coverage does not move
                binding[j] = pr * (1.0 if mem and j != usa else 0.0)
                us_binding[j] = pr * ((0.0 if mem else rch) + (1.0 if j == usa else 0.0))
                if j == usa:
                    toggled[j] = binding[j]
                    us_toggled[j] = us_binding[j]
                else:
                    toggled[j] = pr * (0.0 if mem else 1.0)
                    us_toggled[j] = pr * (rch if mem else 0.0)
                # only members (and, when asked, outsiders) are toggled
                counted = mem or outsiders
                powered[j] = (
                    power(leak[s, p, j], rs) if counted or contribution[s, p, j] != 0 else 0.0
                )
                paid += contribution[s, p, j]
                mean += contribution[s, p, j] * powered[j]
                would = 0.0
                if counted and not mem:
                    for d in range(d_len):
                        would += national_rd[s, p, j] * mix[s, d, j] * joining_share[s, p, j]
                would_total[j] = would
            has_least = least < np.inf
            for j in range(n):
                if not has_least:
                    new_least[j] = 0.0
                elif members[s, p, j]:
                    w_ = second if will[s, p, j] <= least else least
                    if not w_ < np.inf:
                        w_ = least
                    new_least[j] = w_ - least
                else:
                    new_least[j] = lesser(least, will[s, p, j]) - least
            rate = power(mean / paid, inv) if paid > 0 else 0.0
            for j in range(n):  # the pool's leak rate with the country toggled
                if not (outsiders or members[s, p, j]):
                    rate_change[j] = 0.0
                    continue
                if members[s, p, j]:
                    paid_t = paid - contribution[s, p, j]
                    mean_t = mean - contribution[s, p, j] * powered[j]
                else:
                    paid_t = paid + would_total[j]
                    mean_t = mean + would_total[j] * powered[j]
                mean_t = greater(mean_t, 0.0)
                rate_t = power(mean_t / paid_t, inv) if paid_t > 1e-12 else 0.0
                rate_change[j] = rate_t - rate
            # per domain: normalised holder weights, M_k = A_k^r, openness now and toggled
            for d in range(d_len):
                strict = stringency[s, p, d]
                ex = greater(strict, floor[d])  # the US's level
                level = greater(strict, rch * ex)  # members' level
                if (
                    d > 0 and strict == stringency[s, p, d - 1] and floor[d] == floor[d - 1]
                ):  # reused across equal s*_k and floor_k
                    for j in range(n):
                        open_now[d, j] = open_now[d - 1, j]
                        open_toggled[d, j] = open_toggled[d - 1, j]
                else:
                    for j in range(n):
                        b = clip_unit(1.0 - level * binding[j] - ex * us_binding[j])
                        open_now[d, j] = power(b, rs)
                        open_toggled[d, j] = (
                            power(
                                clip_unit(1.0 - level * toggled[j] - ex * us_toggled[j]),
                                rs,
                            )
                            if outsiders or members[s, p, j]
                            else 0.0
                        )
                total_w = 0.0
                for j in range(n):
                    w = weight_k[s, p, d, j] if holders[j] else 0.0
                    weight[d, j] = w
                    total_w += w
                if not total_w > 0:
                    total_w = 1.0
                total = 0.0
                for j in range(n):  # a loop of its own, so the divisions are vectorized
                    weight[d, j] = weight[d, j] / total_w
                for j in range(n):
                    total += weight[d, j] * open_now[d, j]
                totals[d] = total
                access_now[d] = power(total, inv)
            # per toggled country: its change summed over domains
            for j in range(n):
                if j == china or not (outsiders or members[s, p, j]):
                    out[s, p, j] = 0.0
                    continue
                if new_least[j] != 0.0:  # stringency moves: M at the new s*, exactly
                    d0 = 0
                    while d0 < d_len:  # a run of domains with equal s*, floor shares openness
                        s_new = stringency[s, p, d0] + target[s, p, d0] * new_least[j]
                        f0 = floor[d0]
                        e_new = greater(s_new, f0)  # the US's level
                        a_new = greater(s_new, rch * e_new)  # members' level
                        d1 = d0 + 1
                        while (
                            d1 < d_len
                            and stringency[s, p, d1] + target[s, p, d1] * new_least[j] == s_new
                            and floor[d1] == f0
                        ):
                            d1 += 1
                        # where the US's level does not move, a country covered by it
                        # alone (no members' coverage) keeps its openness now, exactly
                        same_us = e_new == greater(stringency[s, p, d0], f0)
                        for h in range(n):
                            if same_us and binding[h] == 0.0:
                                open_new[h] = open_now[d0, h]
                                continue
                            o = 1.0 - a_new * binding[h] - e_new * us_binding[h]
                            open_new[h] = power(clip_unit(o), rs)
                        o = 1.0 - a_new * toggled[j] - e_new * us_toggled[j]
                        open_new[j] = power(clip_unit(o), rs)
                        # one sum per domain, each in country order, six domains at a time
                        # in registers (a group short of six repeats its last domain)
                        g0 = d0
                        while g0 < d1:
                            last = min(g0 + 6, d1) - 1
                            r1 = min(g0 + 1, last)
                            r2 = min(g0 + 2, last)
                            r3 = min(g0 + 3, last)
                            r4 = min(g0 + 4, last)
                            r5 = min(g0 + 5, last)
                            a0 = a1 = a2 = a3 = a4 = a5 = 0.0
                            for h in range(n):
                                o = open_new[h]
                                a0 += weight[g0, h] * o
                                a1 += weight[r1, h] * o
                                a2 += weight[r2, h] * o
                                a3 += weight[r3, h] * o
                                a4 += weight[r4, h] * o
                                a5 += weight[r5, h] * o
                            moved[g0] = a0
                            moved[r1] = a1
                            moved[r2] = a2
                            moved[r3] = a3
                            moved[r4] = a4
                            moved[r5] = a5
                            g0 = last + 1
                        d0 = d1
                else:
                    for d in range(d_len):
                        moved[d] = totals[d] + weight[d, j] * (open_toggled[d, j] - open_now[d, j])
                acc = 0.0
                for d in range(d_len):
                    d_access = power(greater(moved[d], 0.0), inv) - access_now[d]
                    # v4: pool gains are not copied into national stocks, so only the
                    # shared stock's leak rate moves with the toggle
                    d_exposed = sls[s] * (rate_change[j] * shared[s, p, d])
                    acc += per_access[s, p, d] * d_access + per_exposure[s, p, d] * d_exposed
                out[s, p, j] = acc


def run(arrays: ToggleArrays) -> np.ndarray:
    """China's growth change per toggled membership (S, P, N), split over threads."""
    out = np.empty(arrays.members.shape)
    n_scenarios = arrays.members.shape[0]
    jit.split(lambda a, b: toggle(a, b, *arrays, out), n_scenarios, min(jit.threads(), n_scenarios))
    return out
