"""Policies: a coalition plus the levers of MODEL.md §3.

A :class:`Policy` is what an analyst chooses. The model evaluates a batch of policies
against a batch of scenarios in one vectorized call
(:class:`techbloc.model.PolicyBatch` stacks them into arrays).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from techbloc.display import html_repr, text_repr
from techbloc.errors import InputError
from techbloc.params import DOMAINS, LEVERS

if TYPE_CHECKING:
    from techbloc.coalitions import Coalition

__all__ = ["Policy"]

_LEVER = {lever.name: lever for lever in LEVERS}


def _check_lever(name: str, value: Any, where: str) -> float:
    lever = _LEVER[name]
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: lever '{name}' expects a number, got {value!r}") from None
    if not math.isfinite(value) or not lever.low <= value <= lever.high:
        raise InputError(
            f"{where}: lever '{name}' = {value} is outside "
            f"[{lever.low}, {lever.high}] ({lever.unit})"
        )
    return value


@dataclass(frozen=True)
class Policy:
    """A coalition and its levers.

    Parameters
    ----------
    coalition : Coalition
        Members (the USA is always one).
    pool_share : float
        φ, share of members' R&D put into the joint pool (E2).
    control_stringency : float or mapping of domain name to float
        s_target per domain, 0-1 (E4). A single number applies to every domain.
    capacity_building : mapping of ISO3 to float
        US-funded protection capacity building per member, 0-1 (E10).
    start_year : int, optional
        Year the regime starts; before it the status quo (US-only controls, no pool) holds.
    name : str, optional
        Label in results; defaults to the coalition's name.
    """

    coalition: Coalition
    pool_share: float = _LEVER["pool_share"].default
    control_stringency: float | Mapping[str, float] = _LEVER["control_stringency"].default
    capacity_building: Mapping[str, float] = field(default_factory=dict)
    start_year: int | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        where = f"policy '{self.label}'"
        object.__setattr__(self, "pool_share", _check_lever("pool_share", self.pool_share, where))
        stringency = self.control_stringency
        domains = [d.name for d in DOMAINS]
        if isinstance(stringency, Mapping):
            unknown = sorted(set(stringency) - set(domains))
            if unknown:
                raise InputError(
                    f"{where}: unknown domain(s) {', '.join(unknown)} in control_stringency; "
                    f"known: {', '.join(domains)}"
                )
            default = _LEVER["control_stringency"].default
            values = tuple(
                _check_lever("control_stringency", stringency.get(d, default), where)
                for d in domains
            )
        else:
            values = (_check_lever("control_stringency", stringency, where),) * len(domains)
        object.__setattr__(self, "control_stringency", values)
        building = {}
        for code, value in dict(self.capacity_building).items():
            if code not in self.coalition.members:
                raise InputError(f"{where}: capacity_building names {code}, which is not a member")
            building[code] = _check_lever("capacity_building", value, where)
        object.__setattr__(self, "capacity_building", building)

    @property
    def stringency_by_domain(self) -> tuple[float, ...]:
        """s_target per domain, in :data:`~techbloc.world.DOMAINS` order."""
        values = self.control_stringency
        assert isinstance(values, tuple)  # __post_init__ stores one value per domain
        return values

    @property
    def label(self) -> str:
        """The policy's name in results."""
        return self.name or self.coalition.name or "+".join(self.coalition.members)

    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        members = self.coalition.members
        stringency = self.stringency_by_domain
        if len(set(stringency)) == 1:
            controls = f"{stringency[0]:g} in every domain"
        else:
            controls = ", ".join(
                f"{d.name} {v:g}" for d, v in zip(DOMAINS, stringency, strict=True)
            )
        building = ", ".join(f"{c} {v:g}" for c, v in sorted(self.capacity_building.items()))
        facts = [
            ("coalition", f"{self.coalition.name or 'custom'}: {', '.join(members)}"),
            ("pool share", f"{self.pool_share:g} (share of members' R&D put into the pool)"),
            ("control stringency", controls),
            ("capacity building", building or "none"),
            ("starts", str(self.start_year) if self.start_year else "the first simulated year"),
        ]
        return f"Policy {self.label}", facts

    def __repr__(self) -> str:
        return text_repr(*self._describe())

    def _repr_html_(self) -> str:
        return html_repr(*self._describe())

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable description (used for study hashes and reports)."""
        return {
            "name": self.label,
            "members": list(self.coalition.members),
            "pool_share": self.pool_share,
            "control_stringency": dict(
                zip([d.name for d in DOMAINS], self.stringency_by_domain, strict=True)
            ),
            "capacity_building": dict(sorted(self.capacity_building.items())),
            "start_year": self.start_year,
        }
