"""One year's work over every domain and country: the engine's ``[S, P, D, N]`` passes.

:func:`domain_flows` gathers what :func:`~techbloc.model.engine.run_model` computes over
whole ``[S, P, D, N]`` arrays each year: China's access (E4), the joint pool (E2),
diffusion (E3), the stock term of leakage (E5), the frontier and the leading holder, the
per-country sums over domains the payoffs and outputs need, and the next year's knowledge
and know-how (E1, E9). Everything smaller (per country or per domain) stays in
``run_model``.

:func:`domain_flows_reference` is the numpy reference, written with the mechanism
functions of :mod:`~techbloc.model.knowledge` and :mod:`~techbloc.model.controls`; the
compiled twin of :func:`domain_flows` (:mod:`techbloc.model.jit.flows`, paired by
:func:`techbloc.model.kernels.twin`) computes the same in one pass over memory per scenario
and policy (tests compare both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from techbloc.model import kernels
from techbloc.model.controls import access, stock_exposure
from techbloc.model.knowledge import (
    diffusion_inflow,
    diffusion_scale,
    know_how_step,
    pool_flows,
    usable_knowledge,
)

__all__ = ["DomainFlows", "FlowInputs", "FlowWorkspace", "domain_flows", "domain_flows_reference"]


@dataclass(frozen=True)
class FlowInputs:
    """One year's inputs to :func:`domain_flows`.

    Attributes
    ----------
    knowledge, know_how : ndarray, shape (S, P, D, N)
        K and I at the start of the year.
    national_rd : ndarray, shape (S, P, N)
        Each country's R&D this year, PPP $bn/yr.
    mix : ndarray, shape (S, D, N)
        Domain mix of each country's R&D.
    members : ndarray of bool, shape (S, P, N)
    share : ndarray, shape (S, P, N)
        Share of R&D paid into the pool (:func:`~techbloc.model.knowledge.pool_shares`).
    boost : ndarray, shape (S, P)
        The pool's synergy factor (:func:`~techbloc.model.knowledge.pool_boost`).
    member_level, us_level : ndarray, shape (S, P, D)
        Stringency on members' and on US-held technology
        (:func:`~techbloc.model.controls.member_level`,
        :func:`~techbloc.model.controls.us_level`).
    binding, us_binding : ndarray, shape (S, P, N)
        Coverage per unit of each level
        (:func:`~techbloc.model.controls.control_binding`).
    holders : ndarray of bool, shape (N,)
    concentration, exponent : ndarray, shape (S,)
        η and r of :func:`~techbloc.model.controls.access`.
    leak : ndarray, shape (S, P, N)
        National leak rates.
    theta, absorptive_multiple : ndarray, shape (S,)
    shared : ndarray, shape (S, P, D)
        The coalition's shared stock ``S_C`` at the start of the year.
    output : ndarray, shape (N,)
        GDP this year (knowledge intensity is ``K / output``).
    size : ndarray, shape (N,)
        Diffusion weights (0 for China).
    rate, allied : ndarray, shape (S,)
        ``diffusion`` and ``allied_diffusion``.
    depreciation, complexity : ndarray, shape (S, D)
    learning_rate : ndarray, shape (S,)
    experience : ndarray, shape (N,)
    military_weight : ndarray, shape (D,)
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
    concentration: np.ndarray
    exponent: np.ndarray
    leak: np.ndarray
    theta: np.ndarray
    absorptive_multiple: np.ndarray
    shared: np.ndarray
    output: np.ndarray
    size: np.ndarray
    rate: np.ndarray
    allied: np.ndarray
    depreciation: np.ndarray
    complexity: np.ndarray
    learning_rate: np.ndarray
    experience: np.ndarray
    military_weight: np.ndarray


@dataclass(frozen=True)
class DomainFlows:
    """What :func:`domain_flows` returns.

    Attributes
    ----------
    access, frontier, leader, stock_exposure, pool, member_exposure : ndarray, shape (S, P, D)
        China's access ``A_k``; knowledge outside China (national stocks and the shared
        stock, each once); the largest holder's usable knowledge; ``Σ_j l_j K[j,k]`` over
        holders; the pool ``P_k``; ``Σ_j l_j K[j,k]`` over the holders that are coalition
        members.
    contribution, gain, allied_bonus, rd : ndarray, shape (S, P, N)
        Pool contributions, pool gains, allied-diffusion bonus and R&D, summed over domains.
    country_knowledge, military, usable, realized : ndarray, shape (S, P, N) or None
        ``Σ_k K`` (national), ``Σ_k v_k min(U, I)``, ``Σ_k U`` and ``Σ_k min(U, I)``, with
        ``U`` the usable knowledge (:func:`~techbloc.model.knowledge.usable_knowledge`),
        each summed over domains in domain order (None unless ``outputs``).
    knowledge, know_how : ndarray, shape (S, P, D, N) or None
        Next year's K (E1: own R&D net of pool contributions, and diffusion; China's
        column is replaced by E7) and I (E9, learning towards ``U`` with each country's
        ``experience``), None unless ``update``.
    """

    access: np.ndarray
    frontier: np.ndarray
    leader: np.ndarray
    stock_exposure: np.ndarray
    pool: np.ndarray
    member_exposure: np.ndarray
    contribution: np.ndarray
    gain: np.ndarray
    allied_bonus: np.ndarray
    rd: np.ndarray
    country_knowledge: np.ndarray | None
    military: np.ndarray | None
    usable: np.ndarray | None
    realized: np.ndarray | None
    knowledge: np.ndarray | None
    know_how: np.ndarray | None


class FlowWorkspace:
    """Buffers the compiled kernel reuses from year to year within one run.

    Holds the sort order of knowledge intensity per ``(s, p, d)`` row (diffusion sorts
    warm-started from last year's order, which changes little), spare arrays for the
    next year's state, and the access weights ``K^η``. ``weights_current``: a caller that
    runs the same knowledge again (the one-year runs of many coalitions) sets it after the
    first run, and the weights are then reused rather than recomputed.
    """

    def __init__(self, shape: tuple[int, int, int, int]) -> None:
        self.order = np.empty(shape, dtype=np.int64)
        self.order[...] = np.arange(shape[-1])
        self.spare_knowledge = np.empty(shape)
        self.spare_know_how = np.empty(shape)
        self.weight = np.empty(shape)
        self.weights_current = False

    def recycle(self, knowledge: np.ndarray, know_how: np.ndarray) -> None:
        """Take back last year's state arrays to write the next year's into."""
        self.spare_knowledge, self.spare_know_how = knowledge, know_how


def domain_flows_reference(
    x: FlowInputs, china: int, *, update: bool, outputs: bool
) -> DomainFlows:
    """Numpy reference for :func:`domain_flows` (the engine's path without numba)."""
    knowledge = x.knowledge
    rd = x.national_rd[:, :, None, :] * x.mix[:, None]
    coverage = (
        x.member_level[..., None] * x.binding[:, :, None, :]
        + x.us_level[..., None] * x.us_binding[:, :, None, :]
    )
    access_ = access(coverage, knowledge, x.holders, x.concentration, x.exponent)
    contribution, own_rd, pool, gain = pool_flows(
        rd, x.members, x.share, x.boost, x.theta, x.absorptive_multiple
    )
    inflow, allied_bonus = diffusion_inflow(
        knowledge / x.output, x.size, x.members, x.rate, x.allied
    )
    usable = usable_knowledge(knowledge, x.shared, x.members, x.absorptive_multiple)
    country_knowledge = military = usable_total = realized_total = None
    new_knowledge = new_know_how = None
    if outputs:
        realized = np.minimum(usable, x.know_how)
        country_knowledge = knowledge.sum(axis=2)
        military = np.einsum("spdn,d->spn", realized, x.military_weight)
        usable_total = usable.sum(axis=2)
        realized_total = realized.sum(axis=2)
    if update:
        # v4: pool output accumulates once, in the shared stock (engine.advance); a
        # member's pool gain is not added to its national stock
        new_knowledge = (
            (1.0 - x.depreciation[:, None, :, None]) * knowledge
            + x.theta[:, None, None, None] * own_rd
            + inflow
        )
        new_know_how = know_how_step(
            x.know_how,
            usable,
            x.learning_rate[:, None, None, None],
            x.complexity[:, None, :, None],
            x.experience,
        )
    return DomainFlows(
        access=access_,
        frontier=knowledge.sum(axis=-1) - knowledge[..., china] + x.shared,
        leader=np.where(x.holders, usable, 0.0).max(axis=-1),
        stock_exposure=stock_exposure(x.leak, knowledge, x.holders),
        member_exposure=stock_exposure(x.leak * x.members, knowledge, x.holders),
        pool=pool,
        contribution=contribution.sum(axis=2),
        gain=gain.sum(axis=2),
        allied_bonus=allied_bonus.sum(axis=2),
        rd=rd.sum(axis=2),
        country_knowledge=country_knowledge,
        military=military,
        usable=usable_total,
        realized=realized_total,
        knowledge=new_knowledge,
        know_how=new_know_how,
    )


def _compiled(run: Callable[..., None], args: SimpleNamespace) -> DomainFlows:
    """:func:`domain_flows` by the compiled flows kernel (:mod:`techbloc.model.jit.flows`)."""
    x, china, update, outputs = args.x, args.china, args.update, args.outputs
    workspace = args.workspace if args.workspace is not None else FlowWorkspace(x.knowledge.shape)
    S, P, D, N = x.knowledge.shape
    c = kernels.contiguous
    by_domain = [np.empty((S, P, D)) for _ in range(6)]
    by_country = [np.empty((S, P, N)) for _ in range(8)]
    access_, frontier, leader, exposure, pool, member_exposure = by_domain
    contribution, gain, bonus, rd, country_k, military, usable, realized = by_country
    new_k, new_i = workspace.spare_knowledge, workspace.spare_know_how
    run(
        kernels.FlowArrays(
            knowledge=c(x.knowledge),
            know_how=c(x.know_how),
            national_rd=c(x.national_rd),
            mix=c(x.mix),
            members=c(x.members, np.bool_),
            share=c(x.share),
            boost=c(x.boost),
            member_level=c(x.member_level),
            us_level=c(x.us_level),
            binding=c(x.binding),
            us_binding=c(x.us_binding),
            holders=c(x.holders, np.bool_),
            weight_k=workspace.weight,
            r=c(x.exponent),
            leak=c(x.leak),
            theta=c(x.theta),
            absorptive=c(x.absorptive_multiple),
            shared=c(x.shared),
            output=c(x.output),
            size=c(x.size),
            scale=c(diffusion_scale(x.size)),
            rate=c(x.rate),
            allied=c(x.allied),
            retention=c(1.0 - x.depreciation),
            learning_rate=c(x.learning_rate),
            complexity=c(x.complexity),
            experience=c(x.experience),
            military_weight=c(x.military_weight),
            china=china,
            update=update,
            outputs=outputs,
            order=workspace.order,
            access=access_,
            frontier=frontier,
            leader=leader,
            exposure=exposure,
            pool=pool,
            member_exposure=member_exposure,
            contribution_sum=contribution,
            gain_sum=gain,
            bonus_sum=bonus,
            rd_sum=rd,
            country_k=country_k,
            military=military,
            usable_k=usable,
            realized_k=realized,
            new_k=new_k,
            new_i=new_i,
        ),
        None if workspace.weights_current else c(x.concentration),
    )
    return DomainFlows(
        access=access_,
        frontier=frontier,
        leader=leader,
        stock_exposure=exposure,
        pool=pool,
        member_exposure=member_exposure,
        contribution=contribution,
        gain=gain,
        allied_bonus=bonus,
        rd=rd,
        country_knowledge=country_k if outputs else None,
        military=military if outputs else None,
        usable=usable if outputs else None,
        realized=realized if outputs else None,
        knowledge=new_k if update else None,
        know_how=new_i if update else None,
    )


@kernels.twin("flows", _compiled)
def domain_flows(
    x: FlowInputs,
    china: int,
    *,
    update: bool,
    outputs: bool,
    workspace: FlowWorkspace | None = None,
) -> DomainFlows:
    """One year's ``[S, P, D, N]`` work, by the compiled kernel when numba is available.

    Parameters
    ----------
    x : FlowInputs
    china : int
        Position of China (excluded from the frontier).
    update : bool
        Also compute next year's knowledge and know-how.
    outputs : bool
        Also compute the per-country sums the outputs read (``country_knowledge``,
        ``military``, ``usable``, ``realized``).
    workspace : FlowWorkspace, optional
        Buffers kept across years (the compiled kernel only). The returned state arrays
        are the workspace's spares: hand last year's back with
        :meth:`FlowWorkspace.recycle`.

    Returns
    -------
    DomainFlows
        Without numba (or with ``TECHBLOC_NUMBA=0``), :func:`domain_flows_reference`.
    """
    return domain_flows_reference(x, china, update=update, outputs=outputs)
