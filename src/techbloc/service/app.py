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
``POST /api/studies``                       start a study (JSON, as the YAML) in background
``GET  /api/jobs``                          every job (queued, running, done, failed)
``GET  /api/jobs/{id}``                     state and progress of a study run
``DELETE /api/jobs/{id}``                   delete a finished job and its results
``GET  /api/studies/{id}/results``          median/p10/p90 per policy of a finished study
``GET  /api/studies/{id}/report``           the study's HTML report (written on first call)
``GET  /``                                  the dashboard (HTML, no external assets)
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
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from techbloc.errors import Error, InputError, StoreError
from techbloc.service.access import MAX_BODY_BYTES, AccessMiddleware
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
from techbloc.service.schemas import (
    EVALUATE_BUDGET,
    STUDY_BUDGET,
    CountryDetail,
    CountrySummary,
    DomainInfo,
    ErrorResponse,
    EvaluateRequest,
    EvaluateResponse,
    Indicator,
    JobStatus,
    LeverInfo,
    MetricInfo,
    ParameterInfo,
    ParametersResponse,
    PolicyInfo,
    Preset,
    Stat,
    StudyResults,
)

__all__ = [
    "MAX_COALITIONS",
    "check_evaluate",
    "check_study_budget",
    "create_app",
    "evaluate_request",
]

#: Most coalitions one ``POST /api/evaluate`` may compare.
MAX_COALITIONS = 20

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


def _number(value: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out and abs(out) != float("inf") else None


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
    Without a token the app serves loopback host names only:

    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> with tempfile.TemporaryDirectory() as root:
    ...     client = TestClient(create_app(Path(root)), base_url="http://127.0.0.1")
    ...     print(client.get("/api/presets").json()[0]["name"])
    forging_core
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

    app = FastAPI(
        title="techbloc",
        version=techbloc.__version__,
        summary="Design and stress-test technology alliances under deep uncertainty.",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.evaluator = evaluator
    app.state.token = token
    app.state.budgets = {"evaluate": evaluate_budget, "study": study_budget}
    _add_error_handlers(app)
    _add_data_routes(app)
    _add_model_routes(app, evaluator)
    _add_study_routes(app, jobs)
    _add_dashboard(app)
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
                    col: _number(inputs.at[code, col])
                    for col in (
                        "rd",
                        "gdp",
                        "alignment",
                        "protection_capability",
                        "us_defence_pact",
                    )
                },
            )
            for code in world.codes[:-1]
        ]

    @app.get(
        "/api/countries/{iso3}", response_model=CountryDetail, responses=_NOT_FOUND, tags=["data"]
    )
    def country(iso3: str) -> CountryDetail:
        """Every indicator of one country (value, unit, year, source) and its model inputs.

        ``ROW`` (the rest of the world) is accepted too.
        """
        import pandas as pd

        from techbloc.world import load_world

        world = load_world()
        try:
            table = world.country(iso3)
        except InputError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        code = str(table["iso3"].iloc[0]) if len(table) else iso3.strip().upper()
        indicators = [
            Indicator(
                indicator=row.indicator,
                value=_number(row.value),
                unit=str(row.unit),
                year=None if pd.isna(row.year) else int(row.year),
                source=str(row.source),
                note=str(row.note),
            )
            for row in table.itertuples(index=False)
        ]
        inputs = world.model_inputs().loc[code]
        notes = world.fill_notes
        notes = notes[notes["iso3"] == code]
        fill: dict[str, str] = {}
        for row in notes.itertuples(index=False):
            fill[row.input] = (
                f"{fill[row.input]}; {row.method}" if row.input in fill else str(row.method)
            )
        return CountryDetail(
            iso3=code,
            name=world.names[code],
            indicators=indicators,
            inputs={col: _number(value) for col, value in inputs.items()},
            fill_notes=fill,
        )

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
        """The parameter registry (default, range, unit, mechanism, source), levers, domains."""
        from dataclasses import asdict

        from techbloc.params import DOMAINS, LEVERS, PARAMETERS

        return ParametersResponse(
            parameters=[ParameterInfo(**asdict(p)) for p in PARAMETERS],
            levers=[LeverInfo(**asdict(lever)) for lever in LEVERS],
            domains=[DomainInfo(**asdict(d)) for d in DOMAINS],
        )


# --------------------------------------------------------------------------------------
# evaluate
# --------------------------------------------------------------------------------------
def _summary(
    outcomes: Any, policies: list[str]
) -> tuple[dict[str, MetricInfo], dict[str, dict[str, Stat]], dict[str, float | None]]:
    """Summarize outcomes per policy, in ``policies`` order.

    Returns
    -------
    metrics : dict
        Description and unit of every outcome.
    stats : dict
        policy -> outcome -> median, p10 and p90 across scenarios.
    backfire : dict
        policy -> share of futures in which China ends stronger than under the status quo
        (``china_knowledge_vs_status_quo > 0``; None without it).
    """
    from techbloc.analysis.summary import study_summary

    table = study_summary(outcomes, policies)
    metrics = {
        row.metric: MetricInfo(description=row.description, unit=row.unit)
        for row in table.drop_duplicates("metric").itertuples()
    }
    result: dict[str, dict[str, Stat]] = {p: {} for p in policies}
    for row in table.itertuples():
        result.setdefault(str(row.policy), {})[str(row.metric)] = Stat(
            median=_number(row.p50),
            p10=_number(row.p10),
            p90=_number(row.p90),
            share_positive=_number(row.share_positive),
        )
    backfire: dict[str, float | None] = dict.fromkeys(result)
    for row in table[table["metric"] == "china_knowledge_vs_status_quo"].itertuples():
        backfire[str(row.policy)] = _number(row.share_positive)
    return metrics, result, backfire


def _coalition_from_preset(text: str) -> Any:
    from techbloc.coalitions import Coalition, presets

    base = text.strip().split("+")[0]
    if "+" in text and base in presets():
        return Coalition.parse(text)
    return Coalition.from_preset(text.strip())


def check_evaluate(request: EvaluateRequest, budget: int | None = EVALUATE_BUDGET) -> None:
    """Checks of an evaluation that need more than one field: years, sizes, budget.

    Raises
    ------
    techbloc.errors.InputError
        ``end_year`` not after ``start_year``, too many or empty coalitions, or
        ``scenarios × coalitions × years`` over ``budget``.
    """
    if request.end_year <= request.start_year:
        raise InputError(
            f"end_year ({request.end_year}) must be after start_year ({request.start_year})"
        )
    count = len(request.presets) + len(request.coalitions)
    if count > MAX_COALITIONS:
        raise InputError(f"at most {MAX_COALITIONS} coalitions per evaluation, got {count}")
    for i, codes in enumerate(request.coalitions):
        if not codes:
            raise InputError(f"coalitions[{i}] is empty: give ISO3 codes such as USA, JPN")
    years = request.end_year - request.start_year + 1
    work = request.scenarios * max(1, count) * years
    if budget is not None and work > budget:
        raise InputError(
            f"compute budget exceeded: {request.scenarios:,} scenarios × {max(1, count)} "
            f"coalitions × {years} years = {work:,}, the limit is {budget:,}; ask "
            "for fewer, or run a study (POST /api/studies)"
        )


def check_study_budget(study: Any, budget: int = STUDY_BUDGET) -> None:
    """Refuse a study over ``budget`` (scenarios × policies × years).

    Raises
    ------
    techbloc.errors.InputError
    """
    years = study.years.end - study.years.start + 1
    work = study.n_scenarios * len(study.policies) * years
    if work > budget:
        raise InputError(
            f"study: compute budget exceeded: {study.n_scenarios:,} scenarios × "
            f"{len(study.policies)} policies × {years} years = {work:,}, the limit of the "
            f"service is {budget:,}; run larger studies with `techbloc explore`"
        )


def evaluate_request(
    request: EvaluateRequest, budget: int | None = EVALUATE_BUDGET
) -> EvaluateResponse:
    """Evaluate the request's coalitions across sampled futures (what the endpoint does).

    ``budget`` is the compute budget checked first (None: not checked; the service's worker
    process gets requests its server has checked against the service's own budget).

    Raises
    ------
    techbloc.errors.InputError
        Unknown preset or country, out-of-range parameter or lever, bad years.
    """
    from techbloc.coalitions import Coalition
    from techbloc.evaluation import evaluate_coalitions

    began = time.perf_counter()
    check_evaluate(request, budget)
    coalitions = [_coalition_from_preset(name) for name in request.presets]
    for codes in request.coalitions:
        coalitions.append(Coalition(tuple(codes)))
    policies, table = evaluate_coalitions(
        coalitions or [Coalition.from_preset("forging_core")],
        scenarios=request.scenarios,
        seed=request.seed,
        fixed=request.fixed,
        pool_share=request.pool_share,
        stringency=request.stringency,
        start_year=request.start_year,
        end_year=request.end_year,
    )
    fixed = {name: float(value) for name, value in request.fixed.items()}
    metrics, outcomes, backfire = _summary(table, [p.label for p in policies])
    return EvaluateResponse(
        scenarios=request.scenarios,
        seed=request.seed,
        years=(request.start_year, request.end_year),
        fixed=fixed,
        policies=[PolicyInfo(**p.to_dict()) for p in policies],
        metrics=metrics,
        outcomes=outcomes,
        backfire_share=backfire,
        seconds=round(time.perf_counter() - began, 3),
    )


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
    )


def _add_study_routes(app: FastAPI, jobs: JobManager) -> None:
    def find(job_id: str) -> Job:
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return job

    def finished(job_id: str) -> Job:
        job = find(job_id)
        if job.status == "failed":
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} failed: {job.error}")
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
        metrics, table, backfire = _summary(outcomes, policies)
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
        """The dashboard: pick coalitions, move levers, run, read the results."""
        return FileResponse(static / "index.html", media_type="text/html")


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
    levers = {lever.name: lever for lever in LEVERS}
    for field, lever in (("pool_share", "pool_share"), ("stringency", "control_stringency")):
        low, high = levers[lever].low, levers[lever].high
        props[field] = {
            "anyOf": [{"type": "number", "minimum": low, "maximum": high}, {"type": "null"}],
            "default": None,
            "description": props[field].get("description", ""),
        }
    schema["x-constraints"] = [
        "end_year > start_year",
        f"len(presets) + len(coalitions) <= {MAX_COALITIONS}",
        f"{_ANCHOR} is in every coalition (added if absent); {_RIVAL} is never a member",
        "no two coalitions have the same members",
        "set leaves at least one parameter sampled by default out",
    ]
