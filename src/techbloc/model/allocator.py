"""Keep the engine's freed arrays for reuse: glibc malloc's thresholds, set once per process.

Each year of a batch allocates and frees arrays of one to several MB (``(S, P, N)`` and
``(S, P, D, N)`` float64 temporaries), and each call of :func:`~techbloc.model.run_model`
allocates its workspace afresh. With glibc's defaults, big blocks come from ``mmap`` and
freed memory at the top of the heap goes back to the system, so the same memory is
faulted in and zeroed again and again: about 130,000-150,000 page faults and 0.4 s of
system time for 2,000 futures x 11 policies x 27 years in chunks of 250 (benchmarks/README.md).
:func:`keep_freed_memory` raises both thresholds so that memory, once used, is reused.

The peak memory a run needs does not change (freed memory is reused, not added to); a
long-lived process keeps up to :data:`TRIM_THRESHOLD` of freed memory rather than returning
it. Only glibc on Linux is tuned; elsewhere, or with ``TECHBLOC_MALLOC=default`` in the
environment, nothing is changed.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_memory"]

#: Blocks smaller than this come from the heap, not from a fresh ``mmap`` (bytes): glibc's
#: own ceiling for the threshold it adjusts by itself on 64-bit systems (32 MiB).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap kept for reuse before any is returned (bytes).
TRIM_THRESHOLD = 256 * 2**20

_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` once for this process.

    Returns
    -------
    bool
        Whether both were set (False off Linux, without glibc's ``mallopt``, or when
        ``TECHBLOC_MALLOC=default``).
    """
    if not sys.platform.startswith("linux") or os.environ.get("TECHBLOC_MALLOC") == "default":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to load, or one without mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
