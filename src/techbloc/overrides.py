"""User overrides of indicator values, model inputs and frictions.

An override file replaces (or fills in missing) values of the bundled World. It is validated
as a whole before anything is applied: on the first error an
:class:`~techbloc.errors.InputError` names the file, the line and the reason, and the World
is left as it was (Worlds are immutable; :meth:`World.with_overrides` returns a new one).

CSV layouts (chosen by the header):

- values, long: ``iso3,column,value`` plus optional ``note``. ``column`` is an indicator
  name (e.g. ``gerd_ppp_usd_m``; model inputs are then re-derived from it) or a model input
  (e.g. ``protection_capability``; set after derivation). ``ROW`` is allowed for model inputs.
- values, wide (a table exported from a spreadsheet): ``iso3`` plus one column per
  indicator or model input, e.g. ``iso3,rd,hedging``, and an optional ``note`` column; each
  non-empty cell is one override, an empty cell leaves the value as it is. Errors name the
  spreadsheet column too: ``my.csv:3: column C (hedging): value 1.5 of hedging is out of
  range [0, 1]``.
- frictions: ``iso3_a,iso3_b,default,low,high`` plus optional ``reason``, ``source``,
  ``event_year``. A listed pair is replaced, a new pair added.

YAML layout (any of the two sections)::

    values:
      - {iso3: KOR, column: gerd_ppp_usd_m, value: 110000, note: "my estimate"}
      - {iso3: TWN, column: population, value: 23.4}
    frictions:
      - {iso3_a: JPN, iso3_b: KOR, default: 0.3, low: 0.1, high: 0.5, reason: "2023 thaw"}

``values`` may also be a mapping ``{ISO3: {column: value}}``, and that mapping may stand
alone as the whole file (the wide layout in YAML)::

    KOR: {rd: 100, hedging: 0.3}
    TWN:
      population: 23.4

A Python mapping of the same layouts works too (its "lines" are entry numbers).
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from techbloc.bundle import indicator_names
from techbloc.countries import check_codes
from techbloc.errors import InputError
from techbloc.protocols import WorldTables
from techbloc.schema import INPUT_RANGES, indicator_range
from techbloc.yamlio import parse_yaml

__all__ = [
    "FrictionOverride",
    "Overrides",
    "ValueOverride",
    "check_overrides",
    "inert_overrides",
    "read_overrides",
]

#: Any World-like type (the World itself): :meth:`Overrides.apply` returns the same type.
W = TypeVar("W", bound=WorldTables)

_VALUE_COLS = ("iso3", "column", "value")
_VALUE_OPT = ("note",)
_FRICTION_COLS = ("iso3_a", "iso3_b", "default", "low", "high")
_FRICTION_OPT = ("reason", "source", "event_year")


@dataclass(frozen=True)
class ValueOverride:
    """One replaced value: ``iso3``, ``column`` (indicator or model input), ``value``."""

    iso3: str
    column: str
    value: float
    kind: str  # "indicator" or "input"
    note: str
    origin: str  # "file:line"


@dataclass(frozen=True)
class FrictionOverride:
    """One replaced or added friction pair."""

    iso3_a: str
    iso3_b: str
    default: float
    low: float
    high: float
    reason: str
    source: str
    event_year: int | None
    origin: str


@dataclass(frozen=True)
class Overrides:
    """Validated overrides, ready to apply."""

    values: tuple[ValueOverride, ...]
    frictions: tuple[FrictionOverride, ...]
    origin: str

    def __len__(self) -> int:
        return len(self.values) + len(self.frictions)

    def apply(self, world: W) -> W:
        """Return a new World with these overrides (``world`` is unchanged)."""
        ind = world.indicators
        inputs: dict[tuple[str, str], tuple[float, str]] = {}
        for v in self.values:
            if v.kind == "input":
                inputs[(v.iso3, v.column)] = (v.value, v.origin)
                continue
            mask = (ind["iso3"] == v.iso3) & (ind["indicator"] == v.column)
            source = f"user override ({v.origin})"
            note = v.note or "user override"
            if mask.any():
                ind.loc[mask, "value"] = v.value
                ind.loc[mask, "source"] = source
                ind.loc[mask, "note"] = note
            else:
                template = ind[ind["indicator"] == v.column].iloc[0]
                row = {
                    "iso3": v.iso3,
                    "indicator": v.column,
                    "value": v.value,
                    "unit": template["unit"],
                    "year": pd.NA,
                    "source": source,
                    "note": note,
                }
                ind = pd.concat([ind, pd.DataFrame([row])], ignore_index=True)
        fr = world.frictions()
        for f in self.frictions:
            pair = {f.iso3_a, f.iso3_b}
            keep = [{a, b} != pair for a, b in zip(fr["iso3_a"], fr["iso3_b"], strict=True)]
            row = {
                "iso3_a": f.iso3_a,
                "iso3_b": f.iso3_b,
                "default": f.default,
                "low": f.low,
                "high": f.high,
                "event_year": f.event_year,
                "reason": f.reason or "user override",
                "source": f.source or f"user override ({f.origin})",
            }
            fr = pd.concat([fr[keep], pd.DataFrame([row])], ignore_index=True)
        merged = {**world.input_overrides, **inputs}
        origin = f"{world.origin} + {self.origin}"
        return world.replace(indicators=ind, frictions=fr, input_overrides=merged, origin=origin)


def inert_overrides(overrides: Overrides, world: WorldTables) -> list[ValueOverride]:
    """The indicator overrides that change none of their country's model inputs.

    The model reads its inputs from some indicators only (``rd``, for instance, from
    SRD-1's GERD where the country has it, and from RD-5's otherwise), so an override of an
    indicator the model does not read for that country changes only the indicator. The
    indicator overrides alone (not the input overrides) are applied together, and each of
    their countries' model inputs compared with ``world``'s.

    Parameters
    ----------
    overrides : Overrides
    world : WorldTables
        The World they would apply to (typically the bundled one).

    Returns
    -------
    list of ValueOverride
        In file order; empty when every indicator override moves some model input.
    """
    indicator = [v for v in overrides.values if v.kind == "indicator"]
    if not indicator:
        return []
    only = Overrides(tuple(indicator), (), overrides.origin)
    before, after = world.model_inputs(), only.apply(world).model_inputs()
    countries = sorted({v.iso3 for v in indicator} & set(before.index))
    # a country's row of inputs before and after (DataFrame.equals: NaN equal to NaN)
    moved = {c for c in countries if not before.loc[[c]].equals(after.loc[[c]])}
    return [v for v in indicator if v.iso3 not in moved]


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------
def check_overrides(source: str | Path | Mapping[str, Any]) -> Overrides:
    """Validate an override file against the bundled World (used by ``techbloc data check``)."""
    return _read(source, indicator_names())


def read_overrides(source: str | Path | Mapping[str, Any], world: WorldTables) -> Overrides:
    """Read and validate overrides for ``world``.

    Parameters
    ----------
    source : path or mapping
        ``.csv``, ``.yaml``/``.yml`` file, or a mapping of the YAML layout.
    world : World
        The World the overrides will apply to (defines valid countries and columns).

    Raises
    ------
    techbloc.errors.InputError
        ``"<file>:<line>: <reason>"`` for the first invalid entry.
    """
    return _read(source, world.indicator_names)


def _read(source: str | Path | Mapping[str, Any], indicators: Collection[str]) -> Overrides:
    """Read and validate overrides given the indicator names of the World."""
    if isinstance(source, Mapping):
        return _from_mapping(source, "<mapping>", None, indicators)
    from techbloc.yamlio import read_text

    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".yaml", ".yml"}:  # before reading: /dev/zero is no CSV
        raise InputError(f"{path}: override files must end in .csv, .yaml or .yml")
    if path.exists() and not path.is_file():
        raise InputError(f"{path}: not a regular file (an override file is .csv or .yaml)")
    # size-bounded (yamlio.MAX_BYTES), NUL bytes and non-UTF-8 refused with the line
    text = read_text(path, "override file")
    if suffix == ".csv":
        return _from_csv(text, str(path), indicators)
    if suffix in {".yaml", ".yml"}:
        return _from_yaml(text, str(path), indicators)
    raise InputError(f"{path}: override files must end in .csv, .yaml or .yml")


class _Validator:
    def __init__(self, indicators: Collection[str], origin: str) -> None:
        self.origin = origin
        self.indicators = set(indicators)
        self.inputs = INPUT_RANGES

    def fail(self, line: int | str, reason: str, column: str | None = None) -> InputError:
        where = f"{self.origin}:{line}: " + (f"column {column}: " if column else "")
        return InputError(where + reason)

    def wide_value(
        self, iso3: Any, column: Any, value: Any, line: int | str, where: str | None
    ) -> ValueOverride:
        """One cell of a wide table; errors name ``where`` (e.g. ``C (hedging)``) too."""
        try:
            return self.value_row({"iso3": iso3, "column": column, "value": value}, line)
        except InputError as exc:
            if where is None:
                raise
            prefix = f"{self.origin}:{line}: "
            reason = str(exc).removeprefix(prefix)
            raise self.fail(line, reason, where) from None

    def check_column(self, column: str, line: int | str, where: str | None) -> None:
        """Reject a wide header column that is neither an indicator nor a model input."""
        if column in self.inputs or column in self.indicators:
            return
        try:
            self.value_row({"iso3": "USA", "column": column, "value": 0}, line)
        except InputError as exc:
            prefix = f"{self.origin}:{line}: "
            raise self.fail(line, str(exc).removeprefix(prefix), where) from None

    def code(self, raw: Any, line: int | str, allow_row: bool) -> str:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise self.fail(line, "missing country code")
        if not isinstance(raw, str):
            raise self.fail(line, f"country code must be text, got {raw!r}")
        try:
            (code,) = check_codes([raw], allow_row=allow_row)
        except InputError as exc:
            raise self.fail(line, str(exc)) from None
        return code

    def number(self, raw: Any, line: int | str, what: str) -> float:
        if isinstance(raw, bool) or raw is None:
            raise self.fail(line, f"{what} must be a number, got {raw!r}")
        if isinstance(raw, int | float):
            value = float(raw)
        else:
            text = str(raw).strip()
            if not text:
                raise self.fail(line, f"{what} is empty")
            try:
                value = float(text)
            except ValueError:
                raise self.fail(line, f"{what} must be a number, got {text!r}") from None
        if math.isnan(value):
            raise self.fail(
                line, f"{what} is NaN; give a number (a missing value cannot be an override)"
            )
        if math.isinf(value):
            raise self.fail(line, f"{what} is infinite")
        return value

    def value_row(self, row: Mapping[str, Any], line: int | str) -> ValueOverride:
        column = row.get("column")
        if not isinstance(column, str) or not column.strip():
            raise self.fail(line, "missing 'column' (an indicator or model input name)")
        column = column.strip()
        if column in self.inputs:
            kind = "input"
            lo, hi = self.inputs[column]
        elif column in self.indicators:
            kind = "indicator"
            lo, hi = indicator_range(column)
        else:
            close = difflib.get_close_matches(
                column, [*self.inputs, *self.indicators], n=3, cutoff=0.6
            )
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise self.fail(
                line,
                f"unknown column {column!r}{hint} (see `techbloc data show "
                "USA` for indicator names; model inputs: "
                f"{', '.join(self.inputs)})",
            )
        iso3 = self.code(row.get("iso3"), line, allow_row=(kind == "input"))
        value = self.number(row.get("value"), line, f"value of {column}")
        if not lo <= value <= hi:
            raise self.fail(line, f"value {value:g} of {column} is out of range [{lo:g}, {hi:g}]")
        note = row.get("note")
        return ValueOverride(
            iso3, column, value, kind, "" if note is None else str(note), f"{self.origin}:{line}"
        )

    def friction_row(self, row: Mapping[str, Any], line: int | str) -> FrictionOverride:
        a = self.code(row.get("iso3_a"), line, allow_row=False)
        b = self.code(row.get("iso3_b"), line, allow_row=False)
        if a == b:
            raise self.fail(line, f"a friction needs two different countries, got {a} twice")
        nums = {}
        for key in ("default", "low", "high"):
            nums[key] = self.number(row.get(key), line, key)
            if not 0.0 <= nums[key] <= 1.0:
                raise self.fail(line, f"{key} {nums[key]:g} is out of range [0, 1]")
        if not nums["low"] <= nums["default"] <= nums["high"]:
            raise self.fail(
                line,
                f"need low <= default <= high, got {nums['low']:g}, "
                f"{nums['default']:g}, {nums['high']:g}",
            )
        year_raw = row.get("event_year")
        year = None
        if year_raw not in (None, ""):
            y = self.number(year_raw, line, "event_year")
            if y != int(y) or not 1900 <= y <= 2100:
                raise self.fail(line, f"event_year must be a year, got {year_raw!r}")
            year = int(y)
        return FrictionOverride(
            a,
            b,
            nums["default"],
            nums["low"],
            nums["high"],
            str(row.get("reason") or ""),
            str(row.get("source") or ""),
            year,
            f"{self.origin}:{line}",
        )


def _finish(
    values: list[ValueOverride], frictions: list[FrictionOverride], origin: str, v: _Validator
) -> Overrides:
    seen: dict[tuple[str, str], str] = {}
    for item in values:
        key = (item.iso3, item.column)
        if key in seen:
            line = item.origin.rsplit(":", 1)[-1]
            raise v.fail(line, f"{item.iso3} {item.column} is set twice (first at {seen[key]})")
        seen[key] = item.origin
    pairs: dict[frozenset[str], str] = {}
    for f in frictions:
        key2 = frozenset((f.iso3_a, f.iso3_b))
        if key2 in pairs:
            line = f.origin.rsplit(":", 1)[-1]
            raise v.fail(
                line, f"friction {f.iso3_a}-{f.iso3_b} is set twice (first at {pairs[key2]})"
            )
        pairs[key2] = f.origin
    return Overrides(tuple(values), tuple(frictions), origin)


def _from_csv(text: str, origin: str, indicators: Collection[str]) -> Overrides:
    v = _Validator(indicators, origin)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise v.fail(
            1,
            "empty file; expected a header 'iso3,column,value' or 'iso3_a,iso3_b,default,low,high'",
        ) from None
    except csv.Error as exc:
        raise v.fail(1, f"not valid CSV ({exc})") from None
    header = [h.strip() for h in header]
    if set(_VALUE_COLS) <= set(header):
        kind, allowed = "values", set(_VALUE_COLS) | set(_VALUE_OPT)
    elif set(_FRICTION_COLS) <= set(header):
        kind, allowed = "frictions", set(_FRICTION_COLS) | set(_FRICTION_OPT)
    elif "iso3" in header and not {"column", "value"} & set(header):
        return _from_wide_csv(reader, header, origin, v)
    else:
        raise v.fail(
            1,
            f"header {','.join(header)!r} must contain 'iso3,column,value' "
            "(values, long), 'iso3' plus indicator or input columns such as "
            "'iso3,rd,hedging' (values, wide) or 'iso3_a,iso3_b,default,low,high' "
            "(frictions)",
        )
    extra = [h for h in header if h not in allowed]
    if extra:
        raise v.fail(1, f"unknown header column(s) {extra} (allowed: {sorted(allowed)})")
    if len(set(header)) != len(header):
        raise v.fail(1, "duplicate header column")
    values: list[ValueOverride] = []
    frictions: list[FrictionOverride] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise v.fail(line, f"expected {len(header)} fields, got {len(row)}")
            rec = dict(zip(header, (c.strip() for c in row), strict=True))
            if kind == "values":
                values.append(v.value_row(rec, line))
            else:
                frictions.append(v.friction_row(rec, line))
    except csv.Error as exc:
        raise v.fail(reader.line_num, f"not valid CSV ({exc})") from None
    return _finish(values, frictions, origin, v)


def _spreadsheet_column(index: int) -> str:
    """0 -> ``A``, 25 -> ``Z``, 26 -> ``AA``: the column letters a spreadsheet shows."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _from_wide_csv(reader: Any, header: list[str], origin: str, v: _Validator) -> Overrides:
    """Values in the wide layout: ``iso3`` plus one column per indicator or model input."""
    if len(set(header)) != len(header):
        twice = sorted({h for h in header if header.count(h) > 1})
        raise v.fail(1, f"duplicate header column(s) {', '.join(map(repr, twice))}")
    where = {i: f"{_spreadsheet_column(i)} ({name})" for i, name in enumerate(header)}
    for i, name in enumerate(header):
        if not name:
            raise v.fail(1, "empty header cell; name the indicator or model input", where[i])
        if name not in ("iso3", *_VALUE_OPT):
            v.check_column(name, 1, where[i])
    columns = [(i, name) for i, name in enumerate(header) if name not in ("iso3", *_VALUE_OPT)]
    if not columns:
        raise v.fail(
            1, "the header names no indicator or model input after 'iso3' (e.g. 'iso3,rd,hedging')"
        )
    code_at = header.index("iso3")
    note_at = header.index("note") if "note" in header else None
    values: list[ValueOverride] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise v.fail(line, f"expected {len(header)} fields, got {len(row)}")
            cells = [c.strip() for c in row]
            note = cells[note_at] if note_at is not None else ""
            for i, name in columns:
                if not cells[i]:
                    continue  # an empty cell leaves the value as it is
                item = v.wide_value(cells[code_at], name, cells[i], line, where[i])
                values.append(
                    ValueOverride(item.iso3, item.column, item.value, item.kind, note, item.origin)
                )
    except csv.Error as exc:
        raise v.fail(reader.line_num, f"not valid CSV ({exc})") from None
    return _finish(values, [], origin, v)


def _from_yaml(text: str, origin: str, indicators: Collection[str]) -> Overrides:
    def lined(mapping: dict[Any, Any], line: int, key_lines: dict[Any, int]) -> _Lined:
        out = _Lined(mapping, line)
        out.key_lines.update(key_lines)
        return out

    data = parse_yaml(text, origin, mapping=lined).data
    if data is None:
        raise InputError(f"{origin}:1: empty file; expected 'values:' and/or 'frictions:'")
    return _from_mapping(data, origin, getattr(data, "line", 1), indicators)


class _Lined(dict):
    """A dict that remembers the YAML line it started on."""

    def __init__(self, data: Mapping[Any, Any], line: int) -> None:
        super().__init__(data)
        self.line = line
        self.key_lines: dict[Any, int] = {}


def _line(obj: Any, fallback: int | str) -> int | str:
    return getattr(obj, "line", fallback)


def _key_line(obj: Any, key: Any, fallback: int | str) -> int | str:
    """The YAML line of ``key`` in mapping ``obj`` (else ``fallback``)."""
    return getattr(obj, "key_lines", {}).get(key, fallback)


def _looks_wide(data: Mapping[Any, Any]) -> bool:
    """A mapping of ISO3-like keys (three letters) only: the wide layout in YAML."""
    return bool(data) and all(
        isinstance(k, str) and len(k.strip()) == 3 and k.strip().isalpha() for k in data
    )


def _mapping_values(
    raw: Mapping[Any, Any], v: _Validator, line: int | None, top: int
) -> list[ValueOverride]:
    """``{ISO3: {column: value}}``: each value on its own line where YAML gave one."""
    values: list[ValueOverride] = []
    for n, (iso3, cols) in enumerate(raw.items(), start=1):
        where = _key_line(raw, iso3, _line(cols, f"values entry {n}" if line is None else top))
        if not isinstance(cols, Mapping):
            raise v.fail(
                where,
                f"values for {iso3!r} must be a mapping column: value, e.g. "
                f"{iso3}: {{rd: 100, hedging: 0.3}}",
            )
        for column, value in cols.items():
            at = _key_line(cols, column, _line(cols, where))
            values.append(v.wide_value(iso3, column, value, at, None))
    return values


def _from_mapping(
    data: Any, origin: str, line: int | None, indicators: Collection[str]
) -> Overrides:
    v = _Validator(indicators, origin)
    top = line or 1
    if not isinstance(data, Mapping):
        raise v.fail(top, "expected a mapping with 'values:' and/or 'frictions:'")
    unknown = [k for k in data if k not in ("values", "frictions")]
    if unknown and len(unknown) == len(data) and _looks_wide(data):
        return _finish(_mapping_values(data, v, line, top), [], origin, v)
    if unknown:
        raise v.fail(
            top,
            f"unknown key(s) {unknown} (allowed: values, frictions; or a file "
            "of ISO3 keys only, e.g. KOR: {rd: 100, hedging: 0.3})",
        )
    if not data:
        raise v.fail(top, "no 'values:' or 'frictions:' given")
    values: list[ValueOverride] = []
    frictions: list[FrictionOverride] = []
    raw_values = data.get("values") or []
    if isinstance(raw_values, Mapping):
        values = _mapping_values(raw_values, v, line, top)
    elif isinstance(raw_values, list):
        for n, entry in enumerate(raw_values, start=1):
            where = _line(entry, f"values entry {n}" if line is None else top)
            if not isinstance(entry, Mapping):
                raise v.fail(where, "each values entry must be a mapping with iso3, column, value")
            extra = [k for k in entry if k not in (*_VALUE_COLS, *_VALUE_OPT)]
            if extra:
                raise v.fail(where, f"unknown key(s) {extra} (allowed: iso3, column, value, note)")
            values.append(v.value_row(entry, where))
    else:
        raise v.fail(top, "'values' must be a list of entries or a mapping ISO3 -> columns")
    raw_fr = data.get("frictions") or []
    if not isinstance(raw_fr, list):
        raise v.fail(top, "'frictions' must be a list of entries")
    for n, entry in enumerate(raw_fr, start=1):
        where = _line(entry, f"frictions entry {n}" if line is None else top)
        if not isinstance(entry, Mapping):
            raise v.fail(where, "each frictions entry must be a mapping")
        extra = [k for k in entry if k not in (*_FRICTION_COLS, *_FRICTION_OPT)]
        if extra:
            raise v.fail(
                where,
                f"unknown key(s) {extra} (allowed: {', '.join((*_FRICTION_COLS, *_FRICTION_OPT))})",
            )
        frictions.append(v.friction_row(entry, where))
    return _finish(values, frictions, origin, v)
