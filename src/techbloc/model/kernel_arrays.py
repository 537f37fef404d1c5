"""The arguments of each compiled kernel, as named tuples in the kernel's own order.

A mechanism's compiled path (the ``call`` of :func:`techbloc.model.kernels.twin`) builds
one of these by keyword (so no argument can land in the wrong place) and hands it to the
kernel's ``run`` (:mod:`techbloc.model.jit`), which calls the kernel with the tuple
unpacked. The field names are the compiled functions' parameter names, and a test checks
that they agree, field by field. Shapes: ``S`` scenarios, ``P`` policies, ``D`` domains,
``N`` countries. Every array is C-contiguous float64 unless said.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "FlowArrays",
    "MarginArrays",
    "ProtectionArrays",
    "ToggleArrays",
    "VetoArrays",
    "contiguous",
]


def contiguous(a: object, dtype: type = np.float64) -> np.ndarray:
    """``a`` as a C-contiguous array of ``dtype`` (no copy when it already is one), the form
    every kernel argument takes."""
    return np.ascontiguousarray(a, dtype=dtype)


class FlowArrays(NamedTuple):
    """Arguments of the flows kernel (:func:`techbloc.model.flows.domain_flows`).

    Inputs: ``knowledge``, ``know_how`` (S, P, D, N); ``national_rd``, ``share``,
    ``binding``, ``us_binding``, ``leak`` (S, P, N); ``mix`` (S, D, N); ``members`` bool
    (S, P, N); ``boost`` (S, P); ``member_level``, ``us_level``, ``shared`` (S, P, D);
    ``holders`` bool (N,); ``weight_k`` a
    (S, P, D, N) buffer that the dispatcher fills with ``max(K, 0)^η``; per scenario (S,):
    ``r``, ``theta``, ``absorptive``, ``rate``, ``allied``, ``learning_rate``;
    ``retention`` and ``complexity`` (S, D); ``output``, ``size``, ``scale``, ``experience``
    (N,); ``military_weight`` (D,); ``china`` the index of China; ``update`` and
    ``outputs`` flags. ``order`` (S, P, D, N) int64 is read and written (last year's
    diffusion order). Outputs, written: by domain (S, P, D) ``access`` to ``member_exposure``;
    by country (S, P, N) ``contribution_sum`` to ``realized_k``; ``new_k``, ``new_i``
    (S, P, D, N).
    """

    knowledge: np.ndarray
    know_how: np.ndarray
    national_rd: np.ndarray
    mix: np.ndarray
    members: np.ndarray
    share: np.ndarray
    boost: np.ndarray
    member_level: np.ndarray
    us_level: np.ndarray
    binding: np.ndarray
    us_binding: np.ndarray
    holders: np.ndarray
    weight_k: np.ndarray
    r: np.ndarray
    leak: np.ndarray
    theta: np.ndarray
    absorptive: np.ndarray
    shared: np.ndarray
    output: np.ndarray
    size: np.ndarray
    scale: np.ndarray
    rate: np.ndarray
    allied: np.ndarray
    retention: np.ndarray
    learning_rate: np.ndarray
    complexity: np.ndarray
    experience: np.ndarray
    military_weight: np.ndarray
    china: int
    update: bool
    outputs: bool
    order: np.ndarray
    access: np.ndarray
    frontier: np.ndarray
    leader: np.ndarray
    exposure: np.ndarray
    pool: np.ndarray
    member_exposure: np.ndarray
    contribution_sum: np.ndarray
    gain_sum: np.ndarray
    bonus_sum: np.ndarray
    rd_sum: np.ndarray
    country_k: np.ndarray
    military: np.ndarray
    usable_k: np.ndarray
    realized_k: np.ndarray
    new_k: np.ndarray
    new_i: np.ndarray


class MarginArrays(NamedTuple):
    """Arguments of the E12 margins kernel (:func:`techbloc.model.partners.margins_from_flows`).

    ``gain``, ``contribution``, ``bonus``, ``rd``, ``will``, ``friction_sum`` (S, P, N);
    ``members`` bool (S, P, N); ``target_mean``, ``floor_mean`` (S, P); ``dependence``,
    ``threat`` (N,);
    per scenario (S,): ``theta``, ``reach``, ``credibility``, ``payoff_scale``,
    ``trade_cost``, ``friction_scale``, ``security_value``. Returns the margins (S, P, N).
    """

    gain: np.ndarray
    contribution: np.ndarray
    bonus: np.ndarray
    rd: np.ndarray
    theta: np.ndarray
    target_mean: np.ndarray
    floor_mean: np.ndarray
    will: np.ndarray
    members: np.ndarray
    reach: np.ndarray
    dependence: np.ndarray
    friction_sum: np.ndarray
    threat: np.ndarray
    credibility: np.ndarray
    payoff_scale: np.ndarray
    trade_cost: np.ndarray
    friction_scale: np.ndarray
    security_value: np.ndarray


class ProtectionArrays(NamedTuple):
    """Arguments of the protection kernel (:func:`techbloc.model.protection.protection_terms`).

    ``members`` bool, ``margin``, ``capability`` (S, P, N); ``logit_base`` (S, N);
    ``effort`` (S, 1, N); ``pool_share`` (P,); ``target`` (P, D); per scenario (S,):
    ``will_credibility``, ``credibility``, ``will_value``, ``reach``, ``us_factor``,
    ``base_leak_rate``; ``usa``. Returns will, protection, stringency (S, P, D), binding,
    us_binding, share and leak (S, P, N).
    """

    members: np.ndarray
    margin: np.ndarray
    logit_base: np.ndarray
    will_credibility: np.ndarray
    credibility: np.ndarray
    will_value: np.ndarray
    effort: np.ndarray
    capability: np.ndarray
    reach: np.ndarray
    pool_share: np.ndarray
    us_factor: np.ndarray
    base_leak_rate: np.ndarray
    target: np.ndarray
    usa: int


class ToggleArrays(NamedTuple):
    """Arguments of the membership-toggle kernel
    (:func:`techbloc.model.relative_gains.growth_changes`).

    ``members`` bool, ``will``, ``protection``, ``leak``, ``contribution``,
    ``national_rd``, ``share``, ``joining_share`` (S, P, N); ``target``, ``stringency``,
    ``shared``, ``per_access``, ``per_exposure`` (S, P, D); ``floor`` (D,), the US's own
    level; ``weight_k`` ``max(K, 0)^η`` (S, P, D, N); ``holders`` bool (N,); ``mix``
    (S, D, N); per scenario (S,): ``reach``, ``r``, ``sls`` (stock leak share); ``china``,
    ``usa``; ``outsiders`` (also toggle outsiders). Returns China's growth change per
    toggled country (S, P, N).
    """

    members: np.ndarray
    will: np.ndarray
    target: np.ndarray
    stringency: np.ndarray
    floor: np.ndarray
    protection: np.ndarray
    reach: np.ndarray
    weight_k: np.ndarray
    holders: np.ndarray
    r: np.ndarray
    leak: np.ndarray
    contribution: np.ndarray
    national_rd: np.ndarray
    mix: np.ndarray
    share: np.ndarray
    joining_share: np.ndarray
    shared: np.ndarray
    sls: np.ndarray
    per_access: np.ndarray
    per_exposure: np.ndarray
    china: int
    usa: int
    outsiders: bool


class VetoArrays(NamedTuple):
    """Arguments of the veto kernel (:func:`techbloc.model.relative_gains.veto`).

    ``members`` bool, ``rd``, ``trade_weight``, ``stringency_drop``, ``growth_change``
    (S, P, N); ``pool_paid`` (S, P, D); ``joining_paid``, ``cap`` (S, P, D, N);
    ``friction`` (S, N, N); ``concern`` (S, N); per scenario (S,): ``synergy``,
    ``friction_scale``, ``payoff_scale``, ``tolerance``. Returns acceptance, bool (S, P, N).
    """

    members: np.ndarray
    pool_paid: np.ndarray
    joining_paid: np.ndarray
    cap: np.ndarray
    rd: np.ndarray
    synergy: np.ndarray
    trade_weight: np.ndarray
    stringency_drop: np.ndarray
    friction: np.ndarray
    friction_scale: np.ndarray
    concern: np.ndarray
    growth_change: np.ndarray
    payoff_scale: np.ndarray
    tolerance: np.ndarray
