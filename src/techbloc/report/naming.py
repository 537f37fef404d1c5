"""Plain names for the report's prose: outcomes, parameters, coalitions and countries.

Code names (``china_capability_vs_status_quo``, ``friction_position``, ``forging_core``,
``KOR``) appear only in the report's appendix; every sentence and heading uses the names
here. Parameters take their registry description (:mod:`techbloc.params`); outcomes the
short names of :data:`OUTCOME_NAMES`, falling back on the outputs registry's description;
countries the bundled world's names. Log ratios are shown as a percentage change
(:func:`percent_change`).
"""

from __future__ import annotations

import functools
import math

__all__ = [
    "OUTCOME_NAMES",
    "country_name",
    "outcome_name",
    "parameter_name",
    "percent_change",
    "policy_name",
]

#: Short plain names of the outcomes the report's sentences quote (the registry's
#: descriptions define them exactly; see the appendix).
OUTCOME_NAMES: dict[str, str] = {
    "china_capability_vs_status_quo": "China's capability against US-only controls",
    "power_ratio_china_us_vs_status_quo": "China's power relative to the US, against US-only "
    "controls",
    "capability_gap_vs_status_quo": "the allies' capability lead over China, against US-only "
    "controls",
    "china_knowledge_vs_status_quo": "China's knowledge against US-only controls",
    "alliance_rd_share": "the coalition's share of world R&D",
    "leakage_to_china": "knowledge China absorbs through leakage",
    "leakage_share": "share of the coalition's new knowledge that leaks to China",
    "achieved_stringency": "achieved export-control stringency",
    "cohesion": "share of members who gain from membership (cohesion)",
    "external_stability": "no outsider both wants in and is accepted (external stability)",
    "members_remaining": "members remaining",
    "power_ratio_china_us": "China's power relative to the US",
}
#: Plain names of the shipped coalition presets.
_PRESET_NAMES: dict[str, str] = {
    "forging_core": "Forging core",
    "forging_core+KOR": "Forging core + South Korea",
    "forging_europe": "Forging core + Europe",
    "five_eyes": "Five Eyes",
    "quad": "Quad",
    "aukus": "AUKUS",
    "g7": "G7",
    "d10": "D-10",
    "t12": "T-12",
    "t14": "T-14",
    "chip4": "Chip 4",
    "nato": "NATO",
    "oecd": "OECD",
}


def outcome_name(name: str) -> str:
    """The plain name of an outcome (its registry description when it has no short name)."""
    if name in OUTCOME_NAMES:
        return OUTCOME_NAMES[name]
    from techbloc.model.outputs import find_output

    meta = find_output(name)
    return meta.description if meta else name.replace("_", " ")


def parameter_name(name: str) -> str:
    """The plain name of a parameter: its registry description, lower-cased for a sentence.

    Examples
    --------
    >>> parameter_name("friction_position")
    'where every pairwise friction sits within its cited range'
    """
    from techbloc.errors import Error
    from techbloc.params import get_parameter

    try:
        text = get_parameter(name).description
    except (Error, KeyError):
        return name.replace("_", " ")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def policy_name(label: str) -> str:
    """A study policy's plain name: presets by their usual name, variants with spaces.

    Examples
    --------
    >>> policy_name("five_eyes"), policy_name("core s0.9")
    ('Five Eyes', 'core s0.9')
    """
    return _PRESET_NAMES.get(label, label.replace("_", " "))


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from techbloc.world import load_world

    return dict(load_world().names)


def country_name(code: str) -> str:
    """A country's name from its ISO3 code (the code itself when unknown).

    Examples
    --------
    >>> country_name("KOR")
    'South Korea'
    """
    return _country_names().get(code, code)


def percent_change(log_ratio: float) -> float:
    """A log ratio as a percentage change: ``100 * (exp(x) - 1)``.

    Examples
    --------
    >>> round(percent_change(0.0953), 1)
    10.0
    """
    return 100 * math.expm1(log_ratio) if math.isfinite(log_ratio) else math.nan
