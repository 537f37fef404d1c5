"""The technology domains ``k`` of the model and their fixed characteristics (MODEL.md §2).

Sources named below:

- Hall 2007; Li & Hall 2016: R&D depreciation rates by industry.
- Gilli & Gilli 2019, International Security 43(3): complexity ordering of imitation barriers.
- IC Insights 2010-2020: China's semiconductor self-sufficiency (10.2% in 2010, 15.9% in 2020).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOMAINS", "Domain"]


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
