"""The API behind dashboard v2: background evaluations, every lever, YAML studies, cancel."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from techbloc import params
from techbloc.experiments.study import Study
from techbloc.service.compute import HEADLINE
from techbloc.service.jobs import JobManager
from techbloc.service.runs import StudyKind

SMALL = {"presets": ["forging_core"], "coalitions": [["USA", "JPN", "KOR"]], "scenarios": 12}


def _wait_run(client: Any, run_id: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"/api/evaluations/{run_id}").json()
        if state["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def test_parameter_schemas_are_the_registry_dataclasses(client) -> None:
    body = client.get("/api/parameters").json()
    for key, cls, items in (
        ("parameters", params.Parameter, params.PARAMETERS),
        ("levers", params.Lever, params.LEVERS),
        ("domains", params.Domain, params.DOMAINS),
    ):
        fields = [f.name for f in dataclasses.fields(cls)]
        assert [list(row) for row in body[key]] == [fields] * len(items)
        assert body[key] == [dataclasses.asdict(item) for item in items]
    assert set(body["common"]) <= set(params.parameter_names())
    assert {p["mechanism"].split(",")[0] for p in body["parameters"]} <= set(body["mechanisms"])
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    assert list(spec["ParameterInfo"]["properties"]) == [
        f.name for f in dataclasses.fields(params.Parameter)
    ]


def test_background_evaluation_reports_progress_and_result(client) -> None:
    request = {
        **SMALL,
        "stringency": {"semiconductors": 0.9},
        "capacity_building": {"KOR": 0.5},
        "vary": [],
        "set": {"denial": 0.8},
        "end_year": 2030,
    }
    answer = client.post("/api/evaluations", json=request)
    assert answer.status_code == 202, answer.text
    run = answer.json()
    assert answer.headers["location"] == f"/api/evaluations/{run['id']}"
    assert run["status"] in ("queued", "running") and run["coalitions"] == 2
    state = _wait_run(client, run["id"])
    assert state["status"] == "done", state
    assert state["parts_done"] == state["parts_total"] >= 1 and state["progress"] == 1.0
    assert state["rate"] > 0 and state["elapsed_seconds"] > 0
    assert any(r["id"] == run["id"] for r in client.get("/api/evaluations").json())
    result = client.get(state["result_url"]).json()
    assert result["headline"] == list(HEADLINE)
    korea = result["policies"][1]
    assert korea["capacity_building"] == {"KOR": 0.5}
    assert korea["control_stringency"]["semiconductors"] == 0.9
    assert korea["control_stringency"]["biotech"] == 0.5  # the lever default
    assert result["policies"][0]["capacity_building"] == {}  # KOR is not a member
    fan = result["trajectories"]["forging_core"]["cohesion"]
    assert fan["years"] == list(range(2024, 2031))
    assert all(a <= b <= c for a, b, c in zip(fan["p10"], fan["p50"], fan["p90"], strict=True))
    # external stability is computed in the final year only: no (empty) chart over time
    assert "external_stability" not in result["trajectories"]["forging_core"]
    domains = result["domains"]["USA+JPN+KOR"]["gap_capability_by_domain"]
    assert set(domains) == {d.name for d in params.DOMAINS}
    stability = result["stability"]["USA+JPN+KOR"]
    assert [m["iso3"] for m in stability["members"]] in (["JPN", "KOR"], ["KOR", "JPN"])
    outsiders = {o["iso3"] for o in stability["outsiders"]}
    assert not outsiders & {"USA", "JPN", "KOR", "CHN", "ROW"} and "GBR" in outsiders
    assert 0 <= result["countries"]["forging_core"]["will"]["JPN"] <= 1


def test_background_evaluation_matches_the_synchronous_one(client) -> None:
    run = client.post("/api/evaluations", json=SMALL).json()
    state = _wait_run(client, run["id"])
    detail = client.get(state["result_url"]).json()
    direct = client.post("/api/evaluate", json=SMALL).json()
    assert detail["outcomes"] == direct["outcomes"]


def test_cancel_a_background_evaluation(client) -> None:
    big = {"presets": ["forging_core", "quad", "nato"], "scenarios": 4000, "end_year": 2050}
    run = client.post("/api/evaluations", json=big).json()
    deadline = time.monotonic() + 60
    while client.get(f"/api/evaluations/{run['id']}").json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.delete(f"/api/evaluations/{run['id']}").status_code == 204
    state = _wait_run(client, run["id"], timeout=30)
    assert state["status"] == "cancelled", state
    refused = client.get(state["result_url"])
    assert refused.status_code == 409 and "cancelled" in refused.json()["detail"]
    assert client.delete("/api/evaluations/000000000000").status_code == 404
    # the worker restarts for the next one
    assert (
        _wait_run(client, client.post("/api/evaluations", json=SMALL).json()["id"])["status"]
        == "done"
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"vary": ["no_such"]}, "unknown parameter 'no_such'"),
        ({"vary": ["denial"], "set": {"denial": 0.5}}, "vary[0]: 'denial' is both varied and set"),
        ({"capacity_building": {"XXX": 0.5}}, "XXX"),
        ({"capacity_building": {"JPN": 2.0}}, "capacity_building"),
        ({"capacity_building": {"SAU": -1.0}}, "SAU = -1.0 is outside"),  # in no coalition
        ({"capacity_building": {"usa": 0.5}}, "USA cannot be given"),
        ({"vary": ["denial", "denial"]}, "vary[1]: 'denial' is listed twice"),
        ({"prior": "history", "vary": ["exit_probability"]}, "vary applies to the wide prior"),
        ({"prior": "history", "scenarios": 1001}, "the calibrated set has 1000 futures"),
        ({"prior": "past"}, "prior"),
        ({"stringency": {"nowhere": 0.5}}, "nowhere"),
    ],
)
def test_invalid_levers_are_422(client, change, fragment: str) -> None:
    for path in ("/api/evaluate", "/api/evaluations"):
        response = client.post(path, json={**SMALL, **change})
        assert response.status_code == 422, response.text
        assert fragment in response.json()["detail"]


def test_vary_samples_a_parameter_held_otherwise(client) -> None:
    from techbloc.experiments.design import sample_futures

    table = sample_futures(8, seed=0, vary=[*params.parameter_names(True), "exit_probability"])
    assert table["exit_probability"].nunique() > 1
    plain = client.post("/api/evaluate", json={**SMALL, "scenarios": 8}).json()
    varied = client.post(
        "/api/evaluate", json={**SMALL, "scenarios": 8, "vary": ["exit_probability"]}
    ).json()
    assert plain["policies"] == varied["policies"]


def test_history_prior_runs_the_calibrated_futures(client) -> None:
    """The futures of the default study, named in the answer; the parameters differ from
    the wide prior's, so the outcomes do."""
    from techbloc.experiments.calibrated_sets import sample_calibrated

    history = client.post("/api/evaluate", json={**SMALL, "prior": "history"}).json()
    wide = client.post("/api/evaluate", json=SMALL).json()
    assert (history["prior"], wide["prior"]) == ("history", "wide")
    assert history["outcomes"] != wide["outcomes"]
    run = client.post("/api/evaluations", json={**SMALL, "prior": "history"}).json()
    state = _wait_run(client, run["id"])
    assert state["status"] == "done", state
    futures = client.get(state["result_url"]).json()["futures"]
    expected = sample_calibrated("history", SMALL["scenarios"])
    assert futures["parameters"]["denial"] == pytest.approx(expected["denial"].tolist())


YAML_OK = (
    "name: yaml-test\npolicies:\n  - preset: forging_core\nscenarios: 6\nyears:\n  end: 2027\n"
)


def test_yaml_study_check_and_submit(client, wait_for) -> None:
    headers = {"Content-Type": "application/yaml"}
    checked = client.post("/api/studies/yaml?check=true", content=YAML_OK, headers=headers)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["name"] == "yaml-test" and body["policies"] == ["forging_core"]
    assert body["work"] == 6 * 1 * 4
    assert not any(j["name"] == "yaml-test" for j in client.get("/api/jobs").json())
    started = client.post("/api/studies/yaml", content=YAML_OK, headers=headers)
    assert started.status_code == 202, started.text
    assert wait_for(client, started.json()["id"])["status"] == "done"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: x\npolicies:\n  - preset: nope\n", "study.yaml:3"),
        ("name: x\nname: y\npolicies: []\n", "study.yaml:2"),
        ("name: [unclosed\n", "study.yaml:2: not valid YAML"),
        ("name: x\npolicies:\n  - preset: quad\nworld:\n  overrides: [a.yaml]\n", "file paths"),
    ],
)
def test_yaml_study_errors_name_the_line(client, text: str, fragment: str) -> None:
    response = client.post(
        "/api/studies/yaml?check=true", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_job_timing_and_cancel(tmp_path) -> None:
    jobs = JobManager([StudyKind(tmp_path)])
    try:
        first = jobs.submit(
            "study",
            Study.from_dict(
                {"name": "a", "policies": [{"preset": "quad"}], "scenarios": 400, "seed": 1}
            ),
        )
        second = jobs.submit(
            "study",
            Study.from_dict({"name": "b", "policies": [{"preset": "quad"}], "scenarios": 4}),
        )
        assert jobs.cancel("study", second.id)  # queued: cancelled at once
        assert jobs.get("study", second.id).status == "cancelled"
        deadline = time.monotonic() + 60
        while jobs.get("study", first.id).status == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert jobs.cancel("study", first.id)
        while jobs.get("study", first.id).status == "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        job = jobs.get("study", first.id)
        assert job.status in ("cancelled", "done"), job
        assert job.timing()["elapsed_seconds"] is not None
        assert not jobs.cancel("study", "000000000000")
        again = jobs.submit(
            "study",
            Study.from_dict({"name": "b", "policies": [{"preset": "quad"}], "scenarios": 4}),
        )
        assert again.id == second.id and again.status == "queued"  # resumed
    finally:
        jobs.shutdown(wait=True)


def test_cancel_job_endpoint(client) -> None:
    assert client.post("/api/jobs/000000000000/cancel").status_code == 404


def test_country_detail_has_inputs_will_frictions_hedging(client) -> None:
    body = client.get("/api/countries/ISR").json()
    assert body["hedging"]["reason"] and body["hedging"]["source"]
    assert any(f["partner"] == "TUR" and f["reason"] for f in body["frictions"])
    capability = body["model_inputs"]["protection_capability"]
    assert capability["rule"] and any(
        s["indicator"] == "itu_gci_2020" for s in capability["sources"]
    )
    will = body["will"]
    assert 0 < will["value"] < 1
    assert {t["parameter"] for t in will["terms"]} >= {"will_threat", "will_hedging"}
    assert client.get("/api/countries/USA").json()["will"] is None
    summary = client.get("/api/countries").json()[0]
    assert {"threat", "china_dependence", "hedging"} <= set(summary)


def test_country_will_is_the_models_terms(client) -> None:
    """The page's terms are the model's (credibility and membership included) and add up."""
    import math

    import numpy as np

    from techbloc.model.partners import WILL_TERMS

    body = client.get("/api/countries/JPN").json()
    will = body["will"]
    assert [t["parameter"] for t in will["terms"]] == [p for p, _ in WILL_TERMS.values()]
    logit = sum(t["contribution"] for t in will["terms"])
    assert will["value"] == pytest.approx(1.0 / (1.0 + math.exp(-logit)))
    by = {t["parameter"]: t for t in will["terms"]}
    assert by["will_credibility"]["contribution"] > 0  # credibility is in [0, 1], weight > 0
    assert by["will_value"]["contribution"] == 0  # outside any coalition
    # hedging at the positioned default (position 0): the table's default value
    assert by["will_hedging"]["input"] == pytest.approx(body["inputs"]["hedging"])
    assert np.isfinite(by["will_pact"]["input"])


def test_docs_and_pages_are_served_without_external_assets(client) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    for path in ("/", "/studies", "/studies/abc", "/country/KOR"):
        page = client.get(path)
        assert page.status_code == 200 and "/static/js/main.js" in page.text
        assert "http://" not in page.text and "https://" not in page.text
    world = client.get("/static/map/world.json", headers={"Accept-Encoding": "gzip"})
    assert world.status_code == 200 and world.headers.get("content-encoding") == "gzip"
    codes = {c.get("iso3") for c in world.json()["countries"]} - {None}
    assert len(codes) == 58
