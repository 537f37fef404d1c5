"""The candidate countries: their ISO3 codes and names, and validation of codes.

Read from the bundled ``countries.csv`` and ``memberships.csv`` with the standard library
only (no pandas), so checking a code is fast. :func:`check_codes` is the one place that
turns user text into candidate codes, with suggestions when a code is unknown;
:func:`parse_members` is the one parser of member lists (CLI text, YAML and API lists), and
:func:`parse_code_keys` of mappings keyed by country (``capacity_building``).
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TypeVar

from techbloc.errors import InputError

__all__ = [
    "ANCHOR",
    "RIVAL",
    "ROW",
    "candidates",
    "check_codes",
    "group_members",
    "parse_code_keys",
    "parse_members",
]

V = TypeVar("V")
#: Separators of a member list given as text: commas, semicolons, spaces.
_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+")

#: The coalition's anchor, always a member.
ANCHOR = "USA"
#: The reference rival, never a member.
RIVAL = "CHN"
#: The rest of the world: a row of the World, not a country.
ROW = "ROW"


def _data_file(name: str) -> Path:
    return Path(str(resources.files("techbloc") / "data" / name))


@functools.lru_cache(maxsize=1)
def _candidates() -> dict[str, str]:
    with _data_file("countries.csv").open(newline="", encoding="utf-8") as fh:
        return {row["iso3"]: row["name"] for row in csv.DictReader(fh)}


def candidates() -> dict[str, str]:
    """Candidate ISO3 -> name, in ``countries.csv`` order (``ROW`` not included).

    Examples
    --------
    >>> list(candidates())[0], candidates()["KOR"]
    ('USA', 'South Korea')
    """
    return dict(_candidates())


@functools.lru_cache(maxsize=1)
def _group_members() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    cand = _candidates()
    with _data_file("memberships.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["iso3"] in cand:
                out.setdefault(row["group"], []).append(row["iso3"])
    return {g: tuple(v) for g, v in out.items()}


def group_members() -> dict[str, tuple[str, ...]]:
    """Group (``NATO``, ``EU``, ... as in ``memberships.csv``) -> its candidate members."""
    return dict(_group_members())


def _suggest(code: str) -> str:
    countries = _candidates()
    hits = difflib.get_close_matches(code, list(countries), n=3, cutoff=0.5)
    by_name = {name.upper(): iso for iso, name in countries.items()}
    hits += [by_name[n] for n in difflib.get_close_matches(code, list(by_name), n=3, cutoff=0.6)]
    hits += [iso for iso, name in countries.items() if len(code) > 3 and code in name.upper()]
    hits = list(dict.fromkeys(hits))[:4]
    if not hits:
        return "run `techbloc data countries` for the list"
    return "did you mean " + ", ".join(f"{h} ({countries[h]})" for h in hits) + "?"


def check_codes(codes: Iterable[str], allow_row: bool = False) -> tuple[str, ...]:
    """Validate ISO3 codes against the candidate countries.

    Parameters
    ----------
    codes : iterable of str
        Codes, any case, surrounding spaces ignored.
    allow_row : bool
        Accept ``"ROW"`` (rest of world).

    Returns
    -------
    tuple of str
        Upper-case codes, in the given order.

    Raises
    ------
    techbloc.errors.InputError
        Naming the unknown code and suggesting close matches.

    Examples
    --------
    >>> check_codes(["usa", " kor "])
    ('USA', 'KOR')
    """
    countries = _candidates()
    out = []
    for raw in codes:
        code = str(raw).strip().upper()
        if code in countries or (allow_row and code == ROW):
            out.append(code)
            continue
        if code == ROW:
            raise InputError("'ROW' (rest of world) is not a country and cannot be used here")
        raise InputError(f"unknown country code {raw!r}: {_suggest(code)}")
    return tuple(out)


def parse_members(
    value: str | Iterable[str], *, where: str = "members", known: bool = True
) -> tuple[str, ...]:
    """The one parser of a coalition's member list, from CLI text, YAML or the API.

    Parameters
    ----------
    value : str or iterable of str
        ``"USA,JPN,KOR"`` (commas, semicolons or spaces) or a list of codes, any case.
    where : str
        Where the list comes from, for messages (``"--coalition"``, ``"members"``).
    known : bool
        Also check each code against the candidates (:func:`check_codes`); without it the
        codes are only upper-cased (the caller checks them later, with its own context).

    Returns
    -------
    tuple of str
        Upper-case codes in the given order.

    Raises
    ------
    techbloc.errors.InputError
        An empty list, more codes than candidate countries, an empty code (two separators
        in a row, or one at either end), a code given twice (in any case), or an unknown
        code.

    Examples
    --------
    >>> parse_members("usa, jpn")
    ('USA', 'JPN')
    """
    most = len(_candidates())
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 16 * most:  # far longer than every candidate's code and a separator
            raise InputError(
                f"{where}: {len(text):,} characters, too long for a list of the {most} "
                "candidate countries"
            )
        items = _SEPARATOR.split(text) if text else []
    else:
        items = [str(v) for v in value]
    shown = value if isinstance(value, str) else ",".join(items)
    if not items:
        raise InputError(f"{where}: empty; give ISO3 codes such as USA,JPN,KOR")
    if len(items) > most:  # a 10 MB list is refused before any code is looked at
        raise InputError(
            f"{where}: {len(items):,} codes, more than the {most} candidate countries; list "
            "each country once"
        )
    for position, item in enumerate(items, 1):
        if not item.strip():
            raise InputError(
                f"{where}: empty country code at position {position} in {shown!r} (two "
                "separators in a row, or one at the start or end)"
            )
    codes = check_codes(items) if known else tuple(i.strip().upper() for i in items)
    seen: dict[str, str] = {}
    for raw, code in zip(items, codes, strict=True):
        if code in seen:
            spelled = (
                "" if seen[code] == raw.strip() else f" (as {seen[code]!r} and {raw.strip()!r})"
            )
            raise InputError(f"{where}: {code} is given twice{spelled}; list each country once")
        seen[code] = raw.strip()
    return codes


def parse_code_keys(
    mapping: Mapping[str, V], *, where: str = "capacity_building", known: bool = True
) -> dict[str, V]:
    """A mapping keyed by country codes, keys upper-cased; keys equal but for case refused.

    Raises
    ------
    techbloc.errors.InputError
        Two keys naming the same country (``jpn`` and ``JPN``), an empty or unknown code.
    """
    keys = [str(k) for k in mapping]
    codes = parse_members(keys, where=where, known=known) if keys else ()
    return dict(zip(codes, mapping.values(), strict=True))
