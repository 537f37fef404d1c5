"""The policy levers an analyst chooses besides membership (MODEL.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["LEVERS", "Lever"]


@dataclass(frozen=True)
class Lever:
    """A policy lever the analyst chooses (MODEL.md §3)."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    mechanism: str
    per: Literal["policy", "domain", "member"]
    description: str
    source: str = field(default="policy choice")


#: Policy levers other than membership.
LEVERS: tuple[Lever, ...] = (
    Lever(
        "pool_share",
        0.05,
        0.0,
        0.5,
        "share of R&D",
        "E2",
        "policy",
        "Share of members' R&D put into the joint pool",
    ),
    Lever(
        "control_stringency",
        0.5,
        0.0,
        1.0,
        "0-1",
        "E4",
        "domain",
        "Export-control strictness towards China, per domain",
    ),
    Lever(
        "capacity_building",
        0.0,
        0.0,
        1.0,
        "0-1",
        "E10",
        "member",
        "US-funded protection capacity building, per member",
    ),
)
