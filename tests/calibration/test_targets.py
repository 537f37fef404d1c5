"""The targets table: the bundled one, the parser and the mapping onto model outputs."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.calibration.history import history_policy_specs, target_values
from techbloc.calibration.targets import (
    COLUMNS,
    HISTORY_END,
    HISTORY_START,
    TRANSFORMS,
    load_targets,
    validate_targets,
)
from techbloc.errors import InputError


def test_bundled_targets_cover_the_issue():
    table = load_targets()
    outputs = set(table["output"])
    assert {
        "china_knowledge_production_share",
        "rd_ratio_china_us",
        "china_rd_share",
        "china_self_sufficiency_by_domain",
        "credibility",
        "members_remaining",
    } <= outputs
    groups = set(table.loc[table["output"] == "members_remaining", "group"])
    assert groups == {"NATO", "EU", "FIVE_EYES", "WASSENAAR"}
    # every observation from 2020 on is a hold-out, every earlier one is matched
    assert (table["holdout"] == (table["year"] >= 2020)).all()
    assert (table.loc[table["output"] == "members_remaining", "observed"] == 0).all()


def test_knowledge_discrepancy_holds_both_proxies():
    """Each proxy (articles, patents) lies one discrepancy s.d. from the target."""
    table = load_targets()
    rows = table[table["output"] == "china_knowledge_production_share"]
    for _, row in rows.iterrows():
        rule = row["disc_rule"]
        articles = float(rule.split("articles ")[1].split(",")[0])
        patents = float(rule.split("resident patents ")[1].split(")")[0])
        assert row["observed"] == pytest.approx((articles + patents) / 2, abs=2e-3)
        assert row["disc_sd"] == pytest.approx(abs(articles - patents) / 2, abs=2e-3)


def test_rebuilding_the_targets_gives_the_bundled_table(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = root.parent / "shared" / "data"
    if not source.is_dir():
        pytest.skip("the shared data bundle is not next to the repository")
    subprocess.run(
        [
            sys.executable,
            str(root / "scripts" / "build_targets.py"),
            "--source",
            str(source),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    bundled = root / "src" / "techbloc" / "data" / "calibration"
    assert (tmp_path / "targets.csv").read_bytes() == (bundled / "targets.csv").read_bytes()


names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
years = st.integers(HISTORY_START, HISTORY_END)
sds = st.floats(0.001, 10, allow_nan=False)


@st.composite
def rows(draw):
    year = draw(st.integers(HISTORY_START + 1, HISTORY_END))
    transform = draw(st.sampled_from(TRANSFORMS))
    return dict(
        target=draw(names),
        series="s",
        group="g",
        year=str(year),
        observed=repr(draw(st.floats(-100, 100, allow_nan=False))),
        obs_sd=repr(draw(sds)),
        obs_rule="r",
        disc_sd=repr(draw(sds)),
        disc_rule="r",
        output="rd_ratio_china_us",
        policy="status_quo",
        domain="",
        transform=transform,
        base_year="" if transform == "level" else str(draw(st.integers(HISTORY_START, year - 1))),
        members="",
        holdout=draw(st.sampled_from(["true", "false"])),
        source="x",
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=6, unique_by=lambda r: r["target"]))
def test_valid_tables_round_trip(table_rows):
    raw = pd.DataFrame(table_rows, columns=list(COLUMNS))
    text = raw.to_csv(index=False)
    parsed = validate_targets(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False))
    assert list(parsed.index) == [r["target"] for r in table_rows]
    np.testing.assert_allclose(parsed["observed"], [float(r["observed"]) for r in table_rows])
    assert parsed["holdout"].tolist() == [r["holdout"] == "true" for r in table_rows]


BAD = [
    ("year", "2009", "outside"),
    ("year", "20x0", "not a year"),
    ("obs_sd", "-1", "negative"),
    ("observed", "nan", "finite"),
    ("output", "china_knowledge_shar", "unknown model output"),
    ("transform", "log", "not one of"),
    ("policy", "nato", "status_quo or group"),
    ("holdout", "yes", "true or false"),
    ("domain", "semiconductors", "has no domain"),
    ("target", "Bad Name", "lower-case"),
]


@pytest.mark.parametrize("column, value, message", BAD)
def test_a_bad_value_names_the_line_and_column(column, value, message):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        target="a",
        year="2015",
        observed="1",
        obs_sd="0.1",
        disc_sd="0.1",
        output="rd_ratio_china_us",
        policy="status_quo",
        transform="level",
        holdout="false",
    )
    row[column] = value
    raw = pd.DataFrame([row], columns=list(COLUMNS))
    with pytest.raises(InputError, match=message) as info:
        validate_targets(raw, where="my.csv")
    assert f"my.csv:2: {column}" in str(info.value)


def test_zero_variance_and_duplicates_are_refused():
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        target="a",
        year="2015",
        observed="1",
        obs_sd="0",
        disc_sd="0",
        output="rd_ratio_china_us",
        policy="status_quo",
        transform="level",
        holdout="false",
    )
    with pytest.raises(InputError, match="infinite"):
        validate_targets(pd.DataFrame([row], columns=list(COLUMNS)))
    row.update(disc_sd="1")
    with pytest.raises(InputError, match="repeats line 2"):
        validate_targets(pd.DataFrame([row, row], columns=list(COLUMNS)))


def test_transformations_read_the_right_years():
    import xarray as xr

    years = np.arange(2010, 2024)
    values = np.exp(0.1 * (years - 2010))[None, None, :] * np.array([1.0, 2.0])[:, None, None]
    data = {
        "rd_ratio_china_us_trajectory": xr.DataArray(
            values,
            dims=("scenario", "policy", "year"),
            coords={"scenario": [0, 1], "policy": ["status_quo"], "year": years},
        ),
        "members_remaining_trajectory": xr.DataArray(
            np.broadcast_to(30.0 - (years >= 2015), (2, 1, 14)).copy(),
            dims=("scenario", "policy", "year"),
            coords={"scenario": [0, 1], "policy": ["group:NATO"], "year": years},
        ),
    }
    base = dict.fromkeys(COLUMNS, "")
    base.update(obs_sd="0.1", disc_sd="0.1", observed="0", holdout="false")
    table = validate_targets(
        pd.DataFrame(
            [
                dict(
                    base,
                    target="lvl",
                    year="2012",
                    output="rd_ratio_china_us",
                    policy="status_quo",
                    transform="level",
                ),
                dict(
                    base,
                    target="lr",
                    year="2020",
                    output="rd_ratio_china_us",
                    policy="status_quo",
                    transform="log_ratio",
                    base_year="2010",
                ),
                dict(
                    base,
                    target="r",
                    year="2020",
                    output="rd_ratio_china_us",
                    policy="status_quo",
                    transform="ratio",
                    base_year="2015",
                ),
                dict(
                    base,
                    target="loss",
                    year="2019",
                    output="members_remaining",
                    policy="group:NATO",
                    transform="loss",
                    base_year="2010",
                    members="USA;CAN",
                ),
            ],
            columns=list(COLUMNS),
        )
    )
    out = target_values(data, table)
    np.testing.assert_allclose(out["lvl"], [np.exp(0.2), 2 * np.exp(0.2)])
    np.testing.assert_allclose(out["lr"], [1.0, 1.0])
    np.testing.assert_allclose(out["r"], [np.exp(0.5)] * 2)
    np.testing.assert_allclose(out["loss"], [1.0, 1.0])
    specs = history_policy_specs(table)
    assert [s["name"] for s in specs] == ["status_quo", "group:NATO"]
    assert specs[1]["members"] == ["USA", "CAN"] and specs[1]["pool_share"] == 0.0
