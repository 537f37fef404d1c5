"""User overrides: every rejection case names file, line and reason; nothing half-applied."""

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.overrides import check_overrides, inert_overrides, read_overrides
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


# -- wide layout (a spreadsheet export): iso3 plus one column per indicator or input ------------
def test_wide_csv_matches_long_layout(tmp_path):
    wide = write(tmp_path, "wide.csv", "iso3,rd,hedging,note\nKOR,100,0.3,mine\nJPN,,0.5,\n")
    long = write(
        tmp_path,
        "long.csv",
        "iso3,column,value,note\nKOR,rd,100,mine\nKOR,hedging,0.3,mine\nJPN,hedging,0.5,\n",
    )
    got = {(v.iso3, v.column, v.value, v.note) for v in read_overrides(wide, WORLD).values}
    want = {(v.iso3, v.column, v.value, v.note) for v in read_overrides(long, WORLD).values}
    assert got == want  # the empty JPN rd cell is no override
    assert (
        WORLD.with_overrides(wide).model_inputs().equals(WORLD.with_overrides(long).model_inputs())
    )


def test_wide_yaml_top_level_mapping(tmp_path):
    f = write(tmp_path, "o.yaml", "KOR: {rd: 100, hedging: 0.3}\nTWN:\n  population: 23.4\n")
    mi = WORLD.with_overrides(f).model_inputs()
    assert mi.at["KOR", "rd"] == 100 and mi.at["KOR", "hedging"] == 0.3
    assert mi.at["TWN", "population"] == 23.4


BAD_WIDE_CSV = [
    ("out of range", "iso3,rd,hedging\nKOR,100,1.5\n", 2, "column C (hedging): value 1.5"),
    ("not a number", "iso3,rd,hedging\nKOR,lots,0.1\n", 2, "column B (rd): value of rd must"),
    ("unknown column", "iso3,rd,hedgin\nKOR,1,0.1\n", 1, "column C (hedgin): unknown column"),
    ("unknown country", "iso3,rd\nKOR,1\nKOE,1\n", 3, "column B (rd): unknown country code"),
    ("duplicate header", "iso3,rd,rd\nKOR,1,2\n", 1, "duplicate header column(s) 'rd'"),
    ("empty header", "iso3,,rd\nKOR,1,2\n", 1, "column B (): empty header cell"),
    ("no columns", "iso3,note\nKOR,x\n", 1, "names no indicator or model input"),
    ("field count", "iso3,rd,hedging\nKOR,1\n", 2, "expected 3 fields, got 2"),
    ("set twice", "iso3,rd\nKOR,1\nKOR,2\n", 3, "KOR rd is set twice"),
    ("ROW indicator", "iso3,population_total\nROW,1\n", 2, "column B (population_total): "),
]


@pytest.mark.parametrize(
    ("case", "text", "line", "reason"), BAD_WIDE_CSV, ids=[c[0] for c in BAD_WIDE_CSV]
)
def test_bad_wide_csv_rejected_with_file_line_column_reason(tmp_path, case, text, line, reason):
    f = write(tmp_path, "o.csv", text)
    with pytest.raises(InputError) as exc:
        load_world(f)
    msg = str(exc.value)
    assert msg.startswith(f"{f}:{line}:"), msg
    assert reason in msg, msg


def test_bad_wide_yaml_names_the_line_of_the_value(tmp_path):
    f = write(tmp_path, "o.yaml", "KOR: {rd: 100}\nTWN:\n  population: 23.4\n  hedging: 2\n")
    with pytest.raises(InputError, match=rf"^{re.escape(str(f))}:4: value 2 of hedging"):
        load_world(f)
    f = write(tmp_path, "typo.yaml", "valuez: {KOR: {rd: 1}}\n")
    with pytest.raises(InputError, match=r"unknown key.*valuez"):
        load_world(f)


wide_cells = st.one_of(st.none(), st.floats(0, 1, allow_nan=False))


@st.composite
def wide_tables(draw):
    """Distinct countries x distinct 0-1 inputs, cells a value or blank (None)."""
    rows = draw(st.lists(codes, min_size=1, max_size=5, unique=True))
    cols = draw(st.lists(unit_cols, min_size=1, max_size=4, unique=True))
    cells = {(r, c): draw(wide_cells) for r in rows for c in cols}
    return rows, cols, cells


def _wide_csv(rows, cols, cells):
    lines = ["iso3," + ",".join(cols)]
    for r in rows:
        lines.append(
            r + "," + ",".join("" if cells[r, c] is None else repr(cells[r, c]) for c in cols)
        )
    return "\n".join(lines) + "\n"


def _wide_yaml(rows, cols, cells):
    """Block style: one value per line, so every cell has a line of its own."""
    out = []
    for r in rows:
        out.append(f"{r}:")
        out += [f"  {c}: {cells[r, c]!r}" for c in cols if cells[r, c] is not None]
        if out[-1] == f"{r}:":
            out[-1] = f"{r}: {{}}"
    return "\n".join(out) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=wide_tables())
def test_wide_csv_and_yaml_read_as_the_cells_say(tmp_path_factory, table):
    cells = table[2]
    want = {key: value for key, value in cells.items() if value is not None}
    d = tmp_path_factory.mktemp("wide")
    for name, text in (("o.csv", _wide_csv(*table)), ("o.yaml", _wide_yaml(*table))):
        f = d / name
        f.write_text(text)
        ov = read_overrides(f, WORLD)
        assert {(v.iso3, v.column): v.value for v in ov.values} == want, name
        mi = WORLD.with_overrides(ov).model_inputs()
        for (iso3, col), value in want.items():
            assert mi.at[iso3, col] == value


bad_cells = st.one_of(
    st.floats(1.0, 1e6, exclude_min=True, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e6, 0.0, exclude_max=True, allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["lots", "n/a", "nan", "inf", "1,5"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=wide_tables(), bad=bad_cells, data=st.data())
def test_one_bad_wide_cell_is_named_and_nothing_applies(tmp_path_factory, table, bad, data):
    rows, cols, cells = table
    i = data.draw(st.integers(0, len(rows) - 1))
    j = data.draw(st.integers(0, len(cols) - 1))
    text = _wide_csv(rows, cols, cells)
    lines = text.splitlines()
    fields = lines[i + 1].split(",")
    fields[j + 1] = f'"{bad}"' if "," in bad else bad
    lines[i + 1] = ",".join(fields)
    f = tmp_path_factory.mktemp("bad") / "o.csv"
    f.write_text("\n".join(lines) + "\n")
    before = WORLD.model_inputs()
    with pytest.raises(InputError) as exc:
        WORLD.with_overrides(f)
    letter = "ABCDEFGH"[j + 1]
    assert str(exc.value).startswith(f"{f}:{i + 2}: column {letter} ({cols[j]}): "), exc.value
    assert WORLD.model_inputs().equals(before)


def test_indicator_overrides_the_model_does_not_read_are_found(tmp_path):
    """Korea's R&D in the model is SRD-1's: an RD-5 GERD override changes only the
    indicator (the shipped template did this). India has no SRD-1 value, so its RD-5 GERD
    is what the model reads."""
    f = write(
        tmp_path,
        "o.yaml",
        "values:\n"
        "  - {iso3: KOR, column: gerd_ppp_usd_m, value: 110000}\n"
        "  - {iso3: KOR, column: hedging, value: 0.3}\n"
        "  - {iso3: IND, column: gerd_ppp_usd_m, value: 90000}\n"
        "  - {iso3: JPN, column: srd1_gerd_ppp_usd_bn, value: 250}\n",
    )
    ov = read_overrides(f, WORLD)
    inert = inert_overrides(ov, WORLD)
    assert [(v.iso3, v.column, v.origin) for v in inert] == [("KOR", "gerd_ppp_usd_m", f"{f}:2")]
    assert (
        inert_overrides(read_overrides(write(tmp_path, "e.yaml", "values: []\n"), WORLD), WORLD)
        == []
    )
