"""The CLI's number-format policy, units in headers, and tables that fit 100 columns."""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from techbloc.cli import _register, app
from techbloc.cli.formatting import (
    MISSING,
    display_unit,
    format_number,
    format_range,
    header,
    outcome_unit,
    plural,
)
from techbloc.cli.model import comparison_columns
from techbloc.model import SCALARS

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def registered():
    _register()


@pytest.fixture
def wide100(monkeypatch):
    """A 100-column terminal for rich (as the README is read)."""
    monkeypatch.setenv("COLUMNS", "100")


# -- the policy ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "change", "text"),
    [
        (0.3148, "share", False, "31.5"),  # shares in percent
        (1.0, "share", False, "100"),
        (-0.0237, "share", True, "-2.37"),  # a change in a share: percentage points
        (3421.7, "PPP $bn", False, "3,422"),  # thousands separators, never 3.42e+03
        (21350.0, "", False, "21,350"),
        (0.026812, "1/yr", False, "0.0268"),  # three significant digits
        (1.0349, "ratio", False, "1.03"),
        (0.000957, "log ratio", False, "0.000957"),
        (2.5e-8, "", False, "2.50e-08"),  # only below 1e-6: scientific
        (1e-18, "", False, "0"),  # rounding noise
        (float("nan"), "share", False, MISSING),
        (None, "", False, MISSING),
        (5, "count", False, "5"),
    ],
)
def test_format_number(value, unit, change, text):
    assert format_number(value, unit, change=change) == text


def test_a_range_is_one_format():
    assert format_range(3421.2, 2108.4, 5637.0, "PPP $bn") == "3,421 (2,108–5,637)"
    assert format_range(-0.000957, -0.101, 0.0867, "log ratio") == "-0.001 (-0.101–0.087)"
    assert format_range(0.315, 0.314, 0.316, "share") == "31.5 (31.4–31.6)"


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False) | st.floats(-1e12, -1e-6))
def test_numbers_keep_three_significant_digits_without_exponents(x):
    text = format_number(x)
    assert "e" not in text
    back = float(text.replace(",", ""))
    # rounded to 3 significant digits (whole numbers from 1,000 on)
    tolerance = 0.5 if abs(x) >= 1000 else 0.5 * 10 ** (math.floor(math.log10(abs(x))) - 2)
    assert abs(back - x) <= tolerance * (1 + 1e-9)


def test_units_come_from_the_outcome_metadata():
    for name, out in SCALARS.items():
        assert outcome_unit(name) == out.unit
    assert outcome_unit("denial") == "share"  # a parameter: from the registry
    assert display_unit("share") == "%" and display_unit("share", change=True) == "pp"
    assert header("power_ratio_china_us", "ratio") == "power ratio china us (ratio)"


def test_plural():
    assert plural(1, "policy") == "1 policy"
    assert plural(3, "policy") == "3 policies"
    assert plural(1000, "future") == "1,000 futures"


# -- the commands -------------------------------------------------------------------------------
def test_evaluate_table_has_units_and_one_format(wide100):
    res = runner.invoke(app, ["evaluate", "-p", "forging_core", "--scenarios", "6"])
    assert res.exit_code == 0, res.output
    assert "median (p10–p90)" in res.output
    row = next(line for line in res.output.splitlines() if "alliance_rd_share" in line)
    number = r"\d{1,3}(\.\d+)?"  # a share in percent, three significant digits at most
    assert re.search(rf"│ %\s+│\s+{number} \({number}–{number}\) │", row), row
    knowledge = next(line for line in res.output.splitlines() if "china_knowledge " in line)
    assert "PPP $bn" in knowledge and "e+" not in knowledge
    assert "…" not in res.output


def test_run_fits_100_columns_and_says_complete_once(tmp_path, wide100, monkeypatch):
    # the comparison and the status lines are checked here; the report of a run is
    # test_model.py's test_run_default_study_small
    monkeypatch.setattr("techbloc.cli.model._write_report", lambda *args: None)
    args = ["run", "--out", str(tmp_path), "--scenarios", "4"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "…" not in first.output  # the "China/coalition" header was cut at 100 columns
    flat = " ".join(first.output.split())
    for name, _ in comparison_columns():  # every column's unit in its header
        unit = display_unit(outcome_unit(name))
        if unit and unit != "dimensionless":
            for word in f"({unit})".split():  # a header may wrap inside its unit
                assert word in flat, (name, unit)
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert again.output.count("complete") == 1, again.output


def test_shapley_labels_contributions_and_names_the_leakage_it_uses(wide100):
    res = runner.invoke(app, ["shapley", "USA,JPN,KOR", "--scenarios", "4"])
    assert res.exit_code == 0, res.output
    assert "contribution" in res.output
    assert not re.search(r"┃\s*share\s*┃", res.output)  # Shapley values of a share are no share
    assert "std error" not in res.output  # exact values: no sampling error column
    assert "leakage = pool_leak_rate" in res.output
    assert re.search(r"│ pool_leak_rate\s+│ 1/yr\s+│", res.output)
    assert "pp" in res.output  # a share's contribution in percentage points


def test_optimize_names_pool_leak_rate(wide100):
    res = runner.invoke(
        app,
        [
            "optimize",
            "--candidates",
            "JPN,KOR",
            "--objectives",
            "alliance_rd_share:max,leakage:min",
            "--scenarios",
            "4",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "not the report's cumulative leakage" in res.output
    assert "(1/yr)" in res.output and "alliance rd share (%)" in res.output
    assert "…" not in res.output


def test_one_policy_is_singular(tmp_path):
    spec = tmp_path / "one.yaml"
    spec.write_text(
        "policies: [{preset: forging_core}]\nscenarios: 3\nyears: {start: 2024, end: 2026}\n"
    )
    out = tmp_path / "out"
    first = runner.invoke(app, ["explore", str(spec), "--out", str(out), "-q"])
    assert first.exit_code == 0, first.output
    assert "3 scenarios × 1 policy in" in " ".join(first.output.split())
    again = runner.invoke(app, ["explore", str(spec), "--out", str(out), "-q"])
    said = " ".join(again.output.split())
    assert "× 1 policy)" in said and "policies" not in said


def test_data_tables_use_the_same_format(wide100):
    res = runner.invoke(app, ["data", "countries"])
    assert res.exit_code == 0, res.output
    assert "e+" not in res.output  # was 2.135e+04 beside 1,906
    usa = next(line for line in res.output.splitlines() if "United States" in line)
    assert re.search(r"│\s+\d{1,3}(,\d{3})+ │", usa), usa  # GDP with thousands separators
    assert format_number(12345.678, digits=4) == "12,346"
    assert format_number(0.123456, digits=4) == "0.1235"


def test_tables_are_never_cropped_on_a_narrow_terminal_or_a_pipe(tmp_path, monkeypatch):
    """Below the width a table needs, it is printed whole (a pipe counts as 80 columns)."""
    monkeypatch.setenv("COLUMNS", "60")
    res = runner.invoke(app, ["run", "--out", str(tmp_path), "--scenarios", "4"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    for label in ("coalition", "stronger", "stable", *(label for _, label in comparison_columns())):
        assert label.split()[0] in flat, label
    assert "…" not in res.output
    rows = [line for line in res.output.splitlines() if line.startswith(" forging_core ")]
    assert rows, res.output
    for row in rows:  # every cell, the last (ext. stable) a number: no column lost
        cells = [c.strip() for c in row.split("│")]
        assert len(cells) == len(comparison_columns()) + 3, row
        assert re.fullmatch(r"\d+(\.\d+)?", cells[-1]), row


def _commands(group):
    """Every command of a Typer app and of its sub-apps, as (name, callback)."""
    for info in group.registered_commands:
        yield info.name or info.callback.__name__, info.callback
    for sub in group.registered_groups:
        yield from _commands(sub.typer_instance)


def test_every_command_has_a_one_line_summary() -> None:
    """The first paragraph of a command's docstring is its line in ``techbloc --help``: a
    line break inside it shows in the list as a broken sentence."""
    commands = dict(_commands(app))
    assert {"run", "report", "explore", "calibrate"} <= set(commands)
    for name, callback in commands.items():
        summary = (callback.__doc__ or "").strip().split("\n\n", 1)[0]
        assert summary, f"{name}: no docstring"
        assert "\n" not in summary, f"{name}: its summary runs over lines: {summary!r}"
