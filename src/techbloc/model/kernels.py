"""Compiled twins of the model's hottest numpy functions (optional numba), paired by :func:`twin`.

Five mechanisms have a compiled twin, a numba kernel at module level in
:mod:`techbloc.model.jit` (one module each): the year's protection terms
(:func:`~techbloc.model.protection.protection_terms`, E10, E4, E2, E5), the year's flows
(:func:`~techbloc.model.flows.domain_flows`, E1-E5, E9), the E12 margins
(:func:`~techbloc.model.partners.margins_from_flows`), the membership toggles
(:func:`~techbloc.model.relative_gains.growth_changes`, §9.1) and the veto
(:func:`~techbloc.model.relative_gains.veto`, §9.2). Each mechanism is written once with
numpy, the reference that ``docs/model.md`` describes, and decorated with :func:`twin`,
which names its kernel and the function that hands the kernel its arguments (the kernel's
named tuple, :mod:`~techbloc.model.kernel_arrays`). Calling the mechanism runs the kernel
when numba is installed (``pip install techbloc[fast]``, which ``make`` installs) unless the
environment sets ``TECHBLOC_NUMBA=0``, and the numpy reference otherwise;
``mechanism.reference`` is always the numpy one. Tests check that both agree to rtol 1e-9.

Numba is imported the first time a kernel runs, never with the package. The kernels are
cached on disk in a user cache directory (:func:`techbloc.model.jit.cache_dir`), so a
machine compiles them once.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import inspect
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType, SimpleNamespace
from typing import Any, Generic, NamedTuple, ParamSpec, TypeVar

from techbloc.model.kernel_arrays import (
    FlowArrays,
    MarginArrays,
    ProtectionArrays,
    ToggleArrays,
    VetoArrays,
    contiguous,
)

__all__ = [
    "KERNELS",
    "FlowArrays",
    "Kernel",
    "MarginArrays",
    "ProtectionArrays",
    "ToggleArrays",
    "Twin",
    "VetoArrays",
    "compiled",
    "contiguous",
    "serial",
    "threads",
    "twin",
]

P = ParamSpec("P")
R = TypeVar("R")

#: Each kernel's arguments, by the name of its module in :mod:`techbloc.model.jit`.
_ARRAYS: dict[str, type] = {
    "flows": FlowArrays,
    "margins": MarginArrays,
    "protection": ProtectionArrays,
    "toggle": ToggleArrays,
    "veto": VetoArrays,
}


class Kernel(NamedTuple):
    """A numpy reference paired with its compiled twin (an entry of :data:`KERNELS`).

    Attributes
    ----------
    name : str
        The kernel's module in :mod:`techbloc.model.jit`.
    arrays : type
        The named tuple of the kernel's arguments.
    mechanism : Twin
        The model's function: the kernel when compiled, else ``mechanism.reference``.
    """

    name: str
    arrays: type
    mechanism: Twin[..., Any]


#: Every kernel paired by :func:`twin`, by name (filled as the mechanisms' modules load).
KERNELS: dict[str, Kernel] = {}


def compiled() -> bool:
    """Whether the compiled kernels run: numba is installed and ``TECHBLOC_NUMBA`` is not 0."""
    return os.environ.get("TECHBLOC_NUMBA", "1") != "0" and _jit() is not None


def threads() -> int:
    """The threads the compiled kernels split over (numba's number of threads, 1 inside
    :func:`serial`), or 1 without them."""
    jit = _jit() if compiled() else None
    return 1 if jit is None else int(jit.threads())


def serial() -> AbstractContextManager[None]:
    """A block within which kernels called from this thread run on it alone."""
    jit = _jit() if compiled() else None
    return contextlib.nullcontext() if jit is None else jit.serial()


@functools.cache
def _jit() -> ModuleType | None:
    """:mod:`techbloc.model.jit` (which imports numba), or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    try:  # the package sets numba's cache directory before it imports numba
        return importlib.import_module("techbloc.model.jit")
    except ImportError:  # numba unusable here (e.g. built for another numpy)
        return None


def _run(name: str) -> Callable[..., Any]:
    """The ``run`` function of kernel ``name`` (imports numba and the kernel)."""
    run: Callable[..., Any] = importlib.import_module(f"techbloc.model.jit.{name}").run
    return run


class Twin(Generic[P, R]):
    """A numpy function that runs its compiled twin when it can (made by :func:`twin`).

    Attributes
    ----------
    name : str
        The kernel's name, a key of :data:`KERNELS`.
    reference : callable
        The numpy function, the mechanism as written in ``docs/model.md``.
    """

    def __init__(
        self,
        name: str,
        reference: Callable[P, R],
        call: Callable[[Callable[..., Any], SimpleNamespace], R],
    ) -> None:
        self.name = name
        self.reference = reference
        self._call = call
        self._signature = inspect.signature(reference)
        functools.update_wrapper(self, reference)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if not compiled():
            return self.reference(*args, **kwargs)
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return self._call(_run(self.name), SimpleNamespace(**bound.arguments))

    def __reduce__(self) -> str:
        return self.reference.__qualname__  # pickled by name, as the function it replaces

    def __repr__(self) -> str:
        return f"<{self.reference.__module__}.{self.reference.__qualname__}, twin of {self.name!r}>"


def twin(
    name: str, call: Callable[[Callable[..., Any], SimpleNamespace], R]
) -> Callable[[Callable[P, R]], Twin[P, R]]:
    """Pair the decorated numpy function with compiled kernel ``name``.

    Parameters
    ----------
    name : {"flows", "margins", "protection", "toggle", "veto"}
        The kernel's module in :mod:`techbloc.model.jit`.
    call : callable
        ``call(run, args)`` returns what the numpy function returns, computed by the kernel:
        ``args`` holds the function's arguments by name (defaults applied), and ``run``
        takes the kernel's named tuple (the flows kernel also η).

    Returns
    -------
    callable
        A decorator turning the function into a :class:`Twin` registered in :data:`KERNELS`.

    Raises
    ------
    ValueError
        If ``name`` is not a kernel.
    """
    if name not in _ARRAYS:
        raise ValueError(f"no compiled kernel {name!r}; known: {', '.join(_ARRAYS)}")

    def decorate(reference: Callable[P, R]) -> Twin[P, R]:
        mechanism = Twin(name, reference, call)
        KERNELS[name] = Kernel(name, _ARRAYS[name], mechanism)
        return mechanism

    return decorate
