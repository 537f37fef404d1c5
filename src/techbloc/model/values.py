"""Each future's parameter values, typed: :class:`ScenarioValues`, one field per parameter.

The engine reads a future's parameters as attributes (``ctx.params.synergy``, checked by
mypy) rather than by string (``values["synergy"]``). The fields are the registry's
parameters (:data:`techbloc.params.PARAMETERS`) in its order, each an array of shape
``(S,)``; ``tests/model/test_values.py`` checks that they stay in step with the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

__all__ = ["ScenarioValues"]


@dataclass(frozen=True)
class ScenarioValues:
    """Every registered parameter's value in each future, arrays of shape (S,)."""

    #: Common multiplier on every domain's knowledge depreciation rate (x)
    depreciation_multiplier: np.ndarray
    #: Annual decline of knowledge produced per dollar of R&D (1/yr)
    productivity_decline: np.ndarray
    #: Cap on a member's pool gain, as a multiple of its own remaining domain R&D (x own R&D)
    absorptive_multiple: np.ndarray
    #: Extra pool output from combining members' R&D (at many members) (share)
    synergy: np.ndarray
    #: Annual rate at which knowledge-intensity gaps diffuse between countries (1/yr)
    diffusion: np.ndarray
    #: Extra diffusion between two coalition members (share)
    allied_diffusion: np.ndarray
    #: Share of a coalition control that binds holders outside the coalition (share)
    extraterritorial_reach: np.ndarray
    #: Exponent on knowledge stocks when weighting technology holders (exponent)
    holder_concentration: np.ndarray
    #: Power-mean exponent for access and pool leakage (exponent)
    weakest_link_exponent: np.ndarray
    #: Annual leak rate of a country with zero protection (1/yr)
    base_leak_rate: np.ndarray
    #: Knowledge exposed each year per unit of national leak rate and of the stock
    #: (x leak rate x stock)
    stock_leak_share: np.ndarray
    #: Largest share of exposed knowledge China can convert into its own (share)
    max_conversion: np.ndarray
    #: Exponent on China's stock relative to the frontier in absorptive capacity (exponent)
    absorption_exponent: np.ndarray
    #: Common multiplier on every domain's complexity (x)
    complexity_multiplier: np.ndarray
    #: Share of the accessible knowledge gap China can imitate each year (1/yr)
    catch_up_rate: np.ndarray
    #: Immediate loss of China's R&D productivity per unit of exclusion (share)
    denial: np.ndarray
    #: Boost to China's R&D productivity per unit of built-up indigenous capacity (share)
    indigenization: np.ndarray
    #: Years for indigenous capacity to catch up with exclusion (years)
    indigenization_lag: np.ndarray
    #: How far China's R&D intensity moves towards its ceiling per unit of exclusion pressure
    #: (share)
    rd_response: np.ndarray
    #: Annual speed at which China's R&D intensity approaches its target (1/yr)
    rd_adjustment: np.ndarray
    #: Highest R&D intensity China would reach under full pressure (share of GDP)
    rd_max: np.ndarray
    #: Annual drift of China's semiconductor self-sufficiency (other domains scaled) (1/yr)
    ss_drift: np.ndarray
    #: Exponent on China's relative knowledge in self-sufficiency drift (exponent)
    ss_exponent: np.ndarray
    #: Extra self-sufficiency drift per unit of indigenous capacity (x)
    ss_exclusion_boost: np.ndarray
    #: Annual rate at which know-how closes on knowledge (before complexity) (1/yr)
    learning_rate: np.ndarray
    #: China's initial integration know-how as a share of its knowledge stock (share)
    china_know_how_ratio: np.ndarray
    #: Share of the capability gap closed per year at full capacity building (1/yr)
    capacity_gain: np.ndarray
    #: Intercept a0 of the will logit (logit)
    will_intercept: np.ndarray
    #: Weight of UN alignment with the US in partners' will (a_align) (logit)
    will_alignment: np.ndarray
    #: Weight of a US defence pact in partners' will (a_pact) (logit)
    will_pact: np.ndarray
    #: Weight of threat from China in partners' will (a_threat) (logit)
    will_threat: np.ndarray
    #: Weight of trade dependence on China in partners' will (a_dep) (logit)
    will_dependence: np.ndarray
    #: Weight of hedging motives in partners' will (a_hedge) (logit)
    will_hedging: np.ndarray
    #: Weight of US credibility in partners' will (a_cred) (logit)
    will_credibility: np.ndarray
    #: Weight of a member's (bounded) margin from membership in partners' will (a_value) (logit)
    will_value: np.ndarray
    #: Chance an engaged administration is followed by a transactional one (per election)
    p_engaged_to_transactional: np.ndarray
    #: Chance a transactional administration is followed by an engaged one (per election)
    p_transactional_to_engaged: np.ndarray
    #: Weight of institutional credibility (vs the sitting administration) in credibility (share)
    w_inst: np.ndarray
    #: Institutional credibility Cinst at the start year (share)
    initial_institutional_credibility: np.ndarray
    #: Share of institutional credibility lost per transactional term (per term)
    cred_decay: np.ndarray
    #: Recovery per engaged term as a fraction of the credibility lost per transactional term
    #: (x cred_decay)
    cred_recovery_fraction: np.ndarray
    #: How much partners' pool contributions and protection effort fall with US credibility (share)
    credibility_sensitivity: np.ndarray
    #: US pool contribution under a transactional regime, relative to engaged (share)
    us_pool_commitment_transactional: np.ndarray
    #: Weight b of the knowledge gain in a member's payoff (x)
    payoff_scale: np.ndarray
    #: Weight of lost China trade in a member's payoff (x)
    trade_cost: np.ndarray
    #: Weight of credible US security ties in a member's payoff (x)
    security_value: np.ndarray
    #: Payoff cost of pairwise frictions in a member's payoff (own R&D/yr per unit friction)
    friction_scale: np.ndarray
    #: Weight of China's knowledge growth (relative gains) in a country's payoff (x threat)
    rel_gains: np.ndarray
    #: Largest fall in an incumbent's payoff it accepts when an outsider joins (payoff)
    veto_tolerance: np.ndarray
    #: Where every pairwise friction sits within its cited range (position)
    friction_position: np.ndarray
    #: Where every country's hedging motive sits within its cited range (position)
    hedging_position: np.ndarray
    #: Chance a member with a negative margin leaves at a four-year review (per review)
    exit_probability: np.ndarray
    #: Elasticity of TFP with respect to domestic knowledge (elasticity)
    beta_domestic: np.ndarray
    #: Elasticity of TFP with respect to reachable foreign knowledge (elasticity)
    beta_foreign: np.ndarray
    #: E-folding time of the observed R&D-intensity trends (years)
    rd_trend_years: np.ndarray
    #: Long-run GDP growth that projected growth above it converges to (1/yr)
    long_run_gdp_growth: np.ndarray
    #: E-folding time of GDP growth's convergence to the long-run rate (years)
    gdp_convergence_years: np.ndarray
    #: Share of world R&D that is semiconductor R&D (share)
    semis_share_of_world_rd: np.ndarray

    @classmethod
    def from_mapping(cls, values: Mapping[str, np.ndarray]) -> ScenarioValues:
        """The values of ``values`` (parameter name -> array), which must name every field."""
        return cls(**{f.name: values[f.name] for f in fields(cls)})
