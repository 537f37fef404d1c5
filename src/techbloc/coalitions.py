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
import re
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
    def parse(
        cls,
        text: str,
        name: str | None = None,
        *,
        extra: Mapping[str, Coalition] | None = None,
        codes: bool = True,
        where: str | None = None,
    ) -> Coalition:
        """The one parser of coalition text, from the CLI, the API and the service.

        Accepted, in this order:

        - a preset name (``"quad"``; bundled, or in ``extra``);
        - a preset plus countries outside it (``"quad+KOR"``, ``"forging_core+KOR+IND"``);
        - with ``codes``, member codes (``"USA,JPN,KOR"``; commas, spaces or semicolons).

        Parameters
        ----------
        text : str
        name : str, optional
            Label of a preset-plus or code list (default: ``text`` for a preset plus).
        extra : mapping, optional
            User presets (:func:`load_presets`), which shadow bundled ones of the same name.
        codes : bool
            Accept member codes (False where only presets are meant, e.g. ``--preset``).
        where : str, optional
            What the text is (``"presets[1]"``, ``"--preset"``), prefixed to messages.

        Raises
        ------
        techbloc.errors.InputError
            An unknown preset (with suggestions) or country, China or ROW as a member, or a
            preset plus a country already in it.
        """
        text = text.strip()
        table = {**presets(), **(extra or {})}
        prefix = f"{where}: " if where else ""
        if text in table:
            return table[text]
        base, *added = (part.strip() for part in text.split("+"))
        if base in table and added:
            preset = table[base]
            try:
                members = parse_members(added, where=f"{text!r}")
            except InputError as exc:
                raise InputError(f"{prefix}{exc}") from None
            already = [c for c in members if c in preset.members]
            if already:
                raise InputError(
                    f"{prefix}{text!r}: {', '.join(already)} already in preset {base}; add only "
                    "countries outside it"
                )
            return cls(
                (*preset.members, *members),
                name=name or text,
                source=f"{preset.name} plus {', '.join(members)}",
                certainty=preset.certainty,
            )
        if not text:
            what = "ISO3 codes such as 'USA,JPN,KOR' or a preset" if codes else "a preset"
            raise InputError(f"{prefix}empty coalition: give {what}")
        if not codes:
            raise InputError(f"{prefix}{_unknown_preset(base, table, codes=False)}")
        try:
            return cls(parse_members(text, where=f"coalition {text!r}"), name=name)
        except InputError as exc:
            # one word close to a preset's name ("forging_cor"): a preset was meant
            if _PRESET_LIKE.fullmatch(base) and difflib.get_close_matches(base, list(table)):
                raise InputError(f"{prefix}{_unknown_preset(base, table, codes=True)}") from None
            raise InputError(f"{prefix}{exc}") from None

    @classmethod
    def from_preset(cls, name: str, extra: Mapping[str, Coalition] | None = None) -> Coalition:
        """The named preset (bundled, or from ``extra``, e.g. :func:`load_presets` output)."""
        table = {**presets(), **(extra or {})}
        try:
            return table[name]
        except KeyError:
            raise InputError(_unknown_preset(name, table, codes=False)) from None

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


#: One word of letters, digits and underscores: a preset's name, or a lone code.
_PRESET_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _unknown_preset(name: str, table: Mapping[str, Coalition], *, codes: bool) -> str:
    close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    alternative = " or ISO3 codes such as 'USA,JPN,KOR'" if codes else ""
    return f"unknown coalition preset {name!r}{hint} (known: {', '.join(table)}){alternative}"


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
