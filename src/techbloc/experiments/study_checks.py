"""Checks of a study that need the parameter registry and more than one key.

Each returns problems (key path, message) for :func:`techbloc.experiments.study_errors.
format_problems`; the design's own checks are its method's
(:meth:`techbloc.experiments.design_base.DesignMethod.problems`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from techbloc.errors import InputError
from techbloc.experiments.design_base import DesignRequest
from techbloc.experiments.study_errors import Loc, Problem
from techbloc.experiments.study_specs import DesignSpec, PolicySpec, WorldSpec, YearsSpec
from techbloc.params import DOMAINS, LEVERS, get_parameter

__all__ = ["StudyKeys", "policy_problems", "study_problems"]


class StudyKeys(Protocol):
    """What the checks read of a study (:class:`techbloc.experiments.Study` has it)."""

    @property
    def fixed(self) -> dict[str, float]: ...
    @property
    def vary(self) -> list[str] | None: ...
    @property
    def policies(self) -> Sequence[PolicySpec]: ...
    @property
    def years(self) -> YearsSpec: ...
    @property
    def world(self) -> WorldSpec: ...
    @property
    def design(self) -> DesignSpec: ...
    def design_request(self) -> DesignRequest: ...


_LEVER = {lever.name: lever for lever in LEVERS}
_DOMAIN_NAMES = [d.name for d in DOMAINS]


def study_problems(study: StudyKeys) -> list[Problem]:
    """Everything wrong with ``study`` that its keys' own validation cannot see.

    Values set outside their ranges; varied parameters unknown, fixed, set or listed twice;
    policies (:func:`policy_problems`) and duplicate labels; then the design's problems.
    """
    problems: list[Problem] = []
    for key, value in study.fixed.items():
        try:
            get_parameter(key).check(value)
        except InputError as exc:
            problems.append((("set", key), str(exc)))
    if study.vary is not None:
        seen: set[str] = set()
        for i, name in enumerate(study.vary):
            try:
                parameter = get_parameter(name)
            except InputError as exc:
                problems.append((("vary", i), str(exc)))
                continue
            if not parameter.is_uncertain:
                problems.append((("vary", i), f"parameter '{name}' is fixed and cannot vary"))
            if name in study.fixed:
                problems.append(
                    (("vary", i), f"'{name}' is both varied and set; keep it in one of them")
                )
            if name in seen:
                problems.append((("vary", i), f"'{name}' is listed twice"))
            seen.add(name)
    labels: dict[str, int] = {}
    for i, policy in enumerate(study.policies):
        problems.extend(policy_problems(policy, i, study.years, study.world.presets))
        if policy.label in labels:
            problems.append(
                (
                    ("policies", i),
                    f"policy label '{policy.label}' is used twice (policies "
                    f"{labels[policy.label]} and {i}); drop the repeat or give one a 'name'",
                )
            )
        labels.setdefault(policy.label, i)
    problems.extend(study.design.kind.problems(study.design_request()))
    return problems


def policy_problems(
    policy: PolicySpec, i: int, years: YearsSpec, presets: str | None
) -> list[Problem]:
    """Levers outside their ranges, unknown domains, a start year outside the study's years,
    and (when all that is right) a coalition that cannot be built."""
    problems: list[Problem] = []
    base: Loc = ("policies", i)
    lever = _LEVER["pool_share"]
    if not lever.low <= policy.pool_share <= lever.high:
        problems.append(
            ((*base, "pool_share"), f"{policy.pool_share} is outside [{lever.low}, {lever.high}]")
        )
    lever = _LEVER["control_stringency"]
    stringency = policy.control_stringency
    items = stringency.items() if isinstance(stringency, dict) else [(None, stringency)]
    for domain, value in items:
        loc = (*base, "control_stringency") + ((domain,) if domain is not None else ())
        if domain is not None and domain not in _DOMAIN_NAMES:
            problems.append((loc, f"unknown domain '{domain}'; known: {', '.join(_DOMAIN_NAMES)}"))
        elif not lever.low <= value <= lever.high:
            problems.append((loc, f"{value} is outside [{lever.low}, {lever.high}]"))
    lever = _LEVER["capacity_building"]
    for code, value in policy.capacity_building.items():
        if not lever.low <= value <= lever.high:
            problems.append(
                (
                    (*base, "capacity_building", code),
                    f"{value} is outside [{lever.low}, {lever.high}]",
                )
            )
    if policy.start_year is not None and not years.start <= policy.start_year <= years.end:
        problems.append(
            (
                (*base, "start_year"),
                f"{policy.start_year} is outside the study's years {years.start}-{years.end}",
            )
        )
    if not problems:
        try:
            policy.to_policy(presets)
        except InputError as exc:
            key = "preset" if policy.preset is not None else "members"
            problems.append(((*base, key), str(exc)))
        except ImportError:  # coalitions not available: checked again before running
            pass
    return problems
