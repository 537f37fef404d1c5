"""Knowledge, pooling, diffusion, controls and leakage (MODEL.md §4, E2–E6).

The parameters of knowledge production and its flows: depreciation and research
productivity (E3), the joint pool (E2), diffusion among allies (E3), export-control reach
(E4), leakage to China (E5) and absorption of what leaks (E6).

Sources named below:

- Hall 2007; Li & Hall 2016: R&D depreciation rates by industry.
- Bloom, Jones, Van Reenen & Webb 2020, "Are Ideas Getting Harder to Find?", AER 110(4):
  research productivity falls about 5% a year.
- Mansfield, Schwartz & Wagner 1981, Economic Journal 91: imitation costs ~65% of innovation.
- Mansfield 1985, Journal of Industrial Economics 34(2): speed of leakage of industrial
  technology (upper bound of annual leakage).
- Glitz & Meyersson 2020, AER 110(4): returns to industrial espionage (East Germany).
- Coe & Helpman 1995, European Economic Review 39: international R&D spillovers.
- Gilli & Gilli 2019, International Security 43(3): complexity ordering of imitation barriers.
"""

from __future__ import annotations

from techbloc.params.parameter import ASSUMED, Parameter, declare

__all__ = ["KNOWLEDGE"]

#: Knowledge, pooling, diffusion, controls and leakage, in the order of MODEL.md §6.
KNOWLEDGE: tuple[Parameter, ...] = (
    declare(
        "depreciation_multiplier",
        1.0,
        0.7,
        1.5,
        "x",
        "E3",
        "Hall 2007; Li & Hall 2016 (domain rates); common multiplier is an assumption",
        "Common multiplier on every domain's knowledge depreciation rate",
    ),
    declare(
        "productivity_decline",
        0.05,
        0.03,
        0.07,
        "1/yr",
        "E3",
        "Bloom, Jones, Van Reenen & Webb 2020",
        "Annual decline of knowledge produced per dollar of R&D",
    ),
    declare(
        "absorptive_multiple",
        0.5,
        0.2,
        1.0,
        "x own R&D",
        "E2",
        ASSUMED + "a member can use pool output only up to a multiple of its own domain R&D "
        "(absorptive capacity); v2's 2 let a small joiner draw ~1.85x its own R&D for 5% paid "
        "in, so every outsider wanted in (MODEL.md §9.10.3). 0.5: pooled output a member "
        "can absorb in a year is at most half its own programme; 0.2-1.0 is swept",
        "Cap on a member's pool gain, as a multiple of its own remaining domain R&D",
    ),
    declare(
        "synergy",
        0.2,
        0.0,
        0.5,
        "share",
        "E2",
        ASSUMED + "pooling avoids duplication; magnitude unknown",
        "Extra pool output from combining members' R&D (at many members)",
    ),
    declare(
        "diffusion",
        0.02,
        0.0,
        0.05,
        "1/yr",
        "E3",
        ASSUMED + "scale of Coe & Helpman-type spillovers, normalised to intensity gaps",
        "Annual rate at which knowledge-intensity gaps diffuse between countries",
    ),
    declare(
        "allied_diffusion",
        0.5,
        0.0,
        1.0,
        "share",
        "E3",
        ASSUMED + "alliance lowers barriers to spillovers between members",
        "Extra diffusion between two coalition members",
    ),
    declare(
        "extraterritorial_reach",
        0.2,
        0.0,
        0.5,
        "share",
        "E4",
        ASSUMED + "FDPR-type rules reach part of non-members' exports",
        "Share of a coalition control that binds holders outside the coalition",
    ),
    declare(
        "holder_concentration",
        1.5,
        1.0,
        3.0,
        "exponent",
        "E4",
        ASSUMED + "frontier holders matter more than their stock share",
        "Exponent on knowledge stocks when weighting technology holders",
    ),
    declare(
        "weakest_link_exponent",
        4.0,
        1.0,
        32.0,
        "exponent",
        "E4,E5",
        ASSUMED + "1 = average, large = dominated by the weakest (most open) link",
        "Power-mean exponent for access and pool leakage",
        "loguniform",
    ),
    declare(
        "base_leak_rate",
        0.10,
        0.02,
        0.30,
        "1/yr",
        "E5",
        "Mansfield 1985 (upper bound of annual leakage of industrial technology)",
        "Annual leak rate of a country with zero protection",
    ),
    declare(
        "stock_leak_share",
        1.6,
        0.8,
        3.2,
        "x leak rate x stock",
        "E5",
        "calibrated so that switching leakage off lowers China's knowledge after 20 years by "
        "~13% at defaults (MODEL.md §8.1; Glitz & Meyersson 2020: 13.3%); range x0.5-x2; "
        "v4 baseline: 1.6 gives 13.1% (3.2 gave 22%)",
        "Knowledge exposed each year per unit of national leak rate and of the stock",
    ),
    declare(
        "max_conversion",
        0.5,
        0.2,
        0.8,
        "share",
        "E6",
        "Mansfield, Schwartz & Wagner 1981 (imitation costs ~65% of innovation)",
        "Largest share of exposed knowledge China can convert into its own",
    ),
    declare(
        "absorption_exponent",
        1.0,
        0.5,
        2.0,
        "exponent",
        "E6",
        ASSUMED + "absorptive capacity rises with China's relative stock",
        "Exponent on China's stock relative to the frontier in absorptive capacity",
    ),
    declare(
        "complexity_multiplier",
        1.0,
        0.5,
        2.0,
        "x",
        "E6,E9",
        "Gilli & Gilli 2019 (ordinal ranking of domains); common multiplier is an assumption",
        "Common multiplier on every domain's complexity",
    ),
    declare(
        "catch_up_rate",
        0.05,
        0.02,
        0.10,
        "1/yr",
        "E6",
        ASSUMED + "legal imitation of the accessible gap",
        "Share of the accessible knowledge gap China can imitate each year",
    ),
)
