"""The single registry of model parameters, technology domains and policy levers.

Every uncertain parameter of the alliance model (MODEL.md §6) is declared here once, with
its default, range, sampling distribution, unit, the mechanism (E-number) it drives and its
source. Sampling designs, the docs page, reports and the dashboard all read this registry;
nothing else in the package may define a parameter default.

Sources named below:

- Hall 2007; Li & Hall 2016: R&D depreciation rates by industry.
- Bloom, Jones, Van Reenen & Webb 2020, "Are Ideas Getting Harder to Find?", AER 110(4):
  research productivity falls about 5% a year.
- Mansfield, Schwartz & Wagner 1981, Economic Journal 91: imitation costs ~65% of innovation.
- Mansfield 1985, Journal of Industrial Economics 34(2): speed of leakage of industrial
  technology (upper bound of annual leakage).
- Glitz & Meyersson 2020, AER 110(4): returns to industrial espionage (East Germany).
- Coe & Helpman 1995, European Economic Review 39: international R&D spillovers.
- IC Insights 2010-2020: China's semiconductor self-sufficiency (10.2% in 2010, 15.9% in 2020).
- Gilli & Gilli 2019, International Security 43(3): complexity ordering of imitation barriers.
- Pew Research Center Global Attitudes 2016-2021: swings in confidence in the US president.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from techbloc.errors import InputError

__all__ = [
    "DOMAINS",
    "LEVERS",
    "PARAMETERS",
    "Domain",
    "Lever",
    "Parameter",
    "defaults",
    "get_parameter",
    "parameter_names",
    "parameter_table",
    "parameters_markdown",
    "validate_values",
]

Distribution = Literal["uniform", "loguniform", "fixed"]


@dataclass(frozen=True)
class Parameter:
    """One uncertain model parameter.

    Attributes
    ----------
    name : str
        Identifier used everywhere (study files, ``--set``, result columns).
    default : float
        Value used when the parameter is not sampled or set.
    low, high : float
        Plausible range swept by sampling designs (inclusive).
    distribution : {"uniform", "loguniform", "fixed"}
        How a unit-interval draw maps onto ``[low, high]``.
    unit : str
        Physical or conventional unit ("1/yr", "share", "years", "dimensionless").
    mechanism : str
        Equation(s) of MODEL.md §4 the parameter drives, e.g. ``"E5"``.
    source : str
        Citation, or "assumption: <reason>".
    description : str
        One line saying what the parameter means.
    sampled_by_default : bool
        Whether designs vary it when a study does not list what to vary. Switches that
        turn a mechanism on (``exit_probability``) are varied only when asked for.
    """

    name: str
    default: float
    low: float
    high: float
    distribution: Distribution
    unit: str
    mechanism: str
    source: str
    description: str
    sampled_by_default: bool = True

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"{self.name}: default {self.default} outside [{self.low}, {self.high}]"
            )
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"{self.name}: log-uniform needs a positive lower bound")

    @property
    def is_uncertain(self) -> bool:
        """Whether sampling designs vary this parameter."""
        return self.distribution != "fixed" and self.high > self.low

    def from_unit(self, u: np.ndarray | float) -> np.ndarray:
        """Map draws on the unit interval onto the parameter's range.

        Parameters
        ----------
        u : array_like
            Values in ``[0, 1]`` (e.g. a Latin-hypercube or Sobol column).

        Returns
        -------
        numpy.ndarray
            Parameter values; log-uniform parameters are uniform in ``log(value)``.
        """
        u = np.asarray(u, dtype=float)
        if self.distribution == "fixed":
            return np.full_like(u, self.default)
        if self.distribution == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)

    def check(self, value: float | str, where: str = "") -> float:
        """Return ``value`` as a float, or raise :class:`InputError` if it is not allowed."""
        place = f" ({where})" if where else ""
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InputError(
                f"parameter '{self.name}'{place}: expected a number, got {value!r}"
            ) from None
        if not math.isfinite(value):
            raise InputError(f"parameter '{self.name}'{place}: value must be finite, got {value}")
        if not self.low <= value <= self.high:
            raise InputError(
                f"parameter '{self.name}'{place}: {value} is outside its range "
                f"[{self.low}, {self.high}] ({self.unit}); see `techbloc params`"
            )
        return value


def _p(
    name: str,
    default: float,
    low: float,
    high: float,
    unit: str,
    mechanism: str,
    source: str,
    description: str,
    distribution: Distribution = "uniform",
    sampled_by_default: bool = True,
) -> Parameter:
    return Parameter(
        name,
        default,
        low,
        high,
        distribution,
        unit,
        mechanism,
        source,
        description,
        sampled_by_default,
    )


_ASSUME = "assumption: "

#: Every uncertain parameter of the model, in the order of MODEL.md §6.
PARAMETERS: tuple[Parameter, ...] = (
    _p(
        "depreciation_multiplier",
        1.0,
        0.7,
        1.5,
        "x",
        "E3",
        "Hall 2007; Li & Hall 2016 (domain rates); common multiplier is an assumption",
        "Common multiplier on every domain's knowledge depreciation rate",
    ),
    _p(
        "productivity_decline",
        0.05,
        0.03,
        0.07,
        "1/yr",
        "E3",
        "Bloom, Jones, Van Reenen & Webb 2020",
        "Annual decline of knowledge produced per dollar of R&D",
    ),
    _p(
        "absorptive_multiple",
        0.5,
        0.2,
        1.0,
        "x own R&D",
        "E2",
        _ASSUME + "a member can use pool output only up to a multiple of its own domain R&D "
        "(absorptive capacity); v2's 2 let a small joiner draw ~1.85x its own R&D for 5% paid "
        "in, so every outsider wanted in (MODEL.md §9.10.3). 0.5: pooled output a member "
        "can absorb in a year is at most half its own programme; 0.2-1.0 is swept",
        "Cap on a member's pool gain, as a multiple of its own remaining domain R&D",
    ),
    _p(
        "synergy",
        0.2,
        0.0,
        0.5,
        "share",
        "E2",
        _ASSUME + "pooling avoids duplication; magnitude unknown",
        "Extra pool output from combining members' R&D (at many members)",
    ),
    _p(
        "diffusion",
        0.02,
        0.0,
        0.05,
        "1/yr",
        "E3",
        _ASSUME + "scale of Coe & Helpman-type spillovers, normalised to intensity gaps",
        "Annual rate at which knowledge-intensity gaps diffuse between countries",
    ),
    _p(
        "allied_diffusion",
        0.5,
        0.0,
        1.0,
        "share",
        "E3",
        _ASSUME + "alliance lowers barriers to spillovers between members",
        "Extra diffusion between two coalition members",
    ),
    _p(
        "extraterritorial_reach",
        0.2,
        0.0,
        0.5,
        "share",
        "E4",
        _ASSUME + "FDPR-type rules reach part of non-members' exports",
        "Share of a coalition control that binds holders outside the coalition",
    ),
    _p(
        "holder_concentration",
        1.5,
        1.0,
        3.0,
        "exponent",
        "E4",
        _ASSUME + "frontier holders matter more than their stock share",
        "Exponent on knowledge stocks when weighting technology holders",
    ),
    _p(
        "weakest_link_exponent",
        4.0,
        1.0,
        32.0,
        "exponent",
        "E4,E5",
        _ASSUME + "1 = average, large = dominated by the weakest (most open) link",
        "Power-mean exponent for access and pool leakage",
        "loguniform",
    ),
    _p(
        "base_leak_rate",
        0.10,
        0.02,
        0.30,
        "1/yr",
        "E5",
        "Mansfield 1985 (upper bound of annual leakage of industrial technology)",
        "Annual leak rate of a country with zero protection",
    ),
    _p(
        "stock_leak_share",
        3.2,
        1.6,
        6.4,
        "x leak rate x stock",
        "E5",
        "calibrated so that switching leakage off lowers China's knowledge after 20 years by "
        "~13% at defaults (MODEL.md §8.1; Glitz & Meyersson 2020: 13.3%); range x0.5-x2",
        "Knowledge exposed each year per unit of national leak rate and of the stock",
    ),
    _p(
        "max_conversion",
        0.5,
        0.2,
        0.8,
        "share",
        "E6",
        "Mansfield, Schwartz & Wagner 1981 (imitation costs ~65% of innovation)",
        "Largest share of exposed knowledge China can convert into its own",
    ),
    _p(
        "absorption_exponent",
        1.0,
        0.5,
        2.0,
        "exponent",
        "E6",
        _ASSUME + "absorptive capacity rises with China's relative stock",
        "Exponent on China's stock relative to the frontier in absorptive capacity",
    ),
    _p(
        "complexity_multiplier",
        1.0,
        0.5,
        2.0,
        "x",
        "E6,E9",
        "Gilli & Gilli 2019 (ordinal ranking of domains); common multiplier is an assumption",
        "Common multiplier on every domain's complexity",
    ),
    _p(
        "catch_up_rate",
        0.05,
        0.02,
        0.10,
        "1/yr",
        "E6",
        _ASSUME + "legal imitation of the accessible gap",
        "Share of the accessible knowledge gap China can imitate each year",
    ),
    _p(
        "denial",
        0.5,
        0.0,
        1.0,
        "share",
        "E7",
        _ASSUME + "how much exclusion cuts China's R&D productivity at once",
        "Immediate loss of China's R&D productivity per unit of exclusion",
    ),
    _p(
        "indigenization",
        0.3,
        0.0,
        1.0,
        "share",
        "E7",
        "Entity List studies (mixed evidence); magnitude an assumption",
        "Boost to China's R&D productivity per unit of built-up indigenous capacity",
    ),
    _p(
        "indigenization_lag",
        5.0,
        2.0,
        10.0,
        "years",
        "E7",
        "Entity List studies (mixed evidence); magnitude an assumption",
        "Years for indigenous capacity to catch up with exclusion",
    ),
    _p(
        "rd_response",
        0.1,
        0.0,
        0.3,
        "share",
        "E8",
        _ASSUME + "China raises R&D intensity when excluded",
        "How far China's R&D intensity moves towards rd_max per unit of exclusion pressure",
    ),
    _p(
        "rd_adjustment",
        0.2,
        0.1,
        0.5,
        "1/yr",
        "E8",
        _ASSUME + "partial adjustment of R&D intensity",
        "Annual speed at which China's R&D intensity approaches its target",
    ),
    _p(
        "rd_max",
        0.05,
        0.04,
        0.06,
        "share of GDP",
        "E8",
        _ASSUME + "ceiling on China's R&D intensity",
        "Highest R&D intensity China would reach under full pressure",
    ),
    _p(
        "ss_drift",
        0.0065,
        0.004,
        0.012,
        "1/yr",
        "E8",
        "IC Insights 2010-2020 (10.2% to 15.9% semiconductor self-sufficiency)",
        "Annual drift of China's semiconductor self-sufficiency (other domains scaled)",
    ),
    _p(
        "ss_exponent",
        0.5,
        0.0,
        1.0,
        "exponent",
        "E8",
        _ASSUME + "self-sufficiency drifts faster when China's knowledge is near the frontier",
        "Exponent on China's relative knowledge in self-sufficiency drift",
    ),
    _p(
        "ss_exclusion_boost",
        1.0,
        0.0,
        3.0,
        "x",
        "E8",
        _ASSUME + "exclusion speeds import substitution",
        "Extra self-sufficiency drift per unit of indigenous capacity",
    ),
    _p(
        "learning_rate",
        0.05,
        0.02,
        0.10,
        "1/yr",
        "E9",
        _ASSUME + "integration know-how follows production experience",
        "Annual rate at which know-how closes on knowledge (before complexity)",
    ),
    _p(
        "china_know_how_ratio",
        0.6,
        0.3,
        0.9,
        "share",
        "E4.0",
        "assumption checked against data: read literally, Growth Lab ECI (hs92, 2024: CHN 1.271, "
        "USA 1.122) puts China at or above the US, i.e. the top of the range (0.9); ECI measures "
        "export-basket complexity, not integration know-how in frontier domains (Gilli & Gilli "
        "2019), so the default stays mid-range and the full range is swept",
        "China's initial integration know-how as a share of its knowledge stock",
    ),
    _p(
        "capacity_gain",
        0.2,
        0.05,
        0.5,
        "1/yr",
        "E10",
        _ASSUME + "speed of US-funded protection capacity building",
        "Share of the capability gap closed per year at full capacity building",
    ),
    _p(
        "will_intercept",
        -2.5,
        -3.75,
        -1.25,
        "logit",
        "E10",
        _ASSUME + "calibrated so that start-year will outside any coalition spans <0.3 to "
        ">0.9 across the 58 countries (MODEL.md §9.4, §9.10.5); +-50%",
        "Intercept a0 of the will logit",
    ),
    _p(
        "will_alignment",
        2.0,
        1.0,
        3.0,
        "logit",
        "E10",
        _ASSUME + "+-50%",
        "Weight a_align of UN alignment with the US in the will logit",
    ),
    _p(
        "will_pact",
        1.0,
        0.5,
        1.5,
        "logit",
        "E10",
        _ASSUME + "+-50%",
        "Weight a_pact of a US defence pact in the will logit",
    ),
    _p(
        "will_threat",
        2.25,
        1.125,
        3.375,
        "logit",
        "E10",
        _ASSUME + "x1.5 of v2 with the sourced threat input (MODEL.md §9.10.5); +-50%",
        "Weight a_threat of threat from China in the will logit",
    ),
    _p(
        "will_dependence",
        3.0,
        1.5,
        4.5,
        "logit",
        "E10",
        _ASSUME + "x1.5 of v2 (MODEL.md §9.10.5); +-50%",
        "Weight a_dep of trade dependence on China in the will logit",
    ),
    _p(
        "will_hedging",
        2.0,
        1.0,
        3.0,
        "logit",
        "E10",
        _ASSUME + "+-50%",
        "Weight a_hedge of hedging motives in the will logit",
    ),
    _p(
        "will_credibility",
        1.5,
        0.75,
        2.25,
        "logit",
        "E10",
        _ASSUME + "+-50%",
        "Weight a_cred of US credibility in the will logit",
    ),
    _p(
        "will_value",
        1.0,
        0.5,
        1.5,
        "logit",
        "E10",
        _ASSUME + "+-50%; enters as a_value tanh(margin), so membership alone adds at most "
        "a_value to the logit (MODEL.md §9.4)",
        "Weight a_value of a member's (bounded) margin from membership in the will logit",
    ),
    _p(
        "p_engaged_to_transactional",
        0.35,
        0.2,
        0.6,
        "per election",
        "E11",
        "US presidential elections 1952-2024 (party changed in 11 of 19)",
        "Chance an engaged administration is followed by a transactional one",
    ),
    _p(
        "p_transactional_to_engaged",
        0.5,
        0.2,
        0.6,
        "per election",
        "E11",
        "US presidential elections 1952-2024 (party changed in 11 of 19)",
        "Chance a transactional administration is followed by an engaged one",
    ),
    _p(
        "w_inst",
        0.5,
        0.3,
        0.7,
        "share",
        "E11",
        "Pew Global Attitudes 2016-2021 (president component of confidence)",
        "Weight of institutional credibility (vs the sitting administration) in credibility",
    ),
    _p(
        "initial_institutional_credibility",
        0.8,
        0.6,
        0.9,
        "share",
        "E11",
        _ASSUME + "institutional trust in US commitments at the start year",
        "Institutional credibility Cinst at the start year",
    ),
    _p(
        "cred_decay",
        0.45,
        0.3,
        0.6,
        "per term",
        "E11",
        "calibrated on Pew Global Attitudes (expert/pew_views_of_us.csv): favourable views of "
        "the US fell from 2016 to 2020 by 46% (CAN), 54% (DEU), 33% (GBR), 43% (JPN) of their "
        "level, median 0.45; range spans 0.3-0.6 around that spread",
        "Share of institutional credibility lost per transactional term",
    ),
    _p(
        "cred_recovery_fraction",
        0.55,
        0.2,
        0.9,
        "x cred_decay",
        "E11",
        _ASSUME + "recovery is slower than decay: recovery = decay x U(0.2, 0.9)",
        "Recovery per engaged term as a fraction of cred_decay",
    ),
    _p(
        "credibility_sensitivity",
        0.5,
        0.0,
        1.0,
        "share",
        "E2,E10,E11",
        _ASSUME + "partners scale pool contributions and protection effort with US "
        "credibility (MODEL.md §9.6): effort = 1 - sensitivity (1 - Cred)",
        "How much partners' pool contributions and protection effort fall with US credibility",
    ),
    _p(
        "us_pool_commitment_transactional",
        0.5,
        0.2,
        0.8,
        "share",
        "E2,E11",
        _ASSUME + "a transactional administration funds the pool less",
        "US pool contribution under a transactional regime, relative to engaged",
    ),
    _p(
        "payoff_scale",
        1.0,
        0.5,
        1.5,
        "x",
        "E12",
        _ASSUME + "b in the membership payoff",
        "Weight b of the knowledge gain in a member's payoff",
    ),
    _p(
        "trade_cost",
        1.0,
        0.5,
        2.0,
        "x",
        "E12",
        _ASSUME + "cost of controls scales with dependence on China",
        "Weight of lost China trade in a member's payoff",
    ),
    _p(
        "security_value",
        0.5,
        0.0,
        1.0,
        "x",
        "E12",
        _ASSUME + "value of US security ties to threatened members",
        "Weight of credible US security ties in a member's payoff",
    ),
    _p(
        "friction_scale",
        1.0,
        0.5,
        2.0,
        "x",
        "E12",
        _ASSUME + "cost of negotiating with rivals inside the coalition",
        "Weight of pairwise frictions in a member's payoff",
    ),
    _p(
        "rel_gains",
        4.0,
        2.0,
        6.0,
        "x threat",
        "E12",
        _ASSUME + "weight on China's proportional knowledge growth relative to a member's own "
        "gain, times its threat (MODEL.md §9.1, §9.10.2); in margins it is ~1% of the pool "
        "term: it decides acceptance, not cohesion or will",
        "Weight of China's knowledge growth (relative gains) in a country's payoff",
    ),
    _p(
        "veto_tolerance",
        0.0,
        0.0,
        0.02,
        "payoff",
        "E12",
        _ASSUME + "an incumbent vetoes a newcomer whose entry lowers its payoff by more than "
        "this (MODEL.md §9.2); payoffs are fractions of own R&D, so 0.02 is 2% of it",
        "Largest fall in an incumbent's payoff it accepts when an outsider joins",
    ),
    _p(
        "friction_position",
        0.0,
        -1.0,
        1.0,
        "position",
        "E12",
        "expert/frictions.csv ranges: -1 = every pair at its low value, 0 = default, +1 = high",
        "Where every pairwise friction sits within its cited range",
    ),
    _p(
        "hedging_position",
        0.0,
        -1.0,
        1.0,
        "position",
        "E10",
        "expert/hedging.csv ranges: -1 = every country at its low value, 0 = default, +1 = high",
        "Where every country's hedging motive sits within its cited range",
    ),
    _p(
        "exit_probability",
        0.1,
        0.0,
        0.5,
        "per review",
        "E12",
        _ASSUME + "modest and on by default (MODEL.md §9.6): a member with a negative margin "
        "leaves at a 4-year review with this chance; 0 switches exits off",
        "Chance a member with a negative margin leaves at a four-year review",
    ),
    _p(
        "beta_domestic",
        0.10,
        0.05,
        0.25,
        "elasticity",
        "E13",
        "Coe & Helpman 1995",
        "Elasticity of TFP with respect to domestic knowledge",
    ),
    _p(
        "beta_foreign",
        0.15,
        0.05,
        0.30,
        "elasticity",
        "E13",
        "Coe & Helpman 1995",
        "Elasticity of TFP with respect to reachable foreign knowledge",
    ),
    _p(
        "rd_trend_years",
        10.0,
        5.0,
        20.0,
        "years",
        "E1",
        _ASSUME + "each country's R&D intensity first follows its observed 2010-21 trend "
        "(SRD-1 GERD/GDP 2010 to the data year; GERD growth over GDP growth where SRD-1 has "
        "no 2010 point), which fades with this e-folding time from the data year towards a "
        "constant long-run intensity, capped at the highest observed intensity (MODEL.md §9.7)",
        "E-folding time of the observed R&D-intensity trends",
    ),
    _p(
        "long_run_gdp_growth",
        0.02,
        0.015,
        0.03,
        "1/yr",
        "E13",
        "published long-run projections (data/long_run_growth.csv): OECD 2012 'Looking to "
        "2060' (OECD trend growth 1.75-2.25%/yr; non-OECD about 2.5%/yr by the 2050s), OECD "
        "2018 'The Long View' (world trend growth 2% in 2060), EIU July 2022 (China 2.0%/yr "
        "2031-50); the range spans them, widened by half a point below as an assumption",
        "Long-run GDP growth that projected growth above it converges to",
    ),
    _p(
        "gdp_convergence_years",
        8.0,
        4.0,
        15.0,
        "years",
        "E13",
        _ASSUME + "e-folding time of the convergence of Growth Lab's 10-year projected growth "
        "to long_run_gdp_growth, from each country's data year; at 8 years China's growth "
        "averages about 3.4%/yr in 2022-30 and 2.4%/yr in 2031-50 (EIU July 2022: 4.0 and "
        "2.0)",
        "E-folding time of GDP growth's convergence to the long-run rate",
    ),
    _p(
        "semis_share_of_world_rd",
        0.08,
        0.05,
        0.12,
        "share",
        "E1",
        _ASSUME + "share of world GERD spent on semiconductors; used to turn ETO production "
        "shares into R&D shares",
        "Share of world R&D that is semiconductor R&D",
    ),
)

_BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


@dataclass(frozen=True)
class Domain:
    """A technology domain ``k`` and its fixed characteristics.

    Attributes
    ----------
    name : str
        Identifier.
    label : str
        Human-readable name.
    depreciation : float
        Annual knowledge depreciation δ_k (1/yr) before the common multiplier.
    complexity : float
        Imitation barrier (dimensionless, ordinal after Gilli & Gilli 2019).
    self_sufficiency0 : float
        China's self-sufficiency at the start year (share).
    ss_drift_factor : float
        Domain's self-sufficiency drift relative to semiconductors.
    military_weight : float
        Weight v_k in military-technology capability (weights sum to 1).
    source : str
        Where the numbers come from.
    """

    name: str
    label: str
    depreciation: float
    complexity: float
    self_sufficiency0: float
    ss_drift_factor: float
    military_weight: float
    source: str


#: Default technology domains (MODEL.md §2).
DOMAINS: tuple[Domain, ...] = (
    Domain(
        "semiconductors",
        "Semiconductors",
        0.18,
        2.5,
        0.16,
        1.0,
        0.20,
        "depreciation: Li & Hall 2016 (semiconductors 18%); complexity: Gilli & Gilli 2019 "
        "(ordinal); self-sufficiency 0.16: IC Insights (15.9% in 2020); military weight: "
        "assumption",
    ),
    Domain(
        "ai_software",
        "AI / software",
        0.30,
        0.5,
        0.5,
        1.0,
        0.20,
        "depreciation: Li & Hall 2016 (software 30%); complexity: Gilli & Gilli 2019 "
        "(ordinal); self-sufficiency 0.5 and military weight: assumptions",
    ),
    Domain(
        "quantum",
        "Quantum",
        0.15,
        1.5,
        0.3,
        1.0,
        0.10,
        "depreciation: assumption (MODEL.md 'others 0.15'); complexity: Gilli & Gilli 2019 "
        "(ordinal); self-sufficiency 0.3 and military weight: assumptions",
    ),
    Domain(
        "biotech",
        "Biotech",
        0.12,
        1.0,
        0.4,
        1.0,
        0.05,
        "depreciation: Hall 2007 (pharmaceuticals 11.8%); complexity: Gilli & Gilli 2019 "
        "(ordinal); self-sufficiency 0.4 and military weight: assumptions",
    ),
    Domain(
        "telecom",
        "Telecom (5G/6G)",
        0.15,
        1.0,
        0.6,
        1.0,
        0.10,
        "depreciation: assumption (MODEL.md 'others 0.15'); complexity: Gilli & Gilli 2019 "
        "(ordinal); self-sufficiency 0.6 and military weight: assumptions",
    ),
    Domain(
        "aerospace_defence",
        "Aerospace / defence systems",
        0.15,
        3.0,
        0.4,
        1.0,
        0.35,
        "depreciation: assumption (MODEL.md 'others 0.15'); complexity: Gilli & Gilli 2019 "
        "(ordinal, highest); self-sufficiency 0.4 and military weight: assumptions",
    ),
)


@dataclass(frozen=True)
class Lever:
    """A policy lever the analyst chooses (MODEL.md §3)."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    mechanism: str
    per: Literal["policy", "domain", "member"]
    description: str
    source: str = field(default="policy choice")


#: Policy levers other than membership.
LEVERS: tuple[Lever, ...] = (
    Lever(
        "pool_share",
        0.05,
        0.0,
        0.5,
        "share of R&D",
        "E2",
        "policy",
        "Share of members' R&D put into the joint pool",
    ),
    Lever(
        "control_stringency",
        0.5,
        0.0,
        1.0,
        "0-1",
        "E4",
        "domain",
        "Export-control strictness towards China, per domain",
    ),
    Lever(
        "capacity_building",
        0.0,
        0.0,
        1.0,
        "0-1",
        "E10",
        "member",
        "US-funded protection capacity building, per member",
    ),
)


def get_parameter(name: str) -> Parameter:
    """Return the registered parameter called ``name``.

    Raises
    ------
    InputError
        If no parameter has that name; the message lists close matches.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, _BY_NAME, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `techbloc params`"
        raise InputError(f"unknown parameter '{name}'{hint}") from None


def parameter_names(uncertain_only: bool = False) -> list[str]:
    """Names of all registered parameters.

    With ``uncertain_only``, only those a design varies by default: uncertain parameters
    that are not opt-in switches (see :attr:`Parameter.sampled_by_default`).
    """
    return [
        p.name
        for p in PARAMETERS
        if not uncertain_only or (p.is_uncertain and p.sampled_by_default)
    ]


def defaults() -> dict[str, float]:
    """Default value of every parameter."""
    return {p.name: p.default for p in PARAMETERS}


def validate_values(values: Mapping[str, float | str], where: str = "") -> dict[str, float]:
    """Check parameter overrides against the registry.

    Parameters
    ----------
    values : mapping
        Parameter name to value (a number, or text that reads as one).
    where : str
        Where the values came from (file and key), used in error messages.

    Returns
    -------
    dict
        The values as floats.

    Raises
    ------
    InputError
        For an unknown name, a non-number, NaN/inf or a value outside the range.
    """
    return {name: get_parameter(name).check(v, where) for name, v in values.items()}


def parameter_table(names: Iterable[str] | None = None):
    """The registry as a :class:`pandas.DataFrame` (one row per parameter)."""
    import pandas as pd

    chosen = PARAMETERS if names is None else [get_parameter(n) for n in names]
    return pd.DataFrame(
        [
            {
                "name": p.name,
                "default": p.default,
                "low": p.low,
                "high": p.high,
                "distribution": p.distribution,
                "unit": p.unit,
                "mechanism": p.mechanism,
                "source": p.source,
                "description": p.description,
            }
            for p in chosen
        ]
    ).set_index("name")


def parameters_markdown() -> str:
    """The registry as a Markdown page (``docs/parameters.md`` is generated from it)."""

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|")

    lines = [
        "# Parameters, domains and levers",
        "",
        "Generated from `techbloc.params` by `techbloc params --markdown`; do not edit by hand.",
        "Every uncertain parameter is sampled uniformly over its range (log-uniformly where",
        'marked) unless a study fixes it. "assumption" means no source pins the value: sweep it.',
        "",
        "## Uncertain parameters",
        "",
        "| name | default | range | unit | mechanism | source | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        scale = " (log-uniform)" if p.distribution == "loguniform" else ""
        if not p.sampled_by_default:
            scale += " (varied only when a study asks)"
        lines.append(
            f"| `{p.name}` | {p.default:g} | {p.low:g} – {p.high:g}{scale} | {cell(p.unit)} "
            f"| {p.mechanism} | {cell(p.source)} | {cell(p.description)} |"
        )
    lines += [
        "",
        "## Technology domains",
        "",
        "| domain | depreciation (1/yr) | complexity | China self-sufficiency at start "
        "| military weight | source |",
        "|---|---|---|---|---|---|",
    ]
    for d in DOMAINS:
        lines.append(
            f"| {d.label} | {d.depreciation:g} | {d.complexity:g} | {d.self_sufficiency0:g} "
            f"| {d.military_weight:g} | {cell(d.source)} |"
        )
    lines += [
        "",
        "## Policy levers",
        "",
        "| lever | default | range | unit | per | mechanism | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for lever in LEVERS:
        lines.append(
            f"| `{lever.name}` | {lever.default:g} | {lever.low:g} – {lever.high:g} "
            f"| {lever.unit} | {lever.per} | {lever.mechanism} | {cell(lever.description)} |"
        )
    return "\n".join(lines) + "\n"
