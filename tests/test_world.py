"""The bundled World: values against the raw shared files and the bundled copy, contract."""

import csv
import math
import os
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from techbloc.errors import DataError
from techbloc.world import (
    INPUT_COLUMNS,
    INPUT_RANGES,
    INPUT_RULES,
    ROW,
    THREAT_COMPONENTS,
    THREAT_WEIGHT_DISPUTES,
    THREAT_WEIGHT_UN_DISTANCE,
    THREAT_WEIGHT_VIEWS,
    World,
    load_world,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TECHBLOC_SHARED_DATA", REPO.parent / "shared" / "data"))
needs_shared = pytest.mark.skipif(
    not (SHARED / "countries.csv").is_file(), reason="../shared/data not available"
)
BUNDLE = Path(str(resources.files("techbloc") / "data"))


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


def value(world: World, iso3: str, name: str) -> float:
    return world.indicator(iso3, name)


# -- identity ------------------------------------------------------------------------------
def test_codes_follow_countries_csv_then_row(world):
    with (BUNDLE / "countries.csv").open() as fh:
        codes = [r["iso3"] for r in csv.DictReader(fh)]
    assert len(codes) == 58
    assert world.codes == [*codes, ROW]
    assert {"CHN", "RUS", "TWN"} <= set(world.codes)
    assert world.names["KOR"] == "South Korea"
    assert world.names[ROW] == "Rest of world"


# -- values against the bundled copy (always) ------------------------------------------------
def test_indicators_match_bundled_csv(world):
    raw = pd.read_csv(BUNDLE / "indicators.csv")
    ind = world.indicators
    merged = raw.merge(ind, on=["iso3", "indicator"], suffixes=("_raw", ""))
    assert len(merged) == len(raw)
    both = merged["value_raw"].notna()
    assert np.allclose(merged.loc[both, "value_raw"], merged.loc[both, "value"])
    assert merged.loc[~both, "value"].isna().all()


@pytest.mark.parametrize(
    ("iso3", "indicator", "expected", "year"),
    [
        ("KOR", "gerd_ppp_usd_m", 102521.4, 2019),
        ("USA", "gerd_ppp_usd_m", 668351.2, 2019),
        ("AUS", "gerd_ppp_usd_m", None, 2017),
        ("KOR", "dots_exports_to_chn_usd_m", 136272.849, 2019),
        ("KOR", "member_us_bilateral_defence_treaty", 1.0, 1953),
        ("KOR", "atop_defence_pact_usa", 1.0, 2018),
        ("NZL", "atop_defence_pact_usa", 0.0, 2018),
    ],
)
def test_sample_values_and_years(world, iso3, indicator, expected, year):
    ind = world.country(iso3).set_index("indicator")
    if expected is not None:
        assert ind.loc[indicator, "value"] == pytest.approx(expected)
    assert ind.loc[indicator, "year"] == year
    assert ind.loc[indicator, "source"]


def test_every_value_has_unit_source_and_year_or_missing_note(world):
    ind = world.indicators
    assert ind["unit"].astype(bool).all()
    assert ind["source"].astype(bool).all()
    missing = ind["value"].isna()
    assert ind.loc[missing, "note"].str.startswith("missing:").all()
    present = ind[~missing & ~ind["indicator"].str.startswith("member_")]
    assert present["year"].notna().all()


def test_missing_values_are_explicit_not_zero(world):
    t = world.table()
    assert math.isnan(t.at["TWN", "population_total"])
    assert math.isnan(t.at["TWN", "itu_gci_2020"])
    assert math.isnan(t.at["TWN", "unga_ideal_point"])
    assert math.isnan(t.at["CRI", "gerd_ppp_usd_m"])


def test_table_is_wide_and_ordered(world):
    t = world.table()
    assert list(t.index) == world.codes
    assert {"gerd_ppp_usd_m", "wgi_rule_of_law", "semis_design_share_pct"} <= set(t.columns)


# -- values against the raw shared files ------------------------------------------------------
@needs_shared
def test_gerd_matches_ncses_rd5(world):
    rd5 = pd.read_csv(SHARED / "rd_gerd/ncses_sei_table_rd5_gerd_2019_or_latest.csv")
    for label, iso3 in (
        ("South Korea (2019)", "KOR"),
        ("Taiwan (2019)", "TWN"),
        ("India (2018)", "IND"),
        ("China (2019)", "CHN"),
    ):
        rows = rd5[rd5["time_period"].str.contains(label, regex=False)]
        assert value(world, iso3, "gerd_ppp_usd_m") == pytest.approx(rows["value"].iloc[0])
        assert value(world, iso3, "gerd_gdp_pct") == pytest.approx(rows["value"].iloc[1])
    countries = rd5[~rd5["time_period"].str.startswith("Selected country groups")]
    world_sum = countries["value"].iloc[::2].sum()
    assert value(world, ROW, "world_gerd_ppp_usd_m") == pytest.approx(world_sum)
    assert 2.3e6 < world_sum < 2.5e6


@needs_shared
def test_wdi_wgi_sipri_match_raw(world):
    pop = pd.read_csv(SHARED / "wdi/SP.POP.TOTL.csv")
    kor = pop[(pop["Country Code"] == "KOR")].sort_values("Year").iloc[-1]
    assert value(world, "KOR", "population_total") == kor["Value"]
    ge = pd.read_csv(SHARED / "wgi/GE.EST.csv").set_index("Country Code")
    assert value(world, "DEU", "wgi_government_effectiveness") == pytest.approx(
        ge.at["DEU", "2023"]
    )
    mil = pd.read_csv(SHARED / "sipri/milex_constant_2023_usd_millions.csv").set_index("iso3")
    assert value(world, "JPN", "milex_constant_2023_usd_m") == pytest.approx(
        float(mil.at["JPN", "2024"])
    )


@needs_shared
def test_dots_unga_eci_gci_match_raw(world):
    dots = pd.read_csv(
        SHARED / "trade_investment/imf_dots_bilateral_goods_trade_2000_2020.csv", dtype=str
    )
    key = dots.set_index(["reporter_iso3", "flow", "partner_iso3"])["2019"]
    assert value(world, "KOR", "dots_imports_from_chn_usd_m") == pytest.approx(
        float(key[("KOR", "imports_cif", "CHN")])
    )
    # Taiwan: mirror flows
    assert value(world, "TWN", "dots_exports_to_chn_usd_m") == pytest.approx(
        float(key[("CHN", "imports_cif", "TWN")])
    )
    assert value(world, "TWN", "dots_imports_from_wld_usd_m") == pytest.approx(
        float(key[("WLD", "exports_fob", "TWN")])
    )
    # UAE exports are IMF estimates stored as text
    are = key[("ARE", "exports_fob", "CHN")]
    assert are.endswith(" e")
    assert value(world, "ARE", "dots_exports_to_chn_usd_m") == float(
        are.removesuffix(" e").replace(",", "")
    )
    ip = pd.read_csv(SHARED / "unga/ideal_points_bsv_july2025.csv")
    ip = ip[ip["year"] == 2024].set_index("iso3c")["idealpointfp"]
    assert value(world, "KOR", "unga_distance_chn") == pytest.approx(abs(ip["KOR"] - ip["CHN"]))
    eci = pd.read_csv(SHARED / "eci/growth_lab_eci_rankings_1995_2024.csv")
    e = eci[(eci["country_iso3_code"] == "KOR") & (eci["year"] == 2024)]["eci_hs92"].iloc[0]
    assert value(world, "KOR", "eci_hs92") == pytest.approx(e)
    bipa = pd.read_csv(SHARED / "cyber/itu_gci2020_pillars_bipa.csv")
    can = bipa[(bipa["cc_iso3c"] == "CAN") & (bipa["variable"] == "gci_overall")]["value"]
    assert value(world, "CAN", "itu_gci_2020") == pytest.approx(can.iloc[0])


@needs_shared
def test_memberships_frictions_copied_unchanged():
    for rel, name in (
        ("groups/memberships.csv", "memberships.csv"),
        ("expert/frictions.csv", "frictions.csv"),
        ("expert/hedging.csv", "hedging.csv"),
    ):
        assert (SHARED / rel).read_bytes() == (BUNDLE / name).read_bytes()


# -- model inputs contract --------------------------------------------------------------------
def test_model_inputs_shape_and_nan_rules(world):
    mi = world.model_inputs()
    assert list(mi.index) == world.codes
    assert list(mi.columns) == list(INPUT_COLUMNS)
    assert all(dt == np.float64 for dt in mi.dtypes)
    nan_cols = {c for c in mi.columns if mi[c].isna().any()}
    assert nan_cols <= {"population", "military_spending"}
    assert set(mi.index[mi["population"].isna()]) == {"TWN", ROW}
    assert set(mi.index[mi["military_spending"].isna()]) == {ROW}


def test_unit_inputs_in_range(world):
    mi = world.model_inputs()
    for col in (
        "protection_capability",
        "alignment",
        "threat",
        "china_dependence",
        "hedging",
        "semis_share",
        "us_defence_pact",
    ):
        assert mi[col].between(0, 1).all(), col
    assert (mi["hedging_low"] <= mi["hedging"]).all()
    assert (mi["hedging"] <= mi["hedging_high"]).all()


def test_rd_gdp_world_and_korea_share(world):
    mi = world.model_inputs()
    # SRD-1 2021 (current PPP $ bn), GDP from the same source
    assert mi.at["KOR", "rd"] == pytest.approx(119.58)
    assert mi.at["KOR", "gdp"] == pytest.approx(2425.56)
    assert mi.at["KOR", "rd_year"] == 2021
    total = mi["rd"].sum()
    # mixed years (mostly 2021; RD-5 fallbacks 2013-2019; ROW 2019), hence above RD-5's 2.40T
    assert 2600 < total < 3000
    assert 0.035 < mi.at["KOR", "rd"] / total < 0.05  # NSB: Korea about 4% of world R&D
    assert mi.at[ROW, "rd"] > 0
    assert mi.at["AUS", "rd_year"] == 2019  # SRD-1 label "Australia (2019)"


def test_rd_from_srd1_2021_usa_chn(world):
    mi = world.model_inputs()
    assert mi.at["USA", "rd"] == pytest.approx(806.01)
    assert mi.at["CHN", "rd"] == pytest.approx(667.64)
    assert mi.at["USA", "gdp"] == pytest.approx(23315.08)
    assert mi.at["CHN", "gdp"] == pytest.approx(27445.50)
    assert mi.at["USA", "rd_year"] == mi.at["CHN", "rd_year"] == 2021
    assert mi.at["CHN", "rd"] / mi.at["USA", "rd"] == pytest.approx(0.83, abs=0.005)
    fn = world.fill_notes
    assert fn[fn["iso3"].isin(["USA", "CHN"]) & fn["input"].isin(["rd", "gdp"])].empty


def test_rd_fallbacks_are_flagged_with_their_year(world):
    mi = world.model_inputs()
    fn = world.fill_notes.set_index(["iso3", "input"])["method"]
    # India: not in SRD-1 -> RD-5 (2018), GDP implied by RD-5
    assert mi.at["IND", "rd"] == pytest.approx(value(world, "IND", "gerd_ppp_usd_m") / 1000)
    assert mi.at["IND", "rd_year"] == 2018
    assert "RD-5" in fn[("IND", "rd")] and "RD-5" in fn[("IND", "gdp")]
    # Cyprus: in neither NCSES table -> WDI current US$ (not PPP)
    assert "NOT PPP" in fn[("CYP", "rd")]
    # Costa Rica is in SRD-1 (not in RD-5)
    assert mi.at["CRI", "rd"] == pytest.approx(0.32)
    assert ("CRI", "rd") not in fn.index
    # ROW stays the RD-5 remainder, 2019
    assert mi.at[ROW, "rd_year"] == 2019
    assert "RD-5" in fn[(ROW, "rd")] and "2019" in fn[(ROW, "rd")]


@needs_shared
def test_srd1_2021_matches_raw(world):
    srd1 = pd.read_csv(SHARED / "rd_gerd/ncses_sei_table_srd1_gerd_gdp_1990_2021.csv")
    for label, iso3, year in (
        ("United States", "USA", 2021),
        ("Non-OECD -> China", "CHN", 2021),
        ("South Korea", "KOR", 2021),
        ("Australia (2019)", "AUS", 2019),
        ("Non-OECD -> Taiwan", "TWN", 2021),
        ("Mexico (2017)", "MEX", 2017),
    ):
        rows = srd1[(srd1["time_period"] == label) & (srd1["_b_gerd_b_level_3"] == "2021a")]
        for l1, name in (("GERD", "srd1_gerd_ppp_usd_bn"), ("GDP", "srd1_gdp_ppp_usd_bn")):
            raw = rows[
                (rows["_b_gerd_b_level_1"] == l1)
                & (rows["_b_gerd_b_level_2"] == "Current PPP dollars")
            ]["value"]
            assert value(world, iso3, name) == pytest.approx(float(raw.iloc[0])), (iso3, name)
            rec = world.country(iso3).set_index("indicator").loc[name]
            assert rec["year"] == year
            assert "SRD-1" in rec["source"]


# -- threat from China (MODEL.md 9.4) -------------------------------------------------------
def test_threat_is_the_stated_blend_of_its_components(world):
    mi = world.model_inputs()
    assert sum(w for w, _ in THREAT_COMPONENTS.values()) == pytest.approx(1.0)
    assert (THREAT_WEIGHT_VIEWS, THREAT_WEIGHT_DISPUTES, THREAT_WEIGHT_UN_DISTANCE) == (
        0.5,
        0.3,
        0.2,
    )
    cand = [c for c in world.codes if c not in ("CHN", ROW)]
    blend = (
        THREAT_WEIGHT_VIEWS * mi["threat_views"]
        + THREAT_WEIGHT_DISPUTES * mi["threat_disputes"]
        + THREAT_WEIGHT_UN_DISTANCE * mi["threat_un_distance"]
    )
    assert np.allclose(mi.loc[cand, "threat"], blend[cand])
    for col in ("threat", *THREAT_COMPONENTS):
        assert mi[col].between(0, 1).all(), col
        assert col in INPUT_RULES and col in INPUT_RANGES
    assert (mi.loc["CHN", ["threat", *THREAT_COMPONENTS]] == 0).all()
    assert mi.loc[cand, "threat_un_distance"].max() == 1.0
    assert mi.loc[cand, "threat_disputes"].max() == 1.0
    # spread: the sourced threat separates countries far more than the old proxy
    assert mi.loc[cand, "threat"].min() < 0.3 and mi.loc[cand, "threat"].max() > 0.8


def test_threat_components_from_sourced_values(world):
    mi = world.model_inputs()
    jpn = world.country("JPN").set_index("indicator")
    assert jpn.loc["pew_china_unfavourable_pct", "value"] == 87
    assert jpn.loc["pew_china_unfavourable_pct", "year"] == 2024
    assert "Pew" in jpn.loc["pew_china_unfavourable_pct", "source"]
    assert mi.at["JPN", "threat_views"] == pytest.approx(0.87)
    assert mi.at["ISR", "threat_views"] == pytest.approx(0.50)  # Pew 2023
    # episodes since 2010: JPN has the most (7); log-scaled against it
    assert jpn.loc["china_dispute_episodes", "value"] == 7
    assert mi.at["PHL", "threat_disputes"] == pytest.approx(math.log1p(4) / math.log1p(7))
    dc = world.table()["unga_distance_chn"]
    assert mi.at["KOR", "threat_un_distance"] == pytest.approx(
        dc["KOR"] / dc.drop(["CHN", "TWN", ROW]).max()
    )
    # military burden left the threat input
    w2 = world.with_overrides({"values": {"ISR": {"milex_share_gdp": 0.2}}})
    assert w2.model_inputs().at["ISR", "threat"] == mi.at["ISR", "threat"]
    # an indicator override is re-derived into threat
    w3 = world.with_overrides({"values": {"ISR": {"pew_china_unfavourable_pct": 70}}})
    assert w3.model_inputs().at["ISR", "threat"] == pytest.approx(
        mi.at["ISR", "threat"] + THREAT_WEIGHT_VIEWS * 0.2
    )


def test_threat_fills_are_flagged_with_their_numbers(world):
    mi = world.model_inputs()
    t = world.table()
    fn = world.fill_notes.set_index(["iso3", "input"])["method"]
    # missing Pew: regression on UN distance, n and r stated, and reproducible
    others = [c for c in world.codes if c not in ("CHN", ROW)]
    have = [
        c
        for c in others
        if not math.isnan(t.at[c, "pew_china_unfavourable_pct"])
        and not math.isnan(t.at[c, "unga_distance_chn"])
    ]
    slope, intercept = np.polyfit(
        t.loc[have, "unga_distance_chn"], t.loc[have, "pew_china_unfavourable_pct"], 1
    )
    r = np.corrcoef(t.loc[have, "unga_distance_chn"], t.loc[have, "pew_china_unfavourable_pct"])
    for iso3 in ("NZL", "RUS", "MYS", "FIN"):
        assert math.isnan(t.at[iso3, "pew_china_unfavourable_pct"])
        note = fn[(iso3, "threat_views")]
        assert "linear fit" in note and f"n={len(have)}" in note and f"r={r[0, 1]:.2f}" in note
        fit = np.clip(intercept + slope * t.at[iso3, "unga_distance_chn"], 0, 100) / 100
        assert mi.at[iso3, "threat_views"] == pytest.approx(fit)
        assert "views" in fn[(iso3, "threat")]
    assert len(have) == 22
    # Malaysia has only favourable figures: not turned into an unfavourable %
    assert (
        "only a favourable"
        in world.country("MYS").set_index("indicator").loc["pew_china_unfavourable_pct", "note"]
    )
    # no row in the disputes table: 0 episodes, flagged as an assumption
    assert mi.at["ISR", "threat_disputes"] == 0.0
    assert "no row" in fn[("ISR", "threat_disputes")]
    assert ("JPN", "threat_disputes") not in fn.index
    # USA row (trade war, mutual escalation) left out
    assert value(world, "USA", "china_dispute_episodes") == 1
    assert mi.at["USA", "threat_disputes"] == 0.0
    assert "mutual escalation" in fn[("USA", "threat_disputes")]
    # Taiwan: UN distance like JPN and KOR; Pew from the fit on that distance
    assert mi.at["TWN", "threat_un_distance"] == pytest.approx(
        mi.loc[["JPN", "KOR"], "threat_un_distance"].mean()
    )
    assert "mean of JPN and KOR" in fn[("TWN", "threat_un_distance")]
    assert "linear fit" in fn[("TWN", "threat_views")]
    # ROW: median, flagged
    assert mi.at[ROW, "threat"] == pytest.approx(mi.loc[world.codes[:-1], "threat"].median())
    assert "median" in fn[(ROW, "threat")]


@needs_shared
def test_threat_indicators_match_raw_expert_tables(world):
    pew = pd.read_csv(SHARED / "expert/pew_views_of_china.csv")
    unfav = pew.dropna(subset=["unfavourable_pct"]).sort_values("year")
    latest = unfav.groupby("iso3").tail(1).set_index("iso3")
    assert len(latest) == 22
    for iso3 in world.codes[:-1]:
        rec = world.country(iso3).set_index("indicator").loc["pew_china_unfavourable_pct"]
        if iso3 in latest.index:
            assert rec["value"] == latest.at[iso3, "unfavourable_pct"], iso3
            assert rec["year"] == latest.at[iso3, "year"], iso3
            assert latest.at[iso3, "source"] in rec["source"]
        else:
            assert math.isnan(rec["value"]) and rec["note"].startswith("missing:")
    assert (latest.loc[["JPN"], "unfavourable_pct"] == 87).all()
    disputes = pd.read_csv(SHARED / "expert/china_disputes.csv")
    counts = disputes[disputes["start_year"] >= 2010].groupby("iso3").size()
    assert counts.sum() == 32 and len(counts) == 16
    for iso3 in world.codes[:-1]:
        got = value(world, iso3, "china_dispute_episodes")
        if iso3 in counts.index:
            assert got == counts[iso3], iso3
        else:
            assert math.isnan(got), iso3


@needs_shared
def test_expert_threat_tables_copied_unchanged():
    for name in (
        "china_disputes.csv",
        "pew_views_of_china.csv",
        "pew_views_of_us.csv",
        "aspi_coercion_counts.csv",
    ):
        assert (SHARED / "expert" / name).read_bytes() == (BUNDLE / name).read_bytes(), name


def test_anchors_and_special_cases(world):
    mi = world.model_inputs()
    assert mi.at["USA", "alignment"] == 1.0
    assert mi.at["CHN", "alignment"] == 0.0
    assert mi.at["CHN", "china_dependence"] == 0.0
    assert mi.at["CHN", "threat"] == 0.0
    assert mi.at["USA", "us_defence_pact"] == 1.0
    assert mi.at["FIN", "us_defence_pact"] == 1.0  # NATO 2023, after ATOP 2018
    assert mi.at["SWE", "us_defence_pact"] == 1.0
    assert mi.at["NZL", "us_defence_pact"] == 0.0
    assert mi.at[ROW, "us_defence_pact"] == 0.0
    assert mi.at["ISR", "hedging"] == 0.6
    assert mi.at["FRA", "hedging"] == 0.0
    assert mi.at["TWN", "semis_share"] > mi.at["KOR", "semis_share"] > 0


def test_fill_notes_cover_filled_inputs(world):
    fn = world.fill_notes
    assert list(fn.columns) == ["iso3", "input", "method"]
    flagged = set(zip(fn["iso3"], fn["input"], strict=True))
    for key in (
        ("TWN", "protection_capability"),
        ("TWN", "alignment"),
        ("CYP", "rd"),
        ("CYP", "gdp"),
        ("IND", "rd_growth"),
        ("ISL", "eci"),
        ("FRA", "hedging"),
        ("ROW", "rd"),
        ("TWN", "population"),
        ("BRA", "semis_share"),
    ):
        assert key in flagged, key
    assert fn.loc[(fn.iso3 == "CYP") & (fn.input == "rd"), "method"].str.contains("PPP").all()


# -- pairs and frictions --------------------------------------------------------------------
def test_frictions_have_reason_source_and_range(world):
    fr = world.frictions()
    assert list(fr.columns) == [
        "iso3_a",
        "iso3_b",
        "default",
        "low",
        "high",
        "event_year",
        "reason",
        "source",
    ]
    assert len(fr) >= 9
    assert (fr["low"] <= fr["default"]).all() and (fr["default"] <= fr["high"]).all()
    assert fr["reason"].astype(bool).all() and fr["source"].astype(bool).all()


def test_pairs(world):
    p = world.pairs()
    assert set(p["relation"]) == {"defence_tie", "unga_distance", "friction"}
    n = 58 * 57 // 2
    assert (p["relation"] == "defence_tie").sum() == n
    d = p[p["relation"] == "defence_tie"].set_index(["iso3_a", "iso3_b"])["value"]
    assert d[("USA", "KOR")] == 1.0
    assert d[("USA", "NZL")] == 0.0
    assert d[("FIN", "DEU")] == 1.0  # NATO accession 2023
    u = p[p["relation"] == "unga_distance"]
    assert u.loc[(u.iso3_a == "TWN") | (u.iso3_b == "TWN"), "value"].isna().all()
    assert p["source"].astype(bool).all()


# -- immutability, caching, speed ------------------------------------------------------------
def test_world_is_immutable(world):
    with pytest.raises(AttributeError):
        world.codes = []  # type: ignore[misc]
    mi = world.model_inputs()
    mi.loc["KOR", "rd"] = -1
    assert world.model_inputs().at["KOR", "rd"] > 0
    ind = world.indicators
    ind["value"] = 0
    assert world.indicator("KOR", "gerd_ppp_usd_m") > 0


def test_load_is_cached_and_fast():
    load_world()
    t = time.perf_counter()
    for _ in range(10):
        load_world()
    assert time.perf_counter() - t < 0.05
    assert load_world() is load_world()


def test_country_rejects_unknown_code(world):
    from techbloc.errors import InputError

    with pytest.raises(InputError, match="KOR"):
        world.country("KOE")


def test_dataerror_is_techbloc_error():
    from techbloc.errors import Error

    assert issubclass(DataError, Error)


def test_world_pickles_with_its_overrides():
    import pickle

    from techbloc.world import load_world

    world = load_world().with_overrides({"values": {"KOR": {"hedging": 0.9}}})
    copy = pickle.loads(pickle.dumps(world))
    assert copy.codes == world.codes
    assert copy.model_inputs().equals(world.model_inputs())
    assert copy.model_inputs().loc["KOR", "hedging"] == 0.9


def test_docs_describe_the_v3_inputs():
    doc = (REPO / "docs" / "data.md").read_text()
    for word in (
        "srd1_gerd_ppp_usd_bn",
        "pew_china_unfavourable_pct",
        "china_dispute_episodes",
        "THREAT_WEIGHT_VIEWS",
        "threat_views",
        "threat_disputes",
        "threat_un_distance",
    ):
        assert word in doc, word
    assert "milex_share_gdp / 0.05" not in doc  # the military-burden proxy is gone
