"""A small study with every experiment the report's questions need, run on the real model."""

from __future__ import annotations

import pytest

CORE = ["USA", "JPN", "GBR", "AUS", "CAN"]
POLICIES = [
    "forging_core",
    "forging_core+KOR",
    "t12",
    "core+IDN",
    "core+IDN cb",
    "core+POL",
    "core+POL cb",
    "core s0.2",
    "core s0.9",
]
SPEC = {
    "name": "report-small",
    "policies": [
        {"preset": "forging_core"},
        {"preset": "forging_core+KOR"},
        {"preset": "t12"},
        {"name": "core+IDN", "members": [*CORE, "IDN"]},
        {"name": "core+IDN cb", "members": [*CORE, "IDN"], "capacity_building": {"IDN": 1.0}},
        {"name": "core+POL", "members": [*CORE, "POL"]},
        {"name": "core+POL cb", "members": [*CORE, "POL"], "capacity_building": {"POL": 1.0}},
        {"name": "core s0.2", "preset": "forging_core", "control_stringency": 0.2},
        {"name": "core s0.9", "preset": "forging_core", "control_stringency": 0.9},
    ],
    "design": "lhs",
    "scenarios": 60,
    "years": {"start": 2024, "end": 2034},
    "seed": 11,
    "outputs": {"trajectories": True},
}


def run(directory, spec):
    """Run ``spec`` into ``directory`` and return the directory."""
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    run_study(Study.from_dict(spec), directory, fresh=True)
    return directory


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    return run(tmp_path_factory.mktemp("store"), SPEC)


@pytest.fixture(scope="session")
def report(store, tmp_path_factory):
    from techbloc.report import write_report

    path = write_report(store, tmp_path_factory.mktemp("out") / "sub" / "report.html")
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def results(store):
    """``(outcomes, scenarios, per-country arrays)`` read straight from the store."""
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store) as s:
        return (
            s.outcomes(),
            s.scenarios(),
            s.trajectories(["member", "will", "leakage_to_china_by_country", "accepted"]),
            s.trajectories(["china_knowledge_vs_status_quo_trajectory"]),
        )


@pytest.fixture(scope="session")
def small_spec():
    """The small study's spec (a copy to change)."""
    return dict(SPEC)


@pytest.fixture(scope="session")
def policy_labels():
    """The small study's policy labels, in study order."""
    return list(POLICIES)


@pytest.fixture(scope="session")
def run_into():
    """``run(directory, spec)``: run a study into a directory."""
    return run


@pytest.fixture(scope="session")
def report_figures():
    """Every figure the report writes, by asset key (one list for every report test)."""
    return [
        "fig_m1_coalitions",
        "fig_m2_will",
        "fig_a1_pareto",
        "fig_a2_shapley",
        "fig_a3_korea",
        "fig_b1_capability_will",
        "fig_b2_capacity_building",
        "fig_c1_china_fan",
        "fig_c2_stringency_ladder",
        "fig_c3_domain_gap",
        "fig_c3b_gain_sources",
        "fig_c4_prim",
        "fig_d1_credibility",
        "fig_d2_cohesion_exits",
        "fig_s1_sobol",
    ]
