"""Compiled kernels for the engine's hottest steps (optional numba).

:func:`domain_flows` computes what :func:`techbloc.model.flows.domain_flows_reference`
computes with numpy (China's access, the pool, diffusion, the stock term of leakage,
frontier and leader, sums over domains, next year's knowledge and know-how) in one pass
over memory per scenario and policy. Diffusion sorts each row's knowledge intensity by
insertion, warm-started from the previous year's order (orders change little between
years), with ties broken by country index as a stable sort would; openness ``(1 - c)^r``
is evaluated once per country when consecutive domains share the achieved stringency;
the access weights ``K^η`` come from numpy (``exp(η log K)``, vectorized). Inside the
kernels a power ``x^y`` is ``exp(y log x)``, about 1.5 times faster than libm's ``pow``
(numba has no vectorized math here), and sums over countries multiply by reciprocals
rather than divide. Big batches run on numba's number of threads, each taking a slice of
the scenarios (the serial kernel releases the GIL; a ``parallel=True`` build of the same
loop ran about 40% slower per thread).

:func:`membership_margins` (E12 margins), :func:`toggle` (what one country's membership does
to China's growth, §9.1) and :func:`veto` (outsiders' acceptance, §9.2) replace chains of
small array passes by one loop. :func:`get` is the one dispatcher: each mechanism asks it for
its compiled twin and runs its numpy reference when it gets None.

The kernels are used when numba is installed (``pip install techbloc[fast]``, which
``make`` installs) unless the environment sets ``TECHBLOC_NUMBA=0``; otherwise the numpy
references run. They keep float64 and use no fastmath, so each scenario's arithmetic does
not depend on the batch, the thread split or the machine's vector width. Tests check that
both paths agree to rtol 1e-9. Numba is imported only when a kernel is first needed, and
compiled kernels are cached on disk.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from techbloc.model.kernel_arrays import (
    FlowArrays,
    MarginArrays,
    ToggleArrays,
    VetoArrays,
    contiguous,
)

__all__ = [
    "KERNELS",
    "FlowArrays",
    "Kernel",
    "MarginArrays",
    "ToggleArrays",
    "VetoArrays",
    "compiled",
    "contiguous",
    "get",
    "reference",
]

#: Set TECHBLOC_NUMBA=0 to force the numpy reference path.
_ENABLED = os.environ.get("TECHBLOC_NUMBA", "1") != "0"
#: Rows (scenario x policy x domain) from which the flows kernel runs on several threads.
_PARALLEL_ROWS = 4096
#: Rows (scenario x policy x domain) the flows kernel handles at a time (cache-sized).
_BLOCK_ROWS = 4096


@functools.cache
def _kernels():  # returns the compiled functions by name, or None
    if not _ENABLED:
        return None
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(inline="always", error_model="numpy")
    def power(x, y):  # pragma: no cover - compiled
        # x^y for x >= 0 as exp(y log x), 0 at x = 0: one exp and one log run about 1.5x
        # faster than libm's pow, and the kernels spend much of their time in powers
        return np.exp(y * np.log(x))

    def flows(  # pragma: no cover - compiled
        first,
        stop,
        knowledge,
        know_how,
        national_rd,
        mix,
        members,
        share,
        boost,
        stringency,
        binding,
        holders,
        weight_k,
        r,
        leak,
        theta,
        absorptive,
        output,
        size,
        scale,
        rate,
        allied,
        retention,
        learning_rate,
        complexity,
        experience,
        military_weight,
        china,
        update,
        outputs,
        order,
        access,
        frontier,
        leader,
        exposure,
        pool,
        member_exposure,
        contribution_sum,
        gain_sum,
        bonus_sum,
        rd_sum,
        country_k,
        military,
        new_k,
        new_i,
    ):
        _, p_len, d_len, n = knowledge.shape
        for s in range(first, stop):
            openness = np.empty(n)
            weight = np.empty(n)
            kappa = np.empty(n)
            gap_total = np.empty(n)
            gap_member = np.empty(n)
            memf = np.empty(n)
            inverse_output = np.empty(n)  # multiplications, not divisions, in the loops
            for j in range(n):
                inverse_output[j] = 1.0 / output[j]
            inverse_r = 1.0 / r[s]
            for p in range(p_len):
                for j in range(n):
                    memf[j] = 1.0 if members[s, p, j] else 0.0
                    contribution_sum[s, p, j] = 0.0
                    gain_sum[s, p, j] = 0.0
                    bonus_sum[s, p, j] = 0.0
                    rd_sum[s, p, j] = 0.0
                    if outputs:
                        country_k[s, p, j] = 0.0
                        military[s, p, j] = 0.0
                have_openness = False
                last_stringency = 0.0
                for d in range(d_len):
                    # E4 openness (1 - c)^r, c = s*_k binding_j: reused across equal s*_k
                    strict = stringency[s, p, d]
                    if not have_openness or strict != last_stringency:
                        for j in range(n):
                            o = 1.0 - strict * binding[s, p, j]
                            o = min(max(o, 0.0), 1.0)
                            openness[j] = power(o, r[s])
                        have_openness = True
                        last_stringency = strict
                    # pass 1: access weights, frontier, leader, stock exposure, pool
                    total_w = 0.0
                    k_sum = 0.0
                    lead = -np.inf
                    exposed = 0.0
                    member_exposed = 0.0
                    contributed = 0.0
                    for j in range(n):
                        k = knowledge[s, p, d, j]
                        k_sum += k
                        if holders[j]:
                            w = weight_k[s, p, d, j]
                            held = k
                            exposed += k * leak[s, p, j]
                            member_exposed += k * leak[s, p, j] * memf[j]
                        else:
                            w = 0.0
                            held = 0.0
                        weight[j] = w
                        total_w += w
                        if held > lead:
                            lead = held
                        contributed += national_rd[s, p, j] * mix[s, d, j] * share[s, p, j]
                        kappa[j] = k * inverse_output[j]
                    if not total_w > 0:
                        total_w = 1.0
                    mean = 0.0
                    for j in range(n):
                        mean += weight[j] * openness[j]
                    access[s, p, d] = power(mean / total_w, inverse_r)
                    frontier[s, p, d] = k_sum - knowledge[s, p, d, china]
                    leader[s, p, d] = lead
                    exposure[s, p, d] = exposed
                    member_exposure[s, p, d] = member_exposed
                    pooled = contributed * boost[s, p]
                    pool[s, p, d] = pooled
                    # E3: insertion sort from last year's order, ties by index (stable)
                    row = order[s, p, d]
                    for i in range(1, n):
                        x = row[i]
                        kx = kappa[x]
                        y = row[i - 1]
                        ky = kappa[y]
                        if ky < kx or (ky == kx and y < x):
                            continue  # already in place (the usual case)
                        q = i - 1
                        while q >= 0:
                            y = row[q]
                            ky = kappa[y]
                            if ky > kx or (ky == kx and y > x):
                                row[q + 1] = y
                                q -= 1
                            else:
                                break
                        row[q + 1] = x
                    # pass 2, from the most knowledge-intensive down: suffix sums
                    acc_w = 0.0
                    acc_wk = 0.0
                    acc_mw = 0.0
                    acc_mwk = 0.0
                    for rank in range(n - 1, -1, -1):
                        j = row[rank]
                        kj = kappa[j]
                        w = size[j]
                        mw = w * memf[j]
                        acc_w += w
                        acc_wk += w * kj
                        acc_mw += mw
                        acc_mwk += mw * kj
                        gap_total[j] = acc_wk - kj * acc_w
                        gap_member[j] = acc_mwk - kj * acc_mw
                    learning = learning_rate[s] / (1.0 + complexity[s, d])
                    rs = rate[s]
                    al = allied[s]
                    th = theta[s]
                    ab = absorptive[s]
                    ret = retention[s, d]
                    mwd = military_weight[d]
                    for j in range(n):
                        member = memf[j]
                        sc = rs * scale[j]
                        bonus = sc * al * member * gap_member[j]
                        inflow = sc * gap_total[j] + bonus
                        rd = national_rd[s, p, j] * mix[s, d, j]
                        contribution = rd * share[s, p, j]
                        own = rd - contribution
                        gain = min(pooled, ab * own) * (th * member)
                        contribution_sum[s, p, j] += contribution
                        gain_sum[s, p, j] += gain
                        bonus_sum[s, p, j] += bonus
                        rd_sum[s, p, j] += rd
                        k = knowledge[s, p, d, j]
                        i_ = know_how[s, p, d, j]
                        if outputs:
                            country_k[s, p, j] += k
                            military[s, p, j] += min(k, i_) * mwd
                        if update:
                            new_k[s, p, d, j] = ret * k + th * own + gain + inflow
                            new_i[s, p, d, j] = i_ + learning * experience[j] * (k - i_)

    def margins(  # pragma: no cover - compiled
        gain,
        contribution,
        bonus,
        rd,
        theta,
        target_mean,
        will,
        members,
        reach,
        dependence,
        friction_sum,
        threat,
        credibility,
        payoff_scale,
        trade_cost,
        friction_scale,
        security_value,
        out,
    ):
        s_len, p_len, n = will.shape
        for s in range(s_len):
            th = theta[s]
            security = security_value[s] * credibility[s]
            for p in range(p_len):
                # least and second-least will among members (equal values count twice)
                least = np.inf
                second = np.inf
                for j in range(n):
                    if members[s, p, j]:
                        x = will[s, p, j]
                        if x < least:
                            second = least
                            least = x
                        elif x < second:
                            second = x
                tm = target_mean[s, p]
                s_with = tm * (least if np.isfinite(least) else 0.0)
                for j in range(n):
                    if not members[s, p, j]:
                        out[s, p, j] = np.nan
                        continue
                    without = second if will[s, p, j] <= least else least
                    if not np.isfinite(without):
                        without = 0.0
                    knowledge_gain = (
                        gain[s, p, j] - th * contribution[s, p, j] + bonus[s, p, j]
                    ) / (th * max(rd[s, p, j], 1e-12))
                    trade = trade_cost[s] * dependence[j] * (s_with - reach[s] * (tm * without))
                    out[s, p, j] = (
                        payoff_scale[s] * knowledge_gain
                        - trade
                        - friction_scale[s] * friction_sum[s, p, j]
                        + security * threat[j]
                    )

    def toggle(  # pragma: no cover - compiled
        first,
        stop,
        members,
        will,
        target,
        stringency,
        protection,
        reach,
        weight_k,
        holders,
        r,
        leak,
        contribution,
        national_rd,
        mix,
        share,
        joining_share,
        synergy,
        multiple,
        theta,
        shared,
        sls,
        per_access,
        per_exposure,
        china,
        outsiders,
        out,
    ):
        _, p_len, d_len, n = weight_k.shape
        binding = np.empty(n)
        toggled = np.empty(n)
        weight = np.empty((n, d_len))  # holder weights, a row per country
        moved = np.empty(d_len)
        open_now = np.empty((d_len, n))
        open_toggled = np.empty((d_len, n))
        open_new = np.empty(n)
        totals = np.empty(d_len)
        access_now = np.empty(d_len)
        pool_paid = np.empty(d_len)
        powered = np.empty(n)
        new_least = np.empty(n)
        would_total = np.empty(n)
        rate_change = np.empty(n)
        for s in range(first, stop):
            rs = r[s]
            inv = 1.0 / rs
            th = theta[s]
            mult = multiple[s]
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
                    binding[j] = pr * (1.0 if mem else reach[s])
                    toggled[j] = pr * (reach[s] if mem else 1.0)
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
                        new_least[j] = min(least, will[s, p, j]) - least
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
                    mean_t = max(mean_t, 0.0)
                    rate_t = power(mean_t / paid_t, inv) if paid_t > 1e-12 else 0.0
                    rate_change[j] = rate_t - rate
                boost = 1.0 + synergy[s] * (count - 1.0) / max(count, 1.0)
                boost_join = 1.0 + synergy[s] * count / (count + 1.0)
                # per domain: normalised holder weights, M_k = A_k^r, openness now and toggled
                for d in range(d_len):
                    strict = stringency[s, p, d]
                    if d > 0 and strict == stringency[s, p, d - 1]:  # reused across equal s*_k
                        for j in range(n):
                            open_now[d, j] = open_now[d - 1, j]
                            open_toggled[d, j] = open_toggled[d - 1, j]
                    else:
                        for j in range(n):
                            b = min(max(1.0 - strict * binding[j], 0.0), 1.0)
                            open_now[d, j] = power(b, rs)
                            open_toggled[d, j] = (
                                power(min(max(1.0 - strict * toggled[j], 0.0), 1.0), rs)
                                if outsiders or members[s, p, j]
                                else 0.0
                            )
                    total_w = 0.0
                    paid_d = 0.0
                    for j in range(n):
                        w = weight_k[s, p, d, j] if holders[j] else 0.0
                        weight[j, d] = w
                        total_w += w
                        paid_d += national_rd[s, p, j] * mix[s, d, j] * share[s, p, j]
                    if not total_w > 0:
                        total_w = 1.0
                    total = 0.0
                    for j in range(n):
                        weight[j, d] = weight[j, d] / total_w
                        total += weight[j, d] * open_now[d, j]
                    totals[d] = total
                    access_now[d] = power(total, inv)
                    pool_paid[d] = paid_d
                # per toggled country: its change summed over domains
                for j in range(n):
                    if j == china or not (outsiders or members[s, p, j]):
                        out[s, p, j] = 0.0
                        continue
                    if new_least[j] != 0.0:  # stringency moves: M at the new s*, exactly
                        d0 = 0
                        while d0 < d_len:  # a run of domains with equal s* shares openness
                            s_new = stringency[s, p, d0] + target[s, p, d0] * new_least[j]
                            d1 = d0 + 1
                            while (
                                d1 < d_len
                                and stringency[s, p, d1] + target[s, p, d1] * new_least[j] == s_new
                            ):
                                d1 += 1
                            for h in range(n):
                                open_new[h] = power(
                                    min(max(1.0 - s_new * binding[h], 0.0), 1.0), rs
                                )
                            open_new[j] = power(min(max(1.0 - s_new * toggled[j], 0.0), 1.0), rs)
                            for d in range(d0, d1):
                                moved[d] = 0.0
                            for h in range(n):  # one sum per domain, each in country order
                                o = open_new[h]
                                for d in range(d0, d1):
                                    moved[d] += weight[h, d] * o
                            d0 = d1
                    else:
                        for d in range(d_len):
                            moved[d] = totals[d] + weight[j, d] * (
                                open_toggled[d, j] - open_now[d, j]
                            )
                    acc = 0.0
                    for d in range(d_len):
                        d_access = power(max(moved[d], 0.0), inv) - access_now[d]
                        rd = national_rd[s, p, j] * mix[s, d, j]
                        if members[s, p, j]:
                            own_paid = rd * share[s, p, j]
                            own_gain = -min(pool_paid[d] * boost, mult * (rd - own_paid)) * th
                        else:
                            would = rd * joining_share[s, p, j]
                            own_gain = (
                                min((pool_paid[d] + would) * boost_join, mult * (rd - would)) * th
                            )
                        d_exposed = sls[s] * (
                            rate_change[j] * shared[s, p, d] + leak[s, p, j] * own_gain
                        )
                        acc += per_access[s, p, d] * d_access + per_exposure[s, p, d] * d_exposed
                    out[s, p, j] = acc

    def veto(  # pragma: no cover - compiled
        members,
        pool_paid,
        joining_paid,
        cap,
        rd,
        synergy,
        trade_weight,
        stringency_drop,
        friction,
        friction_scale,
        concern,
        growth_change,
        payoff_scale,
        tolerance,
        out,
    ):
        s_len, p_len, n = members.shape
        d_len = pool_paid.shape[2]
        for s in range(s_len):
            syn = synergy[s]
            for p in range(p_len):
                count = 0.0
                for i in range(n):
                    if members[s, p, i]:
                        count += 1.0
                boost_now = 1.0 + syn * (count - 1.0) / max(count, 1.0)
                boost_join = 1.0 + syn * count / (count + 1.0)
                for j in range(n):
                    if members[s, p, j]:
                        out[s, p, j] = False
                        continue
                    ok = True
                    for i in range(n):
                        if not members[s, p, i]:
                            continue
                        gain = 0.0
                        for d in range(d_len):
                            c = cap[s, p, d, i]
                            now = min(pool_paid[s, p, d] * boost_now, c)
                            joined = min(
                                (pool_paid[s, p, d] + joining_paid[s, p, d, j]) * boost_join, c
                            )
                            gain += joined - now
                        change = (
                            payoff_scale[s] * gain / max(rd[s, p, i], 1e-12)
                            + trade_weight[s, p, i] * stringency_drop[s, p, j]
                            - friction_scale[s] * friction[s, j, i]
                            - concern[s, i] * growth_change[s, p, j]
                        )
                        if not change >= -tolerance[s]:
                            ok = False
                            break
                    out[s, p, j] = ok

    return {
        # serial code run on a slice of scenarios per thread, as the flows kernel
        "toggle": numba.njit(cache=True, nogil=True, error_model="numpy")(toggle),
        "veto": numba.njit(cache=True, error_model="numpy")(veto),
        "margins": numba.njit(cache=True, error_model="numpy")(margins),
        # serial code, run on a slice of scenarios per thread (a parallel=True version
        # of this loop ran about 40% slower per thread)
        "flows": numba.njit(cache=True, nogil=True, error_model="numpy")(flows),
    }


def compiled() -> bool:
    """Whether the compiled kernels are available."""
    return _kernels() is not None


def _domain_flows(arrays: FlowArrays, concentration: np.ndarray) -> None:
    """Run the compiled flows kernel, writing its outputs into ``arrays``.

    ``arrays.weight_k`` is filled with ``max(K, 0)^η`` (``concentration`` η, shape (S,))
    with numpy, a block of scenarios at a time just before the kernel reads it. Big batches
    are split by scenario over numba's number of threads (the kernel and numpy's math
    release the GIL); each scenario's arithmetic is the same whatever the split.
    """
    kernel = _kernels()["flows"]
    knowledge, weight = arrays.knowledge, arrays.weight_k
    n_scenarios = knowledge.shape[0]
    per_scenario = knowledge[0].size // max(knowledge.shape[-1], 1) if n_scenarios else 1
    block = max(1, _BLOCK_ROWS // max(per_scenario, 1))

    def run(first: int, stop: int) -> None:
        for a in range(first, stop, block):
            b = min(a + block, stop)
            w = np.maximum(knowledge[a:b], 0.0, out=weight[a:b])
            with np.errstate(divide="ignore"):  # log 0 = -inf, and exp(-inf) = 0 = 0^η
                np.log(w, out=w)
            np.multiply(w, concentration[a:b, None, None, None], out=w)
            np.exp(w, out=w)
            kernel(a, b, *arrays)

    threads = min(_threads(), n_scenarios) if n_scenarios * per_scenario >= _PARALLEL_ROWS else 1
    _split(run, n_scenarios, threads)


def _membership_margins(arrays: MarginArrays) -> np.ndarray:
    """E12 margins (S, P, N) from the compiled margins kernel."""
    out = np.empty(arrays.will.shape)
    _kernels()["margins"](*arrays, out)
    return out


def _toggle(arrays: ToggleArrays) -> np.ndarray:
    """China's growth change per toggled membership (S, P, N), split over threads."""
    out = np.empty(arrays.members.shape)
    kernel = _kernels()["toggle"]
    n_scenarios = arrays.members.shape[0]
    _split(lambda a, b: kernel(a, b, *arrays, out), n_scenarios, min(_threads(), n_scenarios))
    return out


def _veto(arrays: VetoArrays) -> np.ndarray:
    """Whether incumbents accept each outsider, bool (S, P, N)."""
    out = np.empty(arrays.members.shape, dtype=np.bool_)
    _kernels()["veto"](*arrays, out)
    return out


def _split(run: Callable[[int, int], None], n_scenarios: int, threads: int) -> None:
    """Call ``run(first, stop)`` on ``threads`` slices of the scenarios, one per thread."""
    if threads <= 1:
        run(0, n_scenarios)
        return
    bounds = np.linspace(0, n_scenarios, threads + 1).astype(np.int64)
    pool = _pool(threads, os.getpid())  # a forked child makes its own threads
    others = [pool.submit(run, int(bounds[i]), int(bounds[i + 1])) for i in range(1, threads)]
    run(int(bounds[0]), int(bounds[1]))
    for future in others:
        future.result()


def _threads() -> int:
    import numba

    return numba.get_num_threads()


@functools.cache
def _pool(threads: int, pid: int):
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="techbloc-kernel")


class Kernel(NamedTuple):
    """A numpy reference paired with its compiled twin.

    Attributes
    ----------
    name : str
        The name :func:`get` takes.
    arrays : type
        The named tuple of the twin's arguments.
    reference : str
        ``module:function`` of the numpy reference, the mechanism as written in
        ``docs/model.md`` (it runs when numba is missing or ``TECHBLOC_NUMBA=0``).
    run : callable
        The twin: takes the arrays (the flows twin also η) and returns its outputs.
    """

    name: str
    arrays: type
    reference: str
    run: Callable[..., Any]


#: Every compiled kernel, by name.
KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel("flows", FlowArrays, "techbloc.model.flows:domain_flows_reference", _domain_flows),
        Kernel(
            "margins",
            MarginArrays,
            "techbloc.model.partners:margins_from_flows",
            _membership_margins,
        ),
        Kernel("toggle", ToggleArrays, "techbloc.model.relative_gains:growth_changes", _toggle),
        Kernel("veto", VetoArrays, "techbloc.model.relative_gains:veto", _veto),
    )
}


def get(name: str) -> Callable[..., Any] | None:
    """The compiled twin of a numpy reference, or None: the one place that picks the path.

    Parameters
    ----------
    name : {"flows", "margins", "toggle", "veto"}
        A key of :data:`KERNELS`.

    Returns
    -------
    callable or None
        ``twin(arrays)`` (the flows twin: ``twin(arrays, concentration)``), where ``arrays``
        is the kernel's named tuple (:class:`FlowArrays`, :class:`MarginArrays`,
        :class:`ToggleArrays`, :class:`VetoArrays`); None when numba is not installed or
        ``TECHBLOC_NUMBA=0``, and the caller runs its numpy reference.

    Raises
    ------
    ValueError
        If ``name`` is not a kernel.
    """
    if name not in KERNELS:
        raise ValueError(f"no compiled kernel {name!r}; known: {', '.join(KERNELS)}")
    return KERNELS[name].run if compiled() else None


def reference(name: str) -> Callable[..., Any]:
    """The numpy reference that kernel ``name`` is the twin of."""
    module, _, function = KERNELS[name].reference.partition(":")
    return getattr(importlib.import_module(module), function)
