"""Service limits and access: token, Host, body size, budgets, queues, evaluate off-loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from techbloc.experiments.runner import run_study
from techbloc.experiments.study import Study
from techbloc.service.access import is_loopback
from techbloc.service.app import create_app
from techbloc.service.evaluator import (
    EvaluationCancelledError,
    EvaluationTimeoutError,
    EvaluationWorker,
)
from techbloc.service.jobs import JobLimitError, JobManager
from techbloc.service.runs import JOB_FILE, StudyKind

LOOPBACK = "http://127.0.0.1"
#: An evaluation that takes a few seconds (2,000 futures × 2 coalitions × 27 years).
LONG = {"scenarios": 2000, "presets": ["forging_core", "quad"], "end_year": 2050}


@pytest.fixture(scope="module")
def worker():
    """One evaluation worker for the tests of this module (its process stays warm)."""
    shared = EvaluationWorker(timeout=120)
    yield shared
    shared.close()


@pytest.fixture
def app_factory(tmp_path, worker):
    clients: list[TestClient] = []
    worker.max_waiting, worker.timeout = 4, 120

    def make(base_url: str = LOOPBACK, **options: Any) -> TestClient:
        if "evaluate_timeout" not in options and "max_waiting" not in options:
            options.setdefault("evaluator", worker)
        else:  # the shared worker, with these limits
            worker.timeout = options.pop("evaluate_timeout", worker.timeout)
            worker.max_waiting = options.pop("max_waiting", worker.max_waiting)
            options["evaluator"] = worker
        client = TestClient(
            create_app(tmp_path / f"store{len(clients)}", **options), base_url=base_url
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


# -- access -----------------------------------------------------------------------------
def test_token_is_required_on_every_call_and_the_dashboard(app_factory) -> None:
    client = app_factory(token="s3cret")
    for path in ("/api/presets", "/", "/openapi.json", "/static/app.js"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "access token" in response.json()["detail"]
    assert client.get("/api/presets", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/presets", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    page = client.get("/?token=s3cret")  # the URL printed at start
    assert page.status_code == 200 and "techbloc_token=s3cret" in page.headers["set-cookie"]
    assert "HttpOnly" in page.headers["set-cookie"]
    # the dashboard's own requests carry the cookie
    assert client.get("/api/presets").status_code == 200


def test_host_header_is_checked(app_factory) -> None:
    client = app_factory()
    assert client.get("/api/presets").status_code == 200
    for host in ("localhost:8000", "[::1]:8000", "127.0.0.1"):
        assert client.get("/api/presets", headers={"Host": host}).status_code == 200, host
    refused = client.get("/api/presets", headers={"Host": "rebind.attacker.example"})
    assert refused.status_code == 400 and "not served here" in refused.json()["detail"]
    custom = app_factory(allowed_hosts=["techbloc.lan"])
    assert custom.get("/api/presets", headers={"Host": "techbloc.lan:80"}).status_code == 200
    assert custom.get("/api/presets").status_code == 400
    # with a token any host is served (the token is the protection)
    tokened = app_factory(base_url="http://10.0.0.5", token="t")
    assert tokened.get("/api/presets", headers={"Authorization": "Bearer t"}).status_code == 200


def test_is_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.5", "example.org"]))


def test_request_body_limit(app_factory) -> None:
    client = app_factory(max_body=10_000)
    big = json.dumps({"name": "x" * 20_000, "policies": [{"preset": "quad"}]})
    response = client.post(
        "/api/studies", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and "10,000 bytes" in response.json()["detail"]

    def stream():  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 1000

    response = client.post(
        "/api/studies", content=stream(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_unparseable_body_is_422_not_400(app_factory) -> None:
    client = app_factory()
    response = client.post(
        "/api/studies", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    response = client.post(
        "/api/evaluate", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


# -- budgets ----------------------------------------------------------------------------
def test_evaluate_over_budget_is_422_with_the_limit(app_factory) -> None:
    client = app_factory()
    response = client.post(
        "/api/evaluate",
        json={"scenarios": 5000, "presets": ["quad"] * 20, "end_year": 2100, "start_year": 2010},
    )
    assert response.status_code == 422
    assert "the limit is 1,000,000" in response.json()["detail"]
    for bad in (
        {"stringency": True},
        {"scenarios": True},
        {"set": {"denial": True}},
        {"start_year": 2030, "end_year": 2025},
        {"start_year": 2009, "end_year": 2020},  # before observed history (2010)
    ):
        assert client.post("/api/evaluate", json=bad).status_code == 422, bad
    schema = client.get("/openapi.json").json()["components"]["schemas"]["EvaluateRequest"]
    assert schema["x-compute-budget"]["limit"] == 1_000_000


def test_study_over_budget_is_422_and_nothing_is_queued(app_factory) -> None:
    client = app_factory()
    began = time.perf_counter()
    for body in (
        {"policies": [{"preset": "forging_core"}], "scenarios": 50_000_000},
        {
            "policies": [{"preset": "quad", "name": f"p{i}"} for i in range(3000)],
            "scenarios": 50_000_000,
        },
    ):
        response = client.post("/api/studies", json=body)
        assert response.status_code == 422, response.text
        assert "compute budget exceeded" in response.json()["detail"]
        assert "20,000,000" in response.json()["detail"]
    assert time.perf_counter() - began < 60
    assert client.get("/api/jobs").json() == []


# -- jobs -------------------------------------------------------------------------------
def _blocked(jobs: JobManager) -> threading.Event:
    """Make the manager's study jobs wait until the returned event is set (the first one
    running, those after it queued behind it)."""
    release = threading.Event()
    studies = jobs.kind("study")
    run = studies.run

    def slow(*args: Any) -> Any:
        release.wait(30)
        return run(*args)

    studies.run = slow  # type: ignore[method-assign]
    return release


def test_job_queue_is_bounded(tmp_path, small_study) -> None:
    jobs = JobManager([StudyKind(tmp_path, max_active=2)])
    release = _blocked(jobs)
    try:
        first = jobs.submit("study", Study.from_dict(small_study))
        jobs.submit("study", Study.from_dict({**small_study, "seed": 1}))
        with pytest.raises(JobLimitError, match="2 jobs are queued or running"):
            jobs.submit("study", Study.from_dict({**small_study, "seed": 2}))
        # the same study again is not a new job
        assert jobs.submit("study", Study.from_dict(small_study)).id == first.id
    finally:
        release.set()
        jobs.shutdown(wait=True)


def test_job_queue_full_is_429(app_factory, small_study) -> None:
    client = app_factory(max_queued=1)
    release = _blocked(client.app.state.jobs)
    try:
        assert client.post("/api/studies", json=small_study).status_code == 202
        response = client.post("/api/studies", json={**small_study, "seed": 5})
        assert response.status_code == 429 and "Retry-After" in response.headers
    finally:
        release.set()


def test_jobs_are_listed_and_deleted(app_factory, small_study, wait_for) -> None:
    client = app_factory(max_jobs=1)
    job = client.post("/api/studies", json=small_study).json()
    assert wait_for(client, job["id"])["status"] == "done"
    assert [j["id"] for j in client.get("/api/jobs").json()] == [job["id"]]
    assert client.post("/api/studies", json={**small_study, "seed": 8}).status_code == 429
    directory = client.app.state.jobs.kind("study").directory(job["id"])
    assert directory.is_dir()
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    assert not directory.exists()
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 404
    assert client.get("/api/jobs").json() == []


def test_a_running_job_cannot_be_deleted(app_factory, small_study) -> None:
    client = app_factory()
    release = _blocked(client.app.state.jobs)
    try:
        job = client.post("/api/studies", json=small_study).json()
        response = client.delete(f"/api/jobs/{job['id']}")
        assert response.status_code == 409 and "running" in response.json()["detail"]
    finally:
        release.set()


def test_resubmitting_after_a_restart_reuses_kept_chunks(tmp_path, small_study) -> None:
    study = Study.from_dict({**small_study, "scenarios": 12})
    job_id = study.fingerprint()[:12]
    directory = tmp_path / job_id
    run_study(study, directory, chunk_size=4, max_chunks=2)  # the server died after 2 chunks
    (directory / JOB_FILE).write_text(
        json.dumps(
            {"id": job_id, "name": study.name, "study": study.to_dict(), "status": "running"}
        )
    )
    con = duckdb.connect(str(directory / "results.duckdb"), read_only=True)
    before = con.execute("SELECT start, finished FROM chunks ORDER BY start").fetchall()
    con.close()
    client = TestClient(create_app(tmp_path), base_url=LOOPBACK)
    with client:
        state = client.get(f"/api/jobs/{job_id}").json()
        assert state["status"] == "failed" and "submit the study again" in state["error"]
        answer = client.post("/api/studies", json={**small_study, "scenarios": 12})
        assert answer.json()["id"] == job_id
        deadline = time.monotonic() + 60
        while client.get(f"/api/jobs/{job_id}").json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        results = client.get(f"/api/studies/{job_id}/results").json()
        assert results["complete"] and results["scenarios_done"] == 12
    con = duckdb.connect(str(directory / "results.duckdb"), read_only=True)
    after = con.execute("SELECT start, finished FROM chunks ORDER BY start").fetchall()
    con.close()
    assert after[: len(before)] == before  # the kept chunks were not run again
    assert len(after) > len(before)


# -- evaluate ---------------------------------------------------------------------------
def test_evaluate_does_not_block_other_endpoints(app_factory) -> None:
    client = app_factory()
    assert (
        client.post("/api/evaluate", json={"scenarios": 4, "end_year": 2026}).status_code == 200
    )  # the worker is warm
    answer: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: answer.update(r=client.post("/api/evaluate", json=LONG))
    )
    thread.start()
    time.sleep(0.3)
    latencies = []
    while thread.is_alive() and len(latencies) < 200:
        began = time.perf_counter()
        assert client.get("/api/presets").status_code == 200
        latencies.append(time.perf_counter() - began)
    thread.join(120)
    assert answer["r"].status_code == 200, answer["r"].text
    assert len(latencies) >= 3, "the evaluation finished too fast to measure anything"
    assert max(latencies) < 2.0, latencies


def test_background_and_direct_evaluations_share_the_worker(app_factory) -> None:
    """A background evaluation (on the job manager's lane) and ``POST /api/evaluate`` (on
    the server's loop) use the one worker process in turn, each getting its own answer."""
    client = app_factory()
    run = client.post("/api/evaluations", json=LONG).json()
    deadline = time.monotonic() + 120
    while client.get(f"/api/evaluations/{run['id']}").json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    small = {"scenarios": 4, "end_year": 2026}
    direct = client.post("/api/evaluate", json=small)  # waits for the background one
    assert direct.status_code == 200, direct.text
    assert direct.json()["scenarios"] == 4
    while (state := client.get(f"/api/evaluations/{run['id']}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["status"] == "done", state
    assert state["parts_done"] == state["parts_total"]
    assert client.get(state["result_url"]).json()["scenarios"] == LONG["scenarios"]


def test_evaluations_waiting_are_bounded(app_factory) -> None:
    client = app_factory(max_waiting=0)
    client.post("/api/evaluate", json={"scenarios": 4, "end_year": 2026})
    thread = threading.Thread(target=lambda: client.post("/api/evaluate", json=LONG))
    thread.start()
    time.sleep(0.5)
    response = client.post("/api/evaluate", json={"scenarios": 4, "end_year": 2026})
    thread.join(120)
    assert response.status_code == 429 and "waiting" in response.json()["detail"]


def test_evaluate_timeout_is_503(app_factory) -> None:
    client = app_factory(evaluate_timeout=0.5)
    response = client.post("/api/evaluate", json=LONG)
    assert response.status_code == 503
    assert "longer than the limit of 0.5 s" in response.json()["detail"]


def test_evaluation_stops_when_the_client_disconnects(worker) -> None:
    worker.timeout = 120

    async def scenario() -> float:
        await worker.evaluate({"scenarios": 4, "end_year": 2026})  # warm
        pid = worker.pid
        began = time.perf_counter()

        async def gone() -> bool:
            return time.perf_counter() - began > 0.3

        with pytest.raises(EvaluationCancelledError):
            await worker.evaluate(LONG, gone)
        # the busy process was killed; its successor started at once (it warms up)
        assert pid is not None and worker.pid not in (None, pid)
        assert not _alive(pid)
        return time.perf_counter() - began

    assert asyncio.run(scenario()) < 5


def test_evaluation_timeout_kills_the_worker() -> None:
    worker = EvaluationWorker(timeout=0.3)
    try:
        worker.start()
        first = worker.pid
        with pytest.raises(EvaluationTimeoutError, match="longer than the limit"):
            asyncio.run(worker.evaluate(LONG))
        assert worker.pid not in (None, first) and not _alive(first)
    finally:
        worker.close()
    assert worker.pid is None


def _alive(pid: int | None) -> bool:
    import os

    try:
        os.kill(pid or 0, 0)
    except ProcessLookupError:
        return False
    # a zombie not yet reaped counts as gone
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False


def test_serve_prints_a_token_beyond_loopback(monkeypatch, tmp_path) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from techbloc.cli import _register, app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(app=application))
    _register()
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--store-root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    token = seen["app"].state.token
    assert token and f"?token={token}" in result.output
    result = CliRunner().invoke(app, ["serve", "--store-root", str(tmp_path)])
    assert seen["app"].state.token is None and "?token=" not in result.output
    result = CliRunner().invoke(
        app, ["serve", "--host", "0.0.0.0", "--token", "mine", "--store-root", str(tmp_path)]
    )
    assert seen["app"].state.token == "mine"


def test_jobs_directory_is_named_by_study(tmp_path: Path, small_study) -> None:
    jobs = JobManager([StudyKind(tmp_path)])
    try:
        study = Study.from_dict(small_study)
        job = jobs.submit("study", study)
        assert job.id == study.fingerprint()[:12]
    finally:
        jobs.shutdown(wait=True)
