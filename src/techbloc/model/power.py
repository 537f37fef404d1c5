"""E13: from knowledge to output and power.

TFP is measured relative to the world mean, so a common decline in research productivity
cancels: ``ln A_i = β_d ln(K_i/K̄) + β_f ln(F_i/F̄) - (same at start)``. Economic power is
``Y²/Pop`` (Beckley 2018); military-technology capability is ``Σ_k v_k M_k``; composite
power is the geometric mean of the two, each relative to the US at the start year.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["economic_power", "log_tfp_terms"]


def log_tfp_terms(
    knowledge: NDArray[np.float64],
    frontier: NDArray[np.float64],
    access: NDArray[np.float64],
    china: int,
    usable: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``ln(U_i/Ū)`` and ``ln(F_i/F̄)`` for every country.

    Parameters
    ----------
    knowledge : ndarray, shape (S, P, N)
        National stocks ``K``, all domains (the foreign term of others sums them).
    frontier : ndarray, shape (S, P, D)
        Knowledge outside China per domain.
    access : ndarray, shape (S, P, D)
        China's access (China reaches foreign knowledge only through it).
    china : int
    usable : ndarray, shape (S, P, N), optional
        Usable knowledge ``U``, all domains, of the domestic term (v4: members draw on the
        shared stock, :func:`~techbloc.model.knowledge.usable_knowledge`); ``knowledge``
        if not given.

    Returns
    -------
    domestic, foreign : ndarray, shape (S, P, N)
    """
    total = knowledge
    foreign = total.sum(axis=-1, keepdims=True) - total - total[..., [china]]
    foreign[..., china] = (access * frontier).sum(axis=-1)
    if usable is not None:
        total = usable
    total = np.maximum(total, 1e-12)
    foreign = np.maximum(foreign, 1e-12)
    domestic = np.log(total) - np.log(total.mean(axis=-1, keepdims=True))
    reachable = np.log(foreign) - np.log(foreign.mean(axis=-1, keepdims=True))
    return domestic, reachable


def economic_power(
    output: NDArray[np.float64], population: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Economic power ``Y²/Pop`` (Beckley 2018), NaN where the population is unknown."""
    return output**2 / population
