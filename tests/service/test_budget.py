"""The service refuses studies and evaluations over its memory and disk limits, with the
estimate, and bounds its queue by the work it holds."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from techbloc.experiments.budget import Limits
from techbloc.experiments.study import Study
from techbloc.service.app import create_app
from techbloc.service.jobs import JobLimitError, JobManager
from techbloc.service.runs import StudyKind

GiB = 2**30


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(tmp_path_factory.mktemp("store"), limits=Limits(8 * GiB, 10 * GiB))
    with TestClient(app, base_url="http://127.0.0.1") as test:
        yield test


@pytest.mark.parametrize(
    ("study", "over"),
    [
        # the cases: within the count budget (20,000,000), not within memory or disk
        ({"scenarios": 10_000_000, "years": {"start": 2024, "end": 2025}}, "of memory"),
        (
            {"scenarios": 740_000, "years": {"start": 2024, "end": 2050},
             "outputs": {"trajectories": True}},
            "of disk",
        ),
    ],
)  # fmt: skip
def test_study_over_the_limits_is_422_with_the_estimate(client, study, over: str) -> None:
    body = {"name": "too-big", "policies": [{"preset": "quad"}], **study}
    response = client.post("/api/studies", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "too large for this machine" in detail and over in detail and "GiB" in detail
    assert not any(job["name"] == "too-big" for job in client.get("/api/jobs").json())


def test_yaml_study_check_reports_the_estimate(client) -> None:
    text = "name: fine\npolicies:\n  - preset: quad\nscenarios: 100\n"
    response = client.post(
        "/api/studies/yaml?check=true", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["memory_bytes"] > 400 * 2**20 and 0 < body["disk_bytes"] < 10 * 2**20
    assert body["seconds"] > 0


def test_yaml_study_over_the_limits_is_422(client) -> None:
    text = "name: big\npolicies:\n  - preset: quad\nscenarios: 10000000\nyears: {end: 2025}\n"
    response = client.post(
        "/api/studies/yaml?check=true", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 422 and "of memory" in response.json()["detail"]


def test_evaluation_over_the_memory_limit_is_422(tmp_path: Path) -> None:
    app = create_app(tmp_path, limits=Limits(500 * 2**20, None))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path in ("/api/evaluate", "/api/evaluations"):
            response = client.post(path, json={"scenarios": 5000, "end_year": 2030})
            assert response.status_code == 422, response.text
            assert "evaluation: too large for this machine" in response.json()["detail"]


def _study(i: int, scenarios: int = 1000) -> Study:
    return Study.from_dict(
        {"name": f"s{i}", "policies": [{"preset": "quad"}], "scenarios": scenarios, "seed": i}
    )


def test_queue_is_bounded_by_total_work(tmp_path: Path) -> None:
    jobs = JobManager([StudyKind(tmp_path, max_active=8, max_work=60_000)])
    jobs._lanes["study"] = _Idle()  # type: ignore[assignment]  # jobs stay queued
    try:
        first = jobs.submit("study", _study(1), disk=1000)  # 27,000 units
        jobs.submit("study", _study(2), disk=2000)
        assert jobs.pending_disk() == 3000
        with pytest.raises(JobLimitError, match="scenario · policy · years of work"):
            jobs.submit("study", _study(3))
        jobs.cancel("study", first.id)
        jobs.submit("study", _study(3))  # room again
    finally:
        jobs._lanes.clear()


def test_one_job_over_the_work_bound_runs_alone(tmp_path: Path) -> None:
    jobs = JobManager([StudyKind(tmp_path, max_work=10)])
    jobs._lanes["study"] = _Idle()  # type: ignore[assignment]
    try:
        jobs.submit("study", _study(1))  # nothing else queued: accepted
        with pytest.raises(JobLimitError):
            jobs.submit("study", _study(2))
    finally:
        jobs._lanes.clear()


class _Idle:
    """A job pool that never runs what it is given."""

    def submit(self, *args: object) -> None:
        return None

    def shutdown(self, **kwargs: object) -> None:
        return None
