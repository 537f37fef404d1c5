"""``techbloc robustness / discover / sensitivity``: :mod:`techbloc.cli.analysis`."""

import json

import pytest
from typer.testing import CliRunner

from techbloc.cli import _register, app

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def registered():
    _register()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _run_study(directory, spec):
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    run_study(Study.from_dict(spec), directory, fresh=True)
    return directory


@pytest.fixture(scope="module")
def lhs_store(tmp_path_factory):
    spec = {
        "name": "cli-lhs",
        "policies": [{"preset": "forging_core"}, {"preset": "forging_core+KOR"}],
        "scenarios": 60,
        "years": {"start": 2024, "end": 2032},
        "seed": 1,
    }
    return _run_study(tmp_path_factory.mktemp("lhs"), spec)


@pytest.fixture(scope="module")
def sobol_store(tmp_path_factory):
    spec = {
        "name": "cli-sobol",
        "policies": [{"preset": "forging_core"}],
        "design": "sobol",
        "scenarios": 32,
        "vary": ["denial", "indigenization", "synergy"],
        "years": {"start": 2024, "end": 2030},
        "seed": 2,
    }
    return _run_study(tmp_path_factory.mktemp("sobol"), spec)


def test_robustness_json_and_table(lhs_store):
    res = run(
        "robustness",
        lhs_store,
        "--metric",
        "alliance_rd_share:max",
        "--metric",
        "leakage_share:min",
        "--baseline",
        "forging_core",
        "--threshold",
        "alliance_rd_share>=0.3",
        "--json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rows = {(r["metric"], r["policy"]): r for r in data["summary"]}
    assert rows[("alliance_rd_share", "forging_core")]["max_regret_baseline"] == 0
    # adding Korea raises the R&D share on average: negative regret against the core
    assert rows[("alliance_rd_share", "forging_core+KOR")]["mean_regret_baseline"] < 0
    assert all(r["max_regret"] >= 0 for r in data["summary"])
    assert {r["policy"] for r in data["satisficing"]} == {"forging_core", "forging_core+KOR"}
    res = run("robustness", lhs_store, "-m", "alliance_rd_share")
    assert res.exit_code == 0 and "robustness" in res.output


def test_robustness_errors(lhs_store):
    from techbloc.errors import InputError

    res = run("robustness", lhs_store, "--metric", "nope:max")
    assert isinstance(res.exception, InputError) and "unknown outcome" in str(res.exception)


def test_discover_prim_and_cart(lhs_store):
    res = run(
        "discover", lhs_store, "--where", "backlash > 0", "--policy", "forging_core", "--json"
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["box"]["coverage"] > 0 and data["trajectory"][0]["coverage"] == 1
    res = run(
        "discover", lhs_store, "-w", "backlash > 0", "--policy", "forging_core", "--method", "cart"
    )
    assert res.exit_code == 0, res.output
    assert "CART leaves" in res.output
    res = run("discover", lhs_store, "-w", "nonsense > 0", "--policy", "forging_core")
    assert "unknown outcome" in str(res.exception)


def test_sensitivity_needs_matching_design(lhs_store, sobol_store):
    res = run("sensitivity", sobol_store, "--outcome", "backlash", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {r["parameter"] for r in data["indices"]} == {"denial", "indigenization", "synergy"}
    assert all("ST_conf" in r for r in data["indices"])
    assert data["method"] == "sobol"  # the default, auto, takes the design's method
    args = ["sensitivity", lhs_store, "--outcome", "backlash", "--policy", "forging_core"]
    res = run(*args, "--method", "sobol")
    assert "Saltelli/Sobol design" in str(res.exception)
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(lhs_store) as store:
        varied = set(store.study.varied())
    # a Latin hypercube: given-data indices, asked for or by default
    for method in (["--method", "given_data"], []):
        res = run(*args, *method, "--json")
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        assert data["method"] == "given_data"
        assert {r["parameter"] for r in data["indices"]} == varied


def test_morris_study_screens_parameters(tmp_path):
    """A Morris design runs as a study, and `sensitivity --method morris` ranks its inputs."""
    spec = {
        "name": "cli-morris",
        "policies": [{"preset": "forging_core"}],
        "design": {"method": "morris", "levels": 4},
        "scenarios": 12,
        "vary": ["denial", "indigenization", "synergy", "diffusion"],
        "years": {"start": 2024, "end": 2040},
        "seed": 3,
    }
    store = _run_study(tmp_path / "morris", spec)
    res = run("sensitivity", store, "--outcome", "backlash", "--json")  # auto: Morris's
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["method"] == "morris"
    indices = {row["parameter"]: row for row in json.loads(res.output)["indices"]}
    assert set(indices) == {"denial", "indigenization", "synergy", "diffusion"}
    # backlash is driven by denial and indigenization (MODEL.md §8.7), not by pool synergy
    assert indices["denial"]["mu_star"] > indices["synergy"]["mu_star"]
    assert indices["indigenization"]["mu_star"] > indices["synergy"]["mu_star"]
    # the other methods refuse a Morris design where they need their own
    res = run("sensitivity", store, "--outcome", "backlash", "--method", "sobol")
    assert res.exit_code != 0


def test_morris_design_needs_even_levels():
    from techbloc.errors import InputError
    from techbloc.experiments.study import Study

    with pytest.raises(InputError, match="even number of levels"):
        Study.from_dict(
            {
                "policies": [{"preset": "quad"}],
                "design": {"method": "morris", "levels": 3},
                "scenarios": 4,
            }
        )


def test_robustness_reports_missing_values(monkeypatch, tmp_path):
    """A failed run counts as the worst case unless --drop-missing; the output says so."""
    import numpy as np
    import pandas as pd

    import techbloc.cli.analysis as cli_analysis
    from techbloc.analysis.outcomes import outcome_table

    share = {"a": [0.5, np.nan, 0.6], "b": [0.4, 0.45, 0.5]}
    table = outcome_table(
        pd.DataFrame(
            [{"scenario": s, "policy": p, "share": share[p][s]} for s in range(3) for p in "ab"]
        )
    )
    monkeypatch.setattr(cli_analysis, "_load", lambda directory: (None, table, None, []))
    res = run("robustness", tmp_path, "--metric", "share:max", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["missing"] == "worst" and data["n_missing"] == 1
    rows = {r["policy"]: r for r in data["summary"]}
    assert not rows["a"]["maximin_best"] and rows["b"]["maximin_best"]
    res = run("robustness", tmp_path, "--metric", "share:max", "--drop-missing", "--json")
    rows = {r["policy"]: r for r in json.loads(res.output)["summary"]}
    assert rows["a"]["maximin_best"] and rows["a"]["n_scenarios"] == 2
    res = run("robustness", tmp_path, "--metric", "share:max")
    assert res.exit_code == 0 and "1 missing value(s) counted as the worst case" in res.output


def test_discover_shows_prim_resampling(lhs_store):
    args = ("discover", lhs_store, "-w", "backlash > 0", "--policy", "forging_core")
    res = run(*args, "--resamples", "8", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rs = data["resampling"]
    assert rs["n_resamples"] == 8 and rs["box"] == data["chosen"]
    restricted = {r["parameter"] for r in data["box"]["limits"]}
    assert {r["parameter"] for r in rs["inputs"] if r["restricted"]} == restricted
    assert all(0 <= r["by_coverage"] <= 1 for r in rs["inputs"])
    assert 0 <= rs["same_inputs_by_coverage"] <= 1
    res = run(*args, "--resamples", "4")
    assert res.exit_code == 0, res.output
    assert "bootstrap resamples" in res.output and "reproduced" in res.output
    res = run(*args, "--resamples", "0", "--json")
    assert "resampling" not in json.loads(res.output)


def test_unknown_metric_is_refused_with_a_suggestion_not_a_traceback(
    lhs_store, monkeypatch, capsys
):
    import sys

    from techbloc.cli import main

    monkeypatch.setattr(sys, "argv", ["techbloc", "robustness", str(lhs_store), "-m", "cohesian"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "unknown outcome 'cohesion'" not in err and "Traceback" not in err
    assert "did you mean 'cohesion'" in err and "alliance_rd_share" in err
    assert "cohesian:max or cohesian:min" in err


def test_bare_metric_takes_the_registered_direction(lhs_store):
    res = run("robustness", lhs_store, "-m", "leakage_to_china", "-m", "cohesion", "--json")
    assert res.exit_code == 0, res.output
    directions = {r["metric"]: r["direction"] for r in json.loads(res.output)["summary"]}
    assert directions == {"leakage_to_china": "min", "cohesion": "max"}


def test_satisficing_counts_missing_values_in_scenarios(monkeypatch, tmp_path):
    """n_missing of the satisficing table is a count of scenarios, not a share (%)."""
    import numpy as np
    import pandas as pd

    import techbloc.cli.analysis as cli_analysis
    from techbloc.analysis.outcomes import outcome_table

    share = {"a": [0.5, np.nan, 0.6], "b": [0.4, 0.45, 0.5]}
    table = outcome_table(
        pd.DataFrame(
            [{"scenario": s, "policy": p, "share": share[p][s]} for s in range(3) for p in "ab"]
        )
    )
    monkeypatch.setattr(cli_analysis, "_load", lambda directory: (None, table, None, []))
    res = run("robustness", tmp_path, "-m", "share:max", "--threshold", "share>=0.45")
    assert res.exit_code == 0, res.output
    satisficing = res.output[res.output.index("satisficing: share") :]
    assert "n missing (%)" not in " ".join(satisficing.split())
    rows = {line.split()[1]: line.split() for line in satisficing.splitlines() if "│ a " in line}
    assert rows["a"][-2] == "1"  # one missing scenario, not 100 (%)
