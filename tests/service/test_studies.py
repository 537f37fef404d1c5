"""Studies as background jobs: submit, poll, results, report, restart, shutdown."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from techbloc.experiments.study import Study
from techbloc.service.jobs import JobManager
from techbloc.service.runs import JOB_FILE, StudyKind


def _manager(root: Path) -> JobManager:
    """A job manager running studies only, into ``root``."""
    return JobManager([StudyKind(root)])


def test_study_job_runs_to_completion(client, small_study, wait_for) -> None:
    response = client.post("/api/studies", json=small_study)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running", "done")
    assert response.headers["location"] == f"/api/jobs/{job['id']}"

    state = wait_for(client, job["id"])
    assert state["status"] == "done", state
    assert state["progress"] == 1.0 and state["chunks_done"] == state["chunks_total"] > 0
    assert state["started"] and state["finished"]

    results = client.get(state["results_url"])
    assert results.status_code == 200, results.text
    body = results.json()
    assert body["complete"] and body["n_scenarios"] == body["scenarios_done"] == 6
    assert body["policies"] == ["forging_core", "USA+JPN+KOR"]
    s = body["outcomes"]["forging_core"]["alliance_rd_share"]
    assert s["p10"] <= s["median"] <= s["p90"]
    assert set(body["backfire_share"]) == set(body["policies"])

    report = client.get(state["report_url"])
    assert report.status_code == 200 and "text/html" in report.headers["content-type"]
    assert "<html" in report.text.lower() and "service-test" in report.text
    again = client.get(state["report_url"])  # written once, served again
    assert again.text == report.text


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"policies": [{"preset": "nope"}]}, "unknown coalition preset 'nope'"),
        ({"bogus": 1}, "unknown key 'bogus'"),
        ({"set": {"denial": 2}}, "denial"),
        ({"scenarios": 0}, "scenarios"),
    ],
)
def test_invalid_study_is_422(client, small_study, change, fragment: str) -> None:
    response = client.post("/api/studies", json={**small_study, **change})
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(
    "change, key",
    [
        ({"world": {"overrides": ["/etc/passwd"]}}, "world.overrides"),
        ({"design": {"method": "table", "table": "/etc/passwd"}}, "design.table"),
        # a directory would be read as a calibrated set (or its absence told): only the
        # shipped set is named over the API
        ({"design": {"method": "calibrated", "set": "/tmp"}}, "design.set"),
    ],
)
def test_study_with_server_files_is_refused(client, small_study, change, key) -> None:
    response = client.post("/api/studies", json={**small_study, **change})
    assert response.status_code == 422
    assert f"{key}: file paths are not accepted" in response.json()["detail"]


def test_study_on_the_shipped_calibrated_set_is_accepted(client, small_study) -> None:
    design = {"method": "calibrated", "set": "history"}
    response = client.post("/api/studies", json={**small_study, "design": design})
    assert response.status_code == 202, response.text


def test_study_body_must_be_an_object(client) -> None:
    assert client.post("/api/studies", json=[1, 2]).status_code == 422


@pytest.mark.parametrize("job_id", ["0123456789ab", "../../etc", "nothex"])
def test_unknown_job_is_404(client, job_id: str) -> None:
    assert client.get(f"/api/jobs/{job_id}").status_code == 404
    assert client.get(f"/api/studies/{job_id}/results").status_code == 404
    assert client.get(f"/api/studies/{job_id}/report").status_code == 404


def test_unfinished_job_is_409(client) -> None:
    studies: StudyKind = client.app.state.jobs.kind("study")
    job_id = "abcdef012345"
    studies.directory(job_id).mkdir(parents=True)
    state = {"id": job_id, "name": "x", "study": {}, "status": "failed", "error": "boom"}
    (studies.directory(job_id) / JOB_FILE).write_text(json.dumps(state))
    response = client.get(f"/api/studies/{job_id}/results")
    assert response.status_code == 409 and "boom" in response.json()["detail"]


def test_jobs_survive_a_restart(tmp_path: Path, small_study) -> None:
    jobs = _manager(tmp_path)
    job = jobs.submit("study", Study.from_dict(small_study))
    deadline = time.monotonic() + 60
    while jobs.get("study", job.id).status in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert jobs.get("study", job.id).status == "done"
    jobs.shutdown(wait=True)
    later = _manager(tmp_path)  # a new server process reads job.json
    assert later.get("study", job.id).status == "done"
    # a job that was running when the server stopped is reported as failed
    state = json.loads((tmp_path / job.id / JOB_FILE).read_text())
    (tmp_path / "0000000000aa").mkdir()
    (tmp_path / "0000000000aa" / JOB_FILE).write_text(
        json.dumps({**state, "id": "0000000000aa", "status": "running"})
    )
    interrupted = later.get("study", "0000000000aa")
    assert interrupted.status == "failed" and "stopped" in interrupted.error


def test_shutdown_cancels_queued_jobs(tmp_path: Path, small_study) -> None:
    jobs = _manager(tmp_path)
    first = jobs.submit("study", Study.from_dict(small_study))
    second = jobs.submit("study", Study.from_dict({**small_study, "seed": 99}))
    assert first.id != second.id
    jobs.shutdown(wait=True)
    assert jobs.get("study", first.id).status in ("done", "failed")
    cancelled = jobs.get("study", second.id)
    assert cancelled.status == "failed" and "cancelled" in cancelled.error


def test_serve_command_registers() -> None:
    from techbloc.cli.service import register

    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps `serve` a subcommand
        """Nothing."""

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--store-root" in result.output and "--port" in result.output


def test_job_counts_after_a_restart_and_a_resume(tmp_path: Path, small_study) -> None:
    from techbloc.experiments.runner import run_study

    study = Study.from_dict(small_study)
    jobs = _manager(tmp_path)
    job_id = study.fingerprint()[:12]
    # a server stopped while the job ran: 2 of its 3 chunks stored, job.json says running
    run_study(study, tmp_path / job_id, chunk_size=2, max_chunks=2)
    state = {
        "id": job_id,
        "name": study.name,
        "study": study.to_dict(),
        "status": "running",
        "chunks_done": 0,
        "chunks_total": 3,
    }
    (tmp_path / job_id / JOB_FILE).write_text(json.dumps(state))
    interrupted = jobs.get("study", job_id)
    assert interrupted.status == "failed" and interrupted.parts_done == 2
    assert [j.parts_done for j in jobs.jobs("study")] == [2]
    resumed = jobs.submit("study", study)  # re-uses the 2 chunks, runs the third
    deadline = time.monotonic() + 60
    while jobs.get("study", resumed.id).status in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    done = jobs.get("study", resumed.id)
    assert done.status == "done" and done.parts_done == done.parts_total == 3
    jobs.shutdown(wait=True)
    assert _manager(tmp_path).get("study", job_id).parts_done == 3
