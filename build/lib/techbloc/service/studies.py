"""The study routes of the service: submit (JSON or YAML), list, watch, cancel, read.

Registered on the application by :func:`add_study_routes`; the jobs themselves are run by
:class:`techbloc.service.jobs.JobManager`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from techbloc.errors import InputError
from techbloc.service.compute import check_study_budget, summarise
from techbloc.service.jobs import Job, JobManager
from techbloc.service.responses import BODY, BUSY, ERRORS, NOT_FOUND, NOT_READY
from techbloc.service.schemas import ErrorResponse, JobStatus, StudyCheck, StudyResults

__all__ = ["add_study_routes", "status_of"]

_FILE_KEYS = (("world", "overrides"), ("world", "presets"), ("design", "table"))


def _reject_files(data: Any) -> None:
    """Studies sent over the API may not name server-side files."""
    if not isinstance(data, dict):
        return
    for section, key in _FILE_KEYS:
        part = data.get(section)
        if isinstance(part, dict) and part.get(key):
            raise InputError(
                f"study: {section}.{key}: file paths are not accepted over the API (the "
                "server would read its own files); run `techbloc explore` for such studies"
            )


def status_of(job: Job) -> JobStatus:
    return JobStatus(
        id=job.id,
        name=job.name,
        status=job.status,
        error=job.error,
        chunks_done=job.chunks_done,
        chunks_total=job.chunks_total,
        scenarios_total=job.scenarios_total,
        progress=job.progress,
        submitted=job.submitted,
        started=job.started,
        finished=job.finished,
        results_url=f"/api/studies/{job.id}/results",
        report_url=f"/api/studies/{job.id}/report",
        cancel_url=f"/api/jobs/{job.id}/cancel",
        **job.timing(),
    )


def add_study_routes(app: FastAPI, jobs: JobManager) -> None:
    def find(job_id: str) -> Job:
        job = jobs.get(job_id)
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

        Limits: ``scenarios × policies × years`` at most 20,000,000 (422 beyond); at most 8
        jobs queued or running (429 beyond). The job id comes from the study's hash: the
        same study submitted again returns its job, or resumes it if it failed or the
        server restarted (the chunks already stored are reused).
        """
        from techbloc.experiments.study import Study

        _reject_files(study)
        spec = Study.from_dict(study, source="study")
        check_study_budget(spec, app.state.budgets["study"])
        job = jobs.submit(spec)
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
        from techbloc.experiments.study import Study
        from techbloc.yamlio import parse_yaml

        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("study.yaml: the file is not UTF-8 text") from None
        document = parse_yaml(text, "study.yaml")
        _reject_files(document.data)
        spec = Study.from_dict(document.data, source="study.yaml", lines=document.lines)
        check_study_budget(spec, app.state.budgets["study"])
        if check:
            years = spec.years.end - spec.years.start + 1
            summary = StudyCheck(
                name=spec.name,
                policies=[p.name or p.preset or "+".join(p.members or []) for p in spec.policies],
                scenarios=spec.n_scenarios,
                years=(spec.years.start, spec.years.end),
                work=spec.n_scenarios * len(spec.policies) * years,
                study=spec.to_dict(),
            )
            return JSONResponse(summary.model_dump(mode="json"), status.HTTP_200_OK)
        job = jobs.submit(spec)
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
        if not jobs.cancel(job_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return status_of(find(job_id))

    @app.get("/api/jobs", response_model=list[JobStatus], tags=["studies"])
    def list_jobs() -> list[JobStatus]:
        """Every job the service keeps (oldest first), whatever its state."""
        return [status_of(job) for job in jobs.jobs()]

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
        if not jobs.delete(job_id):
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
        with ResultsStore.open(jobs.directory(job_id)) as store:
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
        finished(job_id)
        return FileResponse(jobs.report(job_id), media_type="text/html")
