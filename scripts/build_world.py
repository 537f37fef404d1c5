#!/usr/bin/env python
# ruff: noqa: E501  (the PROVENANCE.md template below has long table rows)
"""Build techbloc's bundled World data from the shared raw data bundle.

Reads the raw, cited files of the shared data bundle (default ``<repo>/../shared/data``;
override with ``--source DIR`` or the environment variable ``TECHBLOC_SHARED_DATA``) and
writes the compact bundle the installed package reads (``src/techbloc/data/``):

- ``countries.csv``: the 58 candidate countries (copied columns of ``countries.csv``).
- ``indicators.csv``: long table ``iso3, indicator, value, unit, year, source, note``; one row
  per candidate country and indicator, missing values written as empty with a note saying why.
- ``memberships.csv``, ``frictions.csv``, ``hedging.csv``: copied unchanged.
- ``defence_pairs.csv``: ATOP v5.1 defence pledges in 2018 between candidates (undirected).
- ``noncommercial/eto_country_item_shares.csv``: ETO semiconductor supply-chain shares of
  countries (CC BY-NC 4.0, kept apart from everything else, with its own licence note).
- ``PROVENANCE.md``: where every file and indicator comes from, with SHA-256 of the inputs.

Rules: no source value is changed. Text is parsed into numbers only where the source stores
numbers as text (ETO ``"61%"`` -> 61.0 in a column named ``share_pct``; IMF DOTS UAE exports
``"1,820.80 e"`` -> 1820.8 with the note "IMF estimate"). Values derived from source values
(UN distances, the rest-of-world GERD remainder) are marked ``derived`` in their note.
Unit conversions (e.g. PPP $ millions -> $ billions) happen in :mod:`techbloc.derivation`, in code,
never here.

Run: ``.venv/bin/python scripts/build_world.py`` (then commit ``src/techbloc/data``).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "techbloc" / "data"
ENV_VAR = "TECHBLOC_SHARED_DATA"

DOTS_YEAR = "2019"  # pre-pandemic (2020 is in the file too)
WGI_YEAR = "2023"  # latest year of the pre-2025 WGI vintage for GE/RL/CC/RQ
ATOP_YEAR = 2018  # last year of ATOP v5.1 in the bundle

# Exact labels of the NCSES RD-5 table (region prefix stripped) -> ISO3 of candidates.
NCSES_NAMES = {
    "United States": "USA",
    "Canada": "CAN",
    "Mexico": "MEX",
    "Brazil": "BRA",
    "Colombia": "COL",
    "Chile": "CHL",
    "Germany": "DEU",
    "France": "FRA",
    "United Kingdom": "GBR",
    "Italy": "ITA",
    "Spain": "ESP",
    "Netherlands": "NLD",
    "Sweden": "SWE",
    "Belgium": "BEL",
    "Switzerland": "CHE",
    "Poland": "POL",
    "Austria": "AUT",
    "Denmark": "DNK",
    "Czechia": "CZE",
    "Finland": "FIN",
    "Norway": "NOR",
    "Ireland": "IRL",
    "Portugal": "PRT",
    "Hungary": "HUN",
    "Greece": "GRC",
    "Romania": "ROU",
    "Ukraine": "UKR",
    "Slovenia": "SVN",
    "Slovakia": "SVK",
    "Bulgaria": "BGR",
    "Croatia": "HRV",
    "Lithuania": "LTU",
    "Luxembourg": "LUX",
    "Estonia": "EST",
    "Iceland": "ISL",
    "Turkey": "TUR",
    "Israel": "ISR",
    "Saudi Arabia": "SAU",
    "United Arab Emirates": "ARE",
    "South Africa": "ZAF",
    "Russia": "RUS",
    "India": "IND",
    "China": "CHN",
    "Japan": "JPN",
    "South Korea": "KOR",
    "Taiwan": "TWN",
    "Thailand": "THA",
    "Singapore": "SGP",
    "Malaysia": "MYS",
    "Indonesia": "IDN",
    "Vietnam": "VNM",
    "Philippines": "PHL",
    "Australia": "AUS",
    "New Zealand": "NZL",
    "Latvia": "LVA",
    "Costa Rica": "CRI",
}
# ETO provider codes that are not ISO3 (explicit mapping, documented in PROVENANCE).
ETO_CODE_FIX = {"MAL": "MYS"}

GROUPS = (
    "NATO",
    "EU",
    "OECD",
    "FIVE_EYES",
    "QUAD",
    "AUKUS",
    "G7",
    "US_BILATERAL_DEFENCE_TREATY",
    "CHIP4_PROPOSED",
    "WASSENAAR",
)

SRC = {
    "rd5": "NSF NCSES, Science & Engineering Indicators table RD-5 (GERD, 2019 or latest; "
    "OECD MSTI/UIS) [rd_gerd/ncses_sei_table_rd5_gerd_2019_or_latest.csv]",
    "srd1": "NSF NCSES, Science & Engineering Indicators table SRD-1 (GERD 1990-2021, OECD MSTI "
    "Sept 2023) [rd_gerd/ncses_sei_table_srd1_gerd_gdp_1990_2021.csv]",
    "wdi": "World Bank, World Development Indicators {code} [wdi/{code}.csv]",
    "wgi": "World Bank, Worldwide Governance Indicators {code} (pre-2025 vintage) [wgi/{code}.csv]",
    "sipri": "SIPRI Military Expenditure Database 1949-2024 [sipri/{file}]",
    "unga": "Bailey, Strezhnev & Voeten UNGA ideal points (July 2025 version, final-passage "
    "votes), Harvard Dataverse doi:10.7910/DVN/LEJUQZ [unga/ideal_points_bsv_july2025.csv]",
    "atop": "ATOP v5.1 (Leeds et al.) via peacesciencer, dyad-year defence pledges "
    "[alliances/atop_alliance_dyad_year_1990_2018.csv]",
    "eci": "Harvard Growth Lab, growth_proj_eci_rankings, Harvard Dataverse "
    "doi:10.7910/DVN/XTAQMC [eci/growth_lab_eci_rankings_1995_2024.csv]",
    "gci_sspi": "ITU Global Cybersecurity Index 2020 (D-STR-GCI.01-2021), hand transcription "
    "by the SSPI project [cyber/itu_gci_2014_2024_sspi_transcription.csv]",
    "gci_bipa": "ITU Global Cybersecurity Index 2020 (D-STR-GCI.01-2021), extracted by BIPA "
    "[cyber/itu_gci2020_pillars_bipa.csv]",
    "dots": "IMF Direction of Trade Statistics (early-2022 vintage), goods, US$ millions "
    "[trade_investment/imf_dots_bilateral_goods_trade_2000_2020.csv]",
    "groups": "Group member lists [groups/memberships.csv]: {source}",
    "disputes": "Hand-entered table of PRC territorial/maritime disputes and coercion "
    "episodes since 2010, each row citing its publisher or news report "
    "[expert/china_disputes.csv; copied to china_disputes.csv]",
}

#: Threat-from-China tables copied unchanged into the bundle (hand-entered, cited per row).
EXPERT_THREAT_FILES = (
    "expert/china_disputes.csv",
    "expert/pew_views_of_china.csv",
    "expert/pew_views_of_us.csv",
    "expert/aspi_coercion_counts.csv",
)
#: First year of the dispute episodes counted (the table's own coverage: "2010 onward").
DISPUTES_FROM = 2010


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _num(x: object) -> float:
    """Parse a number stored as text; markers such as '...' or '. .' -> NaN."""
    if x is None:
        return math.nan
    if isinstance(x, int | float | np.floating | np.integer):
        return float(x)
    s = str(x).strip()
    if s in {"", "...", ". .", "xxx", "NA", "#N/A", "nan"}:
        return math.nan
    return float(s.replace(",", "").removesuffix(" e").strip())


class Builder:
    """Collects indicator rows and writes the bundle."""

    def __init__(self, source: Path, out: Path) -> None:
        self.source = source
        self.out = out
        self.rows: list[dict[str, object]] = []
        countries = pd.read_csv(source / "countries.csv", dtype={"cow_ccode": int})
        self.countries = countries
        self.codes: list[str] = countries["iso3"].tolist()
        self.used: set[str] = {"countries.csv"}

    def read(self, rel: str, **kwargs: object) -> pd.DataFrame:
        self.used.add(rel)
        return pd.read_csv(self.source / rel, **kwargs)

    # -- rows --------------------------------------------------------------------------
    def add(
        self,
        iso3: str,
        indicator: str,
        value: float,
        unit: str,
        year: float | int | None,
        source: str,
        note: str = "",
    ) -> None:
        self.rows.append(
            {
                "iso3": iso3,
                "indicator": indicator,
                "value": value,
                "unit": unit,
                "year": year,
                "source": source,
                "note": note,
            }
        )

    def add_series(
        self,
        indicator: str,
        values: dict[str, tuple[float, int | None, str]],
        unit: str,
        source: str,
        missing_note: str,
    ) -> None:
        """Add one row per candidate; absent countries get an explicit NaN row."""
        for iso3 in self.codes:
            if iso3 in values and not math.isnan(values[iso3][0]):
                value, year, note = values[iso3]
                self.add(iso3, indicator, value, unit, year, source, note)
            else:
                note = values[iso3][2] if iso3 in values and values[iso3][2] else missing_note
                self.add(iso3, indicator, math.nan, unit, None, source, "missing: " + note)

    # -- sources -----------------------------------------------------------------------
    def latest_wide(self, frame: pd.DataFrame, code_col: str, first: int = 2000) -> dict:
        years = [c for c in frame.columns if c.isdigit() and int(c) >= first]
        out: dict[str, tuple[float, int | None, str]] = {}
        for _, row in frame.iterrows():
            for y in sorted(years, reverse=True):
                v = _num(row[y])
                if not math.isnan(v):
                    out[row[code_col]] = (v, int(y), "latest year with a value")
                    break
        return out

    def wdi(self) -> None:
        wide = {
            "rd_pct_gdp": ("GB.XPD.RSDV.GD.ZS", "% of GDP"),
            "researchers_per_million": ("SP.POP.SCIE.RD.P6", "researchers per million people"),
            "patents_resident": ("IP.PAT.RESD", "patent applications"),
            "sci_articles": ("IP.JRN.ARTC.SC", "articles (fractional count)"),
            "hightech_exports_pct_manuf": ("TX.VAL.TECH.MF.ZS", "% of manufactured exports"),
        }
        for name, (code, unit) in wide.items():
            frame = self.read(f"wdi/{code}.csv")
            self.add_series(
                name,
                self.latest_wide(frame, "Country Code"),
                unit,
                SRC["wdi"].format(code=code),
                "not in the World Bank file (Taiwan is never)",
            )
        iso_only = {
            "patents_nonresident": ("IP.PAT.NRES", "patent applications"),
            "hightech_exports_usd": ("TX.VAL.TECH.CD", "current US$"),
        }
        for name, (code, unit) in iso_only.items():
            frame = self.read(f"wdi/{code}.csv")
            self.add_series(
                name,
                self.latest_wide(frame, "country_code"),
                unit,
                SRC["wdi"].format(code=code),
                "not in the World Bank file (Taiwan is never)",
            )
        for name, code, unit in (
            ("gdp_current_usd", "NY.GDP.MKTP.CD", "current US$"),
            ("population_total", "SP.POP.TOTL", "persons"),
        ):
            frame = self.read(f"wdi/{code}.csv").dropna(subset=["Value"])
            latest = frame.sort_values("Year").groupby("Country Code").tail(1)
            values = {
                r["Country Code"]: (float(r["Value"]), int(r["Year"]), "latest year with a value")
                for _, r in latest.iterrows()
            }
            self.add_series(
                name,
                values,
                unit,
                SRC["wdi"].format(code=code) + " (datahub mirror)",
                "not in the World Bank file (Taiwan is never)",
            )

    def wgi(self) -> None:
        for name, code in (
            ("wgi_government_effectiveness", "GE.EST"),
            ("wgi_rule_of_law", "RL.EST"),
            ("wgi_control_of_corruption", "CC.EST"),
            ("wgi_regulatory_quality", "RQ.EST"),
        ):
            frame = self.read(f"wgi/{code}.csv")
            values = {
                r["Country Code"]: (_num(r[WGI_YEAR]), int(WGI_YEAR), "")
                for _, r in frame.iterrows()
            }
            self.add_series(
                name,
                values,
                "estimate (about -2.5 weak to +2.5 strong)",
                SRC["wgi"].format(code=code),
                "not in WGI (Taiwan is not covered)",
            )

    def sipri(self) -> None:
        for name, file, unit in (
            (
                "milex_constant_2023_usd_m",
                "milex_constant_2023_usd_millions.csv",
                "US$ millions, constant 2023 prices",
            ),
            ("milex_current_usd_m", "milex_current_usd_millions.csv", "US$ millions, current"),
            ("milex_share_gdp", "milex_share_of_gdp.csv", "fraction of GDP (0.0337 = 3.37%)"),
        ):
            frame = self.read(f"sipri/{file}", dtype=str)
            values = self.latest_wide(frame, "iso3")
            self.add_series(
                name,
                values,
                unit,
                SRC["sipri"].format(file=file),
                "SIPRI marks it unavailable ('...' or '. .'); CRI and ISL have no armed forces",
            )

    def ncses(self) -> None:
        rd5 = self.read("rd_gerd/ncses_sei_table_rd5_gerd_2019_or_latest.csv")
        pat = re.compile(r"^(?:(?P<region>[^>]+) -> )?(?P<name>[^(<]+?)\s*\((?P<year>\d{4})\)")
        gerd: dict[str, tuple[float, int, str]] = {}
        ratio: dict[str, tuple[float, int, str]] = {}
        world_gerd = 0.0
        world_gdp = 0.0
        years: list[int] = []
        n_world = 0
        for i in range(0, len(rd5), 2):
            label = rd5.iloc[i]["time_period"]
            assert rd5.iloc[i + 1]["time_period"] == label, label
            m = pat.match(label)
            if m is None:
                raise SystemExit(f"cannot parse RD-5 label {label!r}")
            value, pct = float(rd5.iloc[i]["value"]), float(rd5.iloc[i + 1]["value"])
            if (m["region"] or "").strip() == "Selected country groups":
                continue
            world_gerd += value
            world_gdp += value / (pct / 100.0)
            years.append(int(m["year"]))
            n_world += 1
            iso3 = NCSES_NAMES.get(m["name"].strip())
            if iso3 is not None and iso3 in self.codes:
                note = "RD-5 reference year (2019 or latest)"
                if "<sup>" in label:
                    note += "; table footnote a"
                gerd[iso3] = (value, int(m["year"]), note)
                ratio[iso3] = (pct, int(m["year"]), note)
        self.add_series(
            "gerd_ppp_usd_m",
            gerd,
            "PPP US$ millions (current)",
            SRC["rd5"],
            "not in NCSES RD-5",
        )
        self.add_series("gerd_gdp_pct", ratio, "% of GDP", SRC["rd5"], "not in NCSES RD-5")
        cand_gerd = sum(v[0] for v in gerd.values())
        cand_gdp = sum(v[0] / (ratio[k][0] / 100.0) for k, v in gerd.items())
        row_gerd = world_gerd - cand_gerd
        row_gdp = world_gdp - cand_gdp
        span = f"{min(years)}-{max(years)}"
        self.add(
            "ROW",
            "gerd_ppp_usd_m",
            row_gerd,
            "PPP US$ millions (current)",
            2019,
            SRC["rd5"],
            f"derived: sum of all {n_world} country rows of RD-5 (world = {world_gerd:.1f}; "
            f"reference years {span}) minus the candidates listed in RD-5",
        )
        self.add(
            "ROW",
            "gerd_gdp_pct",
            100.0 * row_gerd / row_gdp,
            "% of GDP",
            2019,
            SRC["rd5"],
            "derived: ROW GERD / ROW implied GDP, where each RD-5 country's GDP = GERD / "
            "(GERD/GDP ratio) and ROW GDP = world implied GDP minus candidates' "
            f"(world = {world_gdp:.1f} PPP US$ millions)",
        )
        for key, val in (("world_gerd_ppp_usd_m", world_gerd), ("world_gdp_ppp_usd_m", world_gdp)):
            self.add(
                "ROW",
                key,
                val,
                "PPP US$ millions (current)",
                2019,
                SRC["rd5"],
                f"derived: sum over the {n_world} country rows of RD-5 (reference years {span})",
            )

        srd1 = self.read("rd_gerd/ncses_sei_table_srd1_gerd_gdp_1990_2021.csv")
        sel = srd1[
            srd1["_b_gerd_b_level_2"].eq("GERD compound annual growth rate")
            & srd1["_b_gerd_b_level_3"].eq("Constant (2015) PPP dollars")
            & srd1["_b_gerd_b_level_4"].eq("2010–21a")
        ]
        cagr: dict[str, tuple[float, int, str]] = {}
        for _, r in sel.iterrows():
            label = str(r["time_period"]).split("->")[-1].strip()
            m = re.match(r"^(?P<name>[^(]+?)\s*(?:\((?P<year>\d{4})\))?$", label)
            assert m is not None, label
            iso3 = NCSES_NAMES.get(m["name"].strip())
            if iso3 is None or iso3 not in self.codes:
                continue
            end = int(m["year"]) if m["year"] else 2021
            note = f"CAGR 2010-{end}" + ("" if end == 2021 else " (latest year in SRD-1)")
            cagr[iso3] = (_num(r["value"]), end, note)
        self.add_series(
            "gerd_cagr_2010_2021_const_pct",
            cagr,
            "% per year (constant 2015 PPP $)",
            SRC["srd1"],
            "not in NCSES SRD-1 (OECD members + 7 others only) or NA there",
        )
        self.srd1_levels(srd1)
        self.gerd_history(srd1)

    def srd1_levels(self, srd1: pd.DataFrame) -> None:
        """SRD-1 column ``2021a``: GERD and GDP in current PPP $ bn, with the real year.

        The country label carries the latest year when it is not 2021 (``Australia (2019)``);
        that year is the year of every ``2021a`` value of the row (GERD, GDP and their ratio),
        which the table's own GERD-to-GDP ratio confirms (checked here to its 2 decimals).
        """
        spec = {
            "srd1_gerd_ppp_usd_bn": ("GERD", "Current PPP dollars", "2021a"),
            "srd1_gdp_ppp_usd_bn": ("GDP", "Current PPP dollars", "2021a"),
        }
        level = {}
        for name, (l1, l2, l3) in spec.items():
            level[name] = srd1[
                srd1["_b_gerd_b_level_1"].eq(l1)
                & srd1["_b_gerd_b_level_2"].eq(l2)
                & srd1["_b_gerd_b_level_3"].eq(l3)
            ]
        ratio = srd1[
            srd1["_b_gerd_b_level_1"].eq("GERD-to-GDP ratio (%)")
            & srd1["_b_gerd_b_level_2"].eq("2021a")
        ]
        ratio_by_label = dict(zip(ratio["time_period"], ratio["value"].map(_num), strict=True))
        values: dict[str, dict[str, tuple[float, int, str]]] = {k: {} for k in spec}
        gerd_by_label: dict[str, float] = {}
        for name, sel in level.items():
            for _, r in sel.iterrows():
                label = str(r["time_period"])
                m = re.match(
                    r"^(?P<name>[^(]+?)\s*(?:\((?P<year>\d{4})\))?$", label.split("->")[-1].strip()
                )
                assert m is not None, label
                iso3 = NCSES_NAMES.get(m["name"].strip())
                if iso3 is None or iso3 not in self.codes:
                    continue
                year = int(m["year"]) if m["year"] else 2021
                note = "SRD-1 column '2021a'" + (
                    ""
                    if year == 2021
                    else f"; the table's label '{label}' gives {year} as the latest year"
                )
                v = _num(r["value"])
                values[name][iso3] = (v, year, note)
                if name == "srd1_gerd_ppp_usd_bn":
                    gerd_by_label[label] = v
                else:
                    g = gerd_by_label.get(label, math.nan)
                    pct = ratio_by_label.get(label, math.nan)
                    if not math.isnan(g) and not math.isnan(pct):
                        assert abs(100.0 * g / v - pct) < 0.01, (label, g, v, pct)
        self.add_series(
            "srd1_gerd_ppp_usd_bn",
            values["srd1_gerd_ppp_usd_bn"],
            "PPP US$ billions (current)",
            SRC["srd1"],
            "not in NCSES SRD-1 (OECD members, EU-27 aggregate and 7 others only) or NA there",
        )
        self.add_series(
            "srd1_gdp_ppp_usd_bn",
            values["srd1_gdp_ppp_usd_bn"],
            "PPP US$ billions (current)",
            SRC["srd1"],
            "not in NCSES SRD-1 (OECD members, EU-27 aggregate and 7 others only) or NA there",
        )

    def gerd_history(self, srd1: pd.DataFrame) -> None:
        """``gerd_history.csv``: SRD-1 GERD and GDP (current PPP $ bn) by year, 2000-2021.

        One row per candidate in SRD-1 and year column (``2000``, ``2010``, ``2021a``; the
        ``2021a`` year is the one in the country label when not 2021). The historical mode
        of the model (start years from 2010) reads these observed points.
        """
        rows = []
        for column in ("2000", "2010", "2021a"):
            pick = {}
            for level in ("GERD", "GDP"):
                sel = srd1[
                    srd1["_b_gerd_b_level_1"].eq(level)
                    & srd1["_b_gerd_b_level_2"].eq("Current PPP dollars")
                    & srd1["_b_gerd_b_level_3"].eq(column)
                ]
                pick[level] = dict(zip(sel["time_period"], sel["value"].map(_num), strict=True))
            for label, gerd in pick["GERD"].items():
                m = re.match(
                    r"^(?P<name>[^(]+?)\s*(?:\((?P<year>\d{4})\))?$", label.split("->")[-1].strip()
                )
                assert m is not None, label
                iso3 = NCSES_NAMES.get(m["name"].strip())
                gdp = pick["GDP"].get(label, math.nan)
                if iso3 is None or iso3 not in self.codes or math.isnan(gerd) or math.isnan(gdp):
                    continue
                year = int(m["year"]) if column == "2021a" and m["year"] else int(column[:4])
                note = f"SRD-1 column '{column}'" + (
                    f"; label '{label}' gives {year}" if column == "2021a" and year != 2021 else ""
                )
                rows.append((iso3, year, gerd, gdp, SRC["srd1"], note))
        table = pd.DataFrame(
            rows,
            columns=["iso3", "year", "gerd_ppp_usd_bn", "gdp_ppp_usd_bn", "source", "note"],
        )
        order = {code: i for i, code in enumerate(self.codes)}
        table = table.sort_values(
            ["iso3", "year"], key=lambda c: c.map(order) if c.name == "iso3" else c
        )
        table.to_csv(self.out / "gerd_history.csv", index=False, float_format="%.10g")

    def unga(self) -> None:
        ip = self.read("unga/ideal_points_bsv_july2025.csv").dropna(subset=["idealpointfp"])
        year = int(ip["year"].max())
        cur = ip[ip["year"] == year].set_index("iso3c")["idealpointfp"]
        usa, chn = float(cur["USA"]), float(cur["CHN"])
        missing = "not in the UN ideal points (Taiwan has not voted in the UNGA since 1971)"
        point = {k: (float(v), year, "final-passage votes") for k, v in cur.items()}
        self.add_series(
            "unga_ideal_point",
            point,
            "ideal point (higher = closer to the US-led order)",
            SRC["unga"],
            missing,
        )
        for name, ref in (("unga_distance_usa", usa), ("unga_distance_chn", chn)):
            dist = {
                k: (abs(float(v) - ref), year, "derived: |ideal point - reference| same year")
                for k, v in cur.items()
            }
            self.add_series(name, dist, "ideal-point distance", SRC["unga"], missing)

    def atop(self) -> None:
        atop = self.read("alliances/atop_alliance_dyad_year_1990_2018.csv")
        cow = dict(zip(self.countries["cow_ccode"], self.countries["iso3"], strict=True))
        y = atop[(atop["year"] == ATOP_YEAR) & (atop["ccode1"] < atop["ccode2"])]
        y = y[y["ccode1"].isin(cow) & y["ccode2"].isin(cow)]
        ties = y[y["atop_defense"] == 1]
        pairs = pd.DataFrame(
            {
                "iso3_a": [cow[c] for c in ties["ccode1"]],
                "iso3_b": [cow[c] for c in ties["ccode2"]],
                "atop_defense": 1,
                "year": ATOP_YEAR,
            }
        )
        pairs.to_csv(self.out / "defence_pairs.csv", index=False)
        usa_ties = set(ties.loc[ties["ccode1"] == 2, "ccode2"].map(cow))
        values: dict[str, tuple[float, int | None, str]] = {}
        for iso3 in self.codes:
            if iso3 == "USA":
                values[iso3] = (math.nan, None, "not applicable (the USA itself)")
            elif iso3 in usa_ties:
                values[iso3] = (1.0, ATOP_YEAR, "")
            else:
                values[iso3] = (
                    0.0,
                    ATOP_YEAR,
                    "no ATOP defence pledge with the USA in 2018 (the dyad file lists only "
                    "dyads with an alliance)",
                )
        self.add_series(
            "atop_defence_pact_usa",
            values,
            "0/1",
            SRC["atop"],
            "not in ATOP 2018",
        )

    def eci(self) -> None:
        eci = self.read("eci/growth_lab_eci_rankings_1995_2024.csv")
        for name, col, unit in (
            ("eci_hs92", "eci_hs92", "ECI (HS92), standardised index"),
            ("growth_proj_pct", "growth_proj", "% per year (10-year projection)"),
        ):
            sub = eci.dropna(subset=[col]).sort_values("year").groupby("country_iso3_code").tail(1)
            values = {
                r["country_iso3_code"]: (float(r[col]), int(r["year"]), "latest year")
                for _, r in sub.iterrows()
            }
            self.add_series(
                name, values, unit, SRC["eci"], "not in the Growth Lab rankings (ISL, LUX, MLT)"
            )

    def gci(self) -> None:
        sspi = self.read("cyber/itu_gci_2014_2024_sspi_transcription.csv", dtype=str)
        bipa = self.read("cyber/itu_gci2020_pillars_bipa.csv")
        bipa = bipa[bipa["variable"] == "gci_overall"].set_index("cc_iso3c")["value"]
        values: dict[str, tuple[float, int | None, str]] = {}
        for _, r in sspi.iterrows():
            values[r["iso3"]] = (_num(r["2020"]), 2020, "SSPI transcription")
        for iso3, v in bipa.items():
            if iso3 not in values or math.isnan(values[iso3][0]):
                values[iso3] = (
                    float(v),
                    2020,
                    "from the BIPA extraction (not in the SSPI transcription); source "
                    + SRC["gci_bipa"],
                )
        self.add_series(
            "itu_gci_2020",
            values,
            "score 0-100",
            SRC["gci_sspi"],
            "not in the GCI (Taiwan is not an ITU member state)",
        )

    def dots(self) -> None:
        dots = self.read("trade_investment/imf_dots_bilateral_goods_trade_2000_2020.csv", dtype=str)
        key = dots.set_index(["reporter_iso3", "flow", "partner_iso3"])[DOTS_YEAR]

        def get(rep: str, flow: str, par: str) -> tuple[float, str]:
            try:
                raw = key.loc[(rep, flow, par)]
            except KeyError:
                return math.nan, "no such reporter/partner row in DOTS"
            if isinstance(raw, pd.Series):
                raw = raw.iloc[0]
            if pd.isna(raw):
                return math.nan, "empty in DOTS"
            note = "IMF estimate (text ' e' in source)" if str(raw).endswith(" e") else ""
            return _num(raw), note

        spec = {
            "dots_exports_to_chn_usd_m": ("exports_fob", "CHN"),
            "dots_imports_from_chn_usd_m": ("imports_cif", "CHN"),
            "dots_exports_to_usa_usd_m": ("exports_fob", "USA"),
            "dots_imports_from_usa_usd_m": ("imports_cif", "USA"),
            "dots_exports_to_wld_usd_m": ("exports_fob", "WLD"),
            "dots_imports_from_wld_usd_m": ("imports_cif", "WLD"),
        }
        mirror_flow = {"exports_fob": "imports_cif", "imports_cif": "exports_fob"}
        for name, (flow, partner) in spec.items():
            values: dict[str, tuple[float, int | None, str]] = {}
            for iso3 in self.codes:
                if iso3 == partner:
                    values[iso3] = (math.nan, None, "not applicable (own country)")
                    continue
                if iso3 == "TWN":
                    v, n = get(partner, mirror_flow[flow], "TWN")
                    note = (
                        f"mirror flow: reporter {partner} {mirror_flow[flow]} with partner TWN "
                        "(Taiwan is not a DOTS reporter)" + (f"; {n}" if n else "")
                    )
                else:
                    v, note = get(iso3, flow, partner)
                values[iso3] = (v, int(DOTS_YEAR), note)
            unit = "US$ millions, current (" + ("FOB" if flow == "exports_fob" else "CIF") + ")"
            self.add_series(name, values, unit, SRC["dots"], "not in DOTS")

    def threat(self) -> None:
        """Threat-from-China indicators from the hand-entered expert tables.

        ``pew_china_unfavourable_pct``: Pew's % unfavourable view of China in the latest
        year with an unfavourable figure (rows with only a favourable % are not used: 100 -
        favourable is not the unfavourable share, because of "don't know" answers).
        ``china_dispute_episodes``: number of rows of ``china_disputes.csv`` with
        ``start_year`` >= 2010; year = latest start year counted. Countries without a row are
        left missing here (the table lists the episodes found, which is not proof of none);
        :mod:`techbloc.derivation` fills them and flags it.
        """
        pew = self.read("expert/pew_views_of_china.csv", dtype={"year": int})
        values: dict[str, tuple[float, int | None, str]] = {}
        sources: dict[str, str] = {}
        for iso3, sub in pew.groupby("iso3"):
            have = sub[sub["unfavourable_pct"].notna()].sort_values("year")
            if have.empty:
                years = ", ".join(str(y) for y in sub["year"])
                values[str(iso3)] = (
                    math.nan,
                    None,
                    f"only a favourable % in expert/pew_views_of_china.csv ({years}); "
                    "no unfavourable % reported",
                )
                continue
            last = have.iloc[-1]
            series = ", ".join(
                f"{int(y)}: {_num(v):g}"
                for y, v in zip(have["year"], have["unfavourable_pct"], strict=True)
            )
            note = f"latest year with an unfavourable % (all years: {series})"
            if isinstance(last["note"], str) and last["note"]:
                note += f"; row note: {last['note']}"
            values[str(iso3)] = (_num(last["unfavourable_pct"]), int(last["year"]), note)
            sources[str(iso3)] = str(last["source"])
        for iso3 in self.codes:
            src = (
                f"{sources[iso3]} [expert/pew_views_of_china.csv]"
                if iso3 in sources
                else "Pew Research Center Global Attitudes, hand-entered "
                "[expert/pew_views_of_china.csv]"
            )
            if iso3 in values and not math.isnan(values[iso3][0]):
                v, y, n = values[iso3]
                self.add(
                    iso3,
                    "pew_china_unfavourable_pct",
                    v,
                    "% of adults with an unfavourable view of China",
                    y,
                    src,
                    n,
                )
            else:
                why = (
                    values[iso3][2]
                    if iso3 in values
                    else (
                        "no row in expert/pew_views_of_china.csv (no figure found in the Pew "
                        "reports and news pages consulted)"
                    )
                )
                self.add(
                    iso3,
                    "pew_china_unfavourable_pct",
                    math.nan,
                    "% of adults with an unfavourable view of China",
                    None,
                    src,
                    "missing: " + why,
                )

        disputes = self.read("expert/china_disputes.csv", dtype={"start_year": int})
        counted = disputes[disputes["start_year"] >= DISPUTES_FROM]
        episodes: dict[str, tuple[float, int | None, str]] = {}
        for iso3, sub in counted.groupby("iso3"):
            listing = "; ".join(
                f"{k} {y}" for k, y in zip(sub["kind"], sub["start_year"], strict=True)
            )
            note = f"derived: count of episodes starting {DISPUTES_FROM} or later ({listing})"
            if iso3 == "USA":
                note += (
                    "; the table's note: mutual escalation rather than one-sided PRC "
                    "coercion (left out of the threat input)"
                )
            episodes[str(iso3)] = (float(len(sub)), int(sub["start_year"].max()), note)
        self.add_series(
            "china_dispute_episodes",
            episodes,
            "episodes since 2010 (count)",
            SRC["disputes"],
            "no episode listed in expert/china_disputes.csv (the table lists the episodes "
            "found; absence is not proof of none)",
        )

    def memberships(self) -> None:
        mem = self.read("groups/memberships.csv")
        shutil.copyfile(self.source / "groups/memberships.csv", self.out / "memberships.csv")
        for group in GROUPS:
            sub = mem[mem["group"] == group].set_index("iso3")
            source = SRC["groups"].format(source=sub["source"].iloc[0])
            for iso3 in self.codes:
                if iso3 in sub.index:
                    jy = sub.loc[iso3, "joined_year"]
                    year = None if pd.isna(jy) else int(jy)
                    self.add(
                        iso3,
                        f"member_{group.lower()}",
                        1.0,
                        "0/1",
                        year,
                        source,
                        "year = year joined" if year else "no joining year in the list",
                    )
                else:
                    self.add(
                        iso3,
                        f"member_{group.lower()}",
                        0.0,
                        "0/1",
                        None,
                        source,
                        "not on the member list",
                    )

    def eto(self) -> None:
        nc = self.out / "noncommercial"
        nc.mkdir(parents=True, exist_ok=True)
        prov = self.read("semiconductors/eto_provision.csv", encoding="utf-8-sig")
        providers = self.read("semiconductors/eto_providers.csv", encoding="utf-8-sig")
        inputs = self.read("semiconductors/eto_inputs.csv", encoding="utf-8-sig")
        stages = self.read("semiconductors/eto_stages.csv", encoding="utf-8-sig")
        self.used.add("semiconductors/eto_stages.csv")
        countries = set(providers.loc[providers["provider_type"] == "country", "provider_name"])
        sub = prov[prov["provider_name"].isin(countries) & prov["share_provided"].notna()]
        sub = sub[sub["provider_name"] != "Various"]
        info = inputs.set_index("input_id")
        st = stages.set_index("stage_id")
        rows = []
        for _, r in sub.iterrows():
            item = r["provided_id"]
            if item in st.index:
                kind, stage = "stage", item
                size_text = st.loc[item, "market_share_chart_global_market_size_info"]
            else:
                kind = str(info.loc[item, "type"])
                stage = info.loc[item, "stage_id"]
                size_text = info.loc[item, "market_share_chart_global_market_size_info"]
            size_bn = math.nan
            if isinstance(size_text, str):
                m = re.search(r"\$(\d+(?:\.\d+)?)\s*(billion|million)", size_text)
                if m:
                    size_bn = float(m[1]) * (1.0 if m[2] == "billion" else 1e-3)
            code = ETO_CODE_FIX.get(r["provider_name"], r["provider_name"])
            rows.append(
                {
                    "iso3": code,
                    "eto_provider_name": r["provider_name"],
                    "item_id": item,
                    "item_name": r["provided_name"],
                    "item_kind": kind,
                    "stage_id": stage if isinstance(stage, str) else "",
                    "share_pct": float(str(r["share_provided"]).rstrip("%")),
                    "market_size_text": size_text if isinstance(size_text, str) else "",
                    "market_size_usd_bn": size_bn,
                }
            )
        pd.DataFrame(rows).to_csv(nc / "eto_country_item_shares.csv", index=False)
        (nc / "LICENCE.md").write_text(ETO_LICENCE)

    def write(self) -> None:
        ind = pd.DataFrame(self.rows)
        ind["year"] = ind["year"].astype("Int64")
        ind.to_csv(self.out / "indicators.csv", index=False, float_format="%.10g")
        self.countries[["iso3", "iso2", "cow_ccode", "name"]].to_csv(
            self.out / "countries.csv", index=False
        )
        for rel in ("expert/frictions.csv", "expert/hedging.csv", *EXPERT_THREAT_FILES):
            shutil.copyfile(self.source / rel, self.out / Path(rel).name)
            self.used.add(rel)
        self.used.add("groups/memberships.csv")
        hashes = "\n".join(
            f"| `{rel}` | `{_sha256(self.source / rel)[:16]}` |" for rel in sorted(self.used)
        )
        srd1 = ind[ind["indicator"].isin(["srd1_gerd_ppp_usd_bn", "srd1_gdp_ppp_usd_bn"])]
        wide = srd1.pivot(index="iso3", columns="indicator", values="value")
        yrs = srd1.pivot(index="iso3", columns="indicator", values="year")
        srd1_rows = "\n".join(
            f"| {iso3} | {wide.at[iso3, 'srd1_gerd_ppp_usd_bn']:.2f} | "
            f"{wide.at[iso3, 'srd1_gdp_ppp_usd_bn']:.2f} | "
            f"{int(yrs.at[iso3, 'srd1_gerd_ppp_usd_bn'])} |"
            for iso3 in self.codes
            if not math.isnan(wide.at[iso3, "srd1_gerd_ppp_usd_bn"])
        )
        absent = ", ".join(c for c in self.codes if math.isnan(wide.at[c, "srd1_gerd_ppp_usd_bn"]))
        text = (
            PROVENANCE.replace("{HASHES}", hashes)
            .replace("{SRD1}", srd1_rows)
            .replace("{SRD1_ABSENT}", absent)
        )
        (self.out / "PROVENANCE.md").write_text(text)


def build(source: Path, out: Path) -> Path:
    """Build the bundle from ``source`` into ``out``; return ``out``."""
    if not (source / "countries.csv").is_file():
        raise SystemExit(f"shared data not found at {source} (pass --source DIR or set {ENV_VAR})")
    out.mkdir(parents=True, exist_ok=True)
    b = Builder(source, out)
    b.ncses()
    b.wdi()
    b.wgi()
    b.sipri()
    b.unga()
    b.atop()
    b.eci()
    b.gci()
    b.dots()
    b.threat()
    b.memberships()
    b.eto()
    b.write()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help=f"shared data directory (default: ${ENV_VAR} or {DEFAULT_SOURCE})",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    source = args.source or Path(os.environ.get(ENV_VAR, DEFAULT_SOURCE))
    out = build(source.resolve(), args.out.resolve())
    print(f"wrote bundle to {out}")
    return 0


ETO_LICENCE = """\
# Licence of the files in this directory: CC BY-NC 4.0 (non-commercial)

`eto_country_item_shares.csv` is derived from the **ETO Advanced Semiconductor Supply Chain
Dataset** (Georgetown University, Center for Security and Emerging Technology, Emerging
Technology Observatory), mirror georgetown-cset/eto-supply-chain
@4ad9219e626bd53e70175feb44b25b03e03e0025, `data/eto_provision.csv`, `eto_providers.csv`,
`eto_inputs.csv`, `eto_stages.csv`. Licence: Creative Commons Attribution-NonCommercial 4.0
International (https://creativecommons.org/licenses/by-nc/4.0/).

Changes: only rows whose provider is a country (not a firm, not "Various") and that carry a
market share are kept; the share text "61%" is stored as the number 61 (`share_pct`); the
market-size text of the item (e.g. "$1.3 billion (2019)") is kept and parsed into
`market_size_usd_bn` (US$ billions; "million" divided by 1000); ETO's provider code `MAL` is
mapped to ISO3 `MYS` (Malaysia), column `eto_provider_name` keeps the original.

You may use these data for non-commercial purposes only, with attribution to CSET/ETO. The
rest of techbloc (code MIT; other data under their own licences) does not depend on this
directory to run: without it, `semis_share` is 0 for every country and flagged.
"""

PROVENANCE = """\
# Provenance of techbloc's bundled data

Built by `scripts/build_world.py` from the shared raw data bundle (`../shared/data`, whose own
`PROVENANCE.md` names each mirror repository and commit). The installed package reads only
the files in this directory. No source value is changed: numbers stored as text are parsed
(IMF DOTS UAE exports "1,820.80 e" -> 1820.8, noted "IMF estimate"; ETO "61%" -> 61), and
values derived from source values carry the word `derived` in their note. Unit conversions
for model inputs are done in code (`techbloc.derivation`) and listed in `docs/data.md`.

## Files

| file | content | source | licence |
|---|---|---|---|
| `countries.csv` | 58 candidates: iso3, iso2, COW code, name | shared `countries.csv` (hand-entered list) | facts |
| `indicators.csv` | long table `iso3, indicator, value, unit, year, source, note`; every candidate x indicator, missing values empty with `missing: <reason>` in the note; a few `ROW` (rest of world) and world totals derived from NCSES RD-5 | see below | per source |
| `memberships.csv` | group memberships (NATO, EU, OECD, Five Eyes, Quad, AUKUS, G7, US bilateral defence treaties, proposed Chip 4, Wassenaar) | copied unchanged from `groups/memberships.csv` (organisations' own member pages) | facts |
| `frictions.csv`, `hedging.csv` | judgement values with ranges, each with a cited event | copied unchanged from `expert/` | values are assumptions |
| `china_disputes.csv`, `pew_views_of_china.csv`, `pew_views_of_us.csv`, `aspi_coercion_counts.csv` | threat from China and views of the US: dispute and coercion episodes since 2010, Pew % unfavourable / favourable of China, Pew confidence in the US president, ASPI coercion counts; every row names the original publisher and the page read | copied unchanged from `expert/` (hand-entered from public reports and news pages) | facts and survey figures quoted from the publishers (Pew Research Center; ASPI; news reports); no licence stated, cite the publisher named in each row |
| `defence_pairs.csv` | undirected ATOP v5.1 defence pledges in 2018 between candidates | `alliances/atop_alliance_dyad_year_1990_2018.csv` (peacesciencer, GPL-2 package; ATOP data) | ATOP terms |
| `presets.yaml` | coalition presets with source and certainty note | MODEL.md section 3 and `memberships.csv` | - |
| `noncommercial/` | ETO semiconductor supply-chain shares by country | ETO (CSET) | **CC BY-NC 4.0**, see `noncommercial/LICENCE.md` |

## Indicators (`indicators.csv`)

| indicator | unit | year | source |
|---|---|---|---|
| `gerd_ppp_usd_m`, `gerd_gdp_pct` | PPP US$ millions; % of GDP | 2019 or latest (per country) | NCSES SEI table RD-5 (public domain) |
| `gerd_cagr_2010_2021_const_pct` | %/yr, constant 2015 PPP $ | 2010-2021 (or 2010-latest) | NCSES SEI table SRD-1 |
| `srd1_gerd_ppp_usd_bn`, `srd1_gdp_ppp_usd_bn` | PPP US$ billions, current | 2021, or the latest year the table's label gives (e.g. `Australia (2019)`) | NCSES SEI table SRD-1, column `2021a` (public domain; OECD MSTI Sept 2023) |
| `pew_china_unfavourable_pct` | % unfavourable view of China | latest year with an unfavourable % (2019-2024) | Pew Research Center Global Attitudes, as quoted in the page named per row of `expert/pew_views_of_china.csv` |
| `china_dispute_episodes` | count of episodes starting 2010 or later; year = latest start year | 2010-2023 | `expert/china_disputes.csv` (derived count; the note lists kind and start year of each episode) |
| `rd_pct_gdp` | % of GDP | latest | WDI GB.XPD.RSDV.GD.ZS (CC BY 4.0) |
| `gdp_current_usd` | current US$ | latest (2023) | WDI NY.GDP.MKTP.CD (datahub mirror, PDDL) |
| `population_total` | persons | latest (2024) | WDI SP.POP.TOTL (datahub mirror, PDDL) |
| `researchers_per_million` | per million people | latest | WDI SP.POP.SCIE.RD.P6 |
| `patents_resident`, `patents_nonresident` | applications | latest (to 2021) | WDI IP.PAT.RESD / IP.PAT.NRES (WIPO) |
| `sci_articles` | articles (fractional) | latest (to 2022) | WDI IP.JRN.ARTC.SC (NSF) |
| `hightech_exports_usd`, `hightech_exports_pct_manuf` | current US$; % of manufactured exports | latest | WDI TX.VAL.TECH.CD / TX.VAL.TECH.MF.ZS |
| `milex_constant_2023_usd_m`, `milex_current_usd_m`, `milex_share_gdp` | US$ m (constant 2023 / current); fraction | latest (2024) | SIPRI Milex 1949-2024 (cite SIPRI) |
| `wgi_government_effectiveness`, `wgi_rule_of_law`, `wgi_control_of_corruption`, `wgi_regulatory_quality` | estimate -2.5..2.5 | 2023 | WGI, pre-2025 vintage only (the 2025 revision is not mixed in) |
| `unga_ideal_point`, `unga_distance_usa`, `unga_distance_chn` | ideal point; absolute distance | 2024 | Bailey-Strezhnev-Voeten July 2025, final-passage votes |
| `atop_defence_pact_usa` | 0/1 | 2018 | ATOP v5.1 defence pledge with the USA |
| `eci_hs92`, `growth_proj_pct` | index; %/yr | latest (2024) | Harvard Growth Lab |
| `itu_gci_2020` | 0-100 | 2020 | ITU GCI 2020 (SSPI transcription; Canada from the BIPA extraction). ITU terms: educational and non-commercial re-use |
| `dots_{exports_to,imports_from}_{chn,usa,wld}_usd_m` | US$ m current (exports FOB, imports CIF) | 2019 | IMF DOTS; Taiwan from mirror flows (partner-side reporters CHN, USA, WLD) |
| `member_<group>` | 0/1, year = year joined | - | `memberships.csv` |

Semiconductor shares (`semis_*`) are not in `indicators.csv`: they are added at load time from
`noncommercial/` so the CC BY-NC data stay in one clearly separated place. They are used
only to compute the model input `semis_share` (domain mix), see `docs/data.md`.

## NCSES SRD-1 2021 GERD and GDP (current PPP $ bn) of the candidates

Read from SRD-1 rows `GERD, Current PPP dollars, 2021a` and `GDP, Current PPP dollars, 2021a`
as published (2 decimals). The year is the one in the country label when it is not 2021; it
applies to GERD and GDP alike (the build checks the table's own GERD-to-GDP ratio against
GERD / GDP). The model input `rd` uses these values, rolled forward by the model from their
year at `rd_growth`; candidates not in SRD-1 ({SRD1_ABSENT}) fall back to RD-5 (2019 or
latest) or WDI, flagged in `World.fill_notes`. ROW stays the RD-5 remainder (2019).

| iso3 | GERD | GDP | year |
|---|---|---|---|
{SRD1}

## Threat from China (`threat` model input; derivation in `techbloc.derivation`, `docs/data.md`)

- `pew_china_unfavourable_pct`: Pew's % unfavourable in the latest year with an unfavourable
  figure. A favourable % is never turned into an unfavourable one (100 - favourable includes
  "don't know"), so countries with only favourable figures (MYS, MEX, THA, VNM) count as
  missing and are filled by the fit below.
- `china_dispute_episodes`: rows of `china_disputes.csv` with `start_year` >= 2010, counted per
  country. Countries without a row are left missing in `indicators.csv`;
  `techbloc.derivation` fills them with 0 episodes and flags it. The USA row (2018 trade war) is bundled but left out
  of the threat input (the table's own note: mutual escalation).
- `unga_distance_chn`: as above (UNGA ideal points, 2024).
- `threat` = 0.5 x Pew/100 + 0.3 x log1p(episodes)/log1p(max) + 0.2 x distance/max
  (weights: assumptions from the design prototype, MODEL.md 9.10.5). Missing Pew: linear fit on
  the UN distance over the candidates with both (flagged, with n and r).
- `aspi_coercion_counts.csv` and `pew_views_of_us.csv` are bundled for reference and for the
  calibration of US credibility; ASPI gives per-country counts for AUS, LTU and TWN only, so
  it is not part of the threat input (a count for 3 of 58 countries would rank by coverage).

## Input files and SHA-256 (first 16 hex digits) at build time

| shared file | sha256 |
|---|---|
{HASHES}
"""


if __name__ == "__main__":
    sys.exit(main())
