"""The World: countries, cited indicators, derived model inputs and pair relations.

:func:`load_world` reads the bundled data (``techbloc/data``, built by
``scripts/build_world.py`` from the cited raw files; see ``data/PROVENANCE.md`` and
``docs/data.md``) and returns an immutable :class:`World`: one row per candidate country
(58, China and Russia included) plus ``ROW``, the rest of the world, so that shares of
world totals are right.

Every indicator value carries its unit, the year it refers to and its source. Missing values
are NaN with a ``missing: <reason>`` note, never zero. Model inputs are derived from the
indicators (:mod:`techbloc.derivation`) by the rules in :data:`INPUT_RULES`; every value
filled by a rule rather than read from data is listed in :attr:`World.fill_notes`. The input
tables and ranges (:data:`INPUT_COLUMNS`, :data:`INPUT_RANGES`, ...) live in
:mod:`techbloc.schema` and are importable from here too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from techbloc.bundle import read_bundle
from techbloc.countries import check_codes
from techbloc.derivation import derive_inputs, wide_table
from techbloc.display import html_repr, shorten, text_repr
from techbloc.overrides import Overrides, read_overrides
from techbloc.pairs import derive_pairs
from techbloc.schema import (
    GCI_WEIGHT,
    INDICATOR_RANGES,
    INPUT_COLUMNS,
    INPUT_INDICATORS,
    INPUT_RANGES,
    INPUT_RULES,
    ROW,
    THREAT_COMPONENTS,
    THREAT_WEIGHT_DISPUTES,
    THREAT_WEIGHT_UN_DISTANCE,
    THREAT_WEIGHT_VIEWS,
)

#: ``(iso3, model input) -> (value, origin)``: model inputs set by the user.
InputOverrides = Mapping[tuple[str, str], tuple[float, str]]

__all__ = [
    "GCI_WEIGHT",
    "INDICATOR_RANGES",
    "INPUT_COLUMNS",
    "INPUT_INDICATORS",
    "INPUT_RANGES",
    "INPUT_RULES",
    "ROW",
    "THREAT_COMPONENTS",
    "THREAT_WEIGHT_DISPUTES",
    "THREAT_WEIGHT_UN_DISTANCE",
    "THREAT_WEIGHT_VIEWS",
    "World",
    "load_world",
]


# --------------------------------------------------------------------------------------
# World
# --------------------------------------------------------------------------------------
class World:
    """Immutable table of countries, cited indicators, model inputs and pair relations.

    Build it with :func:`load_world`; change it only through :meth:`with_overrides`
    (validated user overrides) or :meth:`replace` (new tables), which return a new World.
    Every accessor returns a copy.

    Attributes
    ----------
    codes : list of str
        The 58 candidate ISO3 codes in ``countries.csv`` order, then ``"ROW"``.
    names : dict of str to str
        ISO3 -> country name (``"ROW"`` -> ``"Rest of world"``).
    """

    __slots__ = (
        "_codes",
        "_fill",
        "_frictions",
        "_indicators",
        "_input_overrides",
        "_inputs",
        "_names",
        "_origin",
        "_pairs",
        "_parts",
    )
    _codes: list[str]
    _fill: pd.DataFrame
    _frictions: pd.DataFrame
    _indicators: pd.DataFrame
    _input_overrides: dict[tuple[str, str], tuple[float, str]]
    _inputs: pd.DataFrame
    _names: dict[str, str]
    _origin: str
    _pairs: pd.DataFrame | None
    _parts: dict[str, pd.DataFrame]

    def __init__(
        self,
        parts: Mapping[str, pd.DataFrame],
        input_overrides: InputOverrides | None = None,
        origin: str = "bundled data",
    ) -> None:
        countries = parts["countries"]
        codes = [*countries["iso3"].tolist(), ROW]
        names = dict(zip(countries["iso3"], countries["name"], strict=True))
        names[ROW] = "Rest of world"
        set_ = object.__setattr__
        set_(self, "_parts", dict(parts))
        set_(self, "_codes", codes)
        set_(self, "_names", names)
        set_(self, "_origin", origin)
        set_(self, "_indicators", parts["indicators"])
        set_(self, "_frictions", parts["frictions"])
        set_(self, "_input_overrides", dict(input_overrides or {}))
        inputs, fill = derive_inputs(self._parts, codes, self._input_overrides)
        set_(self, "_inputs", inputs)
        set_(self, "_fill", fill)
        set_(self, "_pairs", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("World is immutable; use World.with_overrides(...)")

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its parts, so a World can be sent to worker processes (Dask, pools)
        return (World, (self._parts, self._input_overrides, self._origin))

    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        heading = f"World: {len(self._codes) - 1} countries + rest of world (ROW)"
        facts = [
            ("from", self._origin),
            ("countries", shorten(self._codes)),
            ("indicators", f"{len(self.indicator_names)} (world.indicators, with sources)"),
            ("model inputs", f"{self._inputs.shape[1]} per country (world.model_inputs())"),
            ("frictions", f"{len(self._frictions)} country pairs (world.frictions())"),
            (
                "user overrides",
                f"{len(self._input_overrides)} model input(s)"
                if self._input_overrides
                else "none on model inputs",
            ),
        ]
        return heading, facts

    def __repr__(self) -> str:
        return text_repr(*self._describe())

    def _repr_html_(self) -> str:
        return html_repr(*self._describe())

    # -- identity ----------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        """Candidate ISO3 codes in ``countries.csv`` order, then ``"ROW"``."""
        return list(self._codes)

    @property
    def names(self) -> dict[str, str]:
        """ISO3 -> country name."""
        return dict(self._names)

    @property
    def origin(self) -> str:
        """Where the data came from (bundled data, plus override files applied)."""
        return self._origin

    # -- indicators ----------------------------------------------------------------------
    @property
    def indicators(self) -> pd.DataFrame:
        """Long table ``iso3, indicator, value, unit, year, source, note`` (a copy)."""
        return self._indicators.copy()

    @property
    def indicator_names(self) -> list[str]:
        """Indicator names, in table order."""
        return list(dict.fromkeys(self._indicators["indicator"]))

    def table(self) -> pd.DataFrame:
        """Wide table: index ``iso3`` (``codes`` order), one column per indicator."""
        return wide_table(self._indicators, self._codes)

    def indicator(self, iso3: str, name: str) -> float:
        """One indicator value (NaN when missing)."""
        ind = self._indicators
        hit = ind[(ind["iso3"] == iso3) & (ind["indicator"] == name)]
        return float(hit["value"].iloc[0]) if len(hit) else math.nan

    def country(self, iso3: str) -> pd.DataFrame:
        """Every indicator of one country, with value, unit, year, source and note."""
        (code,) = check_codes([iso3], self, allow_row=True)
        return self._indicators[self._indicators["iso3"] == code].reset_index(drop=True)

    # -- model inputs --------------------------------------------------------------------
    def model_inputs(self) -> pd.DataFrame:
        """Model inputs indexed by iso3 in ``codes`` order (ROW last); see ``INPUT_RULES``.

        Returns
        -------
        pandas.DataFrame
            Float columns :data:`INPUT_COLUMNS`. NaN only in ``population`` (TWN, ROW)
            and ``military_spending`` (ROW).
        """
        return self._inputs.copy()

    @property
    def fill_notes(self) -> pd.DataFrame:
        """``iso3, input, method`` for every model input filled or flagged by a rule."""
        return self._fill.copy()

    def gerd_history(self) -> pd.DataFrame:
        """Observed GERD and GDP by year: ``iso3, year, gerd_ppp_usd_bn, gdp_ppp_usd_bn, source,
        note`` (NCSES SRD-1, current PPP $ bn, 2000, 2010 and 2021 or latest; empty when the
        World was built without it)."""
        columns = ["iso3", "year", "gerd_ppp_usd_bn", "gdp_ppp_usd_bn", "source", "note"]
        table = self._parts.get("gerd_history")
        return pd.DataFrame(columns=columns) if table is None else table.copy()

    # -- pair relations ------------------------------------------------------------------
    def frictions(self) -> pd.DataFrame:
        """``iso3_a, iso3_b, default, low, high, event_year, reason, source`` (judgements)."""
        return self._frictions.copy()

    def pairs(self) -> pd.DataFrame:
        """Long table of pair relations between candidates (``iso3_a`` before ``iso3_b``).

        Columns ``iso3_a, iso3_b, relation, value, low, high, year, source, note``;
        relations: ``defence_tie`` (0/1: ATOP 2018 defence pledge, or both NATO members
        after a post-2018 accession), ``unga_distance`` (|ideal point difference|, 2024;
        NaN for Taiwan) and ``friction`` (listed pairs only, with low-high range).
        """
        if self._pairs is None:
            pairs = derive_pairs(self._parts, self._codes, self.table())
            object.__setattr__(self, "_pairs", pairs)
            return pairs.copy()
        return self._pairs.copy()

    # -- overrides -----------------------------------------------------------------------
    def with_overrides(self, overrides: str | Path | Mapping[str, Any] | Overrides) -> World:
        """Return a new World with user overrides applied (this World is unchanged).

        Parameters
        ----------
        overrides : path, mapping or Overrides
            A CSV or YAML file, a mapping of the YAML layout, or parsed
            :class:`techbloc.overrides.Overrides` (see :mod:`techbloc.overrides`).

        Raises
        ------
        techbloc.errors.InputError
            If any entry is invalid (message names the file, line and reason); nothing is
            applied then.
        """
        ov = overrides if isinstance(overrides, Overrides) else read_overrides(overrides, self)
        return ov.apply(self)

    @property
    def input_overrides(self) -> dict[tuple[str, str], tuple[float, str]]:
        """Model inputs set by the user: ``(iso3, input) -> (value, origin)`` (a copy)."""
        return dict(self._input_overrides)

    def replace(
        self,
        *,
        indicators: pd.DataFrame | None = None,
        frictions: pd.DataFrame | None = None,
        input_overrides: InputOverrides | None = None,
        origin: str | None = None,
    ) -> World:
        """Return a new World with some of its tables replaced (this World is unchanged).

        Model inputs and pair relations are derived again from the new tables. Prefer
        :meth:`with_overrides`, which validates values and records where they came from;
        this is the primitive it builds on.

        Parameters
        ----------
        indicators : pandas.DataFrame, optional
            Long indicator table, columns as :attr:`indicators`.
        frictions : pandas.DataFrame, optional
            Friction table, columns as :meth:`frictions`.
        input_overrides : mapping, optional
            ``(iso3, input) -> (value, origin)``: model inputs set after derivation
            (replaces :attr:`input_overrides`).
        origin : str, optional
            Where the data came from (default: this World's).

        Returns
        -------
        World
        """
        parts = dict(self._parts)
        if indicators is not None:
            parts["indicators"] = indicators
        if frictions is not None:
            parts["frictions"] = frictions
        return World(
            parts,
            self._input_overrides if input_overrides is None else input_overrides,
            self._origin if origin is None else origin,
        )


def load_world(overrides: str | Path | Mapping[str, Any] | None = None) -> World:
    """Load the bundled World, optionally with user overrides.

    Parameters
    ----------
    overrides : path or mapping, optional
        CSV or YAML override file (or mapping), see :mod:`techbloc.overrides`.

    Returns
    -------
    World
        58 candidate countries plus ``ROW``.

    Examples
    --------
    >>> w = load_world()
    >>> w.codes[0], w.codes[-1]
    ('USA', 'ROW')
    >>> round(float(w.model_inputs().loc["KOR", "rd"]), 1)
    119.6
    """
    world = _default_world()
    return world if overrides is None else world.with_overrides(overrides)


@functools.lru_cache(maxsize=1)
def _default_world() -> World:
    return World(read_bundle())
