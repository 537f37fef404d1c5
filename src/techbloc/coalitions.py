"""Coalitions: validated sets of member countries, and the shipped presets.

A :class:`Coalition` is an immutable set of candidate ISO3 codes, the USA always first.
Presets (MODEL.md §3) are data (``techbloc/data/presets.yaml``), each with a source and a
note on how sure that source is; users can add their own in a YAML file of the same layout
(:func:`load_presets`):

.. code-block:: yaml

    my_core:
      members: [USA, JPN, KOR, TWN]
      source: my reading of ...
      certainty: assumption
    eu_in_nato:
      group: EU            # any group of memberships.csv, restricted to the candidates
      source: ...
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.countries import (
    ANCHOR,
    RIVAL,
    candidates,
    check_codes,
    group_members,
    parse_members,
)
from techbloc.display import html_repr, text_repr
from techbloc.errors import DataError, InputError
from techbloc.yamlio import load_yaml

if TYPE_CHECKING:  # pragma: no cover
    from techbloc.world import World

# check_codes lives in techbloc.countries; it stays importable from here.
__all__ = ["Coalition", "check_codes", "load_presets", "presets"]

# old private names, still read by techbloc.service.app
_RIVAL = RIVAL
_ANCHOR = ANCHOR
_countries = candidates


@dataclass(frozen=True)
class Coalition:
    """An alliance: a set of candidate countries, the USA always a member (and first).

    Parameters
    ----------
    members : str or iterable of str
        ISO3 codes (``"USA,JPN,KOR"`` or ``["USA", "JPN"]``); the USA is added if absent;
        duplicates in a tuple are dropped, but text (``"JPN,JPN"``, ``",,,"``) is parsed by
        :func:`techbloc.countries.parse_members`, which refuses empty and repeated codes;
        members after the USA are kept in ``countries.csv`` order.
    name : str, optional
        Label (a preset name, or yours).
    source : str, optional
        Where the membership comes from.
    certainty : str, optional
        How sure that source is (e.g. "assumption", "high: official member list").

    Raises
    ------
    techbloc.errors.InputError
        Unknown code (with suggestions), ``ROW``, or China (the reference rival).
    """

    members: tuple[str, ...]
    name: str | None = None
    source: str | None = None
    certainty: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        raw = self.members
        # text is parsed strictly (empty or repeated codes refused); a tuple built by code
        # may repeat the USA or a preset's member and is deduplicated
        codes = parse_members(raw) if isinstance(raw, str) else check_codes(raw)
        if RIVAL in codes:
            raise InputError(
                f"{RIVAL} (China) is the reference rival and cannot be a coalition member"
            )
        order = {c: i for i, c in enumerate(candidates())}
        rest = sorted(set(codes) - {ANCHOR}, key=order.__getitem__)
        object.__setattr__(self, "members", (ANCHOR, *rest))

    # -- constructors ------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, name: str | None = None) -> Coalition:
        """A coalition from ``"USA,JPN,KOR"`` (commas, spaces or semicolons) or a preset name.

        ``"preset+ISO3+ISO3"`` adds countries to a preset (e.g. ``"quad+KOR"``).
        """
        text = text.strip()
        table = presets()
        if text in table:
            return table[text]
        base, *extra = text.split("+")
        if base in table and extra:
            p = table[base]
            added = parse_members(extra, where=f"{text!r}")
            already = [c for c in added if c in p.members]
            if already:
                raise InputError(
                    f"{text!r}: {', '.join(already)} already in preset {base}; add only "
                    "countries outside it"
                )
            return cls(
                (*p.members, *added),
                name=name or text,
                source=f"{p.name} plus {', '.join(extra)}",
                certainty=p.certainty,
            )
        if not text:
            raise InputError("empty coalition: give ISO3 codes such as 'USA,JPN,KOR'")
        return cls(parse_members(text, where=f"coalition {text!r}"), name=name)

    @classmethod
    def from_preset(cls, name: str, extra: Mapping[str, Coalition] | None = None) -> Coalition:
        """The named preset (bundled, or from ``extra``, e.g. :func:`load_presets` output)."""
        table = {**presets(), **(extra or {})}
        try:
            return table[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(
                f"unknown coalition preset {name!r}{hint} (known: {', '.join(table)})"
            ) from None

    # -- queries -----------------------------------------------------------------------
    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        names = candidates()
        n = len(self.members)
        heading = f"Coalition {self.name or '+'.join(self.members)} ({n} member{'s' * (n != 1)})"
        facts = [("members", ", ".join(f"{c} ({names.get(c, c)})" for c in self.members))]
        if self.source:
            facts.append(("source", self.source))
        if self.certainty:
            facts.append(("certainty", self.certainty))
        return heading, facts

    def __repr__(self) -> str:
        return text_repr(*self._describe())

    def _repr_html_(self) -> str:
        return html_repr(*self._describe())

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, code: object) -> bool:
        return code in self.members

    def names(self, world: World | None = None) -> tuple[str, ...]:
        """Member names, in member order."""
        table = world.names if world is not None else candidates()
        return tuple(table[c] for c in self.members)

    def mask(self, world: World) -> np.ndarray:
        """Boolean membership over ``world.codes`` (ROW never a member)."""
        members = set(self.members)
        return np.array([c in members for c in world.codes], dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (for JSON)."""
        return {
            "name": self.name,
            "members": list(self.members),
            "source": self.source,
            "certainty": self.certainty,
        }


# --------------------------------------------------------------------------------------
# presets
# --------------------------------------------------------------------------------------
def _parse_presets(data: Any, origin: str) -> dict[str, Coalition]:
    if not isinstance(data, Mapping):
        raise InputError(f"{origin}: presets file must be a mapping of name -> preset")
    groups = group_members()
    out: dict[str, Coalition] = {}
    for name, spec in data.items():
        where = f"{origin}: preset {name!r}"
        if not isinstance(spec, Mapping):
            raise InputError(f"{where}: must be a mapping with 'members' or 'group'")
        unknown = set(spec) - {"members", "group", "source", "certainty"}
        if unknown:
            raise InputError(
                f"{where}: unknown key(s) {sorted(unknown)} "
                "(allowed: members, group, source, certainty)"
            )
        if ("members" in spec) == ("group" in spec):
            raise InputError(f"{where}: give exactly one of 'members' or 'group'")
        if "group" in spec:
            group = str(spec["group"])
            if group not in groups:
                raise InputError(f"{where}: unknown group {group!r} (known: {', '.join(groups)})")
            members: Any = groups[group]
        else:
            members = spec["members"]
            if isinstance(members, str):
                members = list(parse_members(members, where=where))
            if not isinstance(members, list | tuple) or not members:
                raise InputError(f"{where}: 'members' must be a non-empty list of ISO3 codes")
        try:
            out[str(name)] = Coalition(
                tuple(str(m) for m in members),
                name=str(name),
                source=None if spec.get("source") is None else str(spec["source"]),
                certainty=None if spec.get("certainty") is None else str(spec["certainty"]),
            )
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    return out


@functools.lru_cache(maxsize=1)
def _bundled_presets() -> dict[str, Coalition]:
    path = Path(str(resources.files("techbloc") / "data" / "presets.yaml"))
    try:
        return _parse_presets(load_yaml(path, "presets file").data, str(path))
    except (OSError, InputError) as exc:
        raise DataError(f"bundled presets are broken: {exc}") from None


def presets() -> dict[str, Coalition]:
    """The shipped presets, name -> :class:`Coalition` (each with source and certainty)."""
    return dict(_bundled_presets())


def load_presets(path: str | Path) -> dict[str, Coalition]:
    """Read user presets from a YAML file (layout as ``techbloc/data/presets.yaml``).

    Raises
    ------
    techbloc.errors.InputError
        Unreadable file, bad YAML, or an invalid preset (the message names file and preset).
    """
    path = Path(path)
    data = load_yaml(path, "presets file").data
    return _parse_presets(data, str(path))
