"""The techbloc web service: a JSON API (with an OpenAPI spec) and a dashboard page.

Build the application with :func:`create_app` and serve it with any ASGI server::

    uvicorn --factory techbloc.service.app:create_app      # store root: ./out
    techbloc serve --port 8000 --store-root out           # the same, from the CLI

Endpoints (all JSON unless noted; ``/docs`` shows them interactively):

==========================================  ==============================================
``GET  /api/countries``                     candidate countries and a few model inputs
``GET  /api/countries/{iso3}``              every indicator (value, year, source) of one
``GET  /api/presets``                       coalition presets with their sources
``GET  /api/parameters``                    the parameter registry, levers and domains
``POST /api/evaluate``                      median/p10/p90 of each outcome per coalition
``POST /api/evaluations``                   the same in background, with progress
``GET  /api/evaluations[/{id}]``            background evaluations: state, progress, ETA
``GET  /api/evaluations/{id}/result``       fans, per-domain gaps, stability, summary
``DELETE /api/evaluations/{id}``            cancel one (or forget a finished one)
``POST /api/studies``                       start a study (JSON, as the YAML) in background
``POST /api/studies/yaml``                  the same from a YAML file (``?check=true``)
``GET  /api/jobs``                          every job (queued, running, done, failed)
``GET  /api/jobs/{id}``                     state and progress of a study run
``POST /api/jobs/{id}/cancel``              cancel a study run (chunks done are kept)
``DELETE /api/jobs/{id}``                   delete a finished job and its results
``GET  /api/studies/{id}/results``          median/p10/p90 per policy of a finished study
``GET  /api/studies/{id}/report``           the study's HTML report (written on first call)
``GET  /``, ``/studies``, ``/country/{iso3}``  the dashboard (HTML, no external assets)
``GET  /docs``                              Swagger UI, served from the package
==========================================  ==============================================

Errors are JSON ``{"detail": message}``: invalid input (including every
:class:`techbloc.errors.InputError`, and requests over the compute budget) is 422, an
unknown country or job 404, a job that is not finished 409, a full queue 429, a body over
the size limit 413, a missing access token 401, a Host not served 400.

Limits: ``POST /api/evaluate`` runs in a worker process (the other endpoints answer
meanwhile) within a compute budget (``scenarios × coalitions × years`` ≤ 1,000,000) and a
timeout, and stops when the client disconnects; a study job's budget is ``scenarios ×
policies × years`` ≤ 20,000,000; request bodies are at most 1 MiB; at most 8 jobs queue.

Nothing happens at import: the model, the data and pandas are loaded on first use.
"""

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from techbloc.errors import Error, InputError, StoreError
from techbloc.service.access import MAX_BODY_BYTES, AccessMiddleware
from techbloc.service.compute import (
    MAX_COALITIONS,
    check_evaluate,
    check_study_budget,
    evaluate_request,
    number,
    summarise,
    validate_request,
)
from techbloc.service.evaluator import (
    EVALUATE_TIMEOUT,
    MAX_WAITING,
    EvaluationCancelledError,
    EvaluationTimeoutError,
    EvaluationWorker,
    WorkerBusyError,
)
from techbloc.service.jobs import (
    MAX_JOBS,
    MAX_QUEUED,
    Job,
    JobBusyError,
    JobLimitError,
    JobManager,
)
from techbloc.service.registry import ParametersResponse, parameters_response
from techbloc.service.runs import RUN_TIMEOUT, Run, RunLimitError, RunManager
from techbloc.service.schemas import (
    EVALUATE_BUDGET,
    STUDY_BUDGET,
    CountryDetail,
    CountrySummary,
    ErrorResponse,
    EvaluateRequest,
    EvaluateResponse,
    JobStatus,
    Preset,
    RunResult,
    RunStatus,
    StudyCheck,
    StudyResults,
)

__all__ = [
    "MAX_COALITIONS",
    "check_evaluate",
    "check_study_budget",
    "create_app",
    "evaluate_request",
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid input (the message says why)"},
}
_BODY: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "Request body over the size limit (1 MiB)"},
}
_BUSY: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorResponse, "description": "Too many requests or jobs waiting"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": ErrorResponse, "description": "Unknown country or job"},
}
_NOT_READY: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    409: {"model": ErrorResponse, "description": "The job has not finished (or failed)"},
}


def _static_dir() -> Path:
    return Path(str(resources.files("techbloc.service") / "static"))


# --------------------------------------------------------------------------------------
# the application
# --------------------------------------------------------------------------------------
def create_app(
    store_root: Path = Path("out"),
    *,
    executor: str = "local",
    workers: int | None = None,
    token: str | None = None,
    allowed_hosts: Iterable[str] | None = None,
    max_body: int = MAX_BODY_BYTES,
    evaluate_timeout: float = EVALUATE_TIMEOUT,
    run_timeout: float = RUN_TIMEOUT,
    max_waiting: int = MAX_WAITING,
    max_queued: int = MAX_QUEUED,
    max_jobs: int = MAX_JOBS,
    evaluate_budget: int = EVALUATE_BUDGET,
    study_budget: int = STUDY_BUDGET,
    evaluator: EvaluationWorker | None = None,
    prestart: bool = False,
) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    store_root : Path
        Directory for study runs: each job writes its results store (and report) to
        ``store_root/<job id>``. Created on the first study.
    executor : {"local", "processes", "dask"}
        Where study chunks run (``local``: on the service's job thread).
    workers : int, optional
        Processes or Dask workers for ``processes`` / ``dask``.
    token : str, optional
        Access token every request must carry (``Authorization: Bearer``, ``?token=`` or
        the dashboard's cookie); None: no token (for a loopback-only server).
    allowed_hosts : iterable of str, optional
        Host header names served (``"*"``: any). Default: loopback names without a token,
        any with one.
    max_body : int
        Largest request body, in bytes (413 beyond).
    evaluate_timeout : float
        Seconds one ``POST /api/evaluate`` may run.
    run_timeout : float
        Seconds one background evaluation (``POST /api/evaluations``) may run.
    max_waiting : int
        Evaluations that may wait while one runs (429 beyond).
    max_queued, max_jobs : int
        Jobs queued or running at once, and jobs kept in ``store_root`` (429 beyond).
    evaluate_budget, study_budget : int
        Compute budgets (scenarios × policies × years) of one evaluation and one study
        (422 beyond); stated in the OpenAPI spec.
    evaluator : EvaluationWorker, optional
        The worker that runs evaluations (default: a new one with ``evaluate_timeout`` and
        ``max_waiting``; one given here is shared, and not closed with the app).
    prestart : bool
        Start (and warm up) the evaluation worker when the app starts, not at the first
        evaluation (``techbloc serve`` does).

    Returns
    -------
    fastapi.FastAPI
        The application; ``app.state.jobs`` is its :class:`~techbloc.service.jobs.JobManager`.

    Examples
    --------
    >>> from fastapi.testclient import TestClient            # doctest: +SKIP
    >>> client = TestClient(create_app(Path("out/service")))  # doctest: +SKIP
    >>> client.get("/api/presets").json()[0]["name"]          # doctest: +SKIP
    'forging_core'
    """
    import techbloc

    jobs = JobManager(
        Path(store_root),
        executor=executor,
        workers=workers,
        max_queued=max_queued,
        max_jobs=max_jobs,
    )
    owned = evaluator is None
    if evaluator is None:
        evaluator = EvaluationWorker(timeout=evaluate_timeout, max_waiting=max_waiting)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prestart:
            evaluator.start()
        yield
        jobs.shutdown()
        if owned:
            evaluator.close()

    runs = RunManager(evaluator, max_active=max_waiting + 1, timeout=run_timeout)
    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="techbloc",
        version=techbloc.__version__,
        summary="Design and stress-test technology alliances under deep uncertainty.",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.runs = runs
    app.state.evaluator = evaluator
    app.state.token = token
    app.state.budgets = {"evaluate": evaluate_budget, "study": study_budget}
    _add_error_handlers(app)
    _add_data_routes(app)
    _add_model_routes(app, evaluator)
    _add_run_routes(app, runs)
    _add_study_routes(app, jobs)
    _add_dashboard(app)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(
        AccessMiddleware, token=token, allowed_hosts=allowed_hosts, max_body=max_body
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 422)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_409_CONFLICT)

    @app.exception_handler(JobLimitError)
    @app.exception_handler(RunLimitError)
    @app.exception_handler(WorkerBusyError)
    async def busy(request: Request, exc: Error) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc)}, status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": "10"}
        )

    @app.exception_handler(JobBusyError)
    async def job_busy(request: Request, exc: Error) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_409_CONFLICT)

    @app.exception_handler(EvaluationTimeoutError)
    @app.exception_handler(EvaluationCancelledError)
    async def stopped(request: Request, exc: Error) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = exc.status_code
        if code == status.HTTP_400_BAD_REQUEST:  # FastAPI's "error parsing the body"
            code = 422
        headers = dict(exc.headers or {})
        if code == status.HTTP_405_METHOD_NOT_ALLOWED:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return JSONResponse({"detail": str(exc.detail)}, code, headers=headers)

    @app.exception_handler(Error)
    async def other_error(request: Request, exc: Error) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_500_INTERNAL_SERVER_ERROR)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = [str(part) for part in err.get("loc", ()) if part != "body"]
            errors.append(
                {"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
            )
        message = "; ".join(
            (".".join(e["loc"]) + ": " if e["loc"] else "") + e["msg"] for e in errors
        )
        return JSONResponse({"detail": message or "invalid request", "errors": errors}, 422)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (for a 405's Allow header)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        other, _ = route.matches(request.scope)
        if Match.NONE not in (match,) or other is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


# --------------------------------------------------------------------------------------
# countries, presets, parameters
# --------------------------------------------------------------------------------------
def _add_data_routes(app: FastAPI) -> None:
    @app.get("/api/countries", response_model=list[CountrySummary], tags=["data"])
    def list_countries() -> list[CountrySummary]:
        """The candidate countries (China and Russia included) and a few model inputs."""
        from techbloc.world import load_world

        world = load_world()
        inputs = world.model_inputs()
        names = world.names
        return [
            CountrySummary(
                iso3=code,
                name=names[code],
                **{
                    col: number(inputs.at[code, col])
                    for col in (
                        "rd",
                        "gdp",
                        "alignment",
                        "protection_capability",
                        "us_defence_pact",
                        "threat",
                        "china_dependence",
                        "hedging",
                    )
                },
            )
            for code in world.codes[:-1]
        ]

    @app.get(
        "/api/countries/{iso3}", response_model=CountryDetail, responses=_NOT_FOUND, tags=["data"]
    )
    def country(iso3: str) -> CountryDetail:
        """Every indicator of one country (value, unit, year, source) and what it feeds.

        Also the model inputs derived from the indicators (rule, fill, sources), the will to
        protect (E10) term by term, and the cited frictions and hedging motive with their
        reasons. ``ROW`` (the rest of the world) is accepted too.
        """
        from techbloc.service.countries import country_detail

        try:
            return country_detail(iso3)
        except InputError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

    @app.get("/api/presets", response_model=list[Preset], tags=["data"])
    def list_presets() -> list[Preset]:
        """The shipped coalition presets, each with its source and how sure that source is."""
        from techbloc.coalitions import presets

        return [
            Preset(
                name=name,
                members=list(c.members),
                member_names=list(c.names()),
                source=c.source,
                certainty=c.certainty,
            )
            for name, c in presets().items()
        ]

    @app.get("/api/parameters", response_model=ParametersResponse, tags=["data"])
    def parameters() -> ParametersResponse:
        """The registry: parameters (default, range, unit, mechanism, source), levers, domains.

        Also the mechanisms' titles (to group parameters) and the parameters most often
        changed (shown first by the dashboard).
        """
        return parameters_response()


# --------------------------------------------------------------------------------------
# evaluate
# --------------------------------------------------------------------------------------
def _add_model_routes(app: FastAPI, evaluator: EvaluationWorker) -> None:
    @app.post(
        "/api/evaluate",
        response_model=EvaluateResponse,
        responses={
            **_ERRORS,
            **_BODY,
            **_BUSY,
            503: {
                "model": ErrorResponse,
                "description": "The evaluation ran past the time limit and was stopped",
            },
        },
        tags=["model"],
    )
    async def evaluate(body: EvaluateRequest, request: Request) -> EvaluateResponse:
        """Evaluate coalitions across sampled futures (the answer comes when done).

        Samples ``scenarios`` futures by Latin hypercube over every uncertain parameter not
        in ``set``, simulates each coalition from ``start_year`` to ``end_year`` and returns
        the median and 10th/90th percentiles of every scalar outcome at the final year. With
        neither ``presets`` nor ``coalitions``, evaluates ``forging_core``.

        Limits: ``scenarios × coalitions × years`` at most 1,000,000 (422 beyond). One
        evaluation runs at a time, in a worker process, so the other endpoints keep
        answering; a few more may wait (429 beyond). An evaluation is stopped when it runs
        past the time limit (503) or when the client disconnects.
        """
        check_evaluate(body, app.state.budgets["evaluate"])
        answer = await evaluator.evaluate(
            body.model_dump(mode="json", by_alias=True), request.is_disconnected
        )
        return EvaluateResponse.model_validate(answer)


def _run_status(run: Run) -> RunStatus:
    return RunStatus(
        id=run.id,
        status=run.status,
        error=run.error,
        scenarios=run.scenarios,
        coalitions=run.coalitions,
        parts_done=run.parts_done,
        parts_total=run.parts_total,
        progress=run.progress,
        submitted=run.submitted,
        started=run.started,
        finished=run.finished,
        result_url=f"/api/evaluations/{run.id}/result",
        **run.timing(),
    )


def _add_run_routes(app: FastAPI, runs: RunManager) -> None:
    def find(run_id: str) -> Run:
        run = runs.get(run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evaluation {run_id!r}")
        return run

    @app.post(
        "/api/evaluations",
        response_model=RunStatus,
        status_code=status.HTTP_202_ACCEPTED,
        responses={**_ERRORS, **_BODY, **_BUSY},
        tags=["model"],
    )
    async def submit_evaluation(body: EvaluateRequest) -> JSONResponse:
        """Start an evaluation in the background (what the dashboard's Run does).

        Same request as ``POST /api/evaluate`` (checked the same way, 422 on errors) but the
        answer comes at once: poll ``GET /api/evaluations/{id}`` for its progress (parts
        done, scenarios per second, time left), read ``/api/evaluations/{id}/result`` when
        it is done, cancel it with ``DELETE``. The result adds what the dashboard draws:
        fan charts of the headline outcomes, per-domain gaps and each coalition's stability.
        """
        import asyncio

        await asyncio.to_thread(validate_request, body, app.state.budgets["evaluate"])
        count = max(1, len(body.presets) + len(body.coalitions))
        run = runs.submit(body.model_dump(mode="json", by_alias=True), count)
        return JSONResponse(
            _run_status(run).model_dump(mode="json"),
            status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/evaluations/{run.id}"},
        )

    @app.get("/api/evaluations", response_model=list[RunStatus], tags=["model"])
    def list_evaluations() -> list[RunStatus]:
        """The background evaluations kept in memory (oldest first)."""
        return [_run_status(run) for run in runs.runs()]

    @app.get(
        "/api/evaluations/{run_id}",
        response_model=RunStatus,
        responses=_NOT_FOUND,
        tags=["model"],
    )
    def evaluation_status(run_id: str) -> RunStatus:
        """State and progress of a background evaluation."""
        return _run_status(find(run_id))

    @app.get(
        "/api/evaluations/{run_id}/result",
        response_model=RunResult,
        responses={
            **_NOT_FOUND,
            409: {"model": ErrorResponse, "description": "Not finished, failed or cancelled"},
        },
        tags=["model"],
    )
    def evaluation_result(run_id: str) -> RunResult:
        """The result of a finished background evaluation."""
        run = find(run_id)
        if run.status != "done" or run.result is None:
            reason = f": {run.error}" if run.error else f" ({run.progress:.0%} done)"
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"evaluation {run_id} is {run.status}{reason}"
            )
        return RunResult.model_validate(run.result)

    @app.delete(
        "/api/evaluations/{run_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=_NOT_FOUND,
        tags=["model"],
    )
    def cancel_evaluation(run_id: str) -> Response:
        """Cancel a queued or running evaluation (at once), or forget a finished one."""
        if not runs.cancel(run_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evaluation {run_id!r}")
        return Response(status_code=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------------------
# studies and jobs
# --------------------------------------------------------------------------------------
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


def _job_status(job: Job) -> JobStatus:
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


def _add_study_routes(app: FastAPI, jobs: JobManager) -> None:
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
        responses={**_ERRORS, **_BODY, **_BUSY},
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
        body = _job_status(job).model_dump(mode="json")
        return JSONResponse(
            body, status.HTTP_202_ACCEPTED, headers={"Location": f"/api/jobs/{job.id}"}
        )

    @app.post(
        "/api/studies/yaml",
        response_model=StudyCheck | JobStatus,
        status_code=status.HTTP_202_ACCEPTED,
        responses={
            **_ERRORS,
            **_BODY,
            **_BUSY,
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
            _job_status(job).model_dump(mode="json"),
            status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/jobs/{job.id}"},
        )

    @app.post(
        "/api/jobs/{job_id}/cancel",
        response_model=JobStatus,
        responses=_NOT_FOUND,
        tags=["studies"],
    )
    def cancel_job(job_id: str) -> JobStatus:
        """Cancel a queued job, or stop a running one after its current chunk.

        The chunks already stored are kept: submitting the same study again resumes it.
        """
        if not jobs.cancel(job_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return _job_status(find(job_id))

    @app.get("/api/jobs", response_model=list[JobStatus], tags=["studies"])
    def list_jobs() -> list[JobStatus]:
        """Every job the service keeps (oldest first), whatever its state."""
        return [_job_status(job) for job in jobs.jobs()]

    @app.get("/api/jobs/{job_id}", response_model=JobStatus, responses=_NOT_FOUND, tags=["studies"])
    def job_status(job_id: str) -> JobStatus:
        """State of a study run: queued, running, done or failed (with the error)."""
        return _job_status(find(job_id))

    @app.delete(
        "/api/jobs/{job_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={
            **_NOT_FOUND,
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
        responses=_NOT_READY,
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
            **_NOT_READY,
            200: {"content": {"text/html": {}}, "description": "Self-contained HTML report"},
        },
        tags=["studies"],
    )
    def study_report(job_id: str) -> FileResponse:
        """The study's self-contained HTML report (written on the first request)."""
        finished(job_id)
        return FileResponse(jobs.report(job_id), media_type="text/html")


# --------------------------------------------------------------------------------------
# dashboard and OpenAPI
# --------------------------------------------------------------------------------------
def _add_dashboard(app: FastAPI) -> None:
    static = _static_dir()
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", response_class=HTMLResponse, tags=["dashboard"])
    def dashboard() -> FileResponse:
        """The dashboard: build coalitions on a map, set levers and parameters, run."""
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/studies", response_class=HTMLResponse, tags=["dashboard"])
    def studies_page() -> FileResponse:
        """The dashboard's studies page: start, watch, cancel and open studies."""
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/studies/{job_id}", response_class=HTMLResponse, tags=["dashboard"])
    def study_page(job_id: str) -> FileResponse:
        """The dashboard's page of one study (its results)."""
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/country/{iso3}", response_class=HTMLResponse, tags=["dashboard"])
    def country_page(iso3: str) -> FileResponse:
        """The dashboard's page of one country: indicators, inputs, frictions, hedging."""
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="techbloc API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's spec, with the study schema (``techbloc.experiments.study.Study``) typed."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from techbloc.experiments.study import Study

    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    study = Study.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(study.pop("$defs", {}))
    schemas["Study"] = study
    body = spec["paths"]["/api/studies"]["post"]["requestBody"]
    body["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Study"}
    budgets = getattr(app.state, "budgets", {})
    if "evaluate" in budgets:
        schemas["EvaluateRequest"]["x-compute-budget"]["limit"] = budgets["evaluate"]
    if "study" in budgets:
        study["x-compute-budget"] = {
            "limit": budgets["study"],
            "formula": "number of scenarios * len(policies) * (years.end - years.start + 1)",
        }
    _tighten_evaluate(schemas["EvaluateRequest"])
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for operations in spec["paths"].values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if code[:1] in ("4", "5"):  # errors are JSON, also where success is HTML
                    response["content"] = error
    app.openapi_schema = json.loads(json.dumps(spec))
    return app.openapi_schema


def _tighten_evaluate(schema: dict[str, Any]) -> None:
    """State in the evaluate schema what the server checks: names, codes and ranges.

    Presets and country codes become patterns and enums of the bundled ones, ``set`` one
    property per registry parameter with its range, the levers their ranges. What JSON
    Schema cannot say (``end_year > start_year``, at most 20 coalitions in all, the compute
    budget) is stated in ``x-constraints`` and ``x-compute-budget``.
    """
    import re

    from techbloc.coalitions import _ANCHOR, _RIVAL, _countries, presets
    from techbloc.params import LEVERS, PARAMETERS

    codes = [c for c in _countries() if c != _RIVAL]
    code_enum = [*codes, *(c.lower() for c in codes)]
    alternatives = "|".join(re.escape(c) for c in code_enum)
    names = "|".join(re.escape(n) for n in presets())
    props = schema["properties"]
    props["presets"]["items"] = {"type": "string", "pattern": f"^({names})(\\+({alternatives}))*$"}
    props["presets"]["maxItems"] = MAX_COALITIONS
    props["presets"]["uniqueItems"] = True
    props["coalitions"]["items"] = {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": code_enum},
    }
    props["coalitions"]["maxItems"] = MAX_COALITIONS
    props["set"] = {
        "type": "object",
        "additionalProperties": False,
        "description": props["set"].get("description", ""),
        "properties": {
            p.name: {"type": "number", "minimum": p.low, "maximum": p.high} for p in PARAMETERS
        },
    }
    from techbloc.params import DOMAINS

    levers = {lever.name: lever for lever in LEVERS}

    def ranged(name: str) -> dict[str, Any]:
        return {"type": "number", "minimum": levers[name].low, "maximum": levers[name].high}

    props["pool_share"] = {
        "anyOf": [ranged("pool_share"), {"type": "null"}],
        "default": None,
        "description": props["pool_share"].get("description", ""),
    }
    per_domain = {
        "type": "object",
        "additionalProperties": False,
        "properties": {d.name: ranged("control_stringency") for d in DOMAINS},
    }
    props["stringency"] = {
        "anyOf": [ranged("control_stringency"), per_domain, {"type": "null"}],
        "default": None,
        "description": props["stringency"].get("description", ""),
    }
    props["capacity_building"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {c: ranged("capacity_building") for c in codes if c != _ANCHOR},
        "description": props["capacity_building"].get("description", ""),
    }
    props["vary"] = {
        "type": "array",
        "items": {"type": "string", "enum": [p.name for p in PARAMETERS if p.is_uncertain]},
        "uniqueItems": True,
        "maxItems": 100,
        "description": props["vary"].get("description", ""),
    }
    schema["x-constraints"] = [
        "end_year > start_year",
        f"len(presets) + len(coalitions) <= {MAX_COALITIONS}",
        f"{_ANCHOR} is in every coalition (added if absent); {_RIVAL} is never a member",
        "no two coalitions have the same members",
        "set leaves at least one parameter sampled by default out",
        "no parameter is both in vary and in set",
    ]
