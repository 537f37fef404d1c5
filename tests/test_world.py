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
from techbloc.world import INPUT_COLUMNS, ROW, World, load_world

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
    for label, iso3 in (("South Korea (2019)", "KOR"), ("Taiwan (2019)", "TWN"),
                        ("India (2018)", "IND"), ("China (2019)", "CHN")):
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
        ge.at["DEU", "2023"])
    mil = pd.read_csv(SHARED / "sipri/milex_constant_2023_usd_millions.csv").set_index("iso3")
    assert value(world, "JPN", "milex_constant_2023_usd_m") == pytest.approx(
        float(mil.at["JPN", "2024"]))


@needs_shared
def test_dots_unga_eci_gci_match_raw(world):
    dots = pd.read_csv(SHARED / "trade_investment/imf_dots_bilateral_goods_trade_2000_2020.csv",
                       dtype=str)
    key = dots.set_index(["reporter_iso3", "flow", "partner_iso3"])["2019"]
    assert value(world, "KOR", "dots_imports_from_chn_usd_m") == pytest.approx(
        float(key[("KOR", "imports_cif", "CHN")]))
    # Taiwan: mirror flows
    assert value(world, "TWN", "dots_exports_to_chn_usd_m") == pytest.approx(
        float(key[("CHN", "imports_cif", "TWN")]))
    assert value(world, "TWN", "dots_imports_from_wld_usd_m") == pytest.approx(
        float(key[("WLD", "exports_fob", "TWN")]))
    # UAE exports are IMF estimates stored as text
    are = key[("ARE", "exports_fob", "CHN")]
    assert are.endswith(" e")
    assert value(world, "ARE", "dots_exports_to_chn_usd_m") == float(
        are.removesuffix(" e").replace(",", ""))
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
    for rel, name in (("groups/memberships.csv", "memberships.csv"),
                      ("expert/frictions.csv", "frictions.csv"),
                      ("expert/hedging.csv", "hedging.csv")):
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
    for col in ("protection_capability", "alignment", "threat", "china_dependence",
                "hedging", "semis_share", "us_defence_pact"):
        assert mi[col].between(0, 1).all(), col
    assert (mi["hedging_low"] <= mi["hedging"]).all()
    assert (mi["hedging"] <= mi["hedging_high"]).all()


def test_rd_gdp_world_and_korea_share(world):
    mi = world.model_inputs()
    assert mi.at["KOR", "rd"] == pytest.approx(102.5214)
    assert mi.at["KOR", "gdp"] == pytest.approx(102521.4 / 0.0464 / 1000)
    total = mi["rd"].sum()
    assert 2300 < total < 2500
    assert 0.035 < mi.at["KOR", "rd"] / total < 0.05  # NSB: Korea about 4% of world R&D
    assert mi.at[ROW, "rd"] > 0
    assert mi.at["AUS", "rd_year"] == 2017


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
    for key in (("TWN", "protection_capability"), ("TWN", "alignment"), ("CRI", "rd"),
                ("CRI", "gdp"), ("IND", "rd_growth"), ("ISL", "eci"), ("FRA", "hedging"),
                ("ROW", "rd"), ("TWN", "population"), ("BRA", "semis_share")):
        assert key in flagged, key
    assert fn.loc[(fn.iso3 == "CRI") & (fn.input == "rd"), "method"].str.contains("PPP").all()


# -- pairs and frictions --------------------------------------------------------------------
def test_frictions_have_reason_source_and_range(world):
    fr = world.frictions()
    assert list(fr.columns) == ["iso3_a", "iso3_b", "default", "low", "high", "event_year",
                                "reason", "source"]
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
