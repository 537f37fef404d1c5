"""The model's outputs: looking up the registry of what the engine reports, and the recorder.

Every output the engine writes is declared once, beside the function that computes it, in
:mod:`~techbloc.model.reporters` (:data:`OUTPUTS`), as an :class:`Output` object (as EMA
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
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import numpy as np

from techbloc.errors import InputError
from techbloc.model.output_spec import Direction, Output, unit_bounds
from techbloc.model.reporters import OUTPUTS

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
