"""The flows kernel: one year's ``[S, P, D, N]`` work in one pass over memory.

:func:`flows` computes what :func:`techbloc.model.flows.domain_flows` computes with numpy
(China's access, the pool, diffusion, the stock term of leakage, frontier and leader, sums
over domains, next year's knowledge and know-how) in one pass per scenario and policy.
Diffusion sorts each row's knowledge intensity by insertion, warm-started from the previous
year's order (orders change little between years), with ties broken by country index as a
stable sort would (countries read through the order index unsigned, which spares the
compiled loops numba's negative-index check: the kernel ran 7-8% faster); openness
``(1 - c)^r`` is evaluated once per country when consecutive domains share the achieved
stringency; the access weights ``K^η`` come from numpy (``exp(η log K)``, vectorized) in
:func:`run`. Inside the kernel a power ``x^y`` is :func:`~techbloc.model.jit.power`, and
sums over countries multiply by reciprocals rather than divide. Big batches run on numba's
number of threads, each taking a slice of the scenarios (the serial kernel releases the GIL;
a ``parallel=True`` build of the same loop ran about 40% slower per thread).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from techbloc.model import jit
from techbloc.model.jit import clip_unit, greater, lesser, njit, power
from techbloc.model.kernel_arrays import FlowArrays

__all__ = ["flows", "run", "usable_knowledge"]

#: Rows (scenario x policy x domain) from which the kernel runs on several threads.
PARALLEL_ROWS = 4096
#: Rows (scenario x policy x domain) the kernel handles at a time (cache-sized).
BLOCK_ROWS = 4096


@njit(inline="always")
def usable_knowledge(  # pragma: no cover - compiled
    knowledge: float, member: float, shared: float, absorptive: float
) -> float:
    """A country's usable knowledge, ``K + member · max(min(shared, absorptive · K), 0)``:
    its own stock and, for a member (``member`` 1.0), what it can absorb of the shared one."""
    return knowledge + member * greater(lesser(shared, absorptive * knowledge), 0.0)


@njit(nogil=True)  # serial, a slice of scenarios per thread
def flows(  # pragma: no cover - compiled
    first: int,
    stop: int,
    knowledge: NDArray[np.float64],
    know_how: NDArray[np.float64],
    national_rd: NDArray[np.float64],
    mix: NDArray[np.float64],
    members: NDArray[np.bool_],
    share: NDArray[np.float64],
    boost: NDArray[np.float64],
    member_level: NDArray[np.float64],
    us_level: NDArray[np.float64],
    binding: NDArray[np.float64],
    us_binding: NDArray[np.float64],
    holders: NDArray[np.bool_],
    weight_k: NDArray[np.float64],
    r: NDArray[np.float64],
    leak: NDArray[np.float64],
    theta: NDArray[np.float64],
    absorptive: NDArray[np.float64],
    shared: NDArray[np.float64],
    output: NDArray[np.float64],
    size: NDArray[np.float64],
    scale: NDArray[np.float64],
    rate: NDArray[np.float64],
    allied: NDArray[np.float64],
    retention: NDArray[np.float64],
    learning_rate: NDArray[np.float64],
    complexity: NDArray[np.float64],
    experience: NDArray[np.float64],
    military_weight: NDArray[np.float64],
    china: int,
    update: bool,
    outputs: bool,
    order: NDArray[np.int64],
    access: NDArray[np.float64],
    frontier: NDArray[np.float64],
    leader: NDArray[np.float64],
    exposure: NDArray[np.float64],
    pool: NDArray[np.float64],
    member_exposure: NDArray[np.float64],
    contribution_sum: NDArray[np.float64],
    gain_sum: NDArray[np.float64],
    bonus_sum: NDArray[np.float64],
    rd_sum: NDArray[np.float64],
    country_k: NDArray[np.float64],
    military: NDArray[np.float64],
    usable_k: NDArray[np.float64],
    realized_k: NDArray[np.float64],
    new_k: NDArray[np.float64],
    new_i: NDArray[np.float64],
) -> None:
    _, p_len, d_len, n = knowledge.shape
    for s in range(first, stop):
        openness = np.empty(n)
        weight = np.empty(n)
        kappa = np.empty(n)
        gap_total = np.empty(n)
        gap_member = np.empty(n)
        memf = np.empty(n)
        inverse_output = np.empty(n)  # multiplications, not divisions, in the loops
        # each country's last openness base and its power in this scenario: an outsider's
        # base is often the same under every policy, and the same base has the same power
        last_base = np.empty(n)
        last_power = np.empty(n)
        for j in range(n):
            inverse_output[j] = 1.0 / output[j]
            last_base[j] = -1.0  # no base yet (bases are in [0, 1])
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
                    usable_k[s, p, j] = 0.0
                    realized_k[s, p, j] = 0.0
            have_openness = False
            last_stringency = 0.0
            last_excess = 0.0
            ab = absorptive[s]
            for d in range(d_len):
                # E4 openness (1 - c)^r, c = a_k binding_j + u_k us_binding_j (members' and
                # the US's levels, v4): reused across domains with equal levels
                strict = member_level[s, p, d]
                ex = us_level[s, p, d]
                if not have_openness or strict != last_stringency or ex != last_excess:
                    for j in range(n):
                        o = 1.0 - (strict * binding[s, p, j] + ex * us_binding[s, p, j])
                        o = clip_unit(o)
                        if o != last_base[j]:
                            last_base[j] = o
                            last_power[j] = power(o, r[s])
                        openness[j] = last_power[j]
                    have_openness = True
                    last_stringency = strict
                    last_excess = ex
                sh = shared[s, p, d]
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
                        held = usable_knowledge(k, memf[j], sh, ab)
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
                frontier[s, p, d] = k_sum - knowledge[s, p, d, china] + sh
                leader[s, p, d] = lead
                exposure[s, p, d] = exposed
                member_exposure[s, p, d] = member_exposed
                pooled = contributed * boost[s, p]
                pool[s, p, d] = pooled
                # E3: insertion sort from last year's order, ties by index (stable); the
                # last placed country's intensity is carried, and countries index as
                # unsigned (no negative-index wraparound in the compiled loop)
                row = order[s, p, d]
                y = row[0]
                ky = kappa[np.uint64(y)]
                for i in range(1, n):
                    x = row[i]
                    kx = kappa[np.uint64(x)]
                    if ky < kx or (ky == kx and y < x):
                        y = x
                        ky = kx
                        continue  # already in place (the usual case)
                    q = i - 1
                    while q >= 0:
                        y = row[q]
                        ky = kappa[np.uint64(y)]
                        if ky > kx or (ky == kx and y > x):
                            row[q + 1] = y
                            q -= 1
                        else:
                            break
                    row[q + 1] = x
                    y = row[i]
                    ky = kappa[np.uint64(y)]
                # pass 2, from the most knowledge-intensive down: suffix sums
                acc_w = 0.0
                acc_wk = 0.0
                acc_mw = 0.0
                acc_mwk = 0.0
                for rank in range(n - 1, -1, -1):
                    u = np.uint64(row[rank])  # country j, unsigned
                    kj = kappa[u]
                    w = size[u]
                    mw = w * memf[u]
                    acc_w += w
                    acc_wk += w * kj
                    acc_mw += mw
                    acc_mwk += mw * kj
                    gap_total[u] = acc_wk - kj * acc_w
                    gap_member[u] = acc_mwk - kj * acc_mw
                learning = learning_rate[s] / (1.0 + complexity[s, d])
                rs = rate[s]
                al = allied[s]
                th = theta[s]
                ret = retention[s, d]
                mwd = military_weight[d]
                # the sums over domains, and next year's stocks in a loop of their own:
                # with ``if update`` inside, LLVM did not vectorize the loop
                for j in range(n):
                    member = memf[j]
                    sc = rs * scale[j]
                    bonus = sc * al * member * gap_member[j]
                    rd = national_rd[s, p, j] * mix[s, d, j]
                    contribution = rd * share[s, p, j]
                    own = rd - contribution
                    gain = lesser(pooled, ab * own) * (th * member)
                    contribution_sum[s, p, j] += contribution
                    gain_sum[s, p, j] += gain
                    bonus_sum[s, p, j] += bonus
                    rd_sum[s, p, j] += rd
                if update:
                    for j in range(n):
                        member = memf[j]
                        sc = rs * scale[j]
                        inflow = sc * gap_total[j] + sc * al * member * gap_member[j]
                        rd = national_rd[s, p, j] * mix[s, d, j]
                        own = rd - rd * share[s, p, j]
                        k = knowledge[s, p, d, j]
                        usable = usable_knowledge(k, member, sh, ab)
                        i_ = know_how[s, p, d, j]
                        # v4: the pool gain is not copied into the national stock
                        new_k[s, p, d, j] = ret * k + th * own + inflow
                        new_i[s, p, d, j] = i_ + learning * experience[j] * (usable - i_)
                if outputs:  # the per-country sums over domains the outputs read
                    # (a loop of its own: inside the one above it slowed every year ~10%)
                    for j in range(n):
                        k = knowledge[s, p, d, j]
                        usable = usable_knowledge(k, memf[j], sh, ab)
                        realized = lesser(usable, know_how[s, p, d, j])
                        country_k[s, p, j] += k
                        military[s, p, j] += realized * mwd
                        usable_k[s, p, j] += usable
                        realized_k[s, p, j] += realized


def run(arrays: FlowArrays, concentration: np.ndarray | None) -> None:
    """Run :func:`flows`, writing its outputs into ``arrays``.

    ``arrays.weight_k`` is filled with ``max(K, 0)^η`` (``concentration`` η, shape (S,))
    with numpy, a block of scenarios at a time just before the kernel reads it; with
    ``concentration`` None it already holds them (the knowledge has not changed). Big batches
    are split by scenario over numba's number of threads (the kernel and numpy's math
    release the GIL); each scenario's arithmetic is the same whatever the split.
    """
    knowledge, weight = arrays.knowledge, arrays.weight_k
    n_scenarios = knowledge.shape[0]
    per_scenario = knowledge[0].size // max(knowledge.shape[-1], 1) if n_scenarios else 1
    block = max(1, BLOCK_ROWS // max(per_scenario, 1))

    def run_slice(first: int, stop: int) -> None:
        for a in range(first, stop, block):
            b = min(a + block, stop)
            if concentration is None:
                flows(a, b, *arrays)
                continue
            w = np.maximum(knowledge[a:b], 0.0, out=weight[a:b])
            with np.errstate(divide="ignore"):  # log 0 = -inf, and exp(-inf) = 0 = 0^η
                np.log(w, out=w)
            np.multiply(w, concentration[a:b, None, None, None], out=w)
            np.exp(w, out=w)
            flows(a, b, *arrays)

    rows = n_scenarios * per_scenario
    n_threads = min(jit.threads(), n_scenarios) if rows >= PARALLEL_ROWS else 1
    jit.split(run_slice, n_scenarios, n_threads)
