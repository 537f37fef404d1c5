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
``GET  /api/evaluations/{id}/importance``   parameter importance for one outcome
``DELETE /api/evaluations/{id}``            cancel one (or forget a finished one)
``POST /api/studies``                       start a study (JSON, as the YAML) in background
``POST /api/studies/yaml``                  the same from a YAML file (``?check=true``)
``GET  /api/jobs``                          every job (queued, running, done, failed)
``GET  /api/jobs/{id}``                     state and progress of a study run
``POST /api/jobs/{id}/cancel``              cancel a study run (chunks done are kept)
``DELETE /api/jobs/{id}``                   delete a finished job and its results
``GET  /api/studies/{id}/results``          median/p10/p90 per policy of a finished study
``GET  /api/studies/{id}/futures``          each future's parameters and headline outcomes
``GET  /api/studies/{id}/importance``       parameter importance for one outcome
``GET  /api/studies/{id}/report``           the study's HTML report (written on first call)
``GET  /``, ``/studies``, ``/country/{iso3}``  the dashboard (HTML, no external assets)
``GET  /docs``                              Swagger UI, served from the package
==========================================  ==============================================

Errors are JSON ``{"detail": message}``: invalid input (including every
:class:`techbloc.errors.InputError`, and requests over the compute budget) is 422, an
unknown country or job 404, a job that is not finished 409, a full queue 429, a body over
the size limit 413, a missing access token 401, a Host not served 400, a request that
changes something sent from another site 403, a body that is not JSON or YAML 415, a body
that does not arrive in time 408 (see :mod:`techbloc.service.access`). Every response
carries security headers (Content-Security-Policy, X-Frame-Options, nosniff, Referrer-Policy;
:mod:`techbloc.service.security`), and the access token is never written to the access log.

Limits: ``POST /api/evaluate`` runs in a worker process (the other endpoints answer
meanwhile) within a compute budget (``scenarios × coalitions × years`` ≤ 1,000,000) and a
timeout, and stops when the client disconnects; a study job's budget is ``scenarios ×
policies × years`` ≤ 20,000,000; the estimated peak memory and disk of a study or an
evaluation must fit the machine (:mod:`techbloc.experiments.budget`); request bodies are at
most 1 MiB and must arrive within 15 s; at most 8 jobs, and 80,000,000 scenario · policy ·
years of work, queue; an uploaded study YAML is parsed in a worker process, within 10 s.

Nothing happens at import: the model, the data and pandas are loaded on first use.
"""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from techbloc.errors import Error, InputError, StoreError
from techbloc.experiments.budget import Limits
from techbloc.service.access import BODY_TIMEOUT, MAX_BODY_BYTES, AccessMiddleware
from techbloc.service.compute import (
    MAX_COALITIONS,
    check_evaluate,
    check_evaluation_resources,
    check_study_budget,
    evaluate_request,
    number,
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
from techbloc.service.futures import add_futures_routes
from techbloc.service.jobs import Job, JobBusyError, JobLimitError, JobManager
from techbloc.service.openapi import openapi_spec
from techbloc.service.registry import ParametersResponse, parameters_response
from techbloc.service.responses import BODY, BUSY, ERRORS, NOT_FOUND
from techbloc.service.runs import MAX_JOBS, MAX_QUEUED, RUN_TIMEOUT, EvaluationKind, StudyKind
from techbloc.service.schemas import (
    EVALUATE_BUDGET,
    STUDY_BUDGET,
    CountryDetail,
    CountrySummary,
    ErrorResponse,
    EvaluateRequest,
    EvaluateResponse,
    Preset,
    RunResult,
    RunStatus,
)
from techbloc.service.studies import add_study_routes
from techbloc.service.uploads import CHECK_TIMEOUT, StudyChecker

__all__ = [
    "MAX_COALITIONS",
    "check_evaluate",
    "check_study_budget",
    "create_app",
    "evaluate_request",
]


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
    body_timeout: float = BODY_TIMEOUT,
    check_timeout: float = CHECK_TIMEOUT,
    evaluate_timeout: float = EVALUATE_TIMEOUT,
    run_timeout: float = RUN_TIMEOUT,
    max_waiting: int = MAX_WAITING,
    max_queued: int = MAX_QUEUED,
    max_jobs: int = MAX_JOBS,
    evaluate_budget: int = EVALUATE_BUDGET,
    study_budget: int = STUDY_BUDGET,
    limits: Limits | None = None,
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
    body_timeout : float
        Seconds a request body may take to arrive (408 beyond).
    check_timeout : float
        Seconds the parsing of an uploaded study YAML may take (422 beyond).
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
    limits : Limits, optional
        Largest estimated memory and disk of one study or evaluation
        (:mod:`techbloc.experiments.budget`; 422 beyond). Default: the machine's, at each
        request (80% of the memory available, 90% of the free disk of ``store_root``).
    evaluator : EvaluationWorker, optional
        The worker that runs evaluations (default: a new one with ``evaluate_timeout`` and
        ``max_waiting``; one given here is shared, and not closed with the app).
    prestart : bool
        Start (and warm up) the evaluation worker when the app starts, not at the first
        evaluation (``techbloc serve`` does).

    Returns
    -------
    fastapi.FastAPI
        The application; ``app.state.jobs`` is its :class:`~techbloc.service.jobs.JobManager`
        (running both kinds of background job: ``"study"`` and ``"evaluation"``).

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
    from techbloc.service.security import redact_access_log

    redact_access_log()
    checker = StudyChecker(check_timeout)
    owned = evaluator is None
    if evaluator is None:
        evaluator = EvaluationWorker(timeout=evaluate_timeout, max_waiting=max_waiting)
    studies = StudyKind(Path(store_root), executor, workers, max_active=max_queued, keep=max_jobs)
    evaluations = EvaluationKind(evaluator, max_active=max_waiting + 1, timeout=run_timeout)
    jobs = JobManager([studies, evaluations])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prestart:
            evaluator.start()
            checker.start()
        yield
        jobs.shutdown()
        checker.close()
        if owned:
            evaluator.close()

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="techbloc",
        version=techbloc.__version__,
        summary="Design and stress-test technology alliances under deep uncertainty.",
        description=__doc__.split("\n\n")[0] if __doc__ else "",
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.evaluator = evaluator
    app.state.token = token
    app.state.budgets = {"evaluate": evaluate_budget, "study": study_budget}
    app.state.limits = limits
    _add_error_handlers(app)
    _add_data_routes(app)
    _add_model_routes(app, evaluator, studies)
    _add_evaluation_routes(app, jobs, evaluations, studies)
    add_study_routes(app, jobs, studies, checker)
    add_futures_routes(app, jobs, studies)
    _add_dashboard(app)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(
        AccessMiddleware,
        token=token,
        allowed_hosts=allowed_hosts,
        max_body=max_body,
        body_timeout=body_timeout,
    )
    app.openapi = lambda: openapi_spec(app)  # type: ignore[method-assign]
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
        parts = []
        for err in exc.errors():
            loc = [str(part) for part in err.get("loc", ()) if part != "body"]
            msg = str(err.get("msg", ""))
            errors.append({"loc": loc, "msg": msg, "type": str(err.get("type", ""))})
            parts.append((".".join(loc) + ": " if loc else "") + msg)
        message = "; ".join(parts)
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
        "/api/countries/{iso3}", response_model=CountryDetail, responses=NOT_FOUND, tags=["data"]
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
def _add_model_routes(app: FastAPI, evaluator: EvaluationWorker, studies: StudyKind) -> None:
    @app.post(
        "/api/evaluate",
        response_model=EvaluateResponse,
        responses={
            **ERRORS,
            **BODY,
            **BUSY,
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
        check_evaluation_resources(body, app.state.limits, studies.root)
        answer = await evaluator.evaluate(
            body.model_dump(mode="json", by_alias=True), request.is_disconnected
        )
        return EvaluateResponse.model_validate(answer)


def _run_status(run: Job) -> RunStatus:
    return RunStatus(
        id=run.id,
        status=run.status,
        error=run.error,
        scenarios=run.scenarios,
        coalitions=run.policies,
        parts_done=run.parts_done,
        parts_total=run.parts_total,
        progress=run.progress,
        submitted=run.submitted,
        started=run.started,
        finished=run.finished,
        result_url=f"/api/evaluations/{run.id}/result",
        **run.timing(),
    )


def _add_evaluation_routes(
    app: FastAPI, jobs: JobManager, evaluations: EvaluationKind, studies: StudyKind
) -> None:
    kind = evaluations.name

    def find(run_id: str) -> Job:
        run = jobs.get(kind, run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evaluation {run_id!r}")
        return run

    @app.post(
        "/api/evaluations",
        response_model=RunStatus,
        status_code=status.HTTP_202_ACCEPTED,
        responses={**ERRORS, **BODY, **BUSY},
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
        check_evaluation_resources(body, app.state.limits, studies.root)
        run = jobs.submit(kind, body.model_dump(mode="json", by_alias=True))
        return JSONResponse(
            _run_status(run).model_dump(mode="json"),
            status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/evaluations/{run.id}"},
        )

    @app.get("/api/evaluations", response_model=list[RunStatus], tags=["model"])
    def list_evaluations() -> list[RunStatus]:
        """The background evaluations kept in memory (oldest first)."""
        return [_run_status(run) for run in jobs.jobs(kind)]

    @app.get(
        "/api/evaluations/{run_id}",
        response_model=RunStatus,
        responses=NOT_FOUND,
        tags=["model"],
    )
    def evaluation_status(run_id: str) -> RunStatus:
        """State and progress of a background evaluation."""
        return _run_status(find(run_id))

    @app.get(
        "/api/evaluations/{run_id}/result",
        response_model=RunResult,
        responses={
            **NOT_FOUND,
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
        responses=NOT_FOUND,
        tags=["model"],
    )
    def cancel_evaluation(run_id: str) -> Response:
        """Cancel a queued or running evaluation (at once), or forget a finished one."""
        if find(run_id).active:
            jobs.cancel(kind, run_id)
        else:
            jobs.delete(kind, run_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


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

        from techbloc.service.security import inline_script_policy

        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="techbloc API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )
        # Swagger UI starts with one inline script: allowed by its hash, nothing else is
        page.headers["Content-Security-Policy"] = inline_script_policy(bytes(page.body).decode())
        return page
