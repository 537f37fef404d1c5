"""China's response to denial (MODEL.md §4, E4.0 and E7–E9).

The parameters of what China does when it is denied technology: indigenization (E7),
its R&D response and self-sufficiency drift (E8), learning by doing (E9) and its starting
integration know-how (E4.0).

Sources named below:

- IC Insights 2010-2020: China's semiconductor self-sufficiency (10.2% in 2010, 15.9% in 2020).
- Gilli & Gilli 2019, International Security 43(3): complexity ordering of imitation barriers.
- Harvard Growth Lab, Economic Complexity Index (hs92, 2024).
"""

from __future__ import annotations

from techbloc.params.parameter import ASSUMED, Parameter, declare

__all__ = ["CHINA"]

#: China's response to denial, in the order of MODEL.md §6.
CHINA: tuple[Parameter, ...] = (
    declare(
        "denial",
        0.5,
        0.0,
        1.0,
        "share",
        "E7",
        ASSUMED + "how much exclusion cuts China's R&D productivity at once",
        "Immediate loss of China's R&D productivity per unit of exclusion",
    ),
    declare(
        "indigenization",
        0.3,
        0.0,
        1.0,
        "share",
        "E7",
        "Entity List studies (mixed evidence); magnitude an assumption",
        "Boost to China's R&D productivity per unit of built-up indigenous capacity",
    ),
    declare(
        "indigenization_lag",
        5.0,
        2.0,
        10.0,
        "years",
        "E7",
        "Entity List studies (mixed evidence); magnitude an assumption",
        "Years for indigenous capacity to catch up with exclusion",
    ),
    declare(
        "rd_response",
        0.1,
        0.0,
        0.3,
        "share",
        "E8",
        ASSUMED + "China raises R&D intensity when excluded",
        "How far China's R&D intensity moves towards its ceiling per unit of exclusion pressure",
    ),
    declare(
        "rd_adjustment",
        0.2,
        0.1,
        0.5,
        "1/yr",
        "E8",
        ASSUMED + "partial adjustment of R&D intensity",
        "Annual speed at which China's R&D intensity approaches its target",
    ),
    declare(
        "rd_max",
        0.05,
        0.04,
        0.06,
        "share of GDP",
        "E8",
        ASSUMED + "ceiling on China's R&D intensity",
        "Highest R&D intensity China would reach under full pressure",
    ),
    declare(
        "ss_drift",
        0.0065,
        0.004,
        0.012,
        "1/yr",
        "E8",
        "IC Insights 2010-2020 (10.2% to 15.9% semiconductor self-sufficiency)",
        "Annual drift of China's semiconductor self-sufficiency (other domains scaled)",
    ),
    declare(
        "ss_exponent",
        0.5,
        0.0,
        1.0,
        "exponent",
        "E8",
        ASSUMED + "self-sufficiency drifts faster when China's knowledge is near the frontier",
        "Exponent on China's relative knowledge in self-sufficiency drift",
    ),
    declare(
        "ss_exclusion_boost",
        1.0,
        0.0,
        3.0,
        "x",
        "E8",
        ASSUMED + "exclusion speeds import substitution",
        "Extra self-sufficiency drift per unit of indigenous capacity",
    ),
    declare(
        "learning_rate",
        0.05,
        0.02,
        0.10,
        "1/yr",
        "E9",
        ASSUMED + "integration know-how follows production experience",
        "Annual rate at which know-how closes on knowledge (before complexity)",
    ),
    declare(
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
)
