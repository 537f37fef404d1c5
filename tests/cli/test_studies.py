"""``techbloc explore / results / export`` end to end on a small study (real model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from techbloc.cli import main

STUDY = {
    "name": "cli",
    "policies": [{"preset": "forging_core"}, {"preset": "forging_core+KOR"}],
    "scenarios": 8,
    "years": {"start": 2024, "end": 2029},
    "seed": 1,
}


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["techbloc", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # rich wraps long lines


@pytest.fixture
def study_file(tmp_path) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(STUDY))
    return path


def test_explore_results_export(tmp_path, monkeypatch, capsys, study_file):
    out = tmp_path / "out"
    code, stdout, _ = run_cli(
        monkeypatch,
        capsys,
        "explore",
        str(study_file),
        "--out",
        str(out),
        "--chunk-size",
        "3",
        "--quiet",
    )
    assert code == 0 and "complete" in stdout and "experiments/s" in stdout

    code, stdout, _ = run_cli(monkeypatch, capsys, "explore", str(study_file), "--out", str(out))
    assert code == 0 and "already complete" in stdout and "nothing to do" in stdout

    code, stdout, _ = run_cli(monkeypatch, capsys, "results", str(out), "--json")
    summary = json.loads(stdout)
    assert summary["complete"] and summary["policies"] == ["forging_core", "forging_core+KOR"]
    share = summary["outcomes"]["forging_core+KOR"]["alliance_rd_share"]
    assert share["p10"] <= share["median"] <= share["p90"]

    monkeypatch.setenv("COLUMNS", "160")  # outcome names unfolded (headline outcomes first)
    code, stdout, _ = run_cli(monkeypatch, capsys, "results", str(out))
    assert code == 0 and "alliance_rd_share" in stdout and "median" in stdout

    code, stdout, _ = run_cli(
        monkeypatch, capsys, "export", str(out), "--format", "csv", "--to", str(tmp_path / "csv")
    )
    assert code == 0
    outcomes = pd.read_csv(tmp_path / "csv" / "outcomes.csv")
    assert len(outcomes) == 16


def test_changed_study_needs_fresh(tmp_path, monkeypatch, capsys, study_file):
    out = tmp_path / "out"
    assert run_cli(monkeypatch, capsys, "explore", str(study_file), "--out", str(out), "-q")[0] == 0
    study_file.write_text(yaml.safe_dump({**STUDY, "seed": 2}))
    code, _, err = run_cli(monkeypatch, capsys, "explore", str(study_file), "--out", str(out), "-q")
    assert code == 2 and "different study" in err and "--fresh" in err
    code, _, _ = run_cli(
        monkeypatch, capsys, "explore", str(study_file), "--out", str(out), "-q", "--fresh"
    )
    assert code == 0


def test_invalid_study_is_reported_with_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("policies:\n  - preset: quad\nscenarios: 4\nvary: [nope]\n")
    code, _, err = run_cli(monkeypatch, capsys, "explore", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and f"{path}:4: vary.0: unknown parameter 'nope'" in err
    assert not (tmp_path / "o").exists()


def test_results_of_missing_store(tmp_path, monkeypatch, capsys):
    code, _, err = run_cli(monkeypatch, capsys, "results", str(tmp_path))
    assert code == 2 and "no results store" in err


def test_example_study_is_valid():
    from techbloc.experiments.study import Study

    study = Study.from_yaml(Path(__file__).parents[2] / "examples" / "study.yaml")
    assert study.n_scenarios == 200 and len(study.build_policies()) == 3


def test_a_scheduler_address_makes_the_default_executor_dask():
    from techbloc.cli.studies import ExecutorChoice, executor_kind

    assert executor_kind(ExecutorChoice.local) == "local"
    assert executor_kind(ExecutorChoice.local, "tcp://host:8786") == "dask"
    assert executor_kind(ExecutorChoice.processes, "tcp://host:8786") == "processes"
    assert executor_kind(ExecutorChoice.dask) == "dask"
