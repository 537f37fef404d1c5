"""The study routes of the service: submit (JSON or YAML), list, watch, cancel, read.

Registered on the application by :func:`add_study_routes`; the jobs themselves are run by
the service's :class:`techbloc.service.jobs.JobManager`, as its
:class:`~techbloc.service.runs.StudyKind` jobs.

An uploaded study YAML is parsed and validated in a worker process, never on the event
loop (the other requests keep being answered), within a time limit
(:data:`~techbloc.service.uploads.CHECK_TIMEOUT`; the body itself is at most 1 MiB), and at
most :data:`MAX_CHECKING` wait at once (429 beyond); see :mod:`techbloc.service.uploads`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from techbloc.service.compute import HEADLINE, check_study_budget, summarise
from techbloc.service.jobs import Job, JobLimitError, JobManager
from techbloc.service.responses import BODY, BUSY, ERRORS, NOT_FOUND, NOT_READY
from techbloc.service.runs import StudyKind
from techbloc.service.schemas import ErrorResponse, JobStatus, StudyCheck, StudyResults
from techbloc.service.uploads import StudyChecker, reject_files

if TYPE_CHECKING:
    from techbloc.experiments.budget import Estimate

__all__ = ["MAX_CHECKING", "add_study_routes", "status_of"]

#: The registry's direction of an outcome as the dashboard's sign (+1: more is better).
_SIGN = {"max": 1, "min": -1, "info": 0}

#: Uploaded study YAML files being checked or waiting at once (429 beyond).
MAX_CHECKING = 2


def status_of(job: Job) -> JobStatus:
    return JobStatus(
        id=job.id,
        name=job.name,
        status=job.status,
        error=job.error,
        chunks_done=job.parts_done,
        chunks_total=job.parts_total,
        scenarios_total=job.scenarios,
        progress=job.progress,
        submitted=job.submitted,
        started=job.started,
        finished=job.finished,
        results_url=f"/api/studies/{job.id}/results",
        report_url=f"/api/studies/{job.id}/report",
        cancel_url=f"/api/jobs/{job.id}/cancel",
        **job.timing(),
    )


def add_study_routes(
    app: FastAPI, jobs: JobManager, studies: StudyKind, checker: StudyChecker
) -> None:
    checking = [0]  # uploaded files being checked now

    def check_resources(spec: Any) -> Estimate:
        """The study's count budget, then its memory and disk against the limits (the disk
        that queued and running jobs will fill counted as used)."""
        from techbloc.experiments.budget import Limits, check_budget, study_estimate

        check_study_budget(spec, app.state.budgets["study"])
        estimate = study_estimate(spec, executor=studies.executor, workers=studies.workers)
        limits = app.state.limits or Limits.machine(studies.root)
        check_budget(
            estimate,
            limits.less_disk(jobs.pending_disk()),
            what="study",
            hint="ask for fewer scenarios, policies or years, or leave trajectories out; "
            "run larger studies with `techbloc explore` on a larger machine",
        )
        return estimate

    def find(job_id: str) -> Job:
        job = jobs.get(studies.name, job_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return job

    def finished(job_id: str) -> Job:
        job = find(job_id)
        if job.status in ("failed", "cancelled"):
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} {job.status}: {job.error}")
        if job.status != "done":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"job {job_id} is {job.status} ({job.progress:.0%} done); poll /api/jobs/{job_id}",
            )
        return job

    @app.post(
        "/api/studies",
        response_model=JobStatus,
        status_code=status.HTTP_202_ACCEPTED,
        responses={**ERRORS, **BODY, **BUSY},
        tags=["studies"],
    )
    def submit_study(study: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        """Start a study in the background (same schema as a study YAML file).

        The study is validated completely first (errors are 422). The answer is the job's
        state; poll ``GET /api/jobs/{id}`` until ``done``, then read
        ``/api/studies/{id}/results`` or ``/api/studies/{id}/report``. Studies sent here may
        not name files (``world.overrides``, ``world.presets``, ``design.table``).

        Limits: ``scenarios × policies × years`` at most 20,000,000, and the estimated peak
        memory and disk within the server's limits (by default 80% of the memory available
        and 90% of the free disk, less what queued jobs will write; 422 beyond, with the
        estimate); at most 8 jobs, and 80,000,000 scenario · policy · years of work, queued
        or running (429 beyond). The job id comes from the study's hash: the
        same study submitted again returns its job, or resumes it if it failed or the
        server restarted (the chunks already stored are reused).
        """
        from techbloc.experiments.study import Study

        reject_files(study)
        spec = Study.from_dict(study, source="study")
        estimate = check_resources(spec)
        job = jobs.submit(studies.name, spec, work=estimate.work, disk=estimate.disk)
        body = status_of(job).model_dump(mode="json")
        return JSONResponse(
            body, status.HTTP_202_ACCEPTED, headers={"Location": f"/api/jobs/{job.id}"}
        )

    @app.post(
        "/api/studies/yaml",
        response_model=StudyCheck | JobStatus,
        status_code=status.HTTP_202_ACCEPTED,
        responses={
            **ERRORS,
            **BODY,
            **BUSY,
            200: {"model": StudyCheck, "description": "With check=true: the study is valid"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/yaml": {"schema": {"type": "string"}}},
            }
        },
        tags=["studies"],
    )
    async def submit_study_yaml(request: Request, check: bool = False) -> JSONResponse:
        """Start a study from a study YAML file sent as the body (or only check it).

        Errors name the line of the key at fault (``study.yaml:12: ...``), as
        ``techbloc explore`` does. With ``check=true`` nothing runs: the answer (200)
        summarises the valid study. Otherwise as ``POST /api/studies``.
        """
        import asyncio

        raw = await request.body()
        if checking[0] >= MAX_CHECKING:
            raise JobLimitError(
                f"{checking[0]} uploaded studies are being checked (the limit); try again "
                "in a few seconds"
            )
        checking[0] += 1
        try:  # parsing a large file takes seconds: never on the event loop
            spec = await checker.study(raw)
            estimate = await asyncio.to_thread(check_resources, spec)
        finally:
            checking[0] -= 1
        if check:
            years = spec.years.end - spec.years.start + 1
            summary = StudyCheck(
                name=spec.name,
                policies=[p.name or p.preset or "+".join(p.members or []) for p in spec.policies],
                scenarios=spec.n_scenarios,
                years=(spec.years.start, spec.years.end),
                work=spec.n_scenarios * len(spec.policies) * years,
                memory_bytes=estimate.memory,
                disk_bytes=estimate.disk,
                seconds=round(estimate.seconds, 1),
                study=spec.to_dict(),
            )
            return JSONResponse(summary.model_dump(mode="json"), status.HTTP_200_OK)
        job = jobs.submit(studies.name, spec, work=estimate.work, disk=estimate.disk)
        return JSONResponse(
            status_of(job).model_dump(mode="json"),
            status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/jobs/{job.id}"},
        )

    @app.post(
        "/api/jobs/{job_id}/cancel",
        response_model=JobStatus,
        responses=NOT_FOUND,
        tags=["studies"],
    )
    def cancel_job(job_id: str) -> JobStatus:
        """Cancel a queued job, or stop a running one after its current chunk.

        The chunks already stored are kept: submitting the same study again resumes it.
        """
        if not jobs.cancel(studies.name, job_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return status_of(find(job_id))

    @app.get("/api/jobs", response_model=list[JobStatus], tags=["studies"])
    def list_jobs() -> list[JobStatus]:
        """Every job the service keeps (oldest first), whatever its state."""
        return [status_of(job) for job in jobs.jobs(studies.name)]

    @app.get("/api/jobs/{job_id}", response_model=JobStatus, responses=NOT_FOUND, tags=["studies"])
    def job_status(job_id: str) -> JobStatus:
        """State of a study run: queued, running, done or failed (with the error)."""
        return status_of(find(job_id))

    @app.delete(
        "/api/jobs/{job_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={
            **NOT_FOUND,
            409: {"model": ErrorResponse, "description": "The job is queued or running"},
        },
        tags=["studies"],
    )
    def delete_job(job_id: str) -> Response:
        """Delete a finished (or failed) job and its results store."""
        if not jobs.delete(studies.name, job_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get(
        "/api/studies/{job_id}/results",
        response_model=StudyResults,
        responses=NOT_READY,
        tags=["studies"],
    )
    def study_results(job_id: str) -> StudyResults:
        """Median and 10th/90th percentiles of every scalar outcome per policy."""
        from techbloc.experiments.store import ResultsStore

        job = finished(job_id)
        with ResultsStore.open(studies.directory(job_id)) as store:
            manifest = store.manifest
            outcomes = store.outcomes()
            policies = store.policies
        metrics, table, backfire = summarise(outcomes, policies)
        return StudyResults(
            id=job.id,
            name=job.name,
            study_hash=str(manifest["study_hash"]),
            version=str(manifest["version"]),
            seed=int(manifest["seed"]),
            n_scenarios=int(manifest["n_scenarios"]),
            scenarios_done=int(manifest["scenarios_done"]),
            complete=bool(manifest["complete"]),
            policies=policies,
            metrics=metrics,
            outcomes=table,
            backfire_share=backfire,
            headline=[name for name in HEADLINE if name in metrics],
            directions={name: _SIGN[info.direction] for name, info in metrics.items()},
        )

    @app.get(
        "/api/studies/{job_id}/report",
        response_class=HTMLResponse,
        responses={
            **NOT_READY,
            200: {"content": {"text/html": {}}, "description": "Self-contained HTML report"},
        },
        tags=["studies"],
    )
    def study_report(job_id: str) -> FileResponse:
        """The study's self-contained HTML report (written on the first request)."""
        from techbloc.service.security import REPORT_CSP

        finished(job_id)
        return FileResponse(
            studies.report(job_id),
            media_type="text/html",
            headers={"Content-Security-Policy": REPORT_CSP},
        )
