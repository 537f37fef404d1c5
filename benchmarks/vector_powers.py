"""Powers LLVM can vectorize: ``exp`` and ``log`` as polynomials in numba, against libm.

The kernels take ``x^y`` as ``exp(y log x)`` (:func:`techbloc.model.jit.power`). numba
compiles ``np.exp`` and ``np.log`` to calls into libm, one element at a time, so a loop
with a power is never vectorized; numpy's own ``np.power`` runs 8 elements at once
(SVML). Without SVML in numba (its llvmlite is not built for it), the way to vector powers
is ``exp`` and ``log`` written as arithmetic LLVM can vectorize: the exponent and mantissa
through bit casts (two numba intrinsics), ``log`` of the mantissa as ``2 atanh(s)`` (the
odd series, coefficients ``1/(2k+1)``), ``exp`` of the reduced argument as its Taylor
series (``1/k!``), ``ln 2`` split in two parts for an exact reduction. Every constant is
computed here in long double; there are no tabulated coefficients.

It prints:

- accuracy, in units in the last place against long double, of the polynomial ``exp`` and
  ``log``, of libm's (numba's ``np.exp`` and ``np.log``) and numpy's, on random arguments
  over their ranges and near 1; and whether the special values (0, ±inf, NaN, subnormals,
  overflow and underflow) come out as numpy's;
- nanoseconds per element of ``exp(y log x)`` in a loop LLVM vectorizes (each element its
  own output) and in one it cannot (a running sum, whose order is kept), polynomial
  against libm, and numpy's ``np.power`` for reference; min / median / max of the repeats;
- whether the vectorized loop's elements equal the same elements computed one at a time
  (the loop's scalar remainder), bit for bit.

Usage::

    python benchmarks/vector_powers.py          # 4,096 elements, 7 repeats
    python benchmarks/vector_powers.py --quick  # fewer arguments and repeats
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_LN2 = np.log(np.longdouble(2))
#: ln 2 with its low 12 mantissa bits zero, so that ``n * LN2_HI`` is exact for ``|n| < 2^12``.
LN2_HI = float(np.int64(np.float64(_LN2).view(np.int64) & ~np.int64(0xFFF)).view(np.float64))
LN2_LO = float(np.float64(_LN2 - np.longdouble(LN2_HI)))
INV_LN2 = float(1 / _LN2)
SQRT2 = float(np.sqrt(np.longdouble(2)))
#: 1/k!, k = 0..13: |r| <= ln2/2 makes the next term below 2^-53 of the sum.
EXP_TERMS = tuple(float(1 / np.longdouble(math.factorial(k))) for k in range(14))
#: 1/(2k+1), k = 0..10: |s| <= (√2-1)/(√2+1) makes the next term below 2^-53.
LOG_TERMS = tuple(float(1 / np.longdouble(2 * k + 1)) for k in range(11))
SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)


@intrinsic
def _bits(typingctx: Any, x: Any) -> Any:
    """The int64 with the bits of float64 ``x``."""
    if x != types.float64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _double(typingctx: Any, x: Any) -> Any:
    """The float64 with the bits of int64 ``x``."""
    if x != types.int64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@numba.njit(inline="always", error_model="numpy")
def poly_exp(x: float) -> float:  # pragma: no cover - compiled
    """``exp(x)``: ``2^n exp(r)``, ``r = x - n ln2``, with selects for the edges."""
    k = np.floor(x * INV_LN2 + 0.5)
    k = k if k > -1070.0 else -1070.0  # NaN and ±inf land on a bound; fixed below
    k = k if k < 1030.0 else 1030.0
    r = (x - k * LN2_HI) - k * LN2_LO
    p = EXP_TERMS[13]
    for i in range(12, -1, -1):
        p = p * r + EXP_TERMS[i]
    n = np.int64(k)
    half = n >> 1  # 2^n as two factors: subnormal and near-overflow results are reached
    y = p * _double((half + 1023) << 52) * _double((n - half + 1023) << 52)
    y = y if x > -746.0 else 0.0
    y = y if x < 709.8 else np.inf
    return y if x == x else x


@numba.njit(inline="always", error_model="numpy")
def poly_log(x: float) -> float:  # pragma: no cover - compiled
    """``log(x)``: ``e ln2 + 2 atanh((m-1)/(m+1))`` with ``m`` in ``[√2/2, √2)``."""
    subnormal = x < SMALLEST_NORMAL
    scaled = x * 4503599627370496.0 if subnormal else x  # 2^52
    b = _bits(scaled)
    e = ((b >> 52) & 0x7FF) - 1023 - (52 if subnormal else 0)
    m = _double((b & 0xFFFFFFFFFFFFF) | (1023 << 52))
    big = m > SQRT2
    m = m * 0.5 if big else m
    e = e + 1 if big else e
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    q = LOG_TERMS[10]
    for i in range(9, 0, -1):
        q = q * z + LOG_TERMS[i]
    half_f2 = 0.5 * f * f
    log_m = f - (half_f2 - s * (half_f2 + 2.0 * z * q))
    y = float(e) * LN2_HI + (log_m + float(e) * LN2_LO)
    y = y if x > 0.0 else (-np.inf if x == 0.0 else np.nan)
    return y if x < np.inf else x


@numba.njit(error_model="numpy")
def _each(x: np.ndarray, out: np.ndarray, which: int) -> None:  # pragma: no cover - compiled
    for i in range(x.size):
        if which == 0:
            out[i] = poly_exp(x[i])
        elif which == 1:
            out[i] = poly_log(x[i])
        elif which == 2:
            out[i] = np.exp(x[i])
        else:
            out[i] = np.log(x[i])


@numba.njit(error_model="numpy")
def powers_poly(x: np.ndarray, y: float, out: np.ndarray) -> None:  # pragma: no cover
    for i in range(x.size):
        out[i] = poly_exp(y * poly_log(x[i]))


@numba.njit(error_model="numpy")
def powers_libm(x: np.ndarray, y: float, out: np.ndarray) -> None:  # pragma: no cover
    for i in range(x.size):
        out[i] = np.exp(y * np.log(x[i]))


@numba.njit(error_model="numpy")
def summed_poly(x: np.ndarray, y: float) -> float:  # pragma: no cover - compiled
    total = 0.0
    for i in range(x.size):
        total += poly_exp(y * poly_log(x[i]))
    return total


@numba.njit(error_model="numpy")
def summed_libm(x: np.ndarray, y: float) -> float:  # pragma: no cover - compiled
    total = 0.0
    for i in range(x.size):
        total += np.exp(y * np.log(x[i]))
    return total


def _ulps(a: np.ndarray, exact: np.ndarray) -> int:
    return int(np.abs(a.view(np.int64) - exact.view(np.int64)).max())


def _compiled(x: np.ndarray, which: int) -> np.ndarray:
    out = np.empty_like(x)
    _each(x, out, which)
    return out


def accuracy(n: int, rng: np.random.Generator) -> None:
    cases = {
        "exp on [-745, 709]": (rng.uniform(-745, 709, n), np.exp, 0, 2),
        "log on [1e-300, 1e300]": (np.exp(rng.uniform(-690, 690, n)), np.log, 1, 3),
        "log on [0.5, 2]": (rng.uniform(0.5, 2.0, n), np.log, 1, 3),
    }
    print(f"accuracy, max ulps against long double ({n:,} random arguments each):")
    print(f"  {'':26s} {'polynomial':>10s} {'libm':>6s} {'numpy':>6s}")
    for name, (x, f, poly, libm) in cases.items():
        with np.errstate(all="ignore"):
            exact = f(np.longdouble(x)).astype(np.float64)
        keep = exact != 0  # log(1) = 0 exactly: a sign flip is not an ulp count
        row = [_ulps(a[keep], exact[keep]) for a in (_compiled(x, poly), _compiled(x, libm), f(x))]
        print(f"  {name:26s} {row[0]:10d} {row[1]:6d} {row[2]:6d}")
    edges = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 2.2e-308, 1.0])
    edges_exp = np.array([-np.inf, np.inf, np.nan, -745.2, -745.0, -708.5, 709.7, 709.79, 0.0])
    with np.errstate(all="ignore"):
        same_log = np.array_equal(_compiled(edges, 1), np.log(edges), equal_nan=True)
        same_exp = np.array_equal(_compiled(edges_exp, 0), np.exp(edges_exp), equal_nan=True)
    print(f"  special values as numpy's: log {same_log}, exp {same_exp}")


def _times(call: Callable[[], object], repeats: int, number: int, size: int) -> list[float]:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - start) / number / size * 1e9)
    return times


def speed(size: int, repeats: int, rng: np.random.Generator) -> None:
    x = rng.random(size) * 3.0
    y = 1.7
    out = np.empty_like(x)
    number = max(1, 2_000_000 // size)
    rows = {
        "vectorizable loop, polynomial": lambda: powers_poly(x, y, out),
        "vectorizable loop, libm": lambda: powers_libm(x, y, out),
        "running sum, polynomial": lambda: summed_poly(x, y),
        "running sum, libm": lambda: summed_libm(x, y),
        "numpy np.power (SVML)": lambda: np.power(x, y),
    }
    print(f"exp(y log x), ns an element ({size:,} elements; min / median / max of {repeats}):")
    medians = {}
    for name, call in rows.items():
        t = _times(call, repeats, number, size)
        medians[name] = statistics.median(t)
        print(f"  {name:32s} {min(t):6.2f} / {medians[name]:6.2f} / {max(t):6.2f}")
    for kind in ("vectorizable loop", "running sum"):
        ratio = medians[f"{kind}, libm"] / medians[f"{kind}, polynomial"]
        print(f"  {kind}: libm / polynomial {ratio:.2f}x")
    powers_poly(x, y, out)
    one = np.empty(1)
    each = np.empty_like(x)
    for i in range(size):  # a loop of one element runs the scalar remainder only
        powers_poly(x[i : i + 1], y, one)
        each[i] = one[0]
    print(f"  vector body and scalar remainder bit-identical: {np.array_equal(out, each)}")
    relative = np.abs(out / np.power(x, y) - 1.0).max()
    print(f"  largest relative difference from numpy's np.power: {relative:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="elements a loop")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="fewer arguments and repeats")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    accuracy(100_000 if args.quick else 2_000_000, rng)
    speed(args.size, 2 if args.quick else args.repeats, rng)


if __name__ == "__main__":
    main()
