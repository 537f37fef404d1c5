"""The World: countries, cited indicators, derived model inputs and pair relations.

:func:`load_world` reads the bundled data (``techbloc/data``, built by
``scripts/build_world.py`` from the cited raw files; see ``data/PROVENANCE.md`` and
``docs/data.md``) and returns an immutable :class:`World`: one row per candidate country
(58, China and Russia included) plus ``ROW``, the rest of the world, so that shares of
world totals are right.

Every indicator value carries its unit, the year it refers to and its source. Missing values
are NaN with a ``missing: <reason>`` note, never zero. Model inputs are derived from the
indicators by the rules in :data:`INPUT_RULES`; every value filled by a rule rather than
read from data is listed in :attr:`World.fill_notes`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from techbloc.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from techbloc.overrides import Overrides

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

ROW = "ROW"

#: Weight of the ITU GCI in ``protection_capability``; WGI (GE and RL averaged) gets 1 - this.
GCI_WEIGHT = 0.5
THREAT_WEIGHT_VIEWS = 0.5
"""Weight of public views of China (Pew % unfavourable / 100) in the ``threat`` blend.

An assumption, taken from the design prototype (MODEL.md §9.10 point 5), to be swept with
the will parameters (±50%). It is the largest weight because the survey is the only input
that measures threat *perception* directly, and it covers 22 candidates; the other 35 are
filled by a fit on UN-vote distance (flagged).
"""
THREAT_WEIGHT_DISPUTES = 0.3
"""Weight of the dispute and coercion record with China in the ``threat`` blend.

An assumption from the design prototype (MODEL.md §9.10 point 5). Episodes are facts
(territorial and maritime disputes, coercion, detentions since 2010) that publics and
governments experience directly, but the table is a list of the episodes found, not a census,
so it gets less weight than the survey. The count is log-scaled (``log1p``) so that Japan's
seven episodes do not count seven times one.
"""
THREAT_WEIGHT_UN_DISTANCE = 0.2
"""Weight of the UNGA ideal-point distance from China in the ``threat`` blend.

An assumption from the design prototype (MODEL.md §9.10 point 5), kept small on purpose:
the ideal points are one-dimensional (distance to the USA + distance to China is nearly
constant), so this term nearly duplicates ``alignment``; it stays because it is the only
threat-related measure that covers every UN member.
"""
#: Model-input column of each threat component -> (weight, indicator it is built from).
THREAT_COMPONENTS: dict[str, tuple[float, str]] = {
    "threat_views": (THREAT_WEIGHT_VIEWS, "pew_china_unfavourable_pct"),
    "threat_disputes": (THREAT_WEIGHT_DISPUTES, "china_dispute_episodes"),
    "threat_un_distance": (THREAT_WEIGHT_UN_DISTANCE, "unga_distance_chn"),
}
#: Countries whose dispute rows are left out of the threat input (the table's own note:
#: the US-China trade war is mutual escalation, not one-sided PRC coercion).
THREAT_DISPUTES_EXCLUDED = ("USA",)
#: NATO members that joined after the ATOP 2018 cut-off count as US defence pacts.
ATOP_YEAR = 2018

#: Model input columns, in order, with their units.
INPUT_COLUMNS: dict[str, str] = {
    "rd": "GERD, current PPP US$ bn in rd_year (NCSES SRD-1 2021, else RD-5 2019 or latest); "
    "fallback current US$ bn (flagged)",
    "rd_year": "year of rd (and gdp)",
    "gdp": "GDP, current PPP US$ bn in rd_year, same source as rd (SRD-1, or implied by RD-5)",
    "population": "millions",
    "rd_growth": "fraction per year (GERD CAGR 2010-21, constant PPP)",
    "gdp_growth": "fraction per year (Growth Lab 10-year projection)",
    "protection_capability": "0-1",
    "alignment": "0-1 (1 = USA, 0 = China)",
    "us_defence_pact": "0/1",
    "threat": "0-1 (blend of the three threat_* components, weights THREAT_WEIGHT_*)",
    "threat_views": "0-1 (Pew % unfavourable view of China / 100)",
    "threat_disputes": "0-1 (log1p(episodes since 2010) / log1p(max over candidates))",
    "threat_un_distance": "0-1 (UNGA ideal-point distance from China / max over candidates)",
    "china_dependence": "0-1 (goods trade share with China)",
    "hedging": "0-1 (judgement)",
    "hedging_low": "0-1 (judgement)",
    "hedging_high": "0-1 (judgement)",
    "eci": "Growth Lab ECI (HS92)",
    "semis_share": "0-1 share of world semiconductor supply-chain value (ETO)",
    "military_spending": "US$ bn, constant 2023 prices (SIPRI)",
}

#: Plain-language derivation and fill rule of each model input (also in docs/data.md).
INPUT_RULES: dict[str, str] = {
    "rd": "srd1_gerd_ppp_usd_bn (NCSES SRD-1 column 2021a, current PPP $ bn; the real year, "
    "2021 or the latest the table gives, e.g. AUS 2019, is rd_year). Not in SRD-1: "
    "gerd_ppp_usd_m / 1000 (NCSES RD-5, 2019 or latest, PPP $; flagged). In neither: WDI "
    "rd_pct_gdp / 100 x gdp_current_usd / 1e9, i.e. current US$ at market exchange rates "
    "mixed with PPP $ (flagged). ROW: RD-5 world (sum of all RD-5 country rows) minus the "
    "candidates in RD-5, in RD-5 years (rd_year 2019). The model rolls every rd forward from "
    "its rd_year to the start year at rd_growth.",
    "rd_year": "reference year of rd and gdp (SRD-1 label year, RD-5 year, or the WDI R&D year "
    "for fallbacks; ROW 2019).",
    "gdp": "srd1_gdp_ppp_usd_bn (SRD-1 2021a, current PPP $ bn) where rd is from SRD-1. "
    "RD-5 rd: gerd_ppp_usd_m / (gerd_gdp_pct / 100) / 1000, the GDP implied by RD-5 (PPP $ "
    "bn, flagged). WDI rd: gdp_current_usd / 1e9 (current US$, flagged). ROW: RD-5 world "
    "implied GDP minus candidates in RD-5 (RD-5 only lists countries reporting R&D, so world "
    "GDP is understated).",
    "population": "population_total / 1e6 (WDI SP.POP.TOTL, latest year). TWN and ROW: NaN (no "
    "bundled source; override to use).",
    "rd_growth": "gerd_cagr_2010_2021_const_pct / 100 (NCSES SRD-1). Missing (non-OECD and a "
    "few OECD countries) and ROW: median of available countries (flagged).",
    "gdp_growth": "growth_proj_pct / 100 (Growth Lab, latest year). Missing (ISL, LUX, MLT) "
    "and ROW: median of available countries (flagged).",
    "protection_capability": f"{GCI_WEIGHT} x itu_gci_2020 / 100 + {1 - GCI_WEIGHT} x mean("
    "(wgi_government_effectiveness + 2.5) / 5, (wgi_rule_of_law + 2.5) / 5), WGI 2023 "
    "(pre-2025 vintage), clipped to 0-1. TWN (neither in GCI nor WGI): assumption = mean of "
    "JPN and KOR (flagged). ROW: median of candidates (flagged; ROW is never a member).",
    "alignment": "unga_distance_chn / (unga_distance_usa + unga_distance_chn), UNGA ideal "
    "points (final-passage votes, 2024); USA = 1, CHN = 0. TWN (not in the UN since 1971): "
    "assumption = mean of JPN and KOR (flagged). ROW: 0.5 (neutral, flagged).",
    "us_defence_pact": "atop_defence_pact_usa (ATOP 2018 defence pledge) OR NATO accession "
    "after 2018 (FIN 2023, SWE 2024, memberships.csv); USA = 1; ROW = 0.",
    "threat": f"{THREAT_WEIGHT_VIEWS} x threat_views + {THREAT_WEIGHT_DISPUTES} x "
    f"threat_disputes + {THREAT_WEIGHT_UN_DISTANCE} x threat_un_distance (weights: "
    "assumptions from the design prototype, MODEL.md 9.10.5; military burden is no longer "
    "part of it). CHN = 0. ROW: median of candidates (flagged). Filled components are "
    "flagged on the component and summarised here.",
    "threat_views": "pew_china_unfavourable_pct / 100 (Pew Global Attitudes, latest year with "
    "an unfavourable %, expert/pew_views_of_china.csv). Missing: linear fit of Pew "
    "unfavourable on unga_distance_chn over the candidates that have both (n and r in the "
    "flag), clipped to 0-100 (flagged). CHN = 0. ROW: median (flagged).",
    "threat_disputes": "log1p(china_dispute_episodes) / log1p(max over candidates), episodes "
    "since 2010 in expert/china_disputes.csv. USA: its row (2018 trade war) is mutual "
    "escalation, left out: 0 (flagged). No row in the table: 0 episodes (assumption: the "
    "table lists the episodes found; flagged). CHN = 0. ROW: median (flagged).",
    "threat_un_distance": "unga_distance_chn / max over candidates (UNGA ideal points, "
    "final-passage votes, 2024). TWN (not in the UN since 1971): assumption = mean of JPN and "
    "KOR (flagged). CHN = 0. ROW: median (flagged).",
    "china_dependence": "(dots_exports_to_chn + dots_imports_from_chn) / (dots_exports_to_wld "
    "+ dots_imports_from_wld), IMF DOTS 2019 (pre-pandemic). TWN from mirror flows (reporters "
    "CHN and WLD). CHN = 0. ROW: median (flagged).",
    "hedging": "expert/hedging.csv default; countries not listed: 0 (assumption, flagged).",
    "hedging_low": "expert/hedging.csv low; not listed: 0 (assumption).",
    "hedging_high": "expert/hedging.csv high; not listed: 0 (assumption).",
    "eci": "eci_hs92 (Growth Lab, latest year). Missing (ISL, LUX, MLT) and ROW: median of "
    "available countries (flagged).",
    "semis_share": "ETO (CC BY-NC 4.0): mean of four segment shares: design (S1), fabrication "
    "(S2), assembly-test-packaging (S3), and equipment & materials (tool and material inputs, "
    "weighted by the market size ETO states; items without a size are left out). Equal "
    "segment weights are an assumption (ETO gives no fabrication market size). 0 where ETO "
    "records no share (flagged). ROW: 1 - sum of candidates, floored at 0 (other countries "
    "and ETO's 'Various').",
    "military_spending": "milex_constant_2023_usd_m / 1000 (SIPRI, latest year). ROW: NaN.",
}

#: Indicators each model input is derived from (shown by ``techbloc data show``). A fallback
#: source is listed after the preferred one; which one was used is in ``fill_notes``.
INPUT_INDICATORS: dict[str, tuple[str, ...]] = {
    "rd": ("srd1_gerd_ppp_usd_bn", "gerd_ppp_usd_m", "rd_pct_gdp", "gdp_current_usd"),
    "rd_year": ("srd1_gerd_ppp_usd_bn", "gerd_ppp_usd_m", "rd_pct_gdp"),
    "gdp": ("srd1_gdp_ppp_usd_bn", "gerd_ppp_usd_m", "gerd_gdp_pct", "gdp_current_usd"),
    "population": ("population_total",),
    "rd_growth": ("gerd_cagr_2010_2021_const_pct",),
    "gdp_growth": ("growth_proj_pct",),
    "protection_capability": (
        "itu_gci_2020",
        "wgi_government_effectiveness",
        "wgi_rule_of_law",
    ),
    "alignment": ("unga_distance_usa", "unga_distance_chn"),
    "us_defence_pact": ("atop_defence_pact_usa", "member_nato"),
    "threat": ("pew_china_unfavourable_pct", "china_dispute_episodes", "unga_distance_chn"),
    "threat_views": ("pew_china_unfavourable_pct",),
    "threat_disputes": ("china_dispute_episodes",),
    "threat_un_distance": ("unga_distance_chn",),
    "china_dependence": (
        "dots_exports_to_chn_usd_m",
        "dots_imports_from_chn_usd_m",
        "dots_exports_to_wld_usd_m",
        "dots_imports_from_wld_usd_m",
    ),
    "hedging": (),
    "hedging_low": (),
    "hedging_high": (),
    "eci": ("eci_hs92",),
    "semis_share": (
        "semis_design_share_pct",
        "semis_fabrication_share_pct",
        "semis_atp_share_pct",
        "semis_equipment_materials_share_pct",
    ),
    "military_spending": ("milex_constant_2023_usd_m",),
}

_UNIT = (0.0, 1.0)
#: Allowed (low, high) for each model input (used to validate overrides).
INPUT_RANGES: dict[str, tuple[float, float]] = {
    "rd": (0.0, 1e5),
    "rd_year": (1990.0, 2100.0),
    "gdp": (0.0, 1e6),
    "population": (0.0, 1e4),
    "rd_growth": (-0.5, 1.0),
    "gdp_growth": (-0.5, 0.5),
    "protection_capability": _UNIT,
    "alignment": _UNIT,
    "us_defence_pact": _UNIT,
    "threat": _UNIT,
    "threat_views": _UNIT,
    "threat_disputes": _UNIT,
    "threat_un_distance": _UNIT,
    "china_dependence": _UNIT,
    "hedging": _UNIT,
    "hedging_low": _UNIT,
    "hedging_high": _UNIT,
    "eci": (-5.0, 5.0),
    "semis_share": _UNIT,
    "military_spending": (0.0, 1e5),
}

#: Allowed (low, high) for each indicator (used to validate overrides); prefix match.
INDICATOR_RANGES: dict[str, tuple[float, float]] = {
    "gerd_ppp_usd_m": (0.0, 1e8),
    "gerd_gdp_pct": (0.0, 20.0),
    "gerd_cagr_2010_2021_const_pct": (-50.0, 100.0),
    "srd1_": (0.0, 1e6),
    "pew_china_unfavourable_pct": (0.0, 100.0),
    "china_dispute_episodes": (0.0, 1000.0),
    "world_": (0.0, 1e10),
    "rd_pct_gdp": (0.0, 20.0),
    "researchers_per_million": (0.0, 1e5),
    "patents_": (0.0, 1e8),
    "sci_articles": (0.0, 1e8),
    "hightech_exports_pct_manuf": (0.0, 100.0),
    "hightech_exports_usd": (0.0, 1e14),
    "gdp_current_usd": (0.0, 1e15),
    "population_total": (0.0, 1e10),
    "wgi_": (-3.0, 3.0),
    "milex_share_gdp": _UNIT,
    "milex_": (0.0, 1e8),
    "unga_ideal_point": (-5.0, 5.0),
    "unga_distance_": (0.0, 10.0),
    "atop_": _UNIT,
    "eci_hs92": (-5.0, 5.0),
    "growth_proj_pct": (-50.0, 50.0),
    "itu_gci_2020": (0.0, 100.0),
    "dots_": (0.0, 1e8),
    "member_": _UNIT,
    "semis_": (0.0, 100.0),
}

_ETO_SOURCE = (
    "ETO Advanced Semiconductor Supply Chain Dataset (Georgetown CSET), CC BY-NC 4.0, "
    "non-commercial use only [techbloc/data/noncommercial/]"
)
_SEGMENTS = {
    "semis_design_share_pct": "S1",
    "semis_fabrication_share_pct": "S2",
    "semis_atp_share_pct": "S3",
    "semis_equipment_materials_share_pct": None,
}


# --------------------------------------------------------------------------------------
# bundle
# --------------------------------------------------------------------------------------
def _data_dir() -> Path:
    return Path(str(resources.files("techbloc") / "data"))


@functools.lru_cache(maxsize=1)
def _bundle() -> dict[str, pd.DataFrame]:
    """Read the bundled CSVs once per process."""
    root = _data_dir()
    try:
        bundle = {
            "countries": pd.read_csv(root / "countries.csv", keep_default_na=False),
            "indicators": pd.read_csv(
                root / "indicators.csv",
                dtype={"year": "Int64"},
                keep_default_na=False,
                na_values={"value": [""], "year": [""]},
            ),
            "memberships": pd.read_csv(root / "memberships.csv", dtype={"joined_year": "Int64"}),
            "frictions": pd.read_csv(root / "frictions.csv"),
            "hedging": pd.read_csv(root / "hedging.csv"),
            "defence_pairs": pd.read_csv(root / "defence_pairs.csv"),
        }
    except FileNotFoundError as exc:
        raise DataError(f"bundled data file missing: {exc.filename}; reinstall techbloc") from None
    eto = root / "noncommercial" / "eto_country_item_shares.csv"
    bundle["eto"] = (
        pd.read_csv(eto)
        if eto.is_file()
        else pd.DataFrame(
            columns=["iso3", "item_id", "item_kind", "share_pct", "market_size_usd_bn"]
        )
    )
    bundle["indicators"] = pd.concat(
        [bundle["indicators"], _semis_indicators(bundle["eto"], bundle["countries"])],
        ignore_index=True,
    )
    return bundle


def _semis_indicators(eto: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """ETO segment shares per candidate, in percent (CC BY-NC data, added at load time)."""
    codes = countries["iso3"].tolist()
    stages = eto[eto["item_kind"] == "stage"]
    inputs = eto[(eto["item_kind"] != "stage") & eto["market_size_usd_bn"].notna()]
    sizes = inputs.drop_duplicates("item_id").set_index("item_id")["market_size_usd_bn"]
    total = float(sizes.sum())
    weighted = (inputs["share_pct"] * inputs["market_size_usd_bn"]).groupby(inputs["iso3"]).sum()
    in_inputs = set(inputs["iso3"])
    stage_share = stages.pivot_table(
        index="iso3", columns="item_id", values="share_pct", aggfunc="first"
    )
    frames = []
    for name, stage in _SEGMENTS.items():
        if stage is not None:
            col = stage_share[stage] if stage in stage_share else pd.Series(dtype=float)
            found = col.reindex(codes).notna().to_numpy()
            value = col.reindex(codes).fillna(0.0).to_numpy()
            note = np.where(found, f"stage {stage}", f"stage {stage}; ETO records no share (0)")
        else:
            value = (
                weighted.reindex(codes).fillna(0.0) / total
                if total > 0
                else pd.Series(0.0, index=codes)
            ).to_numpy()
            base = (
                f"derived: market-size-weighted mean over {len(sizes)} tool/material "
                f"inputs with a stated size (total US$ {total:.1f} bn)"
            )
            note = np.array(
                [base if c in in_inputs else base + "; ETO records no share (0)" for c in codes]
            )
        frames.append(
            pd.DataFrame(
                {
                    "iso3": codes,
                    "indicator": name,
                    "value": value,
                    "unit": "% of world market",
                    "year": 2019,
                    "source": _ETO_SOURCE,
                    "note": note,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out


# --------------------------------------------------------------------------------------
# World
# --------------------------------------------------------------------------------------
class World:
    """Immutable table of countries, cited indicators, model inputs and pair relations.

    Build it with :func:`load_world`; change it only through :meth:`with_overrides`,
    which returns a new World. Every accessor returns a copy.

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

    def __init__(
        self,
        parts: Mapping[str, pd.DataFrame],
        input_overrides: Mapping[tuple[str, str], tuple[float, str]] | None = None,
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
        inputs, fill = _derive_inputs(self, dict(input_overrides or {}))
        set_(self, "_inputs", inputs)
        set_(self, "_fill", fill)
        set_(self, "_pairs", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("World is immutable; use World.with_overrides(...)")

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its parts, so a World can be sent to worker processes (Dask, pools)
        return (World, (self._parts, self._input_overrides, self._origin))

    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        from techbloc.display import shorten

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
        from techbloc.display import text_repr

        return text_repr(*self._describe())

    def _repr_html_(self) -> str:
        from techbloc.display import html_repr

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
        wide = self._indicators.pivot(index="iso3", columns="indicator", values="value")
        return wide.reindex(index=self._codes, columns=self.indicator_names).astype(float)

    def indicator(self, iso3: str, name: str) -> float:
        """One indicator value (NaN when missing)."""
        ind = self._indicators
        hit = ind[(ind["iso3"] == iso3) & (ind["indicator"] == name)]
        return float(hit["value"].iloc[0]) if len(hit) else math.nan

    def country(self, iso3: str) -> pd.DataFrame:
        """Every indicator of one country, with value, unit, year, source and note."""
        from techbloc.coalitions import check_codes

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
            object.__setattr__(self, "_pairs", _build_pairs(self))
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
        from techbloc.overrides import Overrides, read_overrides

        ov = overrides if isinstance(overrides, Overrides) else read_overrides(overrides, self)
        return ov.apply(self)

    def _replace(
        self,
        indicators: pd.DataFrame,
        frictions: pd.DataFrame,
        input_overrides: Mapping[tuple[str, str], tuple[float, str]],
        origin: str,
    ) -> World:
        parts = dict(self._parts)
        parts["indicators"] = indicators
        parts["frictions"] = frictions
        return World(parts, input_overrides, origin)


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
    return World(_bundle())


# --------------------------------------------------------------------------------------
# derivation of model inputs
# --------------------------------------------------------------------------------------
def _derive_inputs(
    world: World, overrides: dict[tuple[str, str], tuple[float, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = world._parts
    codes = world._codes
    cand = codes[:-1]
    t = world.table()
    ind = world._indicators
    years = ind.pivot(index="iso3", columns="indicator", values="year").reindex(codes)
    fills: list[tuple[str, str, str]] = []

    def flag(iso3: str, col: str, method: str) -> None:
        fills.append((iso3, col, method))

    out = pd.DataFrame(index=pd.Index(codes, name="iso3"), columns=list(INPUT_COLUMNS), dtype=float)

    # rd, gdp, rd_year ------------------------------------------------------------------
    srd1_gerd, srd1_gdp = t["srd1_gerd_ppp_usd_bn"], t["srd1_gdp_ppp_usd_bn"]
    gerd, ratio = t["gerd_ppp_usd_m"], t["gerd_gdp_pct"]
    for iso3 in codes:
        if iso3 != ROW and not math.isnan(srd1_gerd[iso3]) and not math.isnan(srd1_gdp[iso3]):
            out.at[iso3, "rd"] = srd1_gerd[iso3]
            out.at[iso3, "gdp"] = srd1_gdp[iso3]
            out.at[iso3, "rd_year"] = float(years.at[iso3, "srd1_gerd_ppp_usd_bn"])
        elif not math.isnan(gerd[iso3]):
            y = years.at[iso3, "gerd_ppp_usd_m"]
            out.at[iso3, "rd"] = gerd[iso3] / 1000.0
            out.at[iso3, "gdp"] = gerd[iso3] / (ratio[iso3] / 100.0) / 1000.0
            out.at[iso3, "rd_year"] = float(y)
            if iso3 != ROW:
                flag(
                    iso3,
                    "rd",
                    f"not in NCSES SRD-1: RD-5 GERD {gerd[iso3] / 1000.0:.2f} PPP $ bn ({y})",
                )
                flag(
                    iso3,
                    "gdp",
                    f"not in NCSES SRD-1: GDP implied by RD-5 (GERD / "
                    f"{ratio[iso3]:.2f}% of GDP, {y}), PPP $",
                )
        else:
            pct, gdp_usd = t.at[iso3, "rd_pct_gdp"], t.at[iso3, "gdp_current_usd"]
            y_rd, y_gdp = years.at[iso3, "rd_pct_gdp"], years.at[iso3, "gdp_current_usd"]
            out.at[iso3, "rd"] = pct / 100.0 * gdp_usd / 1e9
            out.at[iso3, "gdp"] = gdp_usd / 1e9
            out.at[iso3, "rd_year"] = float(y_rd)
            flag(
                iso3,
                "rd",
                f"not in NCSES SRD-1 nor RD-5: WDI R&D {pct:.2f}% of GDP ({y_rd}) "
                f"x WDI GDP current US$ ({y_gdp}); current US$ at market exchange rates, "
                "NOT PPP",
            )
            flag(
                iso3, "gdp", f"not in NCSES SRD-1 nor RD-5: WDI GDP current US$ ({y_gdp}), NOT PPP"
            )
    flag(
        ROW,
        "rd",
        "RD-5 world GERD (sum of all RD-5 country rows) minus candidates in RD-5, "
        "RD-5 years (2019 or latest): rd_year 2019, not SRD-1 2021",
    )
    flag(ROW, "gdp", "RD-5 world implied GDP (RD-5 countries only) minus candidates in RD-5 (2019)")

    # population ------------------------------------------------------------------------
    out["population"] = t["population_total"] / 1e6
    for iso3 in codes:
        if math.isnan(out.at[iso3, "population"]):
            flag(iso3, "population", "no bundled source (NaN; override to set)")

    # growth rates and eci: median fill -----------------------------------------------------
    for col, src, scale in (
        ("rd_growth", "gerd_cagr_2010_2021_const_pct", 0.01),
        ("gdp_growth", "growth_proj_pct", 0.01),
        ("eci", "eci_hs92", 1.0),
    ):
        vals = t[src] * scale
        med = float(vals[cand].median())
        for iso3 in codes:
            if math.isnan(vals[iso3]):
                vals[iso3] = med
                flag(iso3, col, f"missing {src}: median of available candidates ({med:.4g})")
        out[col] = vals

    # protection capability -----------------------------------------------------------------
    wgi = (
        ((t["wgi_government_effectiveness"] + 2.5) / 5.0) + ((t["wgi_rule_of_law"] + 2.5) / 5.0)
    ) / 2.0
    cap = (GCI_WEIGHT * t["itu_gci_2020"] / 100.0 + (1 - GCI_WEIGHT) * wgi).clip(0.0, 1.0)
    out["protection_capability"] = cap
    _assume_like(
        out, "protection_capability", "TWN", ("JPN", "KOR"), flag, "not in ITU GCI nor WGI"
    )
    _fill_median(out, "protection_capability", ROW, cand, flag)

    # alignment -------------------------------------------------------------------------
    du, dc = t["unga_distance_usa"], t["unga_distance_chn"]
    out["alignment"] = dc / (du + dc)
    out.at["USA", "alignment"] = 1.0
    out.at["CHN", "alignment"] = 0.0
    _assume_like(out, "alignment", "TWN", ("JPN", "KOR"), flag, "not in the UNGA since 1971")
    out.at[ROW, "alignment"] = 0.5
    flag(ROW, "alignment", "neutral 0.5 (ROW is never a member)")

    # us defence pact -----------------------------------------------------------------------
    pact = t["atop_defence_pact_usa"].fillna(0.0)
    mem = parts["memberships"]
    late = mem[(mem["group"] == "NATO") & (mem["joined_year"].fillna(0) > ATOP_YEAR)]
    for iso3, year in zip(late["iso3"], late["joined_year"], strict=True):
        if iso3 in pact.index:
            pact[iso3] = 1.0
            flag(iso3, "us_defence_pact", f"NATO accession {year} (after ATOP 2018)")
    pact["USA"] = 1.0
    pact[ROW] = 0.0
    out["us_defence_pact"] = pact

    # threat from China (MODEL.md 9.4) ------------------------------------------------------
    _derive_threat(out, t, cand, flag)

    # china dependence ------------------------------------------------------------------
    num = t["dots_exports_to_chn_usd_m"] + t["dots_imports_from_chn_usd_m"]
    den = t["dots_exports_to_wld_usd_m"] + t["dots_imports_from_wld_usd_m"]
    out["china_dependence"] = num / den
    out.at["CHN", "china_dependence"] = 0.0
    flag("TWN", "china_dependence", "mirror flows: CHN and WLD reporters' trade with TWN")
    _fill_median(out, "china_dependence", ROW, cand, flag)

    # hedging -----------------------------------------------------------------------------
    hedge = parts["hedging"].set_index("iso3")
    for col, src in (("hedging", "default"), ("hedging_low", "low"), ("hedging_high", "high")):
        out[col] = hedge[src].reindex(codes).fillna(0.0).astype(float)
    for iso3 in codes:
        if iso3 not in hedge.index:
            flag(iso3, "hedging", "not in expert/hedging.csv: 0 (assumption)")

    # semiconductors ----------------------------------------------------------------------
    seg = t[list(_SEGMENTS)] / 100.0
    out["semis_share"] = seg.mean(axis=1)
    eto_codes = set(parts["eto"]["iso3"])
    for iso3 in cand:
        if iso3 not in eto_codes:
            flag(iso3, "semis_share", "ETO records no share: 0")
    out.at[ROW, "semis_share"] = max(0.0, 1.0 - float(out.loc[cand, "semis_share"].sum()))
    flag(ROW, "semis_share", "1 - sum of candidates (other countries and ETO 'Various')")

    # military spending -------------------------------------------------------------------
    out["military_spending"] = t["milex_constant_2023_usd_m"] / 1000.0
    flag(ROW, "military_spending", "no world total bundled: NaN")

    # user overrides of model inputs -------------------------------------------------------
    for (iso3, col), (value, origin) in overrides.items():
        out.at[iso3, col] = float(value)
        fills.append((iso3, col, f"user override ({origin})"))

    out = out.astype(float)
    fill = pd.DataFrame(fills, columns=["iso3", "input", "method"])
    _check_inputs(out)
    return out, fill


def _derive_threat(out: pd.DataFrame, t: pd.DataFrame, cand: list[str], flag: Any) -> None:
    """Set ``threat`` and its three components in ``out`` (rules in :data:`INPUT_RULES`).

    Parameters
    ----------
    out : pandas.DataFrame
        Model inputs being derived (index: world codes); modified in place.
    t : pandas.DataFrame
        Wide indicator table (:meth:`World.table`).
    cand : list of str
        Candidate codes (ROW excluded).
    flag : callable
        ``flag(iso3, input, method)`` records a fill note.
    """
    others = [c for c in cand if c != "CHN"]
    filled: dict[str, list[str]] = {c: [] for c in others}

    def note(iso3: str, col: str, method: str) -> None:
        flag(iso3, col, method)
        filled[iso3].append(col)

    # UN distance from China; TWN assumed like JPN and KOR (also used by the Pew fit)
    dc = t["unga_distance_chn"].copy()
    twn = float(dc[["JPN", "KOR"]].mean())
    dc["TWN"] = twn
    dmax = float(dc[others].max())
    note(
        "TWN",
        "threat_un_distance",
        "not in the UNGA since 1971: distance from China "
        f"assumed = mean of JPN and KOR ({twn:.3f}); term {twn / dmax:.3f}",
    )

    # views: Pew % unfavourable; missing -> linear fit on UN distance from China
    pew = t["pew_china_unfavourable_pct"]
    raw_dc = t["unga_distance_chn"]
    have = [c for c in others if not (math.isnan(pew[c]) or math.isnan(raw_dc[c]))]
    x = raw_dc[have].to_numpy(dtype=float)
    y = pew[have].to_numpy(dtype=float)
    slope, intercept = (float(v) for v in np.polyfit(x, y, 1))
    r = float(np.corrcoef(x, y)[0, 1])
    views = pew / 100.0
    for c in others:
        if math.isnan(pew[c]):
            fit = intercept + slope * float(dc[c])
            clipped = min(100.0, max(0.0, fit))
            views[c] = clipped / 100.0
            tw = " (TWN: assumed distance)" if c == "TWN" else ""
            note(
                c,
                "threat_views",
                "no Pew unfavourable % in expert/pew_views_of_china.csv: "
                f"linear fit on unga_distance_chn over the n={len(have)} candidates with "
                f"both (r={r:.2f}): {intercept:.1f} + {slope:.1f} x {dc[c]:.3f}{tw} = "
                f"{fit:.1f}%" + ("" if clipped == fit else f", clipped to {clipped:.0f}%"),
            )

    # disputes: episodes since 2010, log-scaled; the USA row left out; no row -> 0
    ep = t["china_dispute_episodes"].copy()
    for c in THREAT_DISPUTES_EXCLUDED:
        flag(
            c,
            "threat_disputes",
            f"its {ep[c]:.0f} episode(s) in expert/china_disputes.csv "
            "(2018 trade war) are mutual escalation, not one-sided PRC coercion: left out, "
            "0 episodes",
        )
        ep[c] = 0.0
    for c in others:
        if math.isnan(ep[c]):
            ep[c] = 0.0
            note(
                c,
                "threat_disputes",
                "no row in expert/china_disputes.csv: 0 episodes "
                "(assumption: the table lists the episodes found, not a census)",
            )
    emax = float(ep[others].max())

    out["threat_views"] = views
    out["threat_disputes"] = np.log1p(ep) / math.log1p(emax)
    out["threat_un_distance"] = dc / dmax
    out["threat"] = sum(w * out[col] for col, (w, _) in THREAT_COMPONENTS.items())
    for col in ("threat", *THREAT_COMPONENTS):
        out.at["CHN", col] = 0.0
    flag("CHN", "threat", "China itself: 0 (threat from China), components 0")
    for col in (*THREAT_COMPONENTS, "threat"):
        _fill_median(out, col, ROW, cand, flag)

    # summary on `threat`: which components were filled
    labels = {
        "threat_views": "views (Pew fitted on UN distance)",
        "threat_disputes": "disputes (no row: 0)",
        "threat_un_distance": "UN distance (mean of JPN and KOR)",
    }
    for c in others:
        parts = ", ".join(labels[p] for p in filled[c])
        if c in THREAT_DISPUTES_EXCLUDED:
            flag(
                c,
                "threat",
                "disputes term 0 (own row left out: mutual escalation)"
                + (f"; filled: {parts}" if parts else ""),
            )
        elif parts:
            flag(c, "threat", f"filled component(s): {parts}")


def _assume_like(
    out: pd.DataFrame, col: str, iso3: str, refs: tuple[str, ...], flag: Any, why: str
) -> None:
    value = float(out.loc[list(refs), col].mean())
    out.at[iso3, col] = value
    flag(iso3, col, f"{why}: assumption = mean of {' and '.join(refs)} ({value:.3f})")


def _fill_median(out: pd.DataFrame, col: str, iso3: str, cand: list[str], flag: Any) -> None:
    value = float(out.loc[cand, col].median())
    out.at[iso3, col] = value
    flag(iso3, col, f"median of candidates ({value:.3f}; ROW is never a member)")


def _check_inputs(out: pd.DataFrame) -> None:
    allowed_nan = {"population", "military_spending"}
    bad = [c for c in out.columns if c not in allowed_nan and out[c].isna().any()]
    if bad:
        where = {c: out.index[out[c].isna()].tolist() for c in bad}
        raise DataError(f"model inputs have unexpected missing values: {where}")


# --------------------------------------------------------------------------------------
# pairs
# --------------------------------------------------------------------------------------
def _build_pairs(world: World) -> pd.DataFrame:
    cand = world._codes[:-1]
    order = {c: i for i, c in enumerate(cand)}
    parts = world._parts

    def key(a: str, b: str) -> tuple[str, str]:
        return (a, b) if order[a] < order[b] else (b, a)

    ties: dict[tuple[str, str], tuple[int, str]] = {}
    for a, b in zip(
        parts["defence_pairs"]["iso3_a"], parts["defence_pairs"]["iso3_b"], strict=True
    ):
        ties[key(a, b)] = (ATOP_YEAR, "ATOP v5.1 defence pledge (2018)")
    mem = parts["memberships"]
    nato = mem[mem["group"] == "NATO"].set_index("iso3")["joined_year"]
    nato = nato[nato.index.isin(order)]
    for new, year in nato[nato > ATOP_YEAR].items():
        for other in nato.index:
            if other != new and key(new, other) not in ties:
                ties[key(new, other)] = (
                    int(year),
                    "NATO accession after ATOP 2018 (memberships.csv, nato.int)",
                )
    t = world.table()
    ideal = t["unga_ideal_point"]
    ideal_year = (
        world._indicators.loc[world._indicators["indicator"] == "unga_ideal_point", "year"]
        .dropna()
        .max()
    )
    unga_src = world._indicators.loc[
        world._indicators["indicator"] == "unga_ideal_point", "source"
    ].iloc[0]
    a_idx, b_idx = np.triu_indices(len(cand), k=1)
    a = [cand[i] for i in a_idx]
    b = [cand[j] for j in b_idx]
    tie_val = [1.0 if (x, y) in ties else 0.0 for x, y in zip(a, b, strict=True)]
    defence = pd.DataFrame(
        {
            "iso3_a": a,
            "iso3_b": b,
            "relation": "defence_tie",
            "value": tie_val,
            "low": np.nan,
            "high": np.nan,
            "year": [ties.get((x, y), (ATOP_YEAR, ""))[0] for x, y in zip(a, b, strict=True)],
            "source": [
                ties.get((x, y), (0, "ATOP v5.1 (2018): no defence pledge"))[1]
                for x, y in zip(a, b, strict=True)
            ],
            "note": "",
        }
    )
    dist = np.abs(ideal.loc[a].to_numpy() - ideal.loc[b].to_numpy())
    unga = pd.DataFrame(
        {
            "iso3_a": a,
            "iso3_b": b,
            "relation": "unga_distance",
            "value": dist,
            "low": np.nan,
            "high": np.nan,
            "year": int(ideal_year),
            "source": unga_src,
            "note": np.where(
                np.isnan(dist),
                "missing: Taiwan has no UN ideal point",
                "derived: |ideal point difference|",
            ),
        }
    )
    fr = world._frictions
    friction = pd.DataFrame(
        {
            "iso3_a": fr["iso3_a"],
            "iso3_b": fr["iso3_b"],
            "relation": "friction",
            "value": fr["default"].astype(float),
            "low": fr["low"].astype(float),
            "high": fr["high"].astype(float),
            "year": fr["event_year"],
            "source": fr["source"],
            "note": "judgement (assumption to sweep): " + fr["reason"],
        }
    )
    out = pd.concat([defence, unga, friction], ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out
