"""``techbloc optimize / stability / shapley``: :mod:`techbloc.cli.coalition_analysis`."""

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


def test_optimize_small_pool():
    res = run(
        "optimize",
        "--candidates",
        "JPN,KOR,GBR,DEU",
        "--objectives",
        "alliance_rd_share:max,leakage:min",
        "--scenarios",
        "8",
        "--json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["method"] == "exhaustive"
    assert all(r["members"].startswith("USA") for r in data["front"])


def test_stability_and_shapley():
    res = run("stability", "forging_core", "--scenarios", "8", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {m["country"] for m in data["members"]} == {"JPN", "GBR", "AUS", "CAN"}
    res = run("shapley", "forging_core", "--scenarios", "8", "--json")
    assert res.exit_code == 0, res.output
    values = json.loads(res.output)["values"]
    assert {v["country"] for v in values} == {"JPN", "GBR", "AUS", "CAN"}


@pytest.mark.parametrize("command", ["stability", "shapley"])
def test_the_coalition_as_evaluate_takes_it(command):
    """`-p` and `-c` name the coalition as in `techbloc evaluate`, the same as the argument;
    `--end` is `--end-year`; none or two coalitions are refused with the three ways."""
    common = ["--scenarios", "4", "--end", "2027", "--horizon", "end", "--json"]
    answers = [
        run(command, *way, *common) for way in (["quad"], ["-p", "quad"], ["-c", "USA,JPN,AUS,IND"])
    ]
    for res in answers:
        assert res.exit_code == 0, res.output
    values = [json.loads(res.output) for res in answers]
    key = "members" if command == "stability" else "values"
    assert values[0][key] == values[1][key] == values[2][key]
    for wrong in ([], ["quad", "-p", "quad"], ["-p", "quad", "-c", "USA,JPN"]):
        res = run(command, *wrong, "--scenarios", "2")
        assert res.exit_code != 0
        assert "name one coalition: COALITION (a preset or members), --preset NAME" in str(
            res.exception
        )
    res = run(command, "-p", "USA,JPN", "--scenarios", "2")
    assert "--preset: unknown coalition preset 'USA,JPN'" in str(res.exception)


@pytest.mark.parametrize(
    "args",
    [
        ["stability", "forging_core"],
        ["shapley", "USA,JPN,KOR"],
        ["optimize", "--candidates", "JPN,KOR", "--objectives", "alliance_rd_share:max"],
    ],
)
def test_analyses_on_the_history_consistent_futures(args):
    """`--prior history` samples the calibrated set and says so in the JSON and the title;
    more futures than the set holds are refused before anything runs."""
    res = run(*args, "--scenarios", "6", "--prior", "history", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["prior"] == "history"
    res = run(*args, "--scenarios", "6", "--prior", "history")
    assert res.exit_code == 0, res.output
    assert "history-consistent" in res.output
    res = run(*args, "--scenarios", "1001", "--prior", "history")
    assert res.exit_code != 0 and "use --prior wide" in str(res.exception)


def test_optimize_stability_shapley_on_full_runs():
    res = run(
        "optimize",
        "--candidates",
        "JPN,KOR,GBR",
        "--objectives",
        "alliance_rd_share:max,leakage:min",
        "--scenarios",
        "3",
        "--horizon",
        "end",
        "--end-year",
        "2027",
        "--json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["method"] == "exhaustive" and data["n_evaluated"] == 7
    assert all(r["members"].startswith("USA+") for r in data["front"])
    res = run(
        "stability", "USA,JPN,KOR", "--scenarios", "3", "--horizon", "end", "--end-year", "2027"
    )
    assert res.exit_code == 0, res.output
    assert "internally stable" in res.output and "South Korea" in res.output
    res = run(
        "shapley",
        "forging_core",
        "--scenarios",
        "3",
        "--horizon",
        "end",
        "--end-year",
        "2027",
        "--json",
    )
    assert res.exit_code == 0, res.output
    values = json.loads(res.output)["values"]
    assert {v["country"] for v in values} == {"JPN", "GBR", "AUS", "CAN"}
    # "leakage" is named for what it is at each horizon
    assert {v["outcome"] for v in values} == {
        "alliance_rd_share",
        "leakage_to_china",
        "cohesion",
    }


def test_optimize_seeds_futures_and_search_apart(monkeypatch):
    import techbloc.analysis.search as search
    import techbloc.cli.coalition_analysis as cli_analysis

    seen = {"sample": [], "search": []}
    sample, search_coalitions = cli_analysis._sample_scenarios, search.search_coalitions

    def record_sample(n, seed, prior):
        seen["sample"].append(seed)
        return sample(n, seed, prior)

    def record_search(*args, **kwargs):
        seen["search"].append(kwargs["rng"])
        return search_coalitions(*args, **kwargs)

    monkeypatch.setattr(cli_analysis, "_sample_scenarios", record_sample)
    monkeypatch.setattr(search, "search_coalitions", record_search)
    fronts = []
    for search_seed in ("1", "2"):
        res = run(
            "optimize",
            "--candidates",
            "JPN,KOR,GBR,DEU,FRA",
            "--objectives",
            "alliance_rd_share:max,leakage:min",
            "--scenarios",
            "6",
            "--seed",
            "7",
            "--search-seed",
            search_seed,
            "--method",
            "nsga2",
            "--json",
        )
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        assert (data["seed"], data["search_seed"]) == (7, int(search_seed))
        fronts.append({r["members"]: r["alliance_rd_share"] for r in data["front"]})
    assert seen == {"sample": [7, 7], "search": [1, 2]}
    common = set(fronts[0]) & set(fronts[1])
    assert common and all(fronts[0][m] == fronts[1][m] for m in common)  # same futures
    res = run(
        "optimize",
        "--candidates",
        "JPN,KOR",
        "--objectives",
        "leakage:min",
        "--scenarios",
        "4",
        "--seed",
        "3",
        "--json",
    )
    assert json.loads(res.output)["search_seed"] == 3  # default: --seed
