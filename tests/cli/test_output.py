"""How the analysis commands show results: :mod:`techbloc.cli.output`."""

import json
import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from techbloc.cli.output import clean, echo_json, note, print_frame, progress_bar, records

_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from([pd.NA, pd.NaT])  # pandas' missing markers (nullable Int64, dates)
)
_values = st.recursive(
    _leaves | _leaves.map(lambda v: np.float64(v) if isinstance(v, float) else v),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@given(_values)
def test_clean_is_strict_json_and_keeps_finite_values(value):
    cleaned = clean(value)
    text = json.dumps(cleaned, allow_nan=False)  # no NaN or infinity left
    assert json.loads(text) == cleaned
    if isinstance(value, float | np.floating):
        assert cleaned == (float(value) if math.isfinite(value) else None)


def test_records_name_index_levels_and_null_missing_values():
    frame = pd.DataFrame(
        {"value": [np.float64(0.5), np.nan]},
        index=pd.Index(["a", "b"], name="policy"),
    )
    assert records(frame) == [{"policy": "a", "value": 0.5}, {"policy": "b", "value": None}]
    assert records(frame.reset_index(drop=True)) == [{"value": 0.5}, {"value": None}]


def test_echo_json_prints_raw_values(capsys):
    echo_json({"x": np.int64(3), "y": float("nan")})
    assert json.loads(capsys.readouterr().out) == {"x": 3, "y": None}


def test_clean_nulls_pandas_missing_markers_and_keeps_other_values():
    years = pd.Series([2019, None], dtype="Int64")
    assert clean(list(years)) == [2019, None]
    assert clean({"when": pd.NaT, "ok": True, "name": "KOR"}) == {
        "when": None,
        "ok": True,
        "name": "KOR",
    }


def test_echo_json_escapes_non_ascii_unless_asked_not_to(capsys):
    echo_json({"name": "Türkiye"})
    assert "T\\u00fcrkiye" in capsys.readouterr().out
    echo_json({"name": "Türkiye"}, ensure_ascii=False)
    out = capsys.readouterr().out
    assert "Türkiye" in out and json.loads(out) == {"name": "Türkiye"}


def test_print_frame_shows_units_in_headers_and_shares_in_percent(capsys):
    frame = pd.DataFrame(
        {"share_ok": [0.25], "regret": [0.05], "label": ["x"]},
        index=pd.Index(["forging_core"], name="policy"),
    )
    print_frame(frame, "title", units={"regret": "share"}, changes=("regret",))
    out = capsys.readouterr().out
    assert "title" in out and "policy" in out and "forging_core" in out
    assert "(%)" in out and "(pp)" in out  # a share in percent, a change in points
    assert "25" in out and "5" in out and "0.25" not in out


def test_print_frame_gives_each_row_its_outcome_unit(capsys):
    frame = pd.DataFrame({"outcome": ["alliance_rd_share"], "value": [0.1]})
    print_frame(frame, "t", row_outcome="outcome", changes=("value",))
    out = capsys.readouterr().out
    assert "unit" in out and "pp" in out and "10" in out


def test_progress_bar_is_none_off_a_terminal_and_note_prints(capsys):
    with progress_bar("work") as advance:
        assert advance is None  # pytest captures stderr: not a terminal
    note("a [bold] line")  # markup is escaped, shown as written
    assert "a [bold] line" in capsys.readouterr().out
