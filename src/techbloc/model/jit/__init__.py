"""numba, configured once for the compiled kernels: where they are cached, how they compile.

Importing this package imports numba (only :mod:`techbloc.model.kernels` does, the first
time a kernel runs). Before that it points numba's on-disk cache at a user cache
directory (:func:`cache_dir`), so each machine compiles the kernels once and every later
process, worker processes included, loads them from there; the source tree gets no cache
files. Numba reads ``NUMBA_CACHE_DIR`` when it is imported and again before each compilation,
and picks a function's cache directory when the function is decorated, so the variable is
set here, in the environment, before any kernel module is imported (child processes inherit
it). A ``NUMBA_CACHE_DIR`` the user set is kept.

:data:`njit` carries the options every kernel compiles with: cached, float64 semantics of
numpy for errors (``error_model="numpy"``), no fastmath (so each scenario's arithmetic does
not depend on the batch, the thread split or the machine's vector width). :func:`power`,
:func:`lesser`, :func:`greater` and :func:`clip_unit` are the helpers the kernels share.
Numba keys a cached kernel on its own file only: after changing one of them, clear the cache
(delete :func:`cache_dir`).

The first compilation in a process is announced once on the ``techbloc`` logger (the CLI
shows it on stderr): the compile takes seconds, and nothing else would say why.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar, cast, overload

import numpy as np

__all__ = [
    "COMPILE_SECONDS",
    "cache_dir",
    "clip_unit",
    "greater",
    "lesser",
    "njit",
    "power",
    "serial",
    "split",
    "threads",
]

#: Rough time to compile the engine's five kernels (s), said in the first-compile message:
#: first run minus second run of ``benchmarks/cli_latency.py`` on the 2-core development
#: machine, 4.5 CPU-s (7 s of wall time at load 5, 21 s at load 11; benchmarks/README.md).
COMPILE_SECONDS = 10

log = logging.getLogger(__name__)


def cache_dir() -> str:
    """Where numba caches the compiled kernels.

    ``NUMBA_CACHE_DIR`` when the user set it, else ``numba`` in the user cache directory of
    ``techbloc`` (``platformdirs.user_cache_dir``; ``~/.cache/techbloc/numba`` on Linux).
    """
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        return chosen
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("techbloc", appauthor=False), "numba")


os.environ["NUMBA_CACHE_DIR"] = cache_dir()  # before numba reads it

import numba  # noqa: E402
from numba.core import event  # noqa: E402

config: Any = numba.config  # numba's settings (typed loosely: numba sets them at run time)
if os.environ["NUMBA_CACHE_DIR"] != config.CACHE_DIR:  # numba was imported before us
    config.reload_config()


class _FirstCompile(event.Listener):
    """Logs once per process, when a techbloc kernel starts compiling (not on a cache hit)."""

    def __init__(self) -> None:
        self.said = False

    def on_start(self, ev: event.Event) -> None:
        dispatcher = (ev.data or {}).get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "")
        if not self.said and module.startswith(__name__):
            self.said = True
            log.warning(
                "compiling the model's kernels, once: ~%d s (cached in %s)",
                COMPILE_SECONDS,
                config.CACHE_DIR,
            )

    def on_end(self, ev: event.Event) -> None:
        pass


_register: Callable[[str, event.Listener], None] = event.register  # untyped in numba
_register("numba:compile", _FirstCompile())

_Function = TypeVar("_Function", bound=Callable[..., Any])


class _Compiler(Protocol):
    """``njit`` as the type checker sees it: a compiled function is called as the
    function it compiles (numba's dispatcher takes the same arguments)."""

    @overload
    def __call__(self, function: _Function, /) -> _Function: ...
    @overload
    def __call__(self, **options: Any) -> Callable[[_Function], _Function]: ...


#: ``numba.njit`` with the kernels' common options (cached, numpy's error model).
njit = cast(_Compiler, functools.partial(numba.njit, cache=True, error_model="numpy"))


@numba.njit(inline="always", error_model="numpy")
def power(x: float, y: float) -> float:  # pragma: no cover - compiled
    """``x^y`` for ``x >= 0`` as ``exp(y log x)`` (0 at ``x = 0``).

    One exp and one log run about 1.5 times faster than libm's ``pow``, and the kernels
    spend much of their time in powers.
    """
    result: float = np.exp(y * np.log(x))
    return result


@numba.njit(inline="always", error_model="numpy")
def lesser(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``min(a, b)`` as Python and numba take it (``b`` if ``b < a``, else ``a``), as a select.

    numba's builtin ``min`` of two floats kept the loops it was in from being vectorized
    (LLVM: "loop contains an unsupported switch"); this one, inlined, does not.
    """
    return b if b < a else a


@numba.njit(inline="always", error_model="numpy")
def greater(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``max(a, b)`` as Python and numba take it (``b`` if ``b > a``, else ``a``); see
    :func:`lesser`."""
    return b if b > a else a


@numba.njit(inline="always", error_model="numpy")
def clip_unit(x: float) -> float:  # pragma: no cover - compiled
    """``x`` clipped to ``[0, 1]``, as ``min(max(x, 0.0), 1.0)`` (NaN stays NaN); see
    :func:`lesser`."""
    return lesser(greater(x, 0.0), 1.0)


_serial = threading.local()


def threads() -> int:
    """numba's number of threads (``NUMBA_NUM_THREADS``), the most a kernel splits over; 1
    inside :func:`serial`."""
    if getattr(_serial, "on", False):
        return 1
    n: int = numba.get_num_threads()
    return n


@contextlib.contextmanager
def serial() -> Iterator[None]:
    """Within the block, kernels called from this thread run on it alone (for a caller that
    already splits the work over threads, as :func:`techbloc.model.engine.run_model` does)."""
    before = getattr(_serial, "on", False)
    _serial.on = True
    try:
        yield
    finally:
        _serial.on = before


def split(run: Callable[[int, int], Any], n_scenarios: int, n_threads: int) -> None:
    """Call ``run(first, stop)`` on ``n_threads`` slices of the scenarios, one per thread.

    The kernels release the GIL; each scenario's arithmetic is the same whatever the split.
    """
    if n_threads <= 1:
        run(0, n_scenarios)
        return
    bounds = np.linspace(0, n_scenarios, n_threads + 1).astype(np.int64)
    pool = _pool(n_threads, os.getpid())  # a forked child makes its own threads
    others = [pool.submit(run, int(bounds[i]), int(bounds[i + 1])) for i in range(1, n_threads)]
    run(int(bounds[0]), int(bounds[1]))
    for future in others:
        future.result()


@functools.cache
def _pool(n_threads: int, pid: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=n_threads - 1, thread_name_prefix="techbloc-kernel")
