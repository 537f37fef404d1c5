"""The flows kernel's first pass in several layouts, in float32 and in C: would scenarios in SIMD
lanes pay?

The first pass of :func:`techbloc.model.jit.flows.flows` sums over countries in a fixed order
(knowledge, access weights, stock exposure, the pool's contributions), takes the leading
holder's stock and stores each country's knowledge intensity. Summed along a row, in country
order, LLVM may not vectorize it (reordering a floating-point sum changes its bits). The way
around that keeps each sum's order and puts independent rows in the vector lanes. This script
times the same pass, with the same arithmetic, on random inputs of the engine's shape, as:

- ``rows``: ``[S, P, D, N]``, the engine's layout, one row's sums at a time (scalar);
- ``pairs``: the same layout, two domains of a row in one pass over countries (each
  country's leak, membership, R&D and pool share loaded once for both);
- ``lanes``: ``[P, D, N, S]``, scenarios innermost, each country's step a loop over scenarios;
- ``tiles``: ``[S/8, P, D, N, 8]``, eight scenarios a tile, the accumulators in an 8-array;
- ``tiles vec``: the tiles, each accumulator one value of ``lane_vectors.VEC8``, a numba
  type whose LLVM value is an 8-double vector (registered through numba's extension API; no
  C compiler), so that it stays in a register.

It checks that the five agree bit for bit, prints nanoseconds per row (scenario · policy ·
domain; min / median / max of the repeats), the cost of transposing the two largest inputs
into lanes, and with ``--remarks`` LLVM's loop-vectorizer remarks (which loops vectorized,
and why not). Figures depend on the machine: compare the layouts within one run.

Then the rows and the lanes once more on the same inputs rounded to float32 (half the bytes,
twice the lanes a vector): the rows keep float64 accumulators (the literals ``0.0``), the
lanes' accumulators are the float32 outputs. It prints their time and the largest relative
difference of their outputs from the float64 rows, the precision the engine's rtol 1e-9
parity would have to give up.

With ``--c`` it also compiles the rows and the tiles as C (``cc -O3 -march=native
-ffp-contract=off``, ``restrict`` pointers; the tile's accumulators a local ``double[6][8]``
left to the auto-vectorizer, and again as six 8-double vectors of GCC's vector extensions)
and runs them through ctypes on the same float64 inputs: does a C compiler keep a tile's
accumulators in registers where numba does not, and does that pay? It needs a C compiler
on the PATH (it says so and skips the C kernels otherwise).

Usage::

    python benchmarks/first_pass_layouts.py             # the engine's block, 7 repeats
    python benchmarks/first_pass_layouts.py --scenarios 256   # inputs beyond the L2 cache
    python benchmarks/first_pass_layouts.py --quick     # 16 scenarios, 2 repeats
    python benchmarks/first_pass_layouts.py --remarks   # also the vectorizer's remarks
    python benchmarks/first_pass_layouts.py --c         # also the rows and tiles in C
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from techbloc.model.engine import BLOCK_PAIRS

POLICIES, DOMAINS, COUNTRIES, TILE = 11, 6, 58, 8


def _kernels() -> dict[str, Callable[..., None]]:
    """The three layouts' kernels, compiled here (after ``--remarks`` set LLVM's options)."""
    from numba import njit

    @njit(nogil=True)
    def rows(k_, w_, leak, member, holders, shared, absorb, rd, mix, share, inv_out, out, kappa):
        # k_, w_ (S, P, D, N); leak, member, rd, share (S, P, N); mix (S, D, N);
        # shared (S, P, D); absorb (S,); out (6, S, P, D); kappa (S, P, D, N)
        n_s, n_p, n_d, n = k_.shape
        for s in range(n_s):
            a = absorb[s]
            for p in range(n_p):
                for d in range(n_d):
                    sh = shared[s, p, d]
                    tw = 0.0
                    ks = 0.0
                    lead = -np.inf
                    ex = 0.0
                    me = 0.0
                    co = 0.0
                    for j in range(n):
                        k = k_[s, p, d, j]
                        ks += k
                        if holders[j]:
                            w = w_[s, p, d, j]
                            x = a * k
                            x = sh if sh < x else x
                            x = x if x > 0.0 else 0.0
                            held = k + member[s, p, j] * x
                            ex += k * leak[s, p, j]
                            me += k * leak[s, p, j] * member[s, p, j]
                        else:
                            w = 0.0
                            held = 0.0
                        tw += w
                        if held > lead:
                            lead = held
                        co += rd[s, p, j] * mix[s, d, j] * share[s, p, j]
                        kappa[s, p, d, j] = k * inv_out[j]
                    out[0, s, p, d] = tw
                    out[1, s, p, d] = ks
                    out[2, s, p, d] = lead
                    out[3, s, p, d] = ex
                    out[4, s, p, d] = me
                    out[5, s, p, d] = co

    @njit(nogil=True)
    def lanes(k_, w_, leak, member, holders, shared, absorb, rd, mix, share, inv_out, out, kappa):
        # k_, w_ (P, D, N, S); leak, member, rd, share (P, N, S); mix (D, N, S);
        # shared (P, D, S); absorb (S,); out (6, P, D, S); kappa (P, D, N, S)
        n_p, n_d, n, n_s = k_.shape
        for p in range(n_p):
            for d in range(n_d):
                tw, ks, lead, ex, me, co = (
                    out[0, p, d],
                    out[1, p, d],
                    out[2, p, d],
                    out[3, p, d],
                    out[4, p, d],
                    out[5, p, d],
                )
                for s in range(n_s):
                    tw[s] = 0.0
                    ks[s] = 0.0
                    lead[s] = -np.inf
                    ex[s] = 0.0
                    me[s] = 0.0
                    co[s] = 0.0
                sh = shared[p, d]
                for j in range(n):
                    kr, kp, io = k_[p, d, j], kappa[p, d, j], inv_out[j]
                    rr, mx, sr = rd[p, j], mix[d, j], share[p, j]
                    if holders[j]:
                        wr, lr, mr = w_[p, d, j], leak[p, j], member[p, j]
                        for s in range(n_s):
                            k = kr[s]
                            ks[s] += k
                            x = absorb[s] * k
                            x = sh[s] if sh[s] < x else x
                            x = x if x > 0.0 else 0.0
                            held = k + mr[s] * x
                            ex[s] += k * lr[s]
                            me[s] += k * lr[s] * mr[s]
                            tw[s] += wr[s]
                            lead[s] = held if held > lead[s] else lead[s]
                            co[s] += rr[s] * mx[s] * sr[s]
                            kp[s] = k * io
                    else:
                        for s in range(n_s):
                            k = kr[s]
                            ks[s] += k
                            tw[s] += 0.0
                            lead[s] = 0.0 if lead[s] < 0.0 else lead[s]
                            co[s] += rr[s] * mx[s] * sr[s]
                            kp[s] = k * io

    @njit(nogil=True)
    def tiles(k_, w_, leak, member, holders, shared, absorb, rd, mix, share, inv_out, out, kappa):
        # k_, w_ (T, P, D, N, 8); leak, member, rd, share (T, P, N, 8); mix (T, D, N, 8);
        # shared (T, P, D, 8); absorb (T, 8); out (6, T, P, D, 8); kappa (T, P, D, N, 8)
        n_t, n_p, n_d, n, _ = k_.shape
        acc = np.empty((6, 8))
        for t in range(n_t):
            for p in range(n_p):
                for d in range(n_d):
                    for q in range(8):
                        acc[0, q] = 0.0
                        acc[1, q] = 0.0
                        acc[2, q] = -np.inf
                        acc[3, q] = 0.0
                        acc[4, q] = 0.0
                        acc[5, q] = 0.0
                    for j in range(n):
                        io = inv_out[j]
                        if holders[j]:
                            for q in range(8):
                                k = k_[t, p, d, j, q]
                                acc[1, q] += k
                                x = absorb[t, q] * k
                                sh = shared[t, p, d, q]
                                x = sh if sh < x else x
                                x = x if x > 0.0 else 0.0
                                held = k + member[t, p, j, q] * x
                                acc[3, q] += k * leak[t, p, j, q]
                                acc[4, q] += k * leak[t, p, j, q] * member[t, p, j, q]
                                acc[0, q] += w_[t, p, d, j, q]
                                acc[2, q] = held if held > acc[2, q] else acc[2, q]
                                acc[5, q] += rd[t, p, j, q] * mix[t, d, j, q] * share[t, p, j, q]
                                kappa[t, p, d, j, q] = k * io
                        else:
                            for q in range(8):
                                k = k_[t, p, d, j, q]
                                acc[1, q] += k
                                acc[0, q] += 0.0
                                acc[2, q] = 0.0 if acc[2, q] < 0.0 else acc[2, q]
                                acc[5, q] += rd[t, p, j, q] * mix[t, d, j, q] * share[t, p, j, q]
                                kappa[t, p, d, j, q] = k * io
                    for i in range(6):
                        for q in range(8):
                            out[i, t, p, d, q] = acc[i, q]

    @njit(nogil=True)
    def pairs(k_, w_, leak, member, holders, shared, absorb, rd, mix, share, inv_out, out, kappa):
        # the rows layout, two domains a pass (an even number of domains): the per-country
        # loads serve both
        n_s, n_p, n_d, n = k_.shape
        for s in range(n_s):
            a = absorb[s]
            for p in range(n_p):
                for d in range(0, n_d - 1, 2):
                    e = d + 1
                    sh0 = shared[s, p, d]
                    sh1 = shared[s, p, e]
                    tw0 = ks0 = ex0 = me0 = co0 = 0.0
                    tw1 = ks1 = ex1 = me1 = co1 = 0.0
                    lead0 = lead1 = -np.inf
                    for j in range(n):
                        k0 = k_[s, p, d, j]
                        k1 = k_[s, p, e, j]
                        ks0 += k0
                        ks1 += k1
                        rj, sj, io = rd[s, p, j], share[s, p, j], inv_out[j]
                        if holders[j]:
                            lj, mj = leak[s, p, j], member[s, p, j]
                            w0 = w_[s, p, d, j]
                            w1 = w_[s, p, e, j]
                            x0 = a * k0
                            x0 = sh0 if sh0 < x0 else x0
                            x0 = x0 if x0 > 0.0 else 0.0
                            x1 = a * k1
                            x1 = sh1 if sh1 < x1 else x1
                            x1 = x1 if x1 > 0.0 else 0.0
                            held0 = k0 + mj * x0
                            held1 = k1 + mj * x1
                            ex0 += k0 * lj
                            ex1 += k1 * lj
                            me0 += k0 * lj * mj
                            me1 += k1 * lj * mj
                        else:
                            w0 = w1 = held0 = held1 = 0.0
                        tw0 += w0
                        tw1 += w1
                        if held0 > lead0:
                            lead0 = held0
                        if held1 > lead1:
                            lead1 = held1
                        co0 += rj * mix[s, d, j] * sj
                        co1 += rj * mix[s, e, j] * sj
                        kappa[s, p, d, j] = k0 * io
                        kappa[s, p, e, j] = k1 * io
                    for i, (v0, v1) in enumerate(
                        ((tw0, tw1), (ks0, ks1), (lead0, lead1), (ex0, ex1), (me0, me1), (co0, co1))
                    ):
                        out[i, s, p, d] = v0
                        out[i, s, p, e] = v1

    from lane_vectors import vadd, vload, vmul, vsplat, vstore, vwhere_less

    @njit(nogil=True)
    def vec8(k_, w_, leak, member, holders, shared, absorb, rd, mix, share, inv_out, out, kappa):
        # the tiles, each accumulator one 8-lane vector (lane_vectors.py), as tiles C v8
        n_t, n_p, n_d, n, _ = k_.shape
        rows = n_t * n_p * n_d
        k_, w_, leak, member = k_.reshape(-1), w_.reshape(-1), leak.reshape(-1), member.reshape(-1)
        shared, absorb, rd = shared.reshape(-1), absorb.reshape(-1), rd.reshape(-1)
        mix, share = mix.reshape(-1), share.reshape(-1)
        out, kappa = out.reshape(-1), kappa.reshape(-1)
        zero = vsplat(0.0)
        for t in range(n_t):
            a = vload(absorb, t * 8)
            for p in range(n_p):
                country = (t * n_p + p) * n * 8  # leak, member, rd, share of (t, p)
                for d in range(n_d):
                    row = (t * n_p + p) * n_d + d
                    first = row * n * 8  # k_, w_, kappa of (t, p, d)
                    mixed = (t * n_d + d) * n * 8
                    sh = vload(shared, row * 8)
                    tw = ks = ex = me = co = zero
                    lead = vsplat(-np.inf)
                    for j in range(n):
                        at = j * 8
                        kj = vload(k_, first + at)
                        ks = vadd(ks, kj)
                        c = vmul(vload(rd, country + at), vload(mix, mixed + at))
                        if holders[j]:
                            bj = vload(member, country + at)
                            lj = vload(leak, country + at)
                            x = vmul(a, kj)
                            x = vwhere_less(sh, x, sh, x)
                            x = vwhere_less(zero, x, x, zero)
                            held = vadd(kj, vmul(bj, x))
                            ex = vadd(ex, vmul(kj, lj))
                            me = vadd(me, vmul(vmul(kj, lj), bj))
                            tw = vadd(tw, vload(w_, first + at))
                            lead = vwhere_less(lead, held, held, lead)
                        else:
                            tw = vadd(tw, zero)
                            lead = vwhere_less(lead, zero, zero, lead)
                        co = vadd(co, vmul(c, vload(share, country + at)))
                        vstore(kappa, first + at, vmul(kj, vsplat(inv_out[j])))
                    for i, value in enumerate((tw, ks, lead, ex, me, co)):
                        vstore(out, (i * rows + row) * 8, value)

    return {
        "rows": rows,
        "pairs": pairs,
        "lanes": lanes,
        "tiles": tiles,
        "tiles vec": vec8,
    }


C_SOURCE = r"""
#define ROW(s, p, d) (((s) * P + (p)) * D + (d))
/* every kernel's parameters: the sizes, then the arrays in the Python kernels' order */
#define PASS_PARAMS long S, long P, long D, long N, const double *restrict k_, \
    const double *restrict w_, const double *restrict leak, \
    const double *restrict member, const unsigned char *restrict holders, \
    const double *restrict shared, const double *restrict absorb, \
    const double *restrict rd, const double *restrict mix, \
    const double *restrict share, const double *restrict inv_out, \
    double *restrict out, double *restrict kappa

/* out (6, S, P, D); k_, w_, kappa (S, P, D, N); leak, member, rd, share (S, P, N);
   mix (S, D, N); shared (S, P, D); absorb (S); holders, inv_out (N) */
void rows(PASS_PARAMS)
{
    long rows = S * P * D;
    for (long s = 0; s < S; s++) {
        double a = absorb[s];
        for (long p = 0; p < P; p++) {
            const double *lk = leak + (s * P + p) * N, *mb = member + (s * P + p) * N;
            const double *r = rd + (s * P + p) * N, *sr = share + (s * P + p) * N;
            for (long d = 0; d < D; d++) {
                long row = ROW(s, p, d);
                const double *k = k_ + row * N, *w = w_ + row * N, *mx = mix + (s * D + d) * N;
                double *kp = kappa + row * N;
                double sh = shared[row];
                double tw = 0.0, ks = 0.0, lead = -__builtin_inf(), ex = 0.0, me = 0.0, co = 0.0;
                for (long j = 0; j < N; j++) {
                    double kj = k[j], wj, held;
                    ks += kj;
                    if (holders[j]) {
                        wj = w[j];
                        double x = a * kj;
                        x = sh < x ? sh : x;
                        x = x > 0.0 ? x : 0.0;
                        held = kj + mb[j] * x;
                        ex += kj * lk[j];
                        me += kj * lk[j] * mb[j];
                    } else {
                        wj = 0.0;
                        held = 0.0;
                    }
                    tw += wj;
                    if (held > lead) lead = held;
                    co += r[j] * mx[j] * sr[j];
                    kp[j] = kj * inv_out[j];
                }
                out[row] = tw;
                out[rows + row] = ks;
                out[2 * rows + row] = lead;
                out[3 * rows + row] = ex;
                out[4 * rows + row] = me;
                out[5 * rows + row] = co;
            }
        }
    }
}

/* the tiles layout of the Python kernel: S stands for the number of tiles T, every array
   carries a last axis of 8 scenarios */
void tiles(PASS_PARAMS)
{
    long rows = S * P * D;
    for (long t = 0; t < S; t++) {
        const double *a = absorb + t * 8;
        for (long p = 0; p < P; p++) {
            const double *lk = leak + (t * P + p) * N * 8, *mb = member + (t * P + p) * N * 8;
            const double *r = rd + (t * P + p) * N * 8, *sr = share + (t * P + p) * N * 8;
            for (long d = 0; d < D; d++) {
                long row = ROW(t, p, d);
                const double *k = k_ + row * N * 8, *w = w_ + row * N * 8;
                const double *mx = mix + (t * D + d) * N * 8, *sh = shared + row * 8;
                double *kp = kappa + row * N * 8;
                double tw[8], ks[8], lead[8], ex[8], me[8], co[8];
                for (int q = 0; q < 8; q++) {
                    tw[q] = ks[q] = ex[q] = me[q] = co[q] = 0.0;
                    lead[q] = -__builtin_inf();
                }
                for (long j = 0; j < N; j++) {
                    const double *kj = k + j * 8, *rj = r + j * 8, *mj = mx + j * 8;
                    const double *sj = sr + j * 8;
                    double io = inv_out[j];
                    if (holders[j]) {
                        const double *wj = w + j * 8, *lj = lk + j * 8, *bj = mb + j * 8;
                        for (int q = 0; q < 8; q++) {
                            double x = a[q] * kj[q];
                            x = sh[q] < x ? sh[q] : x;
                            x = x > 0.0 ? x : 0.0;
                            double held = kj[q] + bj[q] * x;
                            ks[q] += kj[q];
                            ex[q] += kj[q] * lj[q];
                            me[q] += kj[q] * lj[q] * bj[q];
                            tw[q] += wj[q];
                            lead[q] = held > lead[q] ? held : lead[q];
                            co[q] += rj[q] * mj[q] * sj[q];
                            kp[j * 8 + q] = kj[q] * io;
                        }
                    } else {
                        for (int q = 0; q < 8; q++) {
                            ks[q] += kj[q];
                            tw[q] += 0.0;
                            lead[q] = 0.0 > lead[q] ? 0.0 : lead[q];
                            co[q] += rj[q] * mj[q] * sj[q];
                            kp[j * 8 + q] = kj[q] * io;
                        }
                    }
                }
                for (int q = 0; q < 8; q++) {
                    out[row * 8 + q] = tw[q];
                    out[(rows + row) * 8 + q] = ks[q];
                    out[(2 * rows + row) * 8 + q] = lead[q];
                    out[(3 * rows + row) * 8 + q] = ex[q];
                    out[(4 * rows + row) * 8 + q] = me[q];
                    out[(5 * rows + row) * 8 + q] = co[q];
                }
            }
        }
    }
}

typedef double v8 __attribute__((vector_size(64)));
typedef long m8 __attribute__((vector_size(64)));
static inline v8 sel(m8 m, v8 a, v8 b) { return (v8)(((m8)a & m) | ((m8)b & ~m)); }
typedef double v8u __attribute__((vector_size(64), aligned(8)));
#define LD(p) ((v8)*(const v8u *)(p))
/* the tiles again, written with GCC's vector extensions: each accumulator one 8-double
   vector, which the compiler keeps in a register */
void tiles_v8(PASS_PARAMS)
{
    long rows = S * P * D;
    const v8 zero = {0,0,0,0,0,0,0,0};
    for (long t = 0; t < S; t++) {
        v8 a = LD(absorb + t * 8);
        for (long p = 0; p < P; p++) {
            const double *lk = leak + (t * P + p) * N * 8, *mb = member + (t * P + p) * N * 8;
            const double *r = rd + (t * P + p) * N * 8, *sr = share + (t * P + p) * N * 8;
            for (long d = 0; d < D; d++) {
                long row = (t * P + p) * D + d;
                const double *k = k_ + row * N * 8, *w = w_ + row * N * 8;
                const double *mx = mix + (t * D + d) * N * 8;
                v8 sh = LD(shared + row * 8);
                double *kp = kappa + row * N * 8;
                v8 tw = zero, ks = zero, ex = zero, me = zero, co = zero;
                v8 lead = zero - __builtin_inf();
                for (long j = 0; j < N; j++) {
                    v8 kj = LD(k + j * 8);
                    v8 io = zero + inv_out[j];
                    ks += kj;
                    v8 c = LD(r + j * 8) * LD(mx + j * 8);
                    if (holders[j]) {
                        v8 bj = LD(mb + j * 8), lj = LD(lk + j * 8);
                        v8 x = a * kj;
                        x = sel(sh < x, sh, x);
                        x = sel(x > zero, x, zero);
                        v8 held = kj + bj * x;
                        ex += kj * lj;
                        me += kj * lj * bj;
                        tw += LD(w + j * 8);
                        lead = sel(held > lead, held, lead);
                    } else {
                        tw += zero;
                        lead = sel(zero > lead, zero, lead);
                    }
                    co += c * LD(sr + j * 8);
                    *(v8u *)(kp + j * 8) = kj * io;
                }
                *(v8u *)(out + row * 8) = tw;
                *(v8u *)(out + (rows + row) * 8) = ks;
                *(v8u *)(out + (2 * rows + row) * 8) = lead;
                *(v8u *)(out + (3 * rows + row) * 8) = ex;
                *(v8u *)(out + (4 * rows + row) * 8) = me;
                *(v8u *)(out + (5 * rows + row) * 8) = co;
            }
        }
    }
}
"""


def _c_kernels(directory: str) -> dict[str, Callable[..., None]] | str:
    """The rows and tiles as C through ctypes, or why not (no compiler, or it failed)."""
    import ctypes
    import shutil
    import subprocess

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return "no C compiler on the PATH"
    source, library = os.path.join(directory, "pass.c"), os.path.join(directory, "pass.so")
    with open(source, "w") as handle:
        handle.write(C_SOURCE)
    flags = ["-O3", "-march=native", "-ffp-contract=off", "-shared", "-fPIC"]
    done = subprocess.run([compiler, *flags, source, "-o", library], capture_output=True)
    if done.returncode:
        return f"{compiler} failed: {done.stderr.decode(errors='replace')[:300]}"
    lib = ctypes.CDLL(library)

    def wrap(function: Callable[..., None]) -> Callable[..., None]:
        def call(*arrays: np.ndarray) -> None:
            for a in arrays:
                assert a.flags.c_contiguous
            shape = arrays[0].shape  # (S, P, D, N) or (T, P, D, N, 8)
            sizes = [ctypes.c_long(n) for n in shape[:4]]
            function(*sizes, *(ctypes.c_void_p(a.ctypes.data) for a in arrays))

        return call

    return {"rows C": wrap(lib.rows), "tiles C": wrap(lib.tiles), "tiles C v8": wrap(lib.tiles_v8)}


def _inputs(n_scenarios: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Random inputs of the engine's shape in the rows layout (scenarios first)."""
    rng = np.random.default_rng(seed)
    S, P, D, N = n_scenarios, POLICIES, DOMAINS, COUNTRIES
    return (
        rng.random((S, P, D, N)) * 10.0,  # knowledge
        rng.random((S, P, D, N)),  # access weights K^eta
        rng.random((S, P, N)) * 0.1,  # leak rates
        (rng.random((S, P, N)) < 0.2).astype(float),  # members, as 0/1
        rng.random(N) < 0.7,  # holders
        rng.random((S, P, D)),  # the shared stock
        rng.random(S),  # absorptive multiple
        rng.random((S, P, N)),  # national R&D
        rng.random((S, D, N)),  # domain mix
        rng.random((S, P, N)),  # pool shares
        1.0 / (rng.random(N) + 0.5),  # 1 / output
    )


def _to_lanes(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(a, 0, -1))


def _to_tiles(a: np.ndarray) -> np.ndarray:
    lanes = np.moveaxis(a, 0, -1)
    split = lanes.reshape((*lanes.shape[:-1], a.shape[0] // TILE, TILE))
    return np.ascontiguousarray(np.moveaxis(split, -2, 0))


def _from_tiles(a: np.ndarray) -> np.ndarray:
    lanes = np.moveaxis(a, 0, -2)
    return np.moveaxis(lanes.reshape((*lanes.shape[:-2], -1)), -1, 0)


def _layouts(inputs: tuple[np.ndarray, ...]) -> dict[str, tuple[tuple[np.ndarray, ...], ...]]:
    """Each layout's (inputs, outputs): the same values, arranged for its kernel."""
    S, P, D, N = inputs[0].shape
    per_country = (4, 10)  # holders and 1 / output: the same in every layout

    def arranged(move: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, ...]:
        return tuple(
            a if i in per_country or a.ndim == 1 else move(a) for i, a in enumerate(inputs)
        )

    tiled = list(arranged(_to_tiles))
    tiled[6] = inputs[6].reshape(S // TILE, TILE)  # absorptive multiple, by scenario
    rows = (np.empty((6, S, P, D)), np.empty((S, P, D, N)))
    return {
        "rows": (inputs, rows),
        "pairs": (inputs, (np.empty_like(rows[0]), np.empty_like(rows[1]))),
        "lanes": (arranged(_to_lanes), (np.empty((6, P, D, S)), np.empty((P, D, N, S)))),
        "tiles": (
            tuple(tiled),
            (np.empty((6, S // TILE, P, D, TILE)), np.empty((S // TILE, P, D, N, TILE))),
        ),
    }


def _back(name: str, out: np.ndarray, kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A layout's outputs in the rows layout."""
    if name == "lanes":
        return np.moveaxis(out, -1, 1), np.moveaxis(kappa, -1, 0)
    if name == "tiles":
        return np.stack([_from_tiles(o) for o in out]), _from_tiles(kappa)
    return out, kappa


def _timed(
    kernel: Callable[..., None],
    ins: tuple[np.ndarray, ...],
    outs: tuple[np.ndarray, ...],
    repeats: int,
    rows: int,
) -> list[float]:
    """ns a row of each of ``repeats`` calls (the first call, which compiles, not timed)."""
    kernel(*ins, *outs)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        kernel(*ins, *outs)
        times.append((time.perf_counter() - start) * 1e9 / rows)
    return times


def _line(name: str, times: list[float], tail: str) -> str:
    """One layout's line: ns a row, min / median / max, then ``tail``."""
    return (
        f"  {name:10s} {min(times):7.1f} / {statistics.median(times):7.1f} / "
        f"{max(times):7.1f} ns a row; {tail}"
    )


def _same(want: tuple[np.ndarray, ...], got: tuple[np.ndarray, ...]) -> bool:
    """Whether two layouts' outputs (in the rows layout) agree bit for bit."""
    return all(np.array_equal(a, b) for a, b in zip(want, got, strict=True))


def _relative(got: np.ndarray, want: np.ndarray) -> float:
    """The largest relative difference of ``got`` from ``want`` (where ``want`` is not 0)."""
    keep = want != 0
    return float(np.max(np.abs(got[keep] - want[keep]) / np.abs(want[keep])))


def _run_c(
    layouts: dict[str, tuple[tuple[np.ndarray, ...], ...]],
    reference: tuple[np.ndarray, ...],
    repeats: int,
    rows: int,
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        compiled = _c_kernels(directory)
        if isinstance(compiled, str):
            print(f"  C kernels skipped: {compiled}")
            return
        for name, kernel in compiled.items():
            ins, outs = layouts[name.split()[0]]
            outs = tuple(np.full_like(a, np.nan) for a in outs)
            times = _timed(kernel, ins, outs, repeats, rows)
            same = _same(reference, _back(name.split()[0], *outs))
            print(_line(name, times, f"bit-identical to rows: {same}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios",
        type=int,
        default=BLOCK_PAIRS // POLICIES // TILE * TILE,
        help="a multiple of 8 (default: the scenarios of one of the engine's blocks)",
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="16 scenarios, 2 repeats")
    parser.add_argument("--remarks", action="store_true", help="print LLVM's vectorizer remarks")
    parser.add_argument("--c", action="store_true", help="also the rows and tiles compiled as C")
    args = parser.parse_args()
    if args.quick:
        args.scenarios, args.repeats = 16, 2
    if args.scenarios <= 0 or args.scenarios % TILE:
        parser.error(f"--scenarios must be a positive multiple of {TILE}")
    if args.remarks:  # before anything is compiled; LLVM prints them on stderr
        import llvmlite.binding as llvm

        os.environ["NUMBA_DEBUGINFO"] = "1"  # source lines in the remarks
        for kind in ("", "-missed", "-analysis"):
            llvm.set_option("", f"--pass-remarks{kind}=loop-vectorize")
    import numba

    kernels = _kernels()
    inputs = _inputs(args.scenarios)
    layouts = _layouts(inputs)
    rows = args.scenarios * POLICIES * DOMAINS
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{args.scenarios} scenarios x {POLICIES} policies x {DOMAINS} domains = {rows:,} rows of "
        f"{COUNTRIES} countries; ns a row, min / median / max of {args.repeats}"
    )
    reference = None
    for name, kernel in kernels.items():
        layout = name.split()[0]
        ins, outs = layouts[layout]
        outs = tuple(np.full_like(a, np.nan) for a in outs)
        times = _timed(kernel, ins, outs, args.repeats, rows)
        got = tuple(a.copy() for a in _back(layout, *outs))
        if reference is None:
            reference = got
        print(_line(name, times, f"bit-identical to rows: {_same(reference, got)}"))
    assert reference is not None
    single = tuple(a.astype(np.float32) if a.dtype == np.float64 else a for a in inputs)
    for name, (ins, outs) in _layouts(single).items():
        if name not in ("rows", "lanes"):
            continue
        times = _timed(kernels[name], ins, outs, args.repeats, rows)
        worst = max(_relative(b, a) for a, b in zip(reference, _back(name, *outs), strict=True))
        print(_line(f"{name} f32", times, f"largest relative difference from rows: {worst:.1e}"))
    if args.c:
        _run_c(layouts, reference, args.repeats, rows)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for a in inputs[:2]:
            _to_lanes(a)
        times.append((time.perf_counter() - start) * 1e9 / rows)
    print(
        f"  transposing knowledge and weights into lanes: {statistics.median(times):.1f} ns a row"
    )


if __name__ == "__main__":
    main()
