"""`techbloc hindcast` and `techbloc calibrate`: JSON, determinism from the seed, resume."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from techbloc.cli import _register, app

_register()
runner = CliRunner()


def test_hindcast_json_lists_every_target():
    result = runner.invoke(app, ["hindcast", "--scenarios", "12", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    rows = payload["runs"]["wide prior"]
    assert {r["target"] for r in rows} >= {"knowledge_share_2015", "exits_nato_2019"}
    for row in rows:
        assert row["p10"] <= row["median"] <= row["p90"]
        assert isinstance(row["covered"], bool) and row["implausibility"] >= 0


def test_hindcast_figures_one_per_series_with_clean_names(tmp_path):
    result = runner.invoke(app, ["hindcast", "--scenarios", "10", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    figures = [Path(p) for p in json.loads(result.output)["figures"]]
    assert figures and all(p.exists() for p in figures)
    stems = {p.stem for p in figures}
    assert len(stems) == len(figures) // 2  # a PNG and an SVG each
    for stem in stems:  # a long series name cut to 60 characters left a trailing "_"
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", stem) and len(stem) <= 60, stem


def test_calibrate_is_deterministic_and_resumes(tmp_path):
    args = ["calibrate", "--scenarios", "40", "--waves", "2", "--size", "10", "--seed", "4"]
    first = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--json"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--quiet"])
    assert second.exit_code == 0, second.output
    a = (tmp_path / "a" / "futures.csv").read_bytes()
    assert a == (tmp_path / "b" / "futures.csv").read_bytes()
    payload = json.loads(first.output)
    assert payload["provenance"]["seed"] == 4 and payload["provenance"]["waves"]
    # running it again reuses every wave's finished chunks and writes the same set
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--quiet"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "a" / "futures.csv").read_bytes() == a


def test_a_bad_targets_table_is_one_line_per_problem(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("target,year\nx,2009\n")
    result = runner.invoke(app, ["calibrate", "--targets", str(bad), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "missing column" in str(result.exception)
