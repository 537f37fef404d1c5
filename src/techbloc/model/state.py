"""What changes from year to year (:class:`EngineState`) and one year's flows (:class:`Year`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from techbloc.model.china import ChinaState
from techbloc.model.context import Context
from techbloc.model.flows import DomainFlows

__all__ = ["Cumulative", "EngineState", "Toggles", "Year"]


@dataclass(frozen=True)
class Cumulative:
    """Running sums since the start year, arrays (S, P) (PPP $bn).

    Attributes
    ----------
    leakage : ndarray
        Knowledge China absorbed through leakage.
    leakage_coalition : ndarray
        The part of it from coalition members' stocks and the shared stock.
    production : ndarray
        The coalition's knowledge production (national R&D kept and pool output).
    china_own, china_imitation : ndarray
        China's gains from its own R&D and from imitation (leakage excluded).
    tfp0 : pair of ndarray or None
        The start year's log-TFP terms, domestic and foreign (E13; None before it).
    """

    leakage: np.ndarray
    leakage_coalition: np.ndarray
    production: np.ndarray
    china_own: np.ndarray
    china_imitation: np.ndarray
    tfp0: tuple[np.ndarray, np.ndarray] | None


@dataclass(frozen=True)
class EngineState:
    """Everything that changes from year to year.

    Attributes
    ----------
    knowledge, know_how : ndarray, shape (S, P, D, N)
        K and I of every country (China's columns mirror ``china``).
    capability : ndarray, shape (S, P, N)
        Protection capability (moved by capacity building).
    members : ndarray of bool, shape (S, P, N)
        Membership after exits.
    margin : ndarray, shape (S, P, N)
        Last year's membership margins (0 outside the coalition).
    relative : ndarray, shape (S, P, N)
        The relative-gains term of the margins, held between the years it is evaluated.
    shared : ndarray, shape (S, P, D)
        The coalition's shared stock of pool output (MODEL.md §9.3).
    china, twin : ChinaState
        China in the main run, and China without exclusion (partners held).
    cumulative : Cumulative
        Running sums for cumulative outputs, through the year before.
    """

    knowledge: np.ndarray
    know_how: np.ndarray
    capability: np.ndarray
    members: np.ndarray
    margin: np.ndarray
    relative: np.ndarray
    shared: np.ndarray
    china: ChinaState
    twin: ChinaState
    cumulative: Cumulative

    @classmethod
    def initial(cls, ctx: Context) -> EngineState:
        S, P, D, N = ctx.shape
        c = ctx.inputs.china
        knowledge = np.repeat(ctx.start_knowledge[:, None], P, axis=1)
        know_how = knowledge.copy()
        know_how[..., c] *= ctx.values["china_know_how_ratio"][:, None, None]
        ss0 = np.broadcast_to(ctx.self_sufficiency0, (S, P, D))
        china = ChinaState(
            knowledge=knowledge[..., c].copy(),
            know_how=know_how[..., c].copy(),
            capacity=np.repeat(ctx.exclusion0, P, axis=1),
            self_sufficiency=ss0.copy(),
            rd_extra=np.zeros((S, P)),
        )
        zeros = np.zeros((S, P))
        return cls(
            knowledge=knowledge,
            know_how=know_how,
            capability=np.broadcast_to(ctx.inputs.capability, (S, P, N)).copy(),
            members=np.broadcast_to(ctx.policies.members, (S, P, N)).copy(),
            margin=np.zeros((S, P, N)),
            relative=np.zeros((S, P, N)),
            shared=np.zeros((S, P, D)),
            china=china,
            twin=replace(china),
            cumulative=Cumulative(
                leakage=zeros,
                leakage_coalition=zeros,
                production=zeros,
                china_own=zeros,
                china_imitation=zeros,
                tfp0=None,
            ),
        )


class Toggles(NamedTuple):
    """What each country's membership toggled does (§9.1), arrays (S, P, N)."""

    growth_change: np.ndarray  # China's knowledge growth change
    joining_share: np.ndarray  # the share of its R&D each outsider would pay into the pool


@dataclass(frozen=True)
class Year:
    """One year's flows: what :mod:`~techbloc.model.observe` records and ``advance`` uses."""

    t: int
    members: np.ndarray
    target: np.ndarray
    floor: np.ndarray
    national_rd: np.ndarray
    will: np.ndarray
    protection: np.ndarray
    stringency: np.ndarray
    share: np.ndarray
    leak: np.ndarray
    flows: DomainFlows
    pool_leak: np.ndarray
    exposed: np.ndarray
    coalition_exposed: np.ndarray
    imitated: np.ndarray
    absorbed: np.ndarray
    margin: np.ndarray
    relative: np.ndarray
    building: np.ndarray
    review: np.ndarray
    toggles: Toggles | None
