"""The year's protection terms for every country (E10, E4, E2, E5): :func:`protection_terms`.

Each year, before the flows, every country's will to protect (E10,
:func:`~techbloc.model.partners.will`), its protection (capability × will × effort), the
coverage of controls per unit of the members' and of the US's level (E4,
:func:`~techbloc.model.controls.control_binding`), the coalition's achieved stringency
(:func:`~techbloc.model.controls.achieved_stringency`), the share of R&D paid into the pool
(E2, :func:`~techbloc.model.knowledge.pool_shares`) and the national leak rate (E5,
:func:`~techbloc.model.controls.national_leak_rate`). Written once with those numpy
functions; the compiled twin (:mod:`techbloc.model.jit.protection`, paired by
:func:`techbloc.model.kernels.twin`) computes the same in one pass over ``[S, P, N]`` instead
of about twenty array passes (tests compare both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from techbloc.model import kernels
from techbloc.model.controls import achieved_stringency, control_binding, national_leak_rate
from techbloc.model.knowledge import pool_shares
from techbloc.model.partners import will

__all__ = ["ProtectionInputs", "ProtectionTerms", "protection_terms"]


@dataclass(frozen=True)
class ProtectionInputs:
    """One year's inputs to :func:`protection_terms`, built by keyword.

    Attributes
    ----------
    members : ndarray of bool, shape (S, P, N)
        This year's members (the USA alone before a policy starts).
    margin : ndarray, shape (S, P, N)
        Last year's membership margins.
    logit_base : ndarray, shape (S, N)
        The time-invariant part of the will logit
        (:func:`~techbloc.model.partners.will_logit_base`).
    will_credibility, will_value, reach, base_leak_rate, us_factor : ndarray, shape (S,)
        E10's weights of credibility and of the margin, ``extraterritorial_reach``,
        ``base_leak_rate`` and the factor on the US's pool share this year (1 when engaged).
    credibility : ndarray, shape (S,)
        The year's US credibility.
    effort : ndarray, shape (S, 1, N)
        Partners' effort (:func:`~techbloc.model.context.partner_effort`).
    capability : ndarray, shape (S, P, N)
    pool_share : ndarray, shape (P,)
        Each policy's pool share this year (0 before it starts).
    target : ndarray, shape (P, D)
        The stringency each policy aims at.
    usa : int
    """

    members: NDArray[np.bool_]
    margin: NDArray[np.float64]
    logit_base: NDArray[np.float64]
    will_credibility: NDArray[np.float64]
    credibility: NDArray[np.float64]
    will_value: NDArray[np.float64]
    effort: NDArray[np.float64]
    capability: NDArray[np.float64]
    reach: NDArray[np.float64]
    pool_share: NDArray[np.float64]
    us_factor: NDArray[np.float64]
    base_leak_rate: NDArray[np.float64]
    target: NDArray[np.float64]
    usa: int


class ProtectionTerms(NamedTuple):
    """What :func:`protection_terms` returns: arrays (S, P, N) but ``stringency`` (S, P, D)."""

    will: NDArray[np.float64]
    protection: NDArray[np.float64]
    stringency: NDArray[np.float64]
    binding: NDArray[np.float64]
    us_binding: NDArray[np.float64]
    share: NDArray[np.float64]
    leak: NDArray[np.float64]


def _compiled(
    run: Callable[..., tuple[NDArray[np.float64], ...]], a: SimpleNamespace
) -> ProtectionTerms:
    """:func:`protection_terms` by the compiled kernel (:mod:`techbloc.model.jit.protection`)."""
    x: ProtectionInputs = a.x
    c = kernels.contiguous
    S, P, N = x.members.shape
    return ProtectionTerms(
        *run(
            kernels.ProtectionArrays(
                members=c(x.members, np.bool_),
                margin=c(x.margin),
                logit_base=c(x.logit_base),
                will_credibility=c(x.will_credibility),
                credibility=c(x.credibility),
                will_value=c(x.will_value),
                effort=c(np.broadcast_to(x.effort, (S, 1, N))),
                capability=c(np.broadcast_to(x.capability, (S, P, N))),
                reach=c(x.reach),
                pool_share=c(x.pool_share),
                us_factor=c(x.us_factor),
                base_leak_rate=c(x.base_leak_rate),
                target=c(x.target),
                usa=x.usa,
            )
        )
    )


@kernels.twin("protection", _compiled)
def protection_terms(x: ProtectionInputs) -> ProtectionTerms:
    """Will (E10), protection, coverage per unit of each level (E4), achieved stringency,
    pool shares (E2) and national leak rates (E5) of every country this year.

    Parameters
    ----------
    x : ProtectionInputs

    Returns
    -------
    ProtectionTerms
        ``protection = capability · will · effort``; ``share`` the pool share of each
        member's R&D times its effort (the USA's scaled by ``us_factor``).
    """
    m = x.members
    will_ = will(
        base=x.logit_base,
        credibility_weight=x.will_credibility,
        credibility=x.credibility,
        value_weight=x.will_value,
        margin=np.where(m, x.margin, 0.0),
        usa=x.usa,
    )
    protection = x.capability * will_ * x.effort
    binding, us_binding = control_binding(protection, m, x.reach, x.usa)
    return ProtectionTerms(
        will=will_,
        protection=protection,
        stringency=achieved_stringency(x.target, will_, m),
        binding=binding,
        us_binding=us_binding,
        share=pool_shares(m, x.pool_share, x.us_factor, x.usa) * x.effort,
        leak=national_leak_rate(x.base_leak_rate, protection),
    )
