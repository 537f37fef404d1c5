"""Random state of the analysis functions: one ``rng`` argument, as scikit-learn's
``check_random_state`` (an int seed, a :class:`numpy.random.Generator`, or ``None``).

SALib's analyzers take an integer ``seed`` and treat ``0`` (and ``None``) as "no seed"
(``if seed: ...``), so a seed of 0 gave different bootstrap intervals on every call.
:func:`library_seed` turns any ``rng`` into a seed those libraries honour.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from techbloc.errors import InputError

__all__ = ["RandomState", "check_rng", "library_seed", "renamed_seed"]

#: What an ``rng`` argument accepts.
RandomState = int | np.random.Generator | None


def check_rng(rng: RandomState) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from an ``rng`` argument.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None
        An int seeds a new generator (the same int gives the same stream); a generator is
        used as is (and advanced); ``None`` gives a fresh, unseeded generator.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    InputError
        For anything else (a float, a bool, a legacy ``RandomState``, a negative int).
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool | np.bool_):
        if int(rng) < 0:
            raise InputError(f"a seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(int(rng))
    raise InputError(
        f"rng must be an int seed, a numpy Generator or None, got {type(rng).__name__}"
    )


def library_seed(rng: RandomState) -> int:
    """A positive integer seed for libraries that ignore 0 (SALib), drawn from ``rng``.

    The same int ``rng`` always gives the same seed; a generator is advanced by one draw.
    """
    return int(check_rng(rng).integers(1, 2**31 - 1))


def renamed_seed(rng: RandomState, seed: int | None, function: str) -> RandomState:
    """The ``rng`` of a function whose ``seed`` keyword was renamed ``rng``.

    Parameters
    ----------
    rng : int, numpy.random.Generator or None
        The ``rng`` argument.
    seed : int or None
        The deprecated ``seed`` argument; ``None`` when the caller did not pass it.
    function : str
        The function's name, for the warning.

    Returns
    -------
    int, numpy.random.Generator or None
        ``seed`` if it was given (with a :class:`DeprecationWarning`), else ``rng``.
    """
    if seed is None:
        return rng
    warnings.warn(
        f"{function}(seed=...) is deprecated and will be removed in techbloc 0.4; "
        f"use {function}(rng=...), which also takes a numpy Generator",
        DeprecationWarning,
        stacklevel=3,
    )
    return seed
