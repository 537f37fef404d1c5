"""The model's outputs: one registry of what the engine reports, and the recorder that keeps it.

Every output the engine writes is declared once here, as an :class:`Output` object (as EMA
Workbench's ``ScalarOutcome``): its name, unit, description, kind of array, the
:class:`Direction` an analyst prefers (more or less of it is better, or neither), the
bounds its unit implies, and whether it is *data* (a sampled driver of the future, such as
the years under a transactional US administration) rather than an uncertain outcome of the
policy. :func:`~techbloc.model.dataset.simulate` labels the Dataset from it; the CLI, the
report, the service, robustness and coalition search look outcomes up in it
(:func:`output`, :func:`find_output`), and a test checks that every output stays within
its bounds.
"""

from __future__ import annotations

import difflib
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np

from techbloc.errors import InputError

__all__ = [
    "DEPRECATED_ALIASES",
    "HEADLINE",
    "OUTPUTS",
    "SCALARS",
    "Direction",
    "Output",
    "Recorder",
    "UnknownOutputError",
    "find_output",
    "headline_first",
    "output",
    "suggest",
    "unit_bounds",
]

Kind = Literal["scalar", "domain", "country", "scenario"]


class Direction(enum.IntEnum):
    """Which way an outcome is better for the coalition (EMA Workbench's outcome kinds)."""

    #: Less is better.
    MINIMIZE = -1
    #: Neither: reported, not optimised (data, or outcomes with no preferred side).
    INFO = 0
    #: More is better.
    MAXIMIZE = 1

    @property
    def short(self) -> str:
        """``"max"``, ``"min"`` or ``"info"``, as written in metric strings."""
        return {1: "max", -1: "min", 0: "info"}[int(self)]


MAX, MIN, INFO = Direction.MAXIMIZE, Direction.MINIMIZE, Direction.INFO

_UNIT_INTERVAL = ("share", "0-1", "0/1")
_NON_NEGATIVE = ("ratio", "PPP $bn", "PPP $bn/yr", "x coalition R&D", "count", "years", "1/yr")


def unit_bounds(unit: str) -> tuple[float, float] | None:
    """The interval a unit implies: [0, 1] for shares, indices and flags, [0, inf) for
    stocks, flows, ratios, counts, years and rates, None (unbounded) otherwise.

    Examples
    --------
    >>> unit_bounds("share")
    (0.0, 1.0)
    >>> unit_bounds("log ratio") is None
    True
    """
    if unit in _UNIT_INTERVAL:
        return (0.0, 1.0)
    if unit in _NON_NEGATIVE:
        return (0.0, math.inf)
    return None


@dataclass(frozen=True)
class Output:
    """One output of the engine.

    Attributes
    ----------
    name : str
        Name in the Dataset, the store and the CLI.
    description : str
        One line saying what it measures.
    unit : str
        ``share`` (within [0, 1]), ``0-1`` (an index within [0, 1]), ``0/1`` (a flag),
        ``log ratio``, ``PPP $bn`` (knowledge units), ``PPP $bn/yr``, ``ratio``, ``count``,
        ``years``, ``1/yr``, ``x coalition R&D`` or ``dimensionless``.
    kind : {"scalar", "domain", "country", "scenario"}
        ``scalar``: one value per scenario and policy (dims ``(scenario, policy)``);
        ``domain`` and ``country`` add that dimension; ``scenario``: one per scenario.
    direction : Direction
        ``MAXIMIZE`` if more is better for the coalition, ``MINIMIZE`` if less is,
        ``INFO`` if neither.
    data : bool
        A driver of the future recorded beside the outcomes (for instance the years
        under a transactional US administration), not an outcome of the policy. Data
        have direction ``INFO``; they describe scenarios.
    bounds : tuple of float or None
        ``(low, high)`` every value lies in (infinite ends allowed); by default the
        bounds the unit implies (:func:`unit_bounds`), None where it implies none.
    """

    name: str
    description: str
    unit: str
    kind: Kind = "scalar"
    direction: Direction = INFO
    data: bool = False
    bounds: tuple[float, float] | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        if self.bounds is None:
            object.__setattr__(self, "bounds", unit_bounds(self.unit))
        if self.data and self.direction != INFO:
            raise ValueError(f"output {self.name!r}: data have no preferred direction")

    @property
    def label(self) -> str:
        """``description (unit)``, for axis labels and table notes."""
        return f"{self.description} ({self.unit})" if self.unit else self.description


def _o(
    name: str,
    description: str,
    unit: str,
    kind: Kind = "scalar",
    direction: Direction = INFO,
    data: bool = False,
) -> Output:
    return Output(name, description, unit, kind, direction, data)


#: Every output of the engine, in reporting order.
OUTPUTS: tuple[Output, ...] = (
    _o("alliance_rd_share", "Coalition share of world R&D flow", "share", direction=MAX),
    _o(
        "alliance_knowledge_share",
        "Coalition share of modelled countries' knowledge stock",
        "share",
        direction=MAX,
    ),
    _o("china_rd_share", "China's share of world R&D flow", "share", direction=MIN),
    _o("rd_ratio_china_us", "China's R&D flow / the US's", "ratio", direction=MIN),
    _o(
        "china_knowledge_production_share",
        "China's share of the modelled countries' knowledge production from R&D this year "
        "(its own production after denial and indigenization; others' own R&D and the "
        "pool's output, counted once)",
        "share",
        direction=MIN,
    ),
    _o("gap_knowledge", "ln(K_F / K_China), mean over domains", "log ratio", direction=MAX),
    _o("gap_capability", "ln(M_US / M_China), mean over domains", "log ratio", direction=MAX),
    _o(
        "leakage_to_china",
        "Knowledge China absorbed through leakage this year, from every "
        "country's stock and the shared pool stock",
        "PPP $bn/yr",
        direction=MIN,
    ),
    _o(
        "leakage_to_china_cumulative",
        "Knowledge China absorbed through leakage since the start",
        "PPP $bn",
        direction=MIN,
    ),
    _o(
        "leakage_share",
        "Absorbed leakage from coalition members' stocks and the shared stock "
        "since the start / the coalition's knowledge production since the start",
        "share",
        direction=MIN,
    ),
    _o(
        "leakage_exposed",
        "Knowledge exposed to China this year / coalition R&D",
        "x coalition R&D",
        direction=MIN,
    ),
    _o(
        "leakage_absorbed",
        "Exposed knowledge China absorbed this year / coalition R&D",
        "x coalition R&D",
        direction=MIN,
    ),
    _o(
        "achieved_stringency",
        "Achieved export-control stringency, mean over domains",
        "0-1",
        direction=MAX,
    ),
    _o(
        "pool_leak_rate",
        "Annual leak rate of the joint pool (weakest-link power mean)",
        "1/yr",
        direction=MIN,
    ),
    _o(
        "exclusion",
        "China's exclusion from foreign technology (1 - access), domain mean",
        "0-1",
        direction=MAX,
    ),
    _o(
        "cohesion",
        "Share of members whose membership margin is non-negative",
        "share",
        direction=MAX,
    ),
    _o(
        "min_margin",
        "Lowest membership margin among members (US excluded)",
        "dimensionless",
        direction=MAX,
    ),
    _o("internal_stability", "1 if every member's margin is non-negative", "0/1", direction=MAX),
    _o(
        "external_stability",
        "1 if no outsider would both gain by joining and be accepted",
        "0/1",
        direction=MAX,
    ),
    _o(
        "china_self_sufficiency",
        "China's self-sufficiency, mean over domains",
        "share",
        direction=MIN,
    ),
    _o("china_knowledge", "China's knowledge stock, all domains", "PPP $bn", direction=MIN),
    _o(
        "china_knowledge_share",
        "China's share of the modelled countries' knowledge stocks, all domains",
        "share",
        direction=MIN,
    ),
    _o(
        "china_capability",
        "China's realized capability min(K, I), all domains",
        "PPP $bn",
        direction=MIN,
    ),
    _o(
        "china_gain_own_rd_cumulative",
        "Knowledge China produced with its own R&D since the start (after denial and "
        "indigenization)",
        "PPP $bn",
    ),
    _o(
        "china_gain_imitation_cumulative",
        "Knowledge China imitated from accessible foreign technology since the start (legal "
        "catch-up; leakage is leakage_to_china_cumulative)",
        "PPP $bn",
    ),
    _o(
        "china_knowledge_without_exclusion",
        "China's knowledge with access 1 and no denial, partners held as in the main run",
        "PPP $bn",
    ),
    _o(
        "china_knowledge_vs_status_quo",
        "ln(China's knowledge under the policy / under the "
        "status quo, same future); > 0: the policy leaves China stronger",
        "log ratio",
        direction=MIN,
    ),
    _o(
        "china_capability_vs_status_quo",
        "ln(China's realized capability under the policy / under the status quo, same future)",
        "log ratio",
        direction=MIN,
    ),
    _o(
        "power_ratio_china_us_vs_status_quo",
        "ln(China/US composite power under the policy / under the status quo, same future)",
        "log ratio",
        direction=MIN,
    ),
    _o(
        "capability_gap_vs_status_quo",
        "Change in ln(coalition capability / China's) against "
        "the status quo, same future; > 0: the coalition's lead widened",
        "log ratio",
        direction=MAX,
    ),
    _o(
        "backlash_exclusion",
        "ln(China's knowledge with exclusion / without it, frontier held); "
        "> 0: exclusion alone backfired",
        "log ratio",
        direction=MIN,
    ),
    _o(
        "power_ratio_china_us",
        "China's composite power / US composite power",
        "ratio",
        direction=MIN,
    ),
    _o(
        "power_ratio_china_coalition",
        "China's composite power / coalition composite power",
        "ratio",
        direction=MIN,
    ),
    _o(
        "control_cost",
        "Mean cost of controls per member (trade_cost x stringency x dependence)",
        "dimensionless",
        direction=MIN,
    ),
    _o("members_remaining", "Coalition members (USA included) after exits", "count"),
    _o("gap_knowledge_by_domain", "ln(K_F / K_China) per domain", "log ratio", "domain"),
    _o("gap_capability_by_domain", "ln(M_US / M_China) per domain", "log ratio", "domain"),
    _o(
        "china_self_sufficiency_by_domain", "China's self-sufficiency per domain", "share", "domain"
    ),
    _o(
        "margin",
        "Membership margin V_i(C) - V_i(C minus i) of each member (NaN outside)",
        "dimensionless",
        "country",
    ),
    _o(
        "joining_gain",
        "What each outsider would gain by joining, V_j(C plus j) - V_j(C)",
        "dimensionless",
        "country",
    ),
    _o(
        "accepted",
        "1 if no incumbent's payoff would fall (beyond veto_tolerance) were the outsider to join",
        "0/1",
        "country",
    ),
    _o("member", "1 if the country is a member in the final year", "0/1", "country"),
    _o("will", "Willingness to protect shared technology (E10)", "0-1", "country"),
    _o("protection", "Protection p = capability x will x effort (E10)", "0-1", "country"),
    _o("control_cost_by_member", "Cost of controls of each member", "dimensionless", "country"),
    _o(
        "leakage_to_china_by_country",
        "Knowledge China absorbed through leakage from each "
        "country's stock in the final year (the shared stock's part is not assigned)",
        "PPP $bn/yr",
        "country",
    ),
    _o(
        "transactional_years",
        "Years under a transactional US administration after the start year",
        "years",
        "scenario",
        data=True,
    ),
    _o("credibility_final", "US credibility in the final year", "0-1", "scenario", data=True),
    _o(
        "institutional_credibility_final",
        "Institutional credibility of US commitments in the final year",
        "0-1",
        "scenario",
        data=True,
    ),
    _o("credibility", "US credibility each year", "0-1", "scenario", data=True),
    _o(
        "institutional_credibility",
        "Institutional credibility each year",
        "0-1",
        "scenario",
        data=True,
    ),
    _o("engaged", "1 in years under an engaged US administration", "0/1", "scenario", data=True),
)

_BY_NAME = {o.name: o for o in OUTPUTS}

#: Old output names kept for one release: name -> the output it now stands for.
DEPRECATED_ALIASES: dict[str, str] = {
    "backlash": "backlash_exclusion",
    "internally_stable": "internal_stability",
    "externally_stable": "external_stability",
    # v2's "leakage_cumulative" divided every country's leakage by coalition R&D and was
    # not a share; its closest honest replacement is leakage_share
    "leakage_cumulative": "leakage_share",
}

#: End-of-horizon scalar outputs (one value per scenario and policy), name -> Output,
#: in reporting order (read-only).
SCALARS: Mapping[str, Output] = MappingProxyType({o.name: o for o in OUTPUTS if o.kind == "scalar"})


#: The headline outcomes, in the order every front end shows them (v4, issue 18 item 6):
#: what a policy does to China's realized capability and to China/US power against the
#: status quo, and to the coalition's lead, first; China's knowledge against the status quo
#: (what leaks and is imitated, not what China can build) second; then leakage, the
#: coalition's controls and its cohesion, R&D share and external stability. The CLI's
#: comparison tables, ``evaluate --json``, the service's summary and the report read it.
HEADLINE: tuple[str, ...] = (
    "china_capability_vs_status_quo",
    "power_ratio_china_us_vs_status_quo",
    "capability_gap_vs_status_quo",
    "china_knowledge_vs_status_quo",
    "leakage_to_china",
    "achieved_stringency",
    "cohesion",
    "alliance_rd_share",
    "external_stability",
)


def headline_first(names: Iterable[str]) -> list[str]:
    """``names`` with the :data:`HEADLINE` outcomes among them first, in headline order.

    Examples
    --------
    >>> headline_first(["cohesion", "exclusion", "china_capability_vs_status_quo"])
    ['china_capability_vs_status_quo', 'cohesion', 'exclusion']
    """
    names = list(dict.fromkeys(names))
    first = [n for n in HEADLINE if n in names]
    return first + [n for n in names if n not in HEADLINE]


class UnknownOutputError(InputError):
    """An output name the registry does not know (the message suggests the closest)."""


def suggest(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to ``name``, or ``""``.

    Examples
    --------
    >>> suggest("cohesian", ["cohesion", "exclusion"])
    " (did you mean 'cohesion'?)"
    """
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_output(name: str) -> Output | None:
    """The registered output called ``name`` (deprecated aliases resolve), or None."""
    return _BY_NAME.get(DEPRECATED_ALIASES.get(name, name))


def output(name: str) -> Output:
    """The registered output called ``name`` (deprecated aliases resolve to the new name).

    Raises
    ------
    UnknownOutputError
        ``name`` is not registered; the message suggests the closest name and lists
        the scalar outputs.
    """
    found = find_output(name)
    if found is None:
        raise UnknownOutputError(
            f"unknown output {name!r}{suggest(name, [*_BY_NAME, *DEPRECATED_ALIASES])}; "
            f"scalar outputs: {', '.join(SCALARS)}"
        )
    return found


class Recorder:
    """Keeps the outputs the engine observes: yearly values and the final year's.

    Parameters
    ----------
    n_years : int
    trajectories : bool
        Keep every year's values (``traj_<name>``, year axis third) as well as the last.
    """

    def __init__(self, n_years: int, trajectories: bool) -> None:
        self.n_years = n_years
        self.trajectories = trajectories
        self.trajectory: dict[str, np.ndarray] = {}
        self.end: dict[str, np.ndarray] = {}

    def wants(self, t: int) -> bool:
        """Whether year ``t``'s outputs are recorded."""
        return self.trajectories or t == self.n_years - 1

    def record(self, t: int, values: dict[str, np.ndarray]) -> None:
        """Keep the outputs of year ``t`` (arrays with leading axes (S, P))."""
        for name, value in values.items():
            if self.trajectories:
                if name not in self.trajectory:
                    shape = (*value.shape[:2], self.n_years, *value.shape[2:])
                    self.trajectory[name] = np.full(shape, np.nan)
                self.trajectory[name][:, :, t] = value
            if t == self.n_years - 1:
                self.end[name] = value

    def result(self) -> dict[str, np.ndarray]:
        """``traj_<name>`` arrays and end-of-horizon values in one mapping."""
        out = {f"traj_{name}": value for name, value in self.trajectory.items()}
        out.update(self.end)
        return out
