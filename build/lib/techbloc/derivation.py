"""How model inputs are derived from the cited indicators (rules in ``INPUT_RULES``).

:func:`derive_inputs` turns the bundled tables into one row of model inputs per country
(:data:`techbloc.schema.INPUT_COLUMNS`) and a list of every value a rule filled or flagged
rather than read from data (``World.fill_notes``). The rules, in words, are
:data:`techbloc.schema.INPUT_RULES` and ``docs/data.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from techbloc.errors import DataError
from techbloc.schema import (
    ATOP_YEAR,
    GCI_WEIGHT,
    INPUT_COLUMNS,
    ROW,
    SEMIS_SEGMENTS,
    THREAT_COMPONENTS,
    THREAT_DISPUTES_EXCLUDED,
)

__all__ = ["derive_inputs", "wide_table"]

#: ``flag(iso3, input, method)`` records a fill note.
Flag = Callable[[str, str, str], None]


def wide_table(indicators: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Wide indicator table: index ``iso3`` (``codes`` order), one float column per
    indicator (table order)."""
    names = list(dict.fromkeys(indicators["indicator"]))
    wide = indicators.pivot(index="iso3", columns="indicator", values="value")
    return wide.reindex(index=codes, columns=names).astype(float)


def _column(frame: pd.DataFrame, name: str) -> dict[str, float]:
    """Column ``name`` of ``frame`` as index label -> float (NaN where missing)."""
    values = frame[name].to_numpy(dtype=float, na_value=np.nan)
    return dict(zip(frame.index, values.tolist(), strict=True))


def derive_inputs(
    parts: Mapping[str, pd.DataFrame],
    codes: list[str],
    overrides: Mapping[tuple[str, str], tuple[float, str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model inputs of every country, and the notes on values filled by a rule.

    Parameters
    ----------
    parts : mapping of str to pandas.DataFrame
        The World's tables (:func:`techbloc.bundle.read_bundle`, with overrides applied
        to ``indicators``).
    codes : list of str
        Candidate codes in ``countries.csv`` order, then ``"ROW"``.
    overrides : mapping
        ``(iso3, input) -> (value, origin)``: model inputs set by the user after derivation.

    Returns
    -------
    inputs : pandas.DataFrame
        Index ``iso3`` (``codes`` order), float columns :data:`INPUT_COLUMNS`.
    fill : pandas.DataFrame
        ``iso3, input, method`` for every value filled or flagged by a rule.

    Raises
    ------
    techbloc.errors.DataError
        If an input other than ``population`` and ``military_spending`` is left missing.
    """
    cand = codes[:-1]
    ind = parts["indicators"]
    t = wide_table(ind, codes)
    years = ind.pivot(index="iso3", columns="indicator", values="year").reindex(codes)
    fills: list[tuple[str, str, str]] = []

    def flag(iso3: str, col: str, method: str) -> None:
        fills.append((iso3, col, method))

    out = pd.DataFrame(index=pd.Index(codes, name="iso3"), columns=list(INPUT_COLUMNS), dtype=float)

    # rd, gdp, rd_year ------------------------------------------------------------------
    srd1_gerd, srd1_gdp = _column(t, "srd1_gerd_ppp_usd_bn"), _column(t, "srd1_gdp_ppp_usd_bn")
    gerd, ratio = _column(t, "gerd_ppp_usd_m"), _column(t, "gerd_gdp_pct")
    pct_gdp, gdp_usd = _column(t, "rd_pct_gdp"), _column(t, "gdp_current_usd")
    year = {
        name: _column(years, name)
        for name in ("srd1_gerd_ppp_usd_bn", "gerd_ppp_usd_m", "rd_pct_gdp", "gdp_current_usd")
    }
    for iso3 in codes:
        if iso3 != ROW and not math.isnan(srd1_gerd[iso3]) and not math.isnan(srd1_gdp[iso3]):
            out.at[iso3, "rd"] = srd1_gerd[iso3]
            out.at[iso3, "gdp"] = srd1_gdp[iso3]
            out.at[iso3, "rd_year"] = year["srd1_gerd_ppp_usd_bn"][iso3]
        elif not math.isnan(gerd[iso3]):
            y = year["gerd_ppp_usd_m"][iso3]
            out.at[iso3, "rd"] = gerd[iso3] / 1000.0
            out.at[iso3, "gdp"] = gerd[iso3] / (ratio[iso3] / 100.0) / 1000.0
            out.at[iso3, "rd_year"] = y
            if iso3 != ROW:
                flag(
                    iso3,
                    "rd",
                    f"not in NCSES SRD-1: RD-5 GERD {gerd[iso3] / 1000.0:.2f} PPP $ bn ({y:.0f})",
                )
                flag(
                    iso3,
                    "gdp",
                    f"not in NCSES SRD-1: GDP implied by RD-5 (GERD / "
                    f"{ratio[iso3]:.2f}% of GDP, {y:.0f}), PPP $",
                )
        else:
            pct, usd = pct_gdp[iso3], gdp_usd[iso3]
            y_rd, y_gdp = year["rd_pct_gdp"][iso3], year["gdp_current_usd"][iso3]
            out.at[iso3, "rd"] = pct / 100.0 * usd / 1e9
            out.at[iso3, "gdp"] = usd / 1e9
            out.at[iso3, "rd_year"] = y_rd
            flag(
                iso3,
                "rd",
                f"not in NCSES SRD-1 nor RD-5: WDI R&D {pct:.2f}% of GDP ({y_rd:.0f}) "
                f"x WDI GDP current US$ ({y_gdp:.0f}); current US$ at market exchange rates, "
                "NOT PPP",
            )
            flag(
                iso3,
                "gdp",
                f"not in NCSES SRD-1 nor RD-5: WDI GDP current US$ ({y_gdp:.0f}), NOT PPP",
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
    for iso3, value in _column(out, "population").items():
        if math.isnan(value):
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
    seg = t[list(SEMIS_SEGMENTS)] / 100.0
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


def _derive_threat(out: pd.DataFrame, t: pd.DataFrame, cand: list[str], flag: Flag) -> None:
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
    out: pd.DataFrame, col: str, iso3: str, refs: tuple[str, ...], flag: Flag, why: str
) -> None:
    value = float(out.loc[list(refs), col].mean())
    out.at[iso3, col] = value
    flag(iso3, col, f"{why}: assumption = mean of {' and '.join(refs)} ({value:.3f})")


def _fill_median(out: pd.DataFrame, col: str, iso3: str, cand: list[str], flag: Flag) -> None:
    value = float(out.loc[cand, col].median())
    out.at[iso3, col] = value
    flag(iso3, col, f"median of candidates ({value:.3f}; ROW is never a member)")


def _check_inputs(out: pd.DataFrame) -> None:
    allowed_nan = {"population", "military_spending"}
    bad = [c for c in out.columns if c not in allowed_nan and out[c].isna().any()]
    if bad:
        where = {c: out.index[out[c].isna()].tolist() for c in bad}
        raise DataError(f"model inputs have unexpected missing values: {where}")
