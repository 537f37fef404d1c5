"""Build the history-matching targets (issue 19) from the shared data bundle.

Writes ``src/techbloc/data/calibration/targets.csv`` (one row per observed value, with its
uncertainty, the model output it is compared with and the transformation) and
``src/techbloc/data/calibration/PROVENANCE.md`` (the inputs' SHA-256 and every rule).

Usage::

    .venv/bin/python scripts/build_targets.py [--source DIR] [--out DIR]

``--source`` defaults to ``$TECHBLOC_SHARED_DATA`` or ``../shared/data``. The output is
deterministic: rebuilding from the same inputs gives the same bytes.

Every number below is read from a bundled file or is a named assumption (``ASSUMPTIONS``)
whose value and reason the provenance page prints.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from techbloc.calibration.targets import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "techbloc" / "data" / "calibration"

#: First year of the historical run, and the first year kept out of the matching.
START, HOLDOUT_FROM = 2010, 2020

#: Named assumptions: value and reason (printed in PROVENANCE.md and docs/calibration.md).
ASSUMPTIONS = {
    "count_rel_sd": (
        0.02,
        "relative s.d. of a yearly WDI count share (articles, resident patents): revisions, "
        "fractional counting and coverage; no published error is bundled",
    ),
    "gerd_rel_sd": (
        0.05,
        "relative s.d. of an SRD-1 GERD ratio in current PPP dollars (PPP conversion and "
        "national survey revisions); no published error is bundled",
    ),
    "gerd_disc_rel_sd": (
        0.05,
        "relative model discrepancy of China/US GERD: historical GERD paths are inputs, "
        "the model only adds China's policy response and its trend rule between data years",
    ),
    "ss_obs_sd": (
        0.02,
        "s.d. of IC Insights' self-sufficiency share: it counts production in China by "
        "foreign firms too, a definitional spread larger than its rounding",
    ),
    "ss_disc_sd": (
        0.02,
        "model discrepancy of semiconductor self-sufficiency (one share for a whole domain)",
    ),
    "pew_pct_sd": (
        2.0,
        "s.d. of one Pew favourable % in points (national samples of about 1,000 adults; "
        "the survey's own margins are not in the bundle)",
    ),
    "pew_mapping_sd": (
        0.05,
        "discrepancy between favourable views of the US and the credibility of US "
        "commitments, beyond the spread across countries",
    ),
    "exit_disc_sd": (
        1.0,
        "model discrepancy of members lost, in members: the exit rule is a stylised stand-in, "
        "so one exit in a decade is within its resolution and three are not",
    ),
}


def _a(name: str) -> float:
    return ASSUMPTIONS[name][0]


def _wdi(source: Path, code: str) -> pd.DataFrame:
    frame = pd.read_csv(source / "wdi" / f"{code}.csv")
    frame = frame.set_index("Country Code")
    years = [c for c in frame.columns if c.isdigit()]
    return frame[years].astype(float).rename(columns=int)


def _candidates(source: Path) -> list[str]:
    return pd.read_csv(source / "countries.csv")["iso3"].tolist()


def _share_series(source: Path, code: str, candidates: list[str]) -> pd.Series:
    """China's share of the candidates' total by year (countries with a value that year)."""
    table = _wdi(source, code).reindex(candidates)
    return table.loc["CHN"] / table.sum(axis=0, skipna=True)


def knowledge_rows(source: Path) -> list[dict]:
    """China's share of articles and resident patents → knowledge-production share."""
    candidates = _candidates(source)
    articles = _share_series(source, "IP.JRN.ARTC.SC", candidates)
    patents = _share_series(source, "IP.PAT.RESD", candidates)
    rows = []
    for year in range(START + 1, 2022):
        la = math.log(articles[year] / articles[START])
        lp = math.log(patents[year] / patents[START])
        z = (la + lp) / 2
        rows.append(
            dict(
                target=f"knowledge_share_{year}",
                series="China's share of knowledge production (articles and resident patents)",
                group="CHN",
                year=year,
                observed=z,
                obs_sd=_a("count_rel_sd") * math.sqrt(2),
                obs_rule="assumption count_rel_sd on each proxy's share in both years",
                disc_sd=abs(la - lp) / 2,
                disc_rule=(
                    f"half the gap between the proxies (articles {la:+.3f}, resident patents "
                    f"{lp:+.3f}), so each proxy lies one s.d. from the target"
                ),
                output="china_knowledge_production_share",
                policy="status_quo",
                domain="",
                transform="log_ratio",
                base_year=START,
                members="",
                holdout=year >= HOLDOUT_FROM,
                source=(
                    "WDI IP.JRN.ARTC.SC (NSF) and IP.PAT.RESD (WIPO): China over the bundle's "
                    "candidates with a value that year; mean of the two ln changes since 2010"
                ),
            )
        )
    return rows


def _ncses_names() -> dict[str, str]:
    """NCSES country name → ISO3, as ``scripts/build_world.py`` maps them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_world", ROOT / "scripts" / "build_world.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.NCSES_NAMES)


def _srd1(source: Path, candidates: list[str]) -> pd.DataFrame:
    """SRD-1 GERD in current PPP $bn, index ISO3 (candidates only), columns 2010 and 2021."""
    frame = pd.read_csv(source / "rd_gerd" / "ncses_sei_table_srd1_gerd_gdp_1990_2021.csv")
    frame = frame[
        (frame["_b_gerd_b_level_1"] == "GERD")
        & (frame["_b_gerd_b_level_2"] == "Current PPP dollars")
        & frame["_b_gerd_b_level_3"].isin(["2010", "2021a"])
    ]
    names = _ncses_names()
    frame = frame.assign(
        iso3=frame["time_period"]
        .str.replace(r"\s*\(.*\)$", "", regex=True)
        .str.replace(r"^.* -> ", "", regex=True)
        .map(names),
        year=frame["_b_gerd_b_level_3"].str[:4].astype(int),
        value=pd.to_numeric(frame["value"], errors="coerce"),
    )
    frame = frame[frame["iso3"].isin(candidates)]
    table = frame.pivot_table(index="iso3", columns="year", values="value", aggfunc="first")
    return table.dropna()


def _rd5_outside_share(source: Path, inside: set[str]) -> float:
    """Share of RD-5 world GERD (sum of its country rows) outside the ``inside`` countries."""
    import re

    rd5 = pd.read_csv(source / "rd_gerd" / "ncses_sei_table_rd5_gerd_2019_or_latest.csv")
    pattern = re.compile(r"^(?:(?P<region>[^>]+) -> )?(?P<name>[^(<]+?)\s*\((?P<year>\d{4})\)")
    names = _ncses_names()
    total = covered = 0.0
    for i in range(0, len(rd5), 2):  # rows come in pairs: GERD, then GERD/GDP
        match = pattern.match(rd5.iloc[i]["time_period"])
        if match is None or (match["region"] or "").strip() == "Selected country groups":
            continue
        value = float(rd5.iloc[i]["value"])
        total += value
        if names.get(match["name"].strip()) in inside:
            covered += value
    return 1.0 - covered / total


def gerd_rows(source: Path) -> list[dict]:
    """China/US GERD and China's GERD share of the modelled world, SRD-1 2010 and 2021."""
    both = _srd1(source, _candidates(source))
    china, usa = both.loc["CHN"], both.loc["USA"]
    rows = []
    for year in (2010, 2021):
        z = china[year] / usa[year]
        rows.append(
            dict(
                target=f"gerd_ratio_{year}",
                series="China's GERD / the US's (current PPP $)",
                group="CHN/USA",
                year=year,
                observed=z,
                obs_sd=_a("gerd_rel_sd") * z,
                obs_rule="assumption gerd_rel_sd × observed",
                disc_sd=_a("gerd_disc_rel_sd") * z,
                disc_rule="assumption gerd_disc_rel_sd × observed",
                output="rd_ratio_china_us",
                policy="status_quo",
                domain="",
                transform="level",
                base_year="",
                members="",
                holdout=year >= HOLDOUT_FROM,
                source="NCSES SEI table SRD-1, GERD in current PPP dollars, 2010 and 2021",
            )
        )
    # SRD-1 covers part of the model's world (candidates outside SRD-1 and ROW are not in
    # it): the share of RD-5 world GERD outside SRD-1's candidates scales the observed
    # share, and half that correction is the discrepancy.
    outside = _rd5_outside_share(source, set(both.index))
    for year in (2010, 2021):
        covered = china[year] / both[year].sum()
        z = covered * (1 - outside)
        rows.append(
            dict(
                target=f"gerd_share_{year}",
                series="China's share of world GERD (current PPP $)",
                group="CHN",
                year=year,
                observed=z,
                obs_sd=_a("gerd_rel_sd") * z,
                obs_rule="assumption gerd_rel_sd × observed",
                disc_sd=covered * outside / 2,
                disc_rule=(
                    f"half the correction for GERD outside SRD-1's {len(both)} candidates "
                    f"({outside:.3f} of RD-5 world GERD, 2019 or latest)"
                ),
                output="china_rd_share",
                policy="status_quo",
                domain="",
                transform="level",
                base_year="",
                members="",
                holdout=year >= HOLDOUT_FROM,
                source=(
                    "NCSES SEI table SRD-1 (China over the bundle's candidates with 2010 and "
                    "2021 values) × RD-5's share of world GERD in those countries"
                ),
            )
        )
    return rows


#: China's semiconductor self-sufficiency, bundled in the package by model v4's historical
#: mode (IC Insights as quoted in MODEL.md §4.0/§8.3; its provenance is in that file).
SELF_SUFFICIENCY = ROOT / "src" / "techbloc" / "data" / "china_semiconductor_self_sufficiency.csv"


def self_sufficiency_rows() -> list[dict]:
    """China's semiconductor self-sufficiency, IC Insights 2010 and 2020."""
    table = pd.read_csv(SELF_SUFFICIENCY)
    rows = []
    for year, value in zip(table["year"], table["self_sufficiency"], strict=True):
        rows.append(
            dict(
                target=f"semis_self_sufficiency_{year}",
                series="China's semiconductor self-sufficiency",
                group="CHN",
                year=int(year),
                observed=float(value),
                obs_sd=_a("ss_obs_sd"),
                obs_rule="assumption ss_obs_sd",
                disc_sd=_a("ss_disc_sd"),
                disc_rule="assumption ss_disc_sd",
                output="china_self_sufficiency_by_domain",
                policy="status_quo",
                domain="semiconductors",
                transform="level",
                base_year="",
                members="",
                holdout=int(year) >= HOLDOUT_FROM,
                source=(
                    "IC Insights (China-located IC production / China IC market), as quoted "
                    "in MODEL.md §8.3; techbloc/data/china_semiconductor_self_sufficiency.csv"
                ),
            )
        )
    return rows


#: Countries whose favourable view of the US Pew reports for 2016 (the last Obama year)
#: and that are US allies; the group the 2017 fall and later ratios are taken over.
PEW_ALLIES = ("CAN", "DEU", "GBR", "JPN")


def credibility_rows(source: Path) -> list[dict]:
    """Favourable views of the US relative to 2016 (fall) and 2021 over 2020 (recovery)."""
    pew = pd.read_csv(source / "expert" / "pew_views_of_us.csv")
    fav = pew.pivot_table(index="iso3", columns="year", values="favourable_us_pct")
    sd = _a("pew_pct_sd")
    rows = []

    def add(name, label, group, countries, year, base_year, note):
        have = [c for c in countries if np.isfinite(fav.get(year, {}).get(c, np.nan))]
        have = [c for c in have if np.isfinite(fav.get(base_year, {}).get(c, np.nan))]
        ratios = np.array([fav.loc[c, year] / fav.loc[c, base_year] for c in have])
        obs_var = np.mean(
            [
                (fav.loc[c, year] / fav.loc[c, base_year]) ** 2
                * ((sd / fav.loc[c, year]) ** 2 + (sd / fav.loc[c, base_year]) ** 2)
                for c in have
            ]
        ) / len(have)
        spread = float(np.std(ratios, ddof=1)) if len(have) > 1 else 0.0
        rows.append(
            dict(
                target=name,
                series=label,
                group=group,
                year=year,
                observed=float(np.mean(ratios)),
                obs_sd=math.sqrt(obs_var),
                obs_rule=f"assumption pew_pct_sd ({sd:g} points) per country, mean of {len(have)}",
                disc_sd=math.sqrt(spread**2 + _a("pew_mapping_sd") ** 2),
                disc_rule=(
                    "spread of the ratio across "
                    + ", ".join(f"{c} {r:.2f}" for c, r in zip(have, ratios, strict=True))
                    + " (the model has one credibility for all partners) and assumption "
                    "pew_mapping_sd" + note
                ),
                output="credibility",
                policy="",
                domain="",
                transform="ratio",
                base_year=base_year,
                members=";".join(have),
                holdout=year >= HOLDOUT_FROM,
                source="Pew Research Center Global Attitudes, favourable view of the US "
                "(expert/pew_views_of_us.csv; each row cites its report)",
            )
        )

    for year in (2017, 2018, 2020):
        add(
            f"credibility_fall_{year}",
            "Favourable view of the US relative to 2016 (US allies)",
            "US allies with a 2016 value",
            PEW_ALLIES,
            year,
            2016,
            "",
        )
    add(
        "credibility_recovery_2021",
        "Favourable view of the US, 2021 / 2020 (recovery)",
        "countries with 2020 and 2021 values",
        sorted(fav.index),
        2021,
        2020,
        "; only South Korea has both years in the bundle",
    )
    return rows


def _wassenaar_2010(source: Path) -> list[str]:
    table = pd.read_csv(source / "export_controls" / "wassenaar_participating_states.csv")
    kept = table[(table["listed_bis_2004"] == 1) & (table["participant_from_2018"] == 1)]
    return kept["iso3"].tolist()


def membership_rows(source: Path) -> list[dict]:
    """Members lost since 2010 by NATO, the EU, Five Eyes and Wassenaar (observed: none)."""
    candidates = set(_candidates(source))
    memberships = pd.read_csv(source / "groups" / "memberships.csv")
    groups: dict[str, tuple[list[str], str]] = {}
    for group in ("NATO", "EU", "FIVE_EYES"):
        rows = memberships[(memberships["group"] == group) & (memberships["joined_year"] <= START)]
        members = [c for c in rows["iso3"] if c in candidates]
        groups[group] = (members, f"groups/memberships.csv, joined by {START}")
    groups["WASSENAAR"] = (
        [c for c in _wassenaar_2010(source) if c in candidates],
        "export_controls/wassenaar_participating_states.csv: listed by BIS in 2004 and "
        "participating in 2018 (a conservative list of 2010 participants)",
    )
    out = []
    for group, (members, origin) in groups.items():
        note = ""
        if group == "EU":
            note = (
                "; the bundle lists today's EU members, so the UK's 2020 exit from the EU-28 "
                "is not in this group (the discrepancy of one member covers it)"
            )
        for year in (2015, 2019, 2023):
            out.append(
                dict(
                    target=f"exits_{group.lower()}_{year}",
                    series=f"Members lost by {group} since {START}",
                    group=group,
                    year=year,
                    observed=0.0,
                    obs_sd=0.0,
                    obs_rule="membership is a matter of record",
                    disc_sd=_a("exit_disc_sd"),
                    disc_rule="assumption exit_disc_sd" + note,
                    output="members_remaining",
                    policy=f"group:{group}",
                    domain="",
                    transform="loss",
                    base_year=START,
                    members=";".join(members),
                    holdout=year >= HOLDOUT_FROM,
                    source=origin,
                )
            )
    return out


def build(source: Path) -> pd.DataFrame:
    rows = (
        knowledge_rows(source)
        + gerd_rows(source)
        + self_sufficiency_rows()
        + credibility_rows(source)
        + membership_rows(source)
    )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("observed", "obs_sd", "disc_sd"):
        frame[col] = frame[col].astype(float).round(6)
    return frame


INPUTS = (
    "countries.csv",
    "wdi/IP.JRN.ARTC.SC.csv",
    "wdi/IP.PAT.RESD.csv",
    "rd_gerd/ncses_sei_table_srd1_gerd_gdp_1990_2021.csv",
    "rd_gerd/ncses_sei_table_rd5_gerd_2019_or_latest.csv",
    "expert/pew_views_of_us.csv",
    "groups/memberships.csv",
    "export_controls/wassenaar_participating_states.csv",
)

LEFT_OUT = (
    (
        "High-technology exports (WDI TX.VAL.TECH.CD, TX.VAL.TECH.MF.ZS)",
        "no model output: the model has no trade flows, so a share of exports would be "
        "compared with nothing it computes",
    ),
    (
        "Trade dependence on China (IMF DOTS)",
        "a fixed model input (2019), not an output the parameters move",
    ),
    (
        "China/US GERD by year from WDI (GB.XPD.RSDV.GD.ZS × GDP)",
        "current US$ at market rates, while the model is in PPP dollars; exchange-rate "
        "drift would enter the target unmodelled",
    ),
    (
        "Non-resident patents (IP.PAT.NRES), researchers per million",
        "no model output maps onto them",
    ),
)


def provenance(source: Path) -> str:
    lines = [
        "# Provenance of the history-matching targets",
        "",
        "Built by `scripts/build_targets.py` from the shared data bundle; do not edit by hand.",
        f"Years from {HOLDOUT_FROM} on are a hold-out: kept out of the matching, reported "
        "separately. See docs/calibration.md for the method.",
        "",
        "| input | SHA-256 |",
        "|---|---|",
    ]
    for name in INPUTS:
        digest = hashlib.sha256((source / name).read_bytes()).hexdigest()
        lines.append(f"| `{name}` | `{digest}` |")
    digest = hashlib.sha256(SELF_SUFFICIENCY.read_bytes()).hexdigest()
    lines.append(f"| `techbloc/data/{SELF_SUFFICIENCY.name}` (package) | `{digest}` |")
    lines += [
        "",
        "China's semiconductor self-sufficiency (IC Insights: 10.2% in 2010, 15.9% in 2020) is "
        "read from the package's `china_semiconductor_self_sufficiency.csv`, whose figures are "
        "quoted from the model specification (MODEL.md §8.3), not re-read from IC Insights.",
        "",
        "## Named assumptions",
        "",
        "| name | value | reason |",
        "|---|---|---|",
    ]
    for name, (value, reason) in ASSUMPTIONS.items():
        lines.append(f"| `{name}` | {value:g} | {reason} |")
    lines += ["", "## Series left out", "", "| series | why |", "|---|---|"]
    for series, why in LEFT_OUT:
        lines.append(f"| {series} | {why} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("TECHBLOC_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--source", type=Path, default=Path(default))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    build(args.source).to_csv(args.out / "targets.csv", index=False, lineterminator="\n")
    (args.out / "PROVENANCE.md").write_text(provenance(args.source))
    print(f"wrote {args.out / 'targets.csv'} and PROVENANCE.md")


if __name__ == "__main__":
    main()
