"""Latin hypercubes drawn by row range: any rows ``[start, stop)`` without the whole table.

A Latin hypercube of ``n`` rows in ``d`` dimensions puts, in every column, one point in each
of the ``n`` strata ``[k/n, (k+1)/n)``: column ``j`` is ``(pi_j(i) + 1 - u_ij) / n`` for a
permutation ``pi_j`` of the strata and a uniform jitter ``u_ij`` (McKay, Beckman & Conover
1979). A study's runner asks for its design chunk by chunk, so the rows of a range must be
the rows of the whole table, whatever the chunking, and memory must not grow with ``n``.

Two draws, chosen by size:

- up to :data:`EXACT_ROWS` rows, the draws of :class:`scipy.stats.qmc.LatinHypercube`
  (scrambled, strength 1, no optimization), as before per-range drawing: the jitter of a
  range is read from the generator advanced past the rows before it
  (:meth:`numpy.random.PCG64.advance`), and the strata, which come from one sequential
  shuffle per column, are drawn once per sampler and kept (4 bytes per cell: 11.6 MB for
  50,000 rows of 58 parameters);
- above it, a keyed permutation that maps each row to its stratum directly: the hash of
  Kensler (2013), "Correlated Multi-Jittered Sampling", Pixar Technical Memo 13-01,
  Listing 3 (``permute``), a bijection on the next power of two walked until it lands below
  ``n``, one key per column from the root seed; the jitter is read as in the exact draw.
  Nothing of size ``n`` is ever held.

The threshold keeps the values of every design drawn before (stores made then resume with
the same rows); a larger study's fingerprint names the keyed draw, so a store made with
scipy's draw at that size is refused rather than mixed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EXACT_ROWS", "LatinHypercubeRows", "design_rng", "latin_hypercube", "permute"]

#: Largest Latin hypercube drawn as :class:`scipy.stats.qmc.LatinHypercube` draws it; larger
#: ones use the keyed permutation. An assumption: the largest study in the docs' measurements
#: has 50,000 scenarios, and its kept strata (11.6 MB at 58 parameters) stay small next to
#: the ~400 MB of a process with the model loaded.
EXACT_ROWS = 50_000

# A label that keeps the design's random stream apart from every scenario's model stream
# (the model uses SeedSequence([seed, scenario_id])).
_DESIGN_STREAM = 0x7EC4B10C
# Sub-streams of the keyed draw (the exact draw uses child 0, as Generator.spawn gives it).
_KEYED_JITTER, _KEYED_PERMUTATIONS = 1, 2


def design_rng(seed: int) -> np.random.Generator:
    """The random generator of a study's design, derived from its root seed only."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_DESIGN_STREAM,)))


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of a Latin hypercube in ``[0, 1)^d``, drawn from ``rng``.

    The draws of ``scipy.stats.qmc.LatinHypercube(d, rng=rng).random(n)`` (scrambled,
    strength 1, no optimization; McKay, Beckman & Conover 1979), made as scipy makes them:
    from a generator spawned from ``rng``, uniform jitter for every cell, then one shuffled
    permutation of the strata per dimension. Written here so that a quick evaluation need
    not import :mod:`scipy.stats`. The whole table at once: a study draws its rows by range
    (:class:`LatinHypercubeRows`).

    Returns
    -------
    ndarray, shape (n, d)
    """
    rng = rng.spawn(1)[0]
    jitter = rng.uniform(size=(n, d))
    strata = np.tile(np.arange(1, n + 1), (d, 1))
    for row in strata:
        rng.shuffle(row)
    return np.asarray((strata.T - jitter) / n)


_M = 0xFFFFFFFF


def permute(index: np.ndarray, n: int, key: int) -> np.ndarray:
    """A keyed permutation of ``0..n-1`` evaluated at ``index`` (any subset, any order).

    Kensler's (2013) ``permute``: a hash that is a bijection on the ``k`` low bits
    (xors with the key, multiplications by odd constants, xor-shifts of the masked bits),
    repeated while the value is ``>= n`` (cycle walking: it stays a bijection of ``0..n-1``);
    then a rotation by the key, here modulo ``n`` without 32-bit wrap-around so that it
    stays a bijection for every ``n``.

    Parameters
    ----------
    index : ndarray of int
        Values in ``0..n-1``.
    n : int
        Size of the permuted range, at most ``2**32``.
    key : int
        32-bit key (one permutation per key).

    Returns
    -------
    ndarray of int64
    """
    if n == 1:
        return np.zeros(len(index), dtype=np.int64)
    w = np.uint32((1 << (n - 1).bit_length()) - 1)
    p = int(key) & _M
    out = np.asarray(index, dtype=np.uint32).copy()
    todo = np.arange(len(out))
    while len(todo):
        i = out[todo]
        i ^= np.uint32(p)
        i *= np.uint32(0xE170893D)
        i ^= np.uint32(p >> 16)
        i ^= (i & w) >> np.uint32(4)
        i ^= np.uint32(p >> 8)
        i *= np.uint32(0x0929EB3F)
        i ^= np.uint32(p >> 23)
        i ^= (i & w) >> np.uint32(1)
        i *= np.uint32(1 | p >> 27)
        i *= np.uint32(0x6935FA69)
        i ^= (i & w) >> np.uint32(11)
        i *= np.uint32(0x74DCB303)
        i ^= (i & w) >> np.uint32(2)
        i *= np.uint32(0x9E501CC3)
        i ^= (i & w) >> np.uint32(2)
        i *= np.uint32(0xC860A3DF)
        i &= w
        i ^= i >> np.uint32(5)
        out[todo] = i
        todo = todo[i >= n]
    return (out.astype(np.int64) + p % n) % n


class LatinHypercubeRows:
    """The Latin hypercube of ``n`` rows and ``d`` columns of a seed, drawn by row range.

    ``rows(a, b)`` equals ``rows(0, n)[a:b]`` for every range, and ``rows(0, n)`` equals
    :func:`latin_hypercube` ``(n, d, design_rng(seed))`` when ``n <= exact_up_to``.

    Parameters
    ----------
    n, d : int
        Rows and columns.
    seed : int
        The study's root seed.
    exact_up_to : int, optional
        Largest ``n`` drawn as scipy draws it (default :data:`EXACT_ROWS`).
    """

    def __init__(self, n: int, d: int, seed: int, *, exact_up_to: int | None = None) -> None:
        self.n, self.d, self.seed = int(n), int(d), int(seed)
        self.exact = self.n <= (EXACT_ROWS if exact_up_to is None else exact_up_to)
        self._strata: np.ndarray | None = None

    @property
    def draw(self) -> str:
        """Which draw: ``"scipy"`` (exact) or ``"keyed"`` (Kensler's permutation)."""
        return "scipy" if self.exact else "keyed"

    def _generator(self, stream: int, skip: int) -> np.random.Generator:
        """The PCG64 stream ``(seed, design, stream)`` advanced past ``skip`` 64-bit draws."""
        spawn_key = (_DESIGN_STREAM, stream)
        bits = np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=spawn_key))
        bits.advance(skip)
        return np.random.Generator(bits)

    def _jitter(self, start: int, stop: int) -> np.ndarray:
        # one 64-bit draw per uniform double: row i starts at draw i * d
        rng = self._generator(0 if self.exact else _KEYED_JITTER, start * self.d)
        return rng.uniform(size=(stop - start, self.d))

    def _exact_strata(self) -> np.ndarray:
        if self._strata is None:
            rng = self._generator(0, self.n * self.d)  # past the jitter
            strata = np.empty((self.n, self.d), dtype=np.int32)
            for j in range(self.d):
                column = np.arange(1, self.n + 1)
                rng.shuffle(column)
                strata[:, j] = column
            self._strata = strata
        return self._strata

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``[start, stop)`` of the hypercube, shape ``(stop - start, d)``."""
        if not 0 <= start <= stop <= self.n:
            raise ValueError(f"rows [{start}, {stop}) are not within 0..{self.n}")
        jitter = self._jitter(start, stop)
        if self.exact:
            strata = self._exact_strata()[start:stop]
        else:
            keys = (
                np.random.SeedSequence(self.seed, spawn_key=(_DESIGN_STREAM, _KEYED_PERMUTATIONS))
                .generate_state(max(self.d, 1), np.uint32)
                .tolist()
            )
            index = np.arange(start, stop)
            strata = np.empty((stop - start, self.d), dtype=np.int64)
            for j in range(self.d):
                strata[:, j] = permute(index, self.n, keys[j]) + 1
        return np.asarray((strata - jitter) / self.n)
