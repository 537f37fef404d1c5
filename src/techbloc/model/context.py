"""What stays fixed through one run of the engine: the policies as arrays and the run's context.

:class:`PolicyBatch` holds the policies as raw arrays over the modelled countries (with the
status-quo reference policy appended by :meth:`PolicyBatch.with_status_quo`);
:class:`Context` holds the inputs, each future's parameter values, the baseline paths of
:mod:`~techbloc.model.baseline`, the US regime and credibility paths of
:mod:`~techbloc.model.regime`, the observed history of :mod:`~techbloc.model.history` and the
start-year status quo, all fixed through the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from techbloc.errors import InputError
from techbloc.model.baseline import baseline, rd_ceiling
from techbloc.model.controls import access, achieved_stringency, control_coverage
from techbloc.model.history import (
    STATUS_QUO_STRINGENCY,
    self_sufficiency_start,
    status_quo_stringency_path,
)
from techbloc.model.inputs import ModelInputs
from techbloc.model.knowledge import initial_stocks
from techbloc.model.partners import hedging_values, positioned, will, will_logit_base
from techbloc.model.regime import credibility_paths, regime_paths, start_credibility
from techbloc.model.scenarios import ScenarioArrays
from techbloc.model.values import ScenarioValues
from techbloc.params import DOMAINS
from techbloc.years import check_years

if TYPE_CHECKING:
    from techbloc.policies import Policy
    from techbloc.world import World

__all__ = ["STATUS_QUO_POLICY", "Context", "PolicyBatch", "partner_effort", "start_exclusion"]

#: The name of the status-quo reference policy every batch runs as its last policy.
STATUS_QUO_POLICY = "__status_quo__"


@dataclass(frozen=True)
class PolicyBatch:
    """Policies as raw arrays over the modelled countries (ROW excluded).

    Build it with :meth:`from_policies`, or directly from membership masks (coalition
    search evaluates tens of thousands of masks without creating Policy objects).
    """

    names: list[str]
    members: np.ndarray  # (P, N) bool
    pool_share: np.ndarray  # (P,)
    stringency: np.ndarray  # (P, D)
    capacity_building: np.ndarray  # (P, N)
    start_offset: np.ndarray  # (P,) int

    @classmethod
    def from_policies(
        cls, world: World, policies: Sequence[Policy], inputs: ModelInputs, start_year: int
    ) -> PolicyBatch:
        """Stack :class:`Policy` objects over ``inputs.codes``."""
        if not policies:
            raise InputError("at least one policy is needed")
        position = {code: i for i, code in enumerate(inputs.codes)}
        columns = [list(world.codes).index(code) for code in inputs.codes]
        building = np.zeros((len(policies), inputs.n))
        for row, policy in enumerate(policies):
            for code, value in policy.capacity_building.items():
                building[row, position[code]] = value
        return cls(
            names=[p.label for p in policies],
            members=np.stack([p.coalition.mask(world)[columns] for p in policies]),
            pool_share=np.array([p.pool_share for p in policies]),
            stringency=np.array([p.control_stringency for p in policies]),
            capacity_building=building,
            start_offset=np.array(
                [max(0, (p.start_year or start_year) - start_year) for p in policies], dtype=int
            ),
        )

    @classmethod
    def from_masks(
        cls,
        members: np.ndarray,
        inputs: ModelInputs,
        *,
        pool_share: float = 0.05,
        stringency: float = STATUS_QUO_STRINGENCY,
        names: Sequence[str] | None = None,
    ) -> PolicyBatch:
        """Policies that differ only in membership (USA forced in, China forced out)."""
        members = np.array(members, dtype=bool, copy=True)
        if members.ndim != 2 or members.shape[1] != inputs.n:
            raise InputError(f"membership masks must have shape (P, {inputs.n})")
        members[:, inputs.usa] = True
        members[:, inputs.china] = False
        p = members.shape[0]
        return cls(
            names=list(names) if names is not None else [f"coalition_{i}" for i in range(p)],
            members=members,
            pool_share=np.full(p, float(pool_share)),
            stringency=np.full((p, len(DOMAINS)), float(stringency)),
            capacity_building=np.zeros((p, inputs.n)),
            start_offset=np.zeros(p, dtype=int),
        )

    def with_status_quo(self, usa: int) -> PolicyBatch:
        """These policies plus the status quo as the last one."""
        n = self.members.shape[1]
        alone = np.zeros((1, n), dtype=bool)
        alone[0, usa] = True
        return PolicyBatch(
            names=[*self.names, STATUS_QUO_POLICY],
            members=np.concatenate([self.members, alone]),
            pool_share=np.append(self.pool_share, 0.0),
            stringency=np.concatenate(
                [self.stringency, np.full((1, self.stringency.shape[1]), STATUS_QUO_STRINGENCY)]
            ),
            capacity_building=np.concatenate([self.capacity_building, np.zeros((1, n))]),
            start_offset=np.append(self.start_offset, 0),
        )


@dataclass(frozen=True)
class Context:
    """What stays fixed through one run: inputs, parameters, paths and start-year values.

    Arrays are indexed by scenario ``S``, year ``T``, domain ``D`` and country ``N``;
    :meth:`build` derives them from the inputs, scenarios, policies and years.
    """

    inputs: ModelInputs
    values: dict[str, np.ndarray]  # for mechanisms that take every parameter by name
    params: ScenarioValues
    policies: PolicyBatch
    exit_draws: np.ndarray
    depreciation: np.ndarray  # (S, D)
    complexity: np.ndarray  # (S, D)
    ss_drift: np.ndarray  # (S, D)
    mix: np.ndarray  # (S, D, N)
    intensity: np.ndarray  # (S, T, N) R&D per unit of the central GDP path (baseline.py)
    output: np.ndarray  # (T, N) central GDP path
    gdp_ratio: np.ndarray  # (S, T, N) each scenario's GDP over the central path
    sources: np.ndarray  # (T, N) diffusion weights (China 0)
    row_rd: np.ndarray  # (T,)
    theta: np.ndarray  # (S, T)
    engaged: np.ndarray  # (S, T)
    institutional: np.ndarray  # (S, T)
    credibility: np.ndarray  # (S, T)
    logit_base: np.ndarray  # (S, N)
    friction: np.ndarray  # (S, N, N) positioned
    holders: np.ndarray  # (N,)
    us_only: np.ndarray  # (N,)
    experience: np.ndarray  # (N,)
    military_weight: np.ndarray  # (D,)
    start_knowledge: np.ndarray  # (S, D, N)
    exclusion0: np.ndarray  # (S, 1, D)
    relative0: np.ndarray  # (S, 1, D)
    status_quo_stringency: np.ndarray  # (T,) the US's status-quo controls by year
    follows_status_quo: np.ndarray  # (P,) bool: the status-quo reference policy
    self_sufficiency0: np.ndarray  # (D,) China's self-sufficiency at the start year
    rd_ceiling: float  # highest R&D / GDP of any country (baseline.rd_ceiling)

    def china_intensity(self, t: int, extra: np.ndarray) -> np.ndarray:
        """China's R&D per unit of central GDP with its E8 response ``extra`` (S, P), capped
        so that its R&D intensity stays at or below :attr:`rd_ceiling`."""
        c = self.inputs.china
        cap = self.rd_ceiling * self.gdp_ratio[:, t, c]
        result: np.ndarray = np.minimum(self.intensity[:, t, c][:, None] + extra, cap[:, None])
        return result

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(S, P, D, N)``."""
        return (self.theta.shape[0], len(self.policies.names), len(DOMAINS), self.inputs.n)

    @classmethod
    def build(
        cls,
        inputs: ModelInputs,
        scenarios: ScenarioArrays,
        policies: PolicyBatch,
        years: np.ndarray,
    ) -> Context:
        v = scenarios.values
        p = ScenarioValues.from_mapping(v)
        N = inputs.n
        c, u = inputs.china, inputs.usa
        t_index = np.arange(len(years))
        depreciation = (
            np.array([d.depreciation for d in DOMAINS])[None, :]
            * p.depreciation_multiplier[:, None]
        )
        complexity = (
            np.array([d.complexity for d in DOMAINS])[None, :] * p.complexity_multiplier[:, None]
        )
        ss_drift = p.ss_drift[:, None] * np.array([d.ss_drift_factor for d in DOMAINS])[None, :]
        mix = inputs.domain_mix(p.semis_share_of_world_rd)

        # baseline (MODEL.md §9.7, baseline.py): observed GDP and R&D up to each country's
        # data year, then converging GDP growth and fading R&D-intensity trends
        check_years(int(years[0]), int(years[-1]))
        paths = baseline(inputs, v, years)
        intensity, output, row_rd = paths.intensity, paths.output, paths.row_rd
        start_rd = paths.rd[:, 0]  # (S, N)
        theta = (1.0 - p.productivity_decline[:, None]) ** t_index[None, :]

        engaged = regime_paths(
            years,
            scenarios.election_draws,
            p.p_engaged_to_transactional,
            p.p_transactional_to_engaged,
        )
        institutional, credibility = credibility_paths(
            engaged=engaged,
            initial=start_credibility(
                int(years[0]),
                p.initial_institutional_credibility,
                p.cred_decay,
                p.cred_recovery_fraction,
            ),
            decay=p.cred_decay,
            recovery_fraction=p.cred_recovery_fraction,
            w_inst=p.w_inst,
        )
        logit_base = will_logit_base(inputs, v, hedging_values(inputs, p.hedging_position))
        holders = np.ones(N, dtype=bool)  # technology holders China could reach: all but China
        holders[c] = False
        us_only = np.zeros(N, dtype=bool)
        us_only[u] = True
        sources = output.copy()
        sources[:, c] = 0.0
        k0 = initial_stocks(start_rd[:, None, :] * mix, depreciation, paths.start_growth)
        sq_path = status_quo_stringency_path(years)

        exclusion0 = start_exclusion(
            inputs, p, logit_base, credibility[:, 0], k0, holders, us_only, sq_path[0]
        )
        frontier0 = k0.sum(axis=-1) - k0[..., c]
        return cls(
            inputs=inputs,
            values=v,
            params=p,
            policies=policies,
            exit_draws=scenarios.exit_draws,
            depreciation=depreciation,
            complexity=complexity,
            ss_drift=ss_drift,
            mix=mix,
            intensity=intensity,
            output=output,
            gdp_ratio=paths.gdp / output[None],
            sources=sources,
            row_rd=row_rd,
            theta=theta,
            engaged=engaged,
            institutional=institutional,
            credibility=credibility,
            logit_base=logit_base,
            friction=positioned(
                inputs.friction, inputs.friction_low, inputs.friction_high, p.friction_position
            ),
            holders=holders,
            us_only=us_only,
            experience=output[0] / output[0].max(),
            military_weight=np.array([d.military_weight for d in DOMAINS]),
            start_knowledge=k0,
            exclusion0=exclusion0,
            relative0=(k0[..., c] / frontier0)[:, None, :],
            status_quo_stringency=sq_path,
            follows_status_quo=np.array([name == STATUS_QUO_POLICY for name in policies.names]),
            self_sufficiency0=self_sufficiency_start(int(years[0])),
            rd_ceiling=rd_ceiling(inputs),
        )


def partner_effort(params: ScenarioValues, credibility: np.ndarray, usa: int, n: int) -> np.ndarray:
    """Partners' effort ``1 - credibility_sensitivity (1 - Cred)`` (MODEL.md §9.6), (S, 1, N).

    It scales partners' pool contributions and protection; the USA's is 1.
    """
    effort = 1.0 - params.credibility_sensitivity * (1.0 - credibility)
    return np.where(np.arange(n) == usa, 1.0, effort[:, None])[:, None, :]


def start_exclusion(
    inputs: ModelInputs,
    params: ScenarioValues,
    logit_base: np.ndarray,
    credibility: np.ndarray,
    knowledge: np.ndarray,
    holders: np.ndarray,
    us_only: np.ndarray,
    stringency: float,
) -> np.ndarray:
    """China's exclusion at the start year under the status quo, (S, 1, D).

    The status quo: US-only controls at the start year's status-quo ``stringency``, partners'
    will at zero margins and start-year ``credibility`` (S,); ``knowledge`` is the start
    stocks (S, D, N).
    """
    S, N, u = knowledge.shape[0], inputs.n, inputs.usa
    will0 = will(
        base=logit_base,
        credibility_weight=params.will_credibility,
        credibility=credibility,
        value_weight=params.will_value,
        margin=np.zeros((S, 1, N)),
        usa=u,
    )
    alone = np.broadcast_to(us_only, (S, 1, N))
    protection0 = (
        inputs.capability[None, None, :] * will0 * partner_effort(params, credibility, u, N)
    )
    status_quo = np.full((1, len(DOMAINS)), stringency)
    cover = control_coverage(
        stringency=achieved_stringency(status_quo, will0, alone),
        protection=protection0,
        members=alone,
        reach=params.extraterritorial_reach,
        usa=u,
        floor=status_quo[0],
    )
    return 1.0 - access(
        coverage=cover,
        knowledge=knowledge[:, None],
        holders=holders,
        concentration=params.holder_concentration,
        exponent=params.weakest_link_exponent,
    )
