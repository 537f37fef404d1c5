"""One year as the output reporters of :mod:`~techbloc.model.reporters` see it.

A :class:`YearView` bundles the state at the year's start, the year's flows and the run's
context, and computes the quantities several outputs share (the coalition's R&D, China's
realized capability, the usable knowledge, composite power, ...) once, on first use
(:func:`functools.cached_property`). Every array has leading axes ``(S, P)``.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from techbloc.model import china as china_model
from techbloc.model.context import Context
from techbloc.model.knowledge import usable_knowledge
from techbloc.model.power import economic_power, log_tfp_terms
from techbloc.model.state import Cumulative, EngineState, Year

__all__ = ["YearView", "own_production"]


def _observed(value: np.ndarray | None) -> np.ndarray:
    """A per-country sum the flows compute in every observed year (None in the others)."""
    assert value is not None
    return value


def own_production(state: EngineState, year: Year, ctx: Context) -> np.ndarray:
    """Knowledge China produces with its own R&D in year ``year.t``, after denial and
    indigenization (E7), per domain (S, P, D)."""
    p, c = ctx.params, ctx.inputs.china
    return china_model.own_production(
        rd=year.national_rd[..., c, None] * ctx.mix[:, None, :, c],
        theta=ctx.theta[:, year.t],
        denial=p.denial,
        exclusion=1.0 - year.flows.access,
        indigenization=p.indigenization,
        capacity=state.china.capacity,
        self_sufficiency=state.china.self_sufficiency,
    )


class YearView:
    """The state at the start of year ``year.t``, the year's flows and the run's context.

    Parameters
    ----------
    state : EngineState
    year : Year
    ctx : Context
    cumulative : Cumulative
        The running sums through this year (``state.cumulative`` holds them through the
        year before).
    """

    def __init__(
        self, state: EngineState, year: Year, ctx: Context, cumulative: Cumulative
    ) -> None:
        self.state = state
        self.cumulative = cumulative
        self.year = year
        self.ctx = ctx
        self.params = ctx.params
        self.t = year.t
        self.china = ctx.inputs.china
        self.usa = ctx.inputs.usa
        self.members = year.members
        self.flows = year.flows

    # --- R&D flows -------------------------------------------------------------------------

    @cached_property
    def n_members(self) -> np.ndarray:
        """Members, the USA included (S, P)."""
        result: np.ndarray = self.members.sum(axis=-1)
        return result

    @cached_property
    def alliance_rd(self) -> np.ndarray:
        """The coalition's R&D flow, PPP $bn/yr (S, P)."""
        result: np.ndarray = (self.year.national_rd * self.members).sum(axis=-1)
        return result

    @cached_property
    def world_rd(self) -> np.ndarray:
        """World R&D flow, the rest of the world included, PPP $bn/yr (S, P)."""
        result: np.ndarray = self.year.national_rd.sum(axis=-1) + self.ctx.row_rd[self.t]
        return result

    # --- knowledge and capability -----------------------------------------------------------

    @cached_property
    def country_knowledge(self) -> np.ndarray:
        """Each country's knowledge stock, all domains (S, P, N)."""
        return _observed(self.flows.country_knowledge)

    @cached_property
    def military(self) -> np.ndarray:
        """Each country's military-technology capability ``Σ_k v_k min(U, I)`` (S, P, N)."""
        return _observed(self.flows.military)

    @cached_property
    def shared_total(self) -> np.ndarray:
        """The coalition's shared stock, all domains (S, P)."""
        result: np.ndarray = self.state.shared.sum(axis=-1)
        return result

    @cached_property
    def usable(self) -> np.ndarray:
        """Knowledge each country can use, the shared stock included for members, all
        domains (S, P, N)."""
        return _observed(self.flows.usable)

    @cached_property
    def realized(self) -> np.ndarray:
        """Each country's realized capability ``Σ_k min(U, I)`` (S, P, N)."""
        return _observed(self.flows.realized)

    @cached_property
    def china_realized(self) -> np.ndarray:
        """China's realized capability ``min(K, I)`` per domain (S, P, D)."""
        return np.minimum(self.state.china.knowledge, self.state.china.know_how)

    @cached_property
    def china_own_production(self) -> np.ndarray:
        """Knowledge China produces with its own R&D this year, after denial and
        indigenization (E7), per domain (S, P, D)."""
        return own_production(self.state, self.year, self.ctx)

    @cached_property
    def china_knowledge(self) -> np.ndarray:
        """China's knowledge stock, all domains (S, P)."""
        result: np.ndarray = self.state.china.knowledge.sum(axis=-1)
        return result

    @cached_property
    def china_capability(self) -> np.ndarray:
        """China's realized capability, all domains (S, P)."""
        result: np.ndarray = self.china_realized.sum(axis=-1)
        return result

    @cached_property
    def gap_knowledge_by_domain(self) -> np.ndarray:
        """``ln(K_F / K_China)`` per domain (S, P, D)."""
        return np.log(self.flows.frontier / np.maximum(self.state.china.knowledge, 1e-12))

    @cached_property
    def gap_capability_by_domain(self) -> np.ndarray:
        """``ln(M_US / M_China)`` per domain (S, P, D)."""
        u = slice(self.usa, self.usa + 1)  # the US's column only
        usable_u = usable_knowledge(
            self.state.knowledge[..., u],
            self.state.shared,
            self.members[..., u],
            self.params.absorptive_multiple,
        )[..., 0]
        realized_u = np.minimum(usable_u, self.state.know_how[..., u][..., 0])
        result: np.ndarray = np.log(realized_u / np.maximum(self.china_realized, 1e-12))
        return result

    # --- margins and costs --------------------------------------------------------------------

    @cached_property
    def control_cost(self) -> np.ndarray:
        """Each country's cost of controls, trade_cost × stringency × dependence (S, P, N)."""
        result: np.ndarray = (
            self.params.trade_cost[:, None, None]
            * self.year.stringency.mean(axis=-1)[..., None]
            * (self.ctx.inputs.dependence)
        )
        return result

    # --- output and power (E13) ---------------------------------------------------------------

    @cached_property
    def gdp(self) -> np.ndarray:
        """Each country's output with its TFP against the start year, PPP $bn (S, P, N)."""
        p, t, flows = self.params, self.t, self.flows
        domestic, foreign = log_tfp_terms(
            self.country_knowledge, flows.frontier, flows.access, self.china, self.usable
        )
        assert self.cumulative.tfp0 is not None  # set in the start year
        domestic0, foreign0 = self.cumulative.tfp0
        tfp = np.exp(
            p.beta_domestic[:, None, None] * (domestic - domestic0)
            + p.beta_foreign[:, None, None] * (foreign - foreign0)
        )
        result: np.ndarray = (self.ctx.output[t] * self.ctx.gdp_ratio[:, t])[:, None, :] * tfp
        return result

    @cached_property
    def economic(self) -> np.ndarray:
        """Each country's economic power (S, P, N)."""
        return economic_power(self.gdp, self.ctx.inputs.population)

    @cached_property
    def china_power(self) -> np.ndarray:
        """China's composite power (S, P)."""
        c = self.china
        result: np.ndarray = np.sqrt(self.economic[..., c] * self.military[..., c])
        return result

    @cached_property
    def power_ratio_china_us(self) -> np.ndarray:
        """China's composite power / the US's (S, P)."""
        u = self.usa
        result: np.ndarray = self.china_power / np.sqrt(
            self.economic[..., u] * self.military[..., u]
        )
        return result
