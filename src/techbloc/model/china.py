"""E6-E8: what China absorbs, its knowledge stock, indigenization, R&D and self-sufficiency.

Controls deny inputs at once (``denial``); indigenous capacity ``Z`` builds with a lag
and later raises China's R&D productivity (``indigenization``). Which effect dominates
differs across futures: exclusion backfires in some and works in others (MODEL.md §8.7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from techbloc.model.knowledge import know_how_step

__all__ = [
    "ChinaState",
    "china_step",
    "conversion_rate",
    "imitation",
    "indigenous_capacity_step",
    "knowledge_step",
    "own_production",
    "rd_intensity_step",
    "self_sufficiency_step",
]


@dataclass(frozen=True)
class ChinaState:
    """China's state in one run, arrays over ``(S, P, D)`` (``rd_extra``: ``(S, P)``).

    Attributes
    ----------
    knowledge, know_how : ndarray
        K and I (PPP $bn).
    capacity : ndarray
        Indigenous capacity Z.
    self_sufficiency : ndarray
        SS per domain.
    rd_extra : ndarray
        China's R&D intensity above its trend path, from the pressure of exclusion (E8).
    """

    knowledge: NDArray[np.float64]
    know_how: NDArray[np.float64]
    capacity: NDArray[np.float64]
    self_sufficiency: NDArray[np.float64]
    rd_extra: NDArray[np.float64]


def china_step(
    state: ChinaState,
    *,
    rd: NDArray[np.float64],
    theta: NDArray[np.float64],
    depreciation: NDArray[np.float64],
    complexity: NDArray[np.float64],
    exclusion: NDArray[np.float64],
    imitated: NDArray[np.float64],
    frontier: NDArray[np.float64],
    relative0: NDArray[np.float64],
    exclusion0: NDArray[np.float64],
    ss_drift: NDArray[np.float64],
    rd_initial: float,
    values: Mapping[str, NDArray[np.float64]],
) -> ChinaState:
    """China's year, E7-E9: knowledge, know-how, self-sufficiency, R&D pressure, capacity.

    One function for every China the engine runs: the main run (with the status-quo
    reference among its policies) and the twin without exclusion (``exclusion`` 0).

    Parameters
    ----------
    state : ChinaState
    rd : ndarray, shape (S, P, D)
        China's R&D this year by domain (PPP $bn/yr).
    theta : ndarray, shape (S,)
    depreciation, complexity, ss_drift : ndarray, shape (S, 1, D)
    exclusion, imitated, frontier : ndarray, shape (S, P, D)
    relative0, exclusion0 : ndarray, shape (S, 1, D)
        China's knowledge relative to the frontier, and the status-quo exclusion, at the start.
    rd_initial : float
        China's R&D intensity at the start year (E8's rd0).
    values : mapping
        Scenario parameter arrays (S,).
    """
    v = values
    return ChinaState(
        knowledge=knowledge_step(
            state.knowledge,
            rd,
            theta,
            depreciation,
            v["denial"],
            exclusion,
            v["indigenization"],
            state.capacity,
            imitated,
            state.self_sufficiency,
        ),
        know_how=know_how_step(
            state.know_how,
            state.knowledge,
            v["learning_rate"][:, None, None],
            complexity,
            state.self_sufficiency,
        ),
        self_sufficiency=self_sufficiency_step(
            state.self_sufficiency,
            ss_drift,
            state.knowledge / frontier,
            relative0,
            v["ss_exponent"],
            v["ss_exclusion_boost"],
            state.capacity,
            exclusion0,
        ),
        rd_extra=rd_intensity_step(
            state.rd_extra,
            rd_initial,
            state.capacity,
            exclusion0,
            v["rd_response"],
            v["rd_adjustment"],
            v["rd_max"],
        ),
        capacity=indigenous_capacity_step(state.capacity, exclusion, v["indigenization_lag"]),
    )


def conversion_rate(
    knowledge: NDArray[np.float64],
    know_how: NDArray[np.float64],
    leader: NDArray[np.float64],
    complexity: NDArray[np.float64],
    max_conversion: NDArray[np.float64],
    absorption_exponent: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E6: ``χ = max_conversion · AC / (AC + complexity)``, ``AC = (K_c/K_lead)^e (I_c/K_c)``."""
    safe_k = np.maximum(knowledge, 1e-12)
    relative = np.clip(knowledge / np.maximum(leader, 1e-12), 0.0, 1.0)
    capacity = np.power(relative, absorption_exponent[:, None, None]) * (know_how / safe_k)
    return max_conversion[:, None, None] * capacity / (capacity + complexity)


def imitation(
    knowledge: NDArray[np.float64],
    know_how: NDArray[np.float64],
    frontier: NDArray[np.float64],
    leader: NDArray[np.float64],
    access: NDArray[np.float64],
    exposed: NDArray[np.float64],
    complexity: NDArray[np.float64],
    max_conversion: NDArray[np.float64],
    absorption_exponent: NDArray[np.float64],
    catch_up_rate: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """E6: knowledge China converts from abroad (Gilli & Gilli 2019 absorption filter).

    ``gap = max(0, K_F - K_c)``; ``AC = (K_c / K_lead)^absorption_exponent · (I_c / K_c)``;
    ``χ = max_conversion · AC / (AC + complexity)``;
    ``Imit = min(gap, χ (catch_up_rate · A · gap + Λ))``.

    Parameters
    ----------
    knowledge, know_how : ndarray, shape (S, P, D)
        China's K and I.
    frontier : ndarray, shape (S, P, D)
        ``K_F``: everything outside China that could be imitated.
    leader : ndarray, shape (S, P, D)
        The largest single holder's stock. Absorptive capacity compares China with the
        leading holder, not with ``K_F`` (a deliberate change from MODEL.md E6): relative
        to the sum over ~57 countries, China's absorptive capacity would fall whenever a
        country is added to the world table, and conversion would stay near zero.
    access : ndarray, shape (S, P, D)
    exposed : ndarray, shape (S, P, D)
        Λ, knowledge exposed through leakage.
    complexity : ndarray, shape (S, 1, D)
    max_conversion, absorption_exponent, catch_up_rate : ndarray, shape (S,)

    Returns
    -------
    total : ndarray, shape (S, P, D)
        Imitated knowledge per year (PPP $bn).
    from_leakage : ndarray, shape (S, P, D)
        The part of ``total`` that came through leakage (absorbed leakage).
    """
    gap = np.maximum(frontier - knowledge, 0.0)
    conversion = conversion_rate(
        knowledge, know_how, leader, complexity, max_conversion, absorption_exponent
    )
    legal = catch_up_rate[:, None, None] * access * gap
    wanted = legal + exposed
    total = np.minimum(gap, conversion * wanted)
    from_leakage = total * np.where(wanted > 0, exposed / np.where(wanted > 0, wanted, 1.0), 0.0)
    return total, from_leakage


def knowledge_step(
    knowledge: NDArray[np.float64],
    rd: NDArray[np.float64],
    theta: NDArray[np.float64],
    depreciation: NDArray[np.float64],
    denial: NDArray[np.float64],
    exclusion: NDArray[np.float64],
    indigenization: NDArray[np.float64],
    capacity: NDArray[np.float64],
    imitated: NDArray[np.float64],
    self_sufficiency: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E7: ``K_c' = (1-δ)K_c + θ R_c (1 - denial X (1 - SS))(1 + indigenization Z) + Imit``.

    Self-sufficiency erodes denial (MODEL.md §9.5b): what China makes itself cannot be
    denied to it.

    Parameters
    ----------
    knowledge, rd, exclusion, capacity, imitated, self_sufficiency : ndarray, shape (S, P, D)
    theta, denial, indigenization : ndarray, shape (S,)
    depreciation : ndarray, shape (S, 1, D)
    """
    own = own_production(rd, theta, denial, exclusion, indigenization, capacity, self_sufficiency)
    return (1.0 - depreciation) * knowledge + own + imitated


def own_production(
    rd: NDArray[np.float64],
    theta: NDArray[np.float64],
    denial: NDArray[np.float64],
    exclusion: NDArray[np.float64],
    indigenization: NDArray[np.float64],
    capacity: NDArray[np.float64],
    self_sufficiency: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E7: knowledge China produces itself, ``θ R_c (1 - denial X (1 - SS))(1 + indig. Z)``.

    Shapes as in :func:`knowledge_step`; returns PPP $bn a year, shape (S, P, D).
    """
    productivity = (1.0 - denial[:, None, None] * exclusion * (1.0 - self_sufficiency)) * (
        1.0 + indigenization[:, None, None] * capacity
    )
    return theta[:, None, None] * rd * productivity


def indigenous_capacity_step(
    capacity: NDArray[np.float64], exclusion: NDArray[np.float64], lag: NDArray[np.float64]
) -> NDArray[np.float64]:
    """E7: ``Z' = Z + (X - Z) / indigenization_lag`` (lag in years, shape (S,))."""
    return capacity + (exclusion - capacity) / lag[:, None, None]


def rd_intensity_step(
    intensity: NDArray[np.float64],
    initial: float,
    capacity: NDArray[np.float64],
    status_quo_exclusion: NDArray[np.float64],
    response: NDArray[np.float64],
    adjustment: NDArray[np.float64],
    ceiling: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E8: China's extra R&D intensity moves partially towards a pressure-driven target.

    ``x' = x + adj (response · mean_k(Z_k - X_k,0) (rd_max - rd0) - x)``: the intensity
    above China's trend path (MODEL.md §9.7), zero under the status quo.

    Parameters
    ----------
    intensity : ndarray, shape (S, P)
        Extra GERD / GDP above the trend path.
    initial : float
        rd0, China's intensity at the start year.
    capacity : ndarray, shape (S, P, D)
    status_quo_exclusion : ndarray, shape (S, 1, D)
        X_k,0 under US-only controls at the start year.
    response, adjustment, ceiling : ndarray, shape (S,)
    """
    pressure: NDArray[np.float64] = (capacity - status_quo_exclusion).mean(axis=-1)
    target = response[:, None] * pressure * (ceiling[:, None] - initial)
    return intensity + adjustment[:, None] * (target - intensity)


def self_sufficiency_step(
    share: NDArray[np.float64],
    drift: NDArray[np.float64],
    relative: NDArray[np.float64],
    relative0: NDArray[np.float64],
    exponent: NDArray[np.float64],
    boost: NDArray[np.float64],
    capacity: NDArray[np.float64],
    capacity0: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E8: China's self-sufficiency per domain.

    ``SS' = SS + drift_k (ρ/ρ0)^e (1 + boost (Z - Z0))₊ (1 - SS)`` with ``ρ = K_c / K_F``.
    Both factors are taken relative to the start year (a deliberate change from the
    literal MODEL.md form): the IC Insights drift (0.57 points a year over 2010-20) was
    observed *with* the start-year knowledge ratio and controls, so at the status quo the
    drift reproduces it (MODEL.md §8.3).

    Parameters
    ----------
    share : ndarray, shape (S, P, D)
    drift : ndarray, shape (S, 1, D)
        Per-domain drift (ss_drift × domain factor).
    relative, capacity : ndarray, shape (S, P, D)
    relative0, capacity0 : ndarray, broadcastable to (S, P, D)
    exponent, boost : ndarray, shape (S,)
    """
    ratio = np.power(
        np.maximum(relative, 1e-12) / np.maximum(relative0, 1e-12), exponent[:, None, None]
    )
    pressure = np.maximum(1.0 + boost[:, None, None] * (capacity - capacity0), 0.0)
    return np.clip(share + drift * ratio * pressure * (1.0 - share), 0.0, 1.0)
