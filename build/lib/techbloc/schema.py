"""The World's input schema: model input columns, how each is derived, and allowed ranges.

Plain tables, no data and nothing heavy: :data:`INPUT_COLUMNS` (units),
:data:`INPUT_RULES` (the derivation and fill rule of each model input, also in
``docs/data.md``), :data:`INPUT_INDICATORS` (the indicators each input is built from),
:data:`INPUT_RANGES` and :data:`INDICATOR_RANGES` (what an override may set), and the named
weights of the ``threat`` blend. The derivation itself is in :mod:`techbloc.derivation`.
"""

from __future__ import annotations

import math

__all__ = [
    "ATOP_YEAR",
    "GCI_WEIGHT",
    "INDICATOR_RANGES",
    "INPUT_COLUMNS",
    "INPUT_INDICATORS",
    "INPUT_RANGES",
    "INPUT_RULES",
    "ROW",
    "SEMIS_SEGMENTS",
    "THREAT_COMPONENTS",
    "THREAT_DISPUTES_EXCLUDED",
    "THREAT_WEIGHT_DISPUTES",
    "THREAT_WEIGHT_UN_DISTANCE",
    "THREAT_WEIGHT_VIEWS",
    "indicator_range",
]

#: Code of the rest of the world (never a coalition member).
ROW = "ROW"

#: Weight of the ITU GCI in ``protection_capability``; WGI (GE and RL averaged) gets 1 - this.
GCI_WEIGHT = 0.5
THREAT_WEIGHT_VIEWS = 0.5
"""Weight of public views of China (Pew % unfavourable / 100) in the ``threat`` blend.

An assumption, taken from the design prototype (MODEL.md §9.10 point 5), to be swept with
the will parameters (±50%). It is the largest weight because the survey is the only input
that measures threat *perception* directly, and it covers 22 candidates; the other 35 are
filled by a fit on UN-vote distance (flagged).
"""
THREAT_WEIGHT_DISPUTES = 0.3
"""Weight of the dispute and coercion record with China in the ``threat`` blend.

An assumption from the design prototype (MODEL.md §9.10 point 5). Episodes are facts
(territorial and maritime disputes, coercion, detentions since 2010) that publics and
governments experience directly, but the table is a list of the episodes found, not a census,
so it gets less weight than the survey. The count is log-scaled (``log1p``) so that Japan's
seven episodes do not count seven times one.
"""
THREAT_WEIGHT_UN_DISTANCE = 0.2
"""Weight of the UNGA ideal-point distance from China in the ``threat`` blend.

An assumption from the design prototype (MODEL.md §9.10 point 5), kept small on purpose:
the ideal points are one-dimensional (distance to the USA + distance to China is nearly
constant), so this term nearly duplicates ``alignment``; it stays because it is the only
threat-related measure that covers every UN member.
"""
#: Model-input column of each threat component -> (weight, indicator it is built from).
THREAT_COMPONENTS: dict[str, tuple[float, str]] = {
    "threat_views": (THREAT_WEIGHT_VIEWS, "pew_china_unfavourable_pct"),
    "threat_disputes": (THREAT_WEIGHT_DISPUTES, "china_dispute_episodes"),
    "threat_un_distance": (THREAT_WEIGHT_UN_DISTANCE, "unga_distance_chn"),
}
#: Countries whose dispute rows are left out of the threat input (the table's own note:
#: the US-China trade war is mutual escalation, not one-sided PRC coercion).
THREAT_DISPUTES_EXCLUDED = ("USA",)
#: NATO members that joined after the ATOP 2018 cut-off count as US defence pacts.
ATOP_YEAR = 2018

#: Model input columns, in order, with their units.
INPUT_COLUMNS: dict[str, str] = {
    "rd": "GERD, current PPP US$ bn in rd_year (NCSES SRD-1 2021, else RD-5 2019 or latest); "
    "fallback current US$ bn (flagged)",
    "rd_year": "year of rd (and gdp)",
    "gdp": "GDP, current PPP US$ bn in rd_year, same source as rd (SRD-1, or implied by RD-5)",
    "population": "millions",
    "rd_growth": "fraction per year (GERD CAGR 2010-21, constant PPP)",
    "gdp_growth": "fraction per year (Growth Lab 10-year projection)",
    "protection_capability": "0-1",
    "alignment": "0-1 (1 = USA, 0 = China)",
    "us_defence_pact": "0/1",
    "threat": "0-1 (blend of the three threat_* components, weights THREAT_WEIGHT_*)",
    "threat_views": "0-1 (Pew % unfavourable view of China / 100)",
    "threat_disputes": "0-1 (log1p(episodes since 2010) / log1p(max over candidates))",
    "threat_un_distance": "0-1 (UNGA ideal-point distance from China / max over candidates)",
    "china_dependence": "0-1 (goods trade share with China)",
    "hedging": "0-1 (judgement)",
    "hedging_low": "0-1 (judgement)",
    "hedging_high": "0-1 (judgement)",
    "eci": "Growth Lab ECI (HS92)",
    "semis_share": "0-1 share of world semiconductor supply-chain value (ETO)",
    "military_spending": "US$ bn, constant 2023 prices (SIPRI)",
}

#: Plain-language derivation and fill rule of each model input (also in docs/data.md).
INPUT_RULES: dict[str, str] = {
    "rd": "srd1_gerd_ppp_usd_bn (NCSES SRD-1 column 2021a, current PPP $ bn; the real year, "
    "2021 or the latest the table gives, e.g. AUS 2019, is rd_year). Not in SRD-1: "
    "gerd_ppp_usd_m / 1000 (NCSES RD-5, 2019 or latest, PPP $; flagged). In neither: WDI "
    "rd_pct_gdp / 100 x gdp_current_usd / 1e9, i.e. current US$ at market exchange rates "
    "mixed with PPP $ (flagged). ROW: RD-5 world (sum of all RD-5 country rows) minus the "
    "candidates in RD-5, in RD-5 years (rd_year 2019). The model rolls every rd forward from "
    "its rd_year to the start year at rd_growth.",
    "rd_year": "reference year of rd and gdp (SRD-1 label year, RD-5 year, or the WDI R&D year "
    "for fallbacks; ROW 2019).",
    "gdp": "srd1_gdp_ppp_usd_bn (SRD-1 2021a, current PPP $ bn) where rd is from SRD-1. "
    "RD-5 rd: gerd_ppp_usd_m / (gerd_gdp_pct / 100) / 1000, the GDP implied by RD-5 (PPP $ "
    "bn, flagged). WDI rd: gdp_current_usd / 1e9 (current US$, flagged). ROW: RD-5 world "
    "implied GDP minus candidates in RD-5 (RD-5 only lists countries reporting R&D, so world "
    "GDP is understated).",
    "population": "population_total / 1e6 (WDI SP.POP.TOTL, latest year). TWN and ROW: NaN (no "
    "bundled source; override to use).",
    "rd_growth": "gerd_cagr_2010_2021_const_pct / 100 (NCSES SRD-1). Missing (non-OECD and a "
    "few OECD countries) and ROW: median of available countries (flagged).",
    "gdp_growth": "growth_proj_pct / 100 (Growth Lab, latest year). Missing (ISL, LUX, MLT) "
    "and ROW: median of available countries (flagged).",
    "protection_capability": f"{GCI_WEIGHT} x itu_gci_2020 / 100 + {1 - GCI_WEIGHT} x mean("
    "(wgi_government_effectiveness + 2.5) / 5, (wgi_rule_of_law + 2.5) / 5), WGI 2023 "
    "(pre-2025 vintage), clipped to 0-1. TWN (neither in GCI nor WGI): assumption = mean of "
    "JPN and KOR (flagged). ROW: median of candidates (flagged; ROW is never a member).",
    "alignment": "unga_distance_chn / (unga_distance_usa + unga_distance_chn), UNGA ideal "
    "points (final-passage votes, 2024); USA = 1, CHN = 0. TWN (not in the UN since 1971): "
    "assumption = mean of JPN and KOR (flagged). ROW: 0.5 (neutral, flagged).",
    "us_defence_pact": "atop_defence_pact_usa (ATOP 2018 defence pledge) OR NATO accession "
    "after 2018 (FIN 2023, SWE 2024, memberships.csv); USA = 1; ROW = 0.",
    "threat": f"{THREAT_WEIGHT_VIEWS} x threat_views + {THREAT_WEIGHT_DISPUTES} x "
    f"threat_disputes + {THREAT_WEIGHT_UN_DISTANCE} x threat_un_distance (weights: "
    "assumptions from the design prototype, MODEL.md 9.10.5; military burden is no longer "
    "part of it). CHN = 0. ROW: median of candidates (flagged). Filled components are "
    "flagged on the component and summarised here.",
    "threat_views": "pew_china_unfavourable_pct / 100 (Pew Global Attitudes, latest year with "
    "an unfavourable %, expert/pew_views_of_china.csv). Missing: linear fit of Pew "
    "unfavourable on unga_distance_chn over the candidates that have both (n and r in the "
    "flag), clipped to 0-100 (flagged). CHN = 0. ROW: median (flagged).",
    "threat_disputes": "log1p(china_dispute_episodes) / log1p(max over candidates), episodes "
    "since 2010 in expert/china_disputes.csv. USA: its row (2018 trade war) is mutual "
    "escalation, left out: 0 (flagged). No row in the table: 0 episodes (assumption: the "
    "table lists the episodes found; flagged). CHN = 0. ROW: median (flagged).",
    "threat_un_distance": "unga_distance_chn / max over candidates (UNGA ideal points, "
    "final-passage votes, 2024). TWN (not in the UN since 1971): assumption = mean of JPN and "
    "KOR (flagged). CHN = 0. ROW: median (flagged).",
    "china_dependence": "(dots_exports_to_chn + dots_imports_from_chn) / (dots_exports_to_wld "
    "+ dots_imports_from_wld), IMF DOTS 2019 (pre-pandemic). TWN from mirror flows (reporters "
    "CHN and WLD). CHN = 0. ROW: median (flagged).",
    "hedging": "expert/hedging.csv default; countries not listed: 0 (assumption, flagged).",
    "hedging_low": "expert/hedging.csv low; not listed: 0 (assumption).",
    "hedging_high": "expert/hedging.csv high; not listed: 0 (assumption).",
    "eci": "eci_hs92 (Growth Lab, latest year). Missing (ISL, LUX, MLT) and ROW: median of "
    "available countries (flagged).",
    "semis_share": "ETO (CC BY-NC 4.0): mean of four segment shares: design (S1), fabrication "
    "(S2), assembly-test-packaging (S3), and equipment & materials (tool and material inputs, "
    "weighted by the market size ETO states; items without a size are left out). Equal "
    "segment weights are an assumption (ETO gives no fabrication market size). 0 where ETO "
    "records no share (flagged). ROW: 1 - sum of candidates, floored at 0 (other countries "
    "and ETO's 'Various').",
    "military_spending": "milex_constant_2023_usd_m / 1000 (SIPRI, latest year). ROW: NaN.",
}

#: Indicators each model input is derived from (shown by ``techbloc data show``). A fallback
#: source is listed after the preferred one; which one was used is in ``fill_notes``.
INPUT_INDICATORS: dict[str, tuple[str, ...]] = {
    "rd": ("srd1_gerd_ppp_usd_bn", "gerd_ppp_usd_m", "rd_pct_gdp", "gdp_current_usd"),
    "rd_year": ("srd1_gerd_ppp_usd_bn", "gerd_ppp_usd_m", "rd_pct_gdp"),
    "gdp": ("srd1_gdp_ppp_usd_bn", "gerd_ppp_usd_m", "gerd_gdp_pct", "gdp_current_usd"),
    "population": ("population_total",),
    "rd_growth": ("gerd_cagr_2010_2021_const_pct",),
    "gdp_growth": ("growth_proj_pct",),
    "protection_capability": (
        "itu_gci_2020",
        "wgi_government_effectiveness",
        "wgi_rule_of_law",
    ),
    "alignment": ("unga_distance_usa", "unga_distance_chn"),
    "us_defence_pact": ("atop_defence_pact_usa", "member_nato"),
    "threat": ("pew_china_unfavourable_pct", "china_dispute_episodes", "unga_distance_chn"),
    "threat_views": ("pew_china_unfavourable_pct",),
    "threat_disputes": ("china_dispute_episodes",),
    "threat_un_distance": ("unga_distance_chn",),
    "china_dependence": (
        "dots_exports_to_chn_usd_m",
        "dots_imports_from_chn_usd_m",
        "dots_exports_to_wld_usd_m",
        "dots_imports_from_wld_usd_m",
    ),
    "hedging": (),
    "hedging_low": (),
    "hedging_high": (),
    "eci": ("eci_hs92",),
    "semis_share": (
        "semis_design_share_pct",
        "semis_fabrication_share_pct",
        "semis_atp_share_pct",
        "semis_equipment_materials_share_pct",
    ),
    "military_spending": ("milex_constant_2023_usd_m",),
}

_UNIT = (0.0, 1.0)
#: Allowed (low, high) for each model input (used to validate overrides).
INPUT_RANGES: dict[str, tuple[float, float]] = {
    "rd": (0.0, 1e5),
    "rd_year": (1990.0, 2100.0),
    "gdp": (0.0, 1e6),
    "population": (0.0, 1e4),
    "rd_growth": (-0.5, 1.0),
    "gdp_growth": (-0.5, 0.5),
    "protection_capability": _UNIT,
    "alignment": _UNIT,
    "us_defence_pact": _UNIT,
    "threat": _UNIT,
    "threat_views": _UNIT,
    "threat_disputes": _UNIT,
    "threat_un_distance": _UNIT,
    "china_dependence": _UNIT,
    "hedging": _UNIT,
    "hedging_low": _UNIT,
    "hedging_high": _UNIT,
    "eci": (-5.0, 5.0),
    "semis_share": _UNIT,
    "military_spending": (0.0, 1e5),
}

#: Allowed (low, high) for each indicator (used to validate overrides); prefix match.
INDICATOR_RANGES: dict[str, tuple[float, float]] = {
    "gerd_ppp_usd_m": (0.0, 1e8),
    "gerd_gdp_pct": (0.0, 20.0),
    "gerd_cagr_2010_2021_const_pct": (-50.0, 100.0),
    "srd1_": (0.0, 1e6),
    "pew_china_unfavourable_pct": (0.0, 100.0),
    "china_dispute_episodes": (0.0, 1000.0),
    "world_": (0.0, 1e10),
    "rd_pct_gdp": (0.0, 20.0),
    "researchers_per_million": (0.0, 1e5),
    "patents_": (0.0, 1e8),
    "sci_articles": (0.0, 1e8),
    "hightech_exports_pct_manuf": (0.0, 100.0),
    "hightech_exports_usd": (0.0, 1e14),
    "gdp_current_usd": (0.0, 1e15),
    "population_total": (0.0, 1e10),
    "wgi_": (-3.0, 3.0),
    "milex_share_gdp": _UNIT,
    "milex_": (0.0, 1e8),
    "unga_ideal_point": (-5.0, 5.0),
    "unga_distance_": (0.0, 10.0),
    "atop_": _UNIT,
    "eci_hs92": (-5.0, 5.0),
    "growth_proj_pct": (-50.0, 50.0),
    "itu_gci_2020": (0.0, 100.0),
    "dots_": (0.0, 1e8),
    "member_": _UNIT,
    "semis_": (0.0, 100.0),
}

#: ETO semiconductor segment indicators (percent of world market) -> ETO stage id; the
#: equipment & materials segment (``None``) is a market-size-weighted mean over inputs.
SEMIS_SEGMENTS: dict[str, str | None] = {
    "semis_design_share_pct": "S1",
    "semis_fabrication_share_pct": "S2",
    "semis_atp_share_pct": "S3",
    "semis_equipment_materials_share_pct": None,
}


def indicator_range(name: str) -> tuple[float, float]:
    """Allowed ``(low, high)`` of indicator ``name`` (:data:`INDICATOR_RANGES`).

    A key ending in ``_`` matches every indicator starting with it; an indicator no key
    matches is unbounded.

    Examples
    --------
    >>> indicator_range("wgi_rule_of_law")
    (-3.0, 3.0)
    """
    for prefix, bounds in INDICATOR_RANGES.items():
        if name == prefix or (prefix.endswith("_") and name.startswith(prefix)):
            return bounds
    return (-math.inf, math.inf)
