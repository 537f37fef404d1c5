"""User overrides: every rejection case names file, line and reason; nothing half-applied."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.overrides import check_overrides, read_overrides
from techbloc.world import INPUT_RANGES, load_world

WORLD = load_world()


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return f


# -- accepted files ---------------------------------------------------------------------------
def test_csv_indicator_override_rederives_inputs(tmp_path):
    # rd reads SRD-1 2021 first (RD-5 only where SRD-1 has no value)
    f = write(tmp_path, "o.csv", "iso3,column,value,note\nKOR,srd1_gerd_ppp_usd_bn,110,mine\n")
    w = load_world(f)
    assert w.indicator("KOR", "srd1_gerd_ppp_usd_bn") == 110
    assert w.model_inputs().at["KOR", "rd"] == pytest.approx(110.0)
    row = w.country("KOR").set_index("indicator").loc["srd1_gerd_ppp_usd_bn"]
    assert str(f) in row["source"] and ":2" in row["source"]
    assert row["note"] == "mine"
    # the original is untouched
    assert WORLD.model_inputs().at["KOR", "rd"] == pytest.approx(119.58)


def test_csv_model_input_override_and_fill_note(tmp_path):
    f = write(tmp_path, "o.csv", "iso3,column,value\nTWN,population,23.4\nROW,alignment,0.4\n")
    w = WORLD.with_overrides(f)
    mi = w.model_inputs()
    assert mi.at["TWN", "population"] == 23.4
    assert mi.at["ROW", "alignment"] == 0.4
    fn = w.fill_notes
    assert (
        fn[(fn.iso3 == "TWN") & (fn.input == "population")]["method"]
        .str.contains("user override")
        .any()
    )


def test_yaml_values_and_frictions(tmp_path):
    f = write(
        tmp_path,
        "o.yaml",
        (
            "values:\n"
            "  - {iso3: KOR, column: protection_capability, value: 0.5}\n"
            "frictions:\n"
            "  - {iso3_a: KOR, iso3_b: JPN, default: 0.3, low: 0.1, high: 0.5, reason: thaw}\n"
            "  - {iso3_a: DEU, iso3_b: POL, default: 0.1, low: 0.0, high: 0.2}\n"
        ),
    )
    w = WORLD.with_overrides(f)
    assert w.model_inputs().at["KOR", "protection_capability"] == 0.5
    fr = w.frictions()
    jk = fr[(fr.iso3_a == "KOR") & (fr.iso3_b == "JPN")]
    assert len(jk) == 1 and jk["default"].iloc[0] == 0.3
    assert not ((fr.iso3_a == "JPN") & (fr.iso3_b == "KOR")).any()
    assert len(fr) == len(WORLD.frictions()) + 1


def test_yaml_mapping_form_and_python_mapping():
    w = WORLD.with_overrides({"values": {"KOR": {"hedging": 0.1, "rd": 100}}})
    assert w.model_inputs().at["KOR", "hedging"] == 0.1
    assert w.model_inputs().at["KOR", "rd"] == 100


def test_fill_missing_indicator(tmp_path):
    f = write(tmp_path, "o.csv", "iso3,column,value\nTWN,population_total,23400000\n")
    w = load_world(f)
    assert w.model_inputs().at["TWN", "population"] == pytest.approx(23.4)


def test_chained_overrides_keep_earlier_ones():
    w = WORLD.with_overrides({"values": {"KOR": {"hedging": 0.1}}})
    w = w.with_overrides({"values": {"JPN": {"hedging": 0.2}}})
    mi = w.model_inputs()
    assert mi.at["KOR", "hedging"] == 0.1 and mi.at["JPN", "hedging"] == 0.2


def test_friction_csv(tmp_path):
    f = write(tmp_path, "f.csv", "iso3_a,iso3_b,default,low,high,reason\nJPN,KOR,0.2,0.1,0.3,x\n")
    ov = check_overrides(f)
    assert len(ov.frictions) == 1


# -- rejected files: one test per case ----------------------------------------------------------
BAD_CSV = [
    ("unknown country", "iso3,column,value\nUSA,rd,1\nKOE,rd,1\n", 3, "KOE"),
    ("unknown column", "iso3,column,value\nKOR,rdd,1\n", 2, "unknown column 'rdd'"),
    ("non-numeric", "iso3,column,value\nKOR,rd,lots\n", 2, "must be a number"),
    ("NaN", "iso3,column,value\nKOR,rd,nan\n", 2, "NaN"),
    ("infinite", "iso3,column,value\nKOR,rd,inf\n", 2, "infinite"),
    ("empty value", "iso3,column,value\nKOR,rd,\n", 2, "empty"),
    ("out of range input", "iso3,column,value\nKOR,alignment,1.5\n", 2, "out of range"),
    ("out of range indicator", "iso3,column,value\nKOR,gerd_gdp_pct,-1\n", 2, "out of range"),
    ("ROW indicator", "iso3,column,value\nROW,population_total,1\n", 2, "ROW"),
    ("missing country", "iso3,column,value\n,rd,1\n", 2, "missing country"),
    ("duplicate", "iso3,column,value\nKOR,rd,1\nKOR,rd,2\n", 3, "twice"),
    ("wrong field count", "iso3,column,value\nKOR,rd\n", 2, "expected 3 fields"),
    ("bad header", "country,what,value\nKOR,rd,1\n", 1, "header"),
    ("extra header", "iso3,column,value,colour\nKOR,rd,1,red\n", 1, "colour"),
    ("empty file", "", 1, "empty file"),
    (
        "friction same country",
        "iso3_a,iso3_b,default,low,high\nJPN,JPN,0.5,0.1,0.9\n",
        2,
        "two different",
    ),
    (
        "friction order",
        "iso3_a,iso3_b,default,low,high\nJPN,KOR,0.5,0.6,0.9\n",
        2,
        "low <= default <= high",
    ),
    ("friction range", "iso3_a,iso3_b,default,low,high\nJPN,KOR,0.5,0.1,1.9\n", 2, "out of range"),
    ("friction ROW", "iso3_a,iso3_b,default,low,high\nJPN,ROW,0.5,0.1,0.9\n", 2, "ROW"),
]


@pytest.mark.parametrize(("case", "text", "line", "reason"), BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_bad_csv_rejected_with_file_line_reason(tmp_path, case, text, line, reason):
    f = write(tmp_path, "o.csv", text)
    with pytest.raises(InputError) as exc:
        load_world(f)
    msg = str(exc.value)
    assert msg.startswith(f"{f}:{line}:"), msg
    assert reason in msg


def test_unknown_country_suggests(tmp_path):
    f = write(tmp_path, "o.csv", "iso3,column,value\nKOE,rd,1\n")
    with pytest.raises(InputError, match="did you mean KOR"):
        load_world(f)


BAD_YAML = [
    ("unknown top key", "valuez: []\n", 1, "valuez"),
    (
        "unknown entry key",
        "values:\n  - {iso3: KOR, column: rd, value: 1, colour: r}\n",
        2,
        "colour",
    ),
    ("bool value", "values:\n  - {iso3: KOR, column: rd, value: true}\n", 2, "number"),
    ("yaml nan", "values:\n  - {iso3: KOR, column: rd, value: .nan}\n", 2, "NaN"),
    (
        "unknown country",
        "values:\n  - {iso3: KOR, column: rd, value: 1}\n  - {iso3: XXX, column: rd, value: 1}\n",
        3,
        "XXX",
    ),
    ("bad yaml", "values: [\n", 2, "not valid YAML"),
    ("not a mapping", "- 1\n- 2\n", 1, "mapping"),
    ("empty", "", 1, "empty file"),
    ("frictions not a list", "frictions: {a: 1}\n", 1, "list"),
    ("numeric country", "values:\n  - {iso3: 123, column: rd, value: 1}\n", 2, "text"),
]


@pytest.mark.parametrize(("case", "text", "line", "reason"), BAD_YAML, ids=[c[0] for c in BAD_YAML])
def test_bad_yaml_rejected_with_file_line_reason(tmp_path, case, text, line, reason):
    f = write(tmp_path, "o.yaml", text)
    with pytest.raises(InputError) as exc:
        load_world(f)
    msg = str(exc.value)
    assert msg.startswith(f"{f}:{line}:"), msg
    assert reason in msg


def test_mapping_errors_name_the_entry():
    with pytest.raises(InputError, match=r"<mapping>:values entry 2: .*XXX"):
        WORLD.with_overrides(
            {
                "values": [
                    {"iso3": "KOR", "column": "rd", "value": 1},
                    {"iso3": "XXX", "column": "rd", "value": 1},
                ]
            }
        )


def test_missing_file_and_bad_suffix(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_world(tmp_path / "none.csv")
    f = write(tmp_path, "o.txt", "x")
    with pytest.raises(InputError, match=r"\.csv, \.yaml or \.yml"):
        load_world(f)


def test_nothing_half_applied(tmp_path):
    before = WORLD.model_inputs()
    f = write(tmp_path, "o.csv", "iso3,column,value\nKOR,rd,1\nJPN,rd,bad\n")
    with pytest.raises(InputError):
        WORLD.with_overrides(f)
    assert WORLD.model_inputs().equals(before)
    assert load_world().model_inputs().at["KOR", "rd"] == pytest.approx(119.58)


# -- property-based tests of the parser --------------------------------------------------------
codes = st.sampled_from([c for c in WORLD.codes if c != "ROW"])
unit_cols = st.sampled_from([c for c, r in INPUT_RANGES.items() if r == (0.0, 1.0)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.dictionaries(
        st.tuples(codes, unit_cols), st.floats(0, 1, allow_nan=False), min_size=1, max_size=6
    )
)
def test_valid_csv_round_trips(tmp_path_factory, rows):
    text = "iso3,column,value\n" + "".join(
        f"{iso3},{col},{val!r}\n" for (iso3, col), val in rows.items()
    )
    f = tmp_path_factory.mktemp("h") / "o.csv"
    f.write_text(text)
    ov = read_overrides(f, WORLD)
    got = {(v.iso3, v.column): v.value for v in ov.values}
    assert got == rows
    w = WORLD.with_overrides(ov)
    mi = w.model_inputs()
    for (iso3, col), val in rows.items():
        assert mi.at[iso3, col] == val


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=12))
def test_any_value_text_parses_or_raises_inputerror(tmp_path_factory, value):
    value = value.replace("\n", " ").replace("\r", " ").replace('"', "")
    f = tmp_path_factory.mktemp("h") / "o.csv"
    f.write_text(f'iso3,column,value\nKOR,alignment,"{value}"\n')
    try:
        ov = read_overrides(f, WORLD)
    except InputError as exc:
        assert str(exc).startswith(f"{f}:")
    else:
        v = ov.values[0].value
        assert math.isfinite(v) and 0 <= v <= 1
        assert float(value) == v


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_csv_never_crashes(tmp_path_factory, text):
    f = tmp_path_factory.mktemp("h") / "o.csv"
    f.write_text(text, encoding="utf-8")
    try:
        read_overrides(f, WORLD)
    except InputError as exc:
        assert str(exc).startswith(str(f))


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_yaml_never_crashes(tmp_path_factory, text):
    f = tmp_path_factory.mktemp("h") / "o.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        read_overrides(f, WORLD)
    except InputError as exc:
        assert str(exc).startswith(str(f))


@settings(max_examples=40, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_mapping_values_validated(value):
    try:
        w = WORLD.with_overrides({"values": {"KOR": {"threat": value}}})
    except InputError as exc:
        assert "<mapping>" in str(exc)
        assert not (math.isfinite(value) and 0 <= value <= 1)
    else:
        assert w.model_inputs().at["KOR", "threat"] == value
