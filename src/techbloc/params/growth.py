"""Economic growth and the R&D baseline (MODEL.md §4, E1 and E13).

The parameters of the baseline the alliance acts on: how R&D is projected from its
trend (E1) and how knowledge feeds GDP growth (E13).

Sources named below:

- Coe & Helpman 1995, European Economic Review 39: international R&D spillovers
  (elasticities of output to domestic and foreign R&D capital).
- Published long-run growth projections (data/long_run_growth.csv: OECD 2012 and 2018,
  EIU July 2022, Growth Lab), quoted in ``long_run_gdp_growth``'s and
  ``gdp_convergence_years``'s sources.
"""

from __future__ import annotations

from techbloc.params.parameter import ASSUMED, Parameter, declare

__all__ = ["GROWTH"]

#: Economic growth and the R&D baseline, in the order of MODEL.md §6.
GROWTH: tuple[Parameter, ...] = (
    declare(
        "beta_domestic",
        0.10,
        0.05,
        0.25,
        "elasticity",
        "E13",
        "Coe & Helpman 1995",
        "Elasticity of TFP with respect to domestic knowledge",
    ),
    declare(
        "beta_foreign",
        0.15,
        0.05,
        0.30,
        "elasticity",
        "E13",
        "Coe & Helpman 1995",
        "Elasticity of TFP with respect to reachable foreign knowledge",
    ),
    declare(
        "rd_trend_years",
        10.0,
        5.0,
        20.0,
        "years",
        "E1",
        ASSUMED + "each country's R&D intensity first follows its observed 2010-21 trend "
        "(SRD-1 GERD/GDP 2010 to the data year; GERD growth over GDP growth where SRD-1 has "
        "no 2010 point), which fades with this e-folding time from the data year towards a "
        "constant long-run intensity, capped at the highest observed intensity (MODEL.md §9.7)",
        "E-folding time of the observed R&D-intensity trends",
    ),
    declare(
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
    declare(
        "gdp_convergence_years",
        8.0,
        4.0,
        15.0,
        "years",
        "E13",
        ASSUMED + "e-folding time of the convergence of Growth Lab's 10-year projected growth "
        "to long_run_gdp_growth, from each country's data year; at 8 years China's growth "
        "averages about 3.4%/yr in 2022-30 and 2.3%/yr in 2031-50 (EIU July 2022: 4.0 and "
        "2.0)",
        "E-folding time of GDP growth's convergence to the long-run rate",
    ),
    declare(
        "semis_share_of_world_rd",
        0.08,
        0.05,
        0.12,
        "share",
        "E1",
        ASSUMED + "share of world GERD spent on semiconductors; used to turn ETO production "
        "shares into R&D shares",
        "Share of world R&D that is semiconductor R&D",
    ),
)
