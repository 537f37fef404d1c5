"""The resource budget: estimates grow with every size, limits refuse with the estimate."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.experiments import executors
from techbloc.experiments.budget import (
    AUTO_PROCESS_WORK,
    BASE_MEMORY,
    STORE_POOL,
    BudgetError,
    Estimate,
    Limits,
    check_budget,
    check_study_run,
    choose_executor,
    estimate_evaluation,
    estimate_study,
    parse_size,
    study_estimate,
)
from techbloc.experiments.study import Study
from techbloc.params import parameter_names

GiB = 2**30
_sizes = st.tuples(st.integers(1, 10**7), st.integers(1, 50), st.integers(1, 80), st.booleans())


@settings(max_examples=200, deadline=None)
@given(_sizes, st.sampled_from(["scenarios", "policies", "years"]))
def test_estimates_never_shrink_when_a_size_grows(sizes, grown: str) -> None:
    n, p, y, trajectories = sizes
    before = estimate_study(n, p, y, trajectories=trajectories, chunk_size=100)
    bigger = {"scenarios": (2 * n, p, y), "policies": (n, p + 1, y), "years": (n, p, y + 1)}
    after = estimate_study(*bigger[grown], trajectories=trajectories, chunk_size=100)
    assert after.memory >= before.memory and after.disk >= before.disk
    assert after.work > before.work and after.seconds > before.seconds
    assert before.memory >= BASE_MEMORY


def test_trajectories_and_processes_cost_more() -> None:
    plain = estimate_study(5000, 4, 27)
    assert estimate_study(5000, 4, 27, trajectories=True).disk > 5 * plain.disk
    assert estimate_study(5000, 4, 27, workers=4, processes=True).memory > 4 * BASE_MEMORY


def test_the_issue_cases_are_large() -> None:
    # 10,000,000 scenarios over 2 years: the design alone is 4.2 GiB, drawn for every scenario
    assert estimate_study(10_000_000, 1, 2).memory > 8 * GiB
    assert estimate_study(10_000_000, 1, 2).disk > 25 * GiB  # ~37 GB measured in the issue
    assert estimate_study(740_000, 1, 27, trajectories=True).disk > 8 * GiB  # ~10 GB


@settings(max_examples=100, deadline=None)
@given(_sizes, st.integers(0, 10**7))
def test_holding_fewer_design_rows_never_costs_more(sizes, rows: int) -> None:
    n, p, y, trajectories = sizes
    whole = estimate_study(n, p, y, trajectories=trajectories, chunk_size=100)
    part = estimate_study(n, p, y, trajectories=trajectories, chunk_size=100, design_rows=rows)
    assert BASE_MEMORY <= part.memory <= whole.memory
    assert (part.disk, part.seconds, part.work) == (whole.disk, whole.seconds, whole.work)


def test_a_study_counts_the_design_rows_its_method_holds() -> None:
    # a million-future hypercube or factorial is drawn per chunk: its memory does not grow
    # with the study beyond the store's pool (benchmarks/scaling.py: 513 -> 564 MB)
    big = study_estimate(Study(name="x", policies=[{"preset": "quad"}], scenarios=1_000_000))
    small = study_estimate(Study(name="x", policies=[{"preset": "quad"}], scenarios=100_000))
    assert big.memory - small.memory < 2 * STORE_POOL
    assert big.memory < 1 * GiB < estimate_study(1_000_000, 1, 27).memory
    factorial = Study(
        name="x",
        policies=[{"preset": "quad"}],
        design={"method": "factorial", "levels": 2},
        vary=parameter_names(uncertain_only=True)[:20],
    )
    assert factorial.n_scenarios == 2**20
    assert study_estimate(factorial).memory < 1 * GiB
    # a Sobol design is drawn whole by SALib: every row counts
    sobol = Study(
        name="x", policies=[{"preset": "quad"}], design={"method": "sobol"}, scenarios=1024
    )
    whole = estimate_study(sobol.n_scenarios, 1, 27, varied=len(sobol.varied()))
    assert study_estimate(sobol).memory == whole.memory


def test_the_store_pool_is_the_writer_memory_limit() -> None:
    from techbloc.experiments.store import WRITER_MEMORY_LIMIT

    assert parse_size(WRITER_MEMORY_LIMIT) == STORE_POOL


def test_check_budget_names_the_estimate_and_the_limit() -> None:
    estimate = Estimate(memory=3 * GiB, disk=5 * GiB, seconds=600, work=10)
    with pytest.raises(BudgetError, match=r"study: too large .*3\.0 GiB of memory \(limit 1"):
        check_budget(estimate, Limits(memory=GiB, disk=None))
    with pytest.raises(InputError, match=r"5\.0 GiB of disk \(limit 2\.0 GiB\)"):
        check_budget(estimate, Limits(memory=None, disk=2 * GiB))
    check_budget(estimate, Limits(memory=None, disk=None))
    check_budget(estimate, Limits(memory=4 * GiB, disk=8 * GiB).less_disk(2 * GiB))
    with pytest.raises(BudgetError):
        check_budget(estimate, Limits(memory=4 * GiB, disk=8 * GiB).less_disk(4 * GiB))


@pytest.mark.parametrize(
    ("text", "size"),
    [("8GiB", 8 * GiB), ("500 MB", 500_000_000), ("2g", 2 * 10**9), ("1024", 1024),
     ("1.5KiB", 1536), ("none", None), ("Unlimited", None)],
)  # fmt: skip
def test_parse_size(text: str, size: int | None) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "-1GB", "8 potatoes", "1e9", "GB"])
def test_parse_size_refuses_what_is_not_a_size(text: str) -> None:
    with pytest.raises(InputError, match="TECHBLOC_MAX_DISK"):
        parse_size(text, "TECHBLOC_MAX_DISK")


def test_machine_limits_follow_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TECHBLOC_MAX_MEMORY", raising=False)
    monkeypatch.delenv("TECHBLOC_MAX_DISK", raising=False)
    machine = Limits.machine(tmp_path / "not" / "yet")
    assert machine.memory and machine.memory > 0 and machine.disk and machine.disk > 0
    monkeypatch.setenv("TECHBLOC_MAX_MEMORY", "1GiB")
    monkeypatch.setenv("TECHBLOC_MAX_DISK", "none")
    assert Limits.machine(tmp_path) == Limits(GiB, None, "TECHBLOC_MAX_MEMORY / TECHBLOC_MAX_DISK")


def test_a_resumed_store_needs_only_the_disk_it_has_not_filled(tmp_path: Path) -> None:
    study = Study.from_dict({"policies": [{"preset": "quad"}], "scenarios": 2000})
    full = check_study_run(study, tmp_path / "new", limits=Limits(None, None))
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "part.bin").write_bytes(b"x" * (full.disk // 2))
    resumed = check_study_run(study, tmp_path / "old", limits=Limits(None, None))
    assert resumed.disk == full.disk - full.disk // 2
    assert check_study_run(study, tmp_path / "old", fresh=True, limits=Limits(None, None)) == full


def test_evaluation_estimate_grows_with_futures_and_coalitions() -> None:
    small = estimate_evaluation(200, 1, 27)
    assert estimate_evaluation(200_000, 1, 27).memory > small.memory
    assert estimate_evaluation(200, 5, 27).memory > small.memory
    assert small.disk == 0


@pytest.mark.parametrize("command", ["explore", "evaluate", "run"])
def test_cli_refuses_beyond_the_memory_limit_with_the_estimate(
    command: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    from techbloc.cli import main

    study = tmp_path / "study.yaml"
    study.write_text("name: x\npolicies:\n  - preset: quad\nscenarios: 50\n")
    args = {
        "explore": ["explore", str(study), "--out", str(tmp_path / "out")],
        "evaluate": ["evaluate", "-p", "quad", "--scenarios", "50"],
        "run": ["run", "--out", str(tmp_path / "out"), "--scenarios", "50"],
    }[command]
    monkeypatch.setenv("TECHBLOC_MAX_MEMORY", "100MiB")
    monkeypatch.setattr("sys.argv", ["techbloc", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "too large for this machine" in err and "(limit 100.0 MiB)" in err
    assert not (tmp_path / "out").exists()


def _study_of_work(pairs_years: int) -> Study:
    """A study of about ``pairs_years`` scenario · policy · years (2 policies, 27 years)."""
    return Study(
        name="x",
        policies=[{"preset": "quad"}, {"preset": "aukus"}],
        scenarios=max(1, pairs_years // 54),
    )


@pytest.mark.parametrize("cpus", [1, 2, 8])
@pytest.mark.parametrize("work", [AUTO_PROCESS_WORK // 2, 2 * AUTO_PROCESS_WORK])
def test_auto_runs_a_large_study_in_processes_when_a_cpu_is_spare(monkeypatch, cpus, work):
    monkeypatch.setattr(executors, "usable_cpus", lambda: cpus)
    study = _study_of_work(work)
    roomy = Limits(memory=64 * GiB, disk=None)
    expected = "processes" if cpus >= 2 and work >= AUTO_PROCESS_WORK else "local"
    assert choose_executor(study, "auto", limits=roomy) == expected


def test_auto_stays_in_process_when_workers_would_not_fit_in_memory(monkeypatch):
    monkeypatch.setattr(executors, "usable_cpus", lambda: 4)
    study = _study_of_work(2 * AUTO_PROCESS_WORK)
    need = study_estimate(study, executor="processes", workers=4).memory
    assert choose_executor(study, "auto", limits=Limits(memory=need, disk=None)) == "processes"
    assert choose_executor(study, "auto", limits=Limits(memory=need - 1, disk=None)) == "local"
    # one worker asked for: nothing to gain from a process
    assert choose_executor(study, "auto", workers=1, limits=Limits(None, None)) == "local"


def test_an_executor_named_is_kept_and_an_unknown_one_refused():
    study = _study_of_work(2 * AUTO_PROCESS_WORK)
    for kind in ("local", "processes", "dask"):
        assert choose_executor(study, kind) == kind
    with pytest.raises(InputError, match="unknown executor 'threads'"):
        choose_executor(study, "threads")
