"""Internal and external stability of a coalition across scenarios (MODEL.md E12).

- *Internal stability*: every member's margin ``V_i(C) - V_i(C∖{i})`` is non-negative.
  Reported per member: the share of scenarios in which its margin is >= 0, and the
  margin's median and 10th percentile.
- *External stability*: no outsider both gains by joining and is accepted. An outsider
  ``j`` *wants in* when its margin in ``C ∪ {j}`` (``V_j(C∪{j}) - V_j(C)``) is positive;
  it is *accepted* when joining turns no incumbent's non-negative margin negative.
  Reported per outsider: the shares of scenarios in which it wants in, is accepted, and
  both (would join).

The computation needs only a vectorized margin function
``margins(masks: bool[P, N]) -> float[S, P, N]`` (NaN for non-members), so it works on
any model. :func:`coalition_stability` reads the model's own judgement instead: members'
margins, outsiders' joining gains and the incumbents' veto (MODEL.md §9.2: a newcomer is
accepted only if no incumbent's payoff falls), from one run of the coalition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from techbloc.errors import InputError
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

if TYPE_CHECKING:
    from techbloc.world import World

__all__ = ["MarginFunction", "StabilityResult", "coalition_stability", "stability"]

MarginFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class StabilityResult:
    """Stability of one coalition across scenarios.

    Attributes
    ----------
    members : pandas.DataFrame
        Indexed by ISO3: ``name``, ``share_non_negative``, ``median_margin``,
        ``p10_margin``, sorted by ``share_non_negative`` ascending (weakest first).
    outsiders : pandas.DataFrame
        Indexed by ISO3: ``name``, ``share_wants_in``, ``share_accepted``,
        ``share_would_join``, ``median_gain``, sorted by ``share_would_join`` descending.
    summary : dict
        ``internally_stable``, ``externally_stable``, ``stable`` (shares of scenarios) and
        ``n_scenarios``.
    """

    members: pd.DataFrame
    outsiders: pd.DataFrame
    summary: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data description (for ``--json``)."""
        return {
            "summary": self.summary,
            "members": self.members.reset_index().replace({np.nan: None}).to_dict("records"),
            "outsiders": self.outsiders.reset_index().replace({np.nan: None}).to_dict("records"),
        }


def stability(
    margins: MarginFunction,
    codes: Sequence[str],
    members: Sequence[str],
    *,
    outsiders: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    exempt: Sequence[str] = ("USA",),
) -> StabilityResult:
    """Internal and external stability from a margin function.

    Parameters
    ----------
    margins : callable
        ``margins(masks: bool[P, N]) -> float[S, P, N]`` over ``codes``; NaN for
        non-members.
    codes : sequence of str
        Country codes of the mask columns.
    members : sequence of str
        The coalition.
    outsiders : sequence of str, optional
        Candidates to test for external stability (default: every country in ``codes``
        not in the coalition).
    names : mapping, optional
        Display names.
    exempt : sequence of str
        Members whose own margin does not count (the USA leads the coalition; its margin
        is not defined in E12).

    Returns
    -------
    StabilityResult
    """
    codes = list(codes)
    index = {c: i for i, c in enumerate(codes)}
    members = [c.upper() for c in members]
    unknown = [c for c in members if c not in index]
    if unknown:
        raise InputError(f"unknown country code(s): {', '.join(unknown)}")
    if outsiders is None:
        outsiders = [c for c in codes if c not in members]
    outsiders = [c.upper() for c in outsiders]
    unknown = [c for c in outsiders if c not in index]
    if unknown:
        raise InputError(f"unknown country code(s): {', '.join(unknown)}")
    inside = [c for c in outsiders if c in members]
    if inside:
        raise InputError(f"{', '.join(inside)} already in the coalition")
    names = names or {}
    n = len(codes)
    base = np.zeros(n, bool)
    base[[index[c] for c in members]] = True
    masks = np.repeat(base[None], 1 + len(outsiders), axis=0)
    for k, c in enumerate(outsiders, start=1):
        masks[k, index[c]] = True
    margin = np.asarray(margins(masks), float)  # (S, P, N)
    if margin.ndim != 3 or margin.shape[1:] != masks.shape:
        raise InputError(
            f"the margin function returned shape {margin.shape}; expected (S, {len(masks)}, {n})"
        )
    counted = [c for c in members if c not in exempt]
    cols = np.array([index[c] for c in counted], dtype=int)
    own = margin[:, 0, cols]  # (S, M)
    ok_now = own >= 0
    if outsiders:
        out_cols = np.array([index[c] for c in outsiders])
        gain = margin[:, np.arange(1, len(masks)), out_cols]  # (S, O)
        after = margin[:, 1:, :][:, :, cols]  # (S, O, M) incumbents after each entry
        accepted = ((after >= 0) | ~ok_now[:, None, :]).all(axis=2)
    else:
        gain = np.zeros((margin.shape[0], 0))
        accepted = np.zeros((margin.shape[0], 0), bool)
    return _result(counted, own, ok_now, outsiders, gain, accepted.astype(bool), names)


def _result(
    counted: Sequence[str],
    own: np.ndarray,
    ok: np.ndarray,
    outsiders: Sequence[str],
    gain: np.ndarray,
    accepted: np.ndarray,
    names: Mapping[str, str],
) -> StabilityResult:
    """The member and outsider tables and the summary from per-scenario arrays.

    ``own`` (S, M): members' margins; ``ok`` (S, M): member stays satisfied; ``gain`` and
    ``accepted`` (S, O): outsiders' joining gains and whether the incumbents accept them.
    """
    member_table = pd.DataFrame(
        {
            "name": [names.get(c, c) for c in counted],
            "share_non_negative": ok.mean(axis=0),
            "median_margin": np.nanmedian(own, axis=0) if len(counted) else [],
            "p10_margin": np.nanpercentile(own, 10, axis=0) if len(counted) else [],
        },
        index=pd.Index(list(counted), name="country"),
    ).sort_values("share_non_negative", kind="stable")
    wants = gain > 0
    joins = wants & accepted
    outsider_table = pd.DataFrame(
        {
            "name": [names.get(c, c) for c in outsiders],
            "share_wants_in": wants.mean(axis=0),
            "share_accepted": accepted.mean(axis=0),
            "share_would_join": joins.mean(axis=0),
            "median_gain": np.nanmedian(gain, axis=0) if len(outsiders) else [],
        },
        index=pd.Index(list(outsiders), name="country"),
    ).sort_values("share_would_join", ascending=False, kind="stable")
    internally = ok.all(axis=1)
    externally = ~joins.any(axis=1)
    summary = {
        "internally_stable": float(internally.mean()),
        "externally_stable": float(externally.mean()),
        "stable": float((internally & externally).mean()),
        "n_scenarios": int(own.shape[0]),
    }
    return StabilityResult(member_table, outsider_table, summary)


def coalition_stability(
    world: World,
    scenarios: pd.DataFrame,
    members: Sequence[str],
    *,
    outsiders: Sequence[str] | None = None,
    horizon: Literal["static", "end"] = "static",
    seed: int = 0,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
) -> StabilityResult:
    """Stability of a coalition on the model, as the engine judges it (MODEL.md E12, §9.2).

    Members' margins, outsiders' joining gains and the incumbents' veto come from one run
    of the coalition: its start year (``static``, the fast default) or its final year
    (``end``, after exits). An outsider *wants in* when its joining gain is positive and is
    *accepted* when no incumbent's payoff would fall by more than ``veto_tolerance``.

    Parameters
    ----------
    world : World
    scenarios : pandas.DataFrame
        Scenario parameters (missing columns take defaults).
    members : sequence of str
        The coalition (ISO3); the USA is always a member.
    outsiders : sequence of str, optional
        Candidates for external stability (default: every modelled country outside the
        coalition except China and ROW).
    horizon : {"static", "end"}
    seed, start_year, end_year
        Settings of the run (``end_year`` is used only by ``end``).

    Returns
    -------
    StabilityResult
    """
    from techbloc.coalitions import Coalition
    from techbloc.model.engine import PolicyBatch, run_model
    from techbloc.model.inputs import prepare_inputs
    from techbloc.model.scenarios import scenario_arrays
    from techbloc.policies import Policy

    members = list(dict.fromkeys(["USA", *[c.upper() for c in members]]))
    if "CHN" in members or (outsiders and "CHN" in [c.upper() for c in outsiders]):
        raise InputError("China cannot be a coalition member")
    if horizon not in ("static", "end"):
        raise InputError(f"unknown horizon {horizon!r}; use 'static' or 'end'")
    coalition = Coalition(tuple(members))
    inputs = prepare_inputs(world)
    last = start_year if horizon == "static" else end_year
    years = np.arange(start_year, last + 1)
    batch = PolicyBatch.from_policies(world, [Policy(coalition)], inputs, start_year)
    arrays = scenario_arrays(scenarios, seed=seed, n_years=len(years), n_countries=inputs.n)
    result = run_model(inputs, arrays, batch, years, trajectories=False)
    position = {c: i for i, c in enumerate(inputs.codes)}
    if outsiders is None:
        outsiders = [c for c in inputs.codes if c not in members and c not in ("CHN",)]
    outsiders = [c.upper() for c in outsiders]
    unknown = [c for c in [*members, *outsiders] if c not in position]
    if unknown:
        raise InputError(f"unknown country code(s): {', '.join(unknown)}")
    inside = [c for c in outsiders if c in members]
    if inside:
        raise InputError(f"{', '.join(inside)} already in the coalition")
    counted = [c for c in members if c != "USA"]
    margin = result["margin"][:, 0][:, [position[c] for c in counted]]
    still = result["member"][:, 0][:, [position[c] for c in counted]]
    ok = (margin >= 0) & still
    cols = [position[c] for c in outsiders]
    gain = result["joining_gain"][:, 0][:, cols]
    accepted = result["accepted"][:, 0][:, cols].astype(bool)
    return _result(counted, margin, ok, outsiders, gain, accepted, world.names)
