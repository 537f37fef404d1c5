"""Schemathesis against the OpenAPI spec: every check, bounded examples, no failure.

Positive and negative cases for every operation. Two notes on how:

- what JSON Schema cannot say is stated in the spec as ``x-constraints`` and
  ``x-compute-budget``; a ``filter_body`` hook keeps generated evaluate requests within
  them, so "schema-valid" means valid by those too;
- a study is validated against the registry, the presets and the countries (cross-field
  rules a schema cannot state, as its description says), so for ``POST /api/studies`` a
  schema-valid body may be answered 422: there the positive-data check is replaced by one
  that accepts 2xx, 429 and a 422 whose message names the key at fault (``study...``).

Studies submitted here are validated for real but not simulated (a job could otherwise run
up to its whole compute budget in the background).
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import CheckContext  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from techbloc.coalitions import Coalition  # noqa: E402
from techbloc.countries import parse_members  # noqa: E402
from techbloc.errors import InputError  # noqa: E402
from techbloc.experiments.calibrated_sets import bundled_set_size  # noqa: E402
from techbloc.params import parameter_names  # noqa: E402
from techbloc.service.app import MAX_COALITIONS, create_app  # noqa: E402

EVALUATE_BUDGET = 3_000
#: The history-consistent futures (prior 'history'): at most this many scenarios.
HISTORY_FUTURES = bundled_set_size()


def _app(root: str) -> Any:
    app = create_app(root, allowed_hosts=["*"], evaluate_budget=EVALUATE_BUDGET)

    def not_simulated(*args: Any) -> None:
        return None  # done at once, with nothing stored

    app.state.jobs.kind("study").run = not_simulated
    return app


_ROOT = tempfile.mkdtemp(prefix="techbloc-schemathesis-")
atexit.register(shutil.rmtree, _ROOT, True)  # the jobs' directories
_APP = _app(_ROOT)
# start the evaluation worker and let it warm up first: a cold start on a loaded machine can
# take longer than a request's timeout
asyncio.run(_APP.state.evaluator.evaluate({"scenarios": 1, "end_year": 2025}))
atexit.register(_APP.state.evaluator.close)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
TIMEOUT = 120  # seconds per request (an evaluation may wait for the one before it)


def _outside_x_constraints(body: Any) -> str | None:
    """Which of the evaluate spec's x-constraints / x-compute-budget ``body`` breaks."""
    if not isinstance(body, dict):
        return None
    try:
        start, end = int(body.get("start_year", 2024)), int(body.get("end_year", 2050))
        count = len(body.get("presets", [])) + len(body.get("coalitions", []))
        scenarios = int(body.get("scenarios", 200))
    except (TypeError, ValueError):
        return None  # not schema-valid anyway: a negative case
    if end <= start:
        return "must be after start_year"
    if count > MAX_COALITIONS:
        return f"at most {MAX_COALITIONS} coalitions"
    if scenarios * max(1, count) * (end - start + 1) > EVALUATE_BUDGET:
        return "compute budget exceeded"
    try:
        members = [
            frozenset({"USA", *(c.upper() for c in codes)}) for codes in body.get("coalitions", [])
        ]
    except (AttributeError, TypeError):
        return None
    if len(set(members)) < len(members):
        return "is used twice"
    # a code twice in one coalition (JPN and jpn, or quad+JPN with JPN in quad): refused
    checks = [lambda c=c: parse_members(c) for c in body.get("coalitions", [])]
    checks += [lambda t=t: Coalition.parse(t) for t in body.get("presets", [])]
    for check in checks:
        try:
            check()
        except (InputError, TypeError, AttributeError) as error:
            for refusal in ("list each country once", "add only countries outside it"):
                if refusal in str(error):
                    return refusal
    building = body.get("capacity_building") or {}
    if isinstance(building, dict):
        codes = [str(code).strip().upper() for code in building]
        if len(set(codes)) < len(codes):  # one country in two cases (JPN, jpn): refused
            return "list each country once"
    if body.get("prior") == "history" and body.get("vary"):  # a problem of the study
        return "vary applies to the wide prior only"
    fixed = body.get("set") or {}
    if isinstance(fixed, dict) and set(parameter_names(uncertain_only=True)) <= set(fixed):
        return "no parameter left to vary"
    vary = body.get("vary") or []
    if isinstance(fixed, dict) and isinstance(vary, list) and set(vary) & set(fixed):
        return "is both varied and set"
    if body.get("prior") == "history" and scenarios > HISTORY_FUTURES:
        return "the calibrated set has"
    return None


#: Operations that take an evaluate request.
EVALUATE_PATHS = ("/api/evaluate", "/api/evaluations")
#: Operations that take a study (JSON or YAML): validated beyond what a schema can say.
STUDY_PATHS = ("/api/studies", "/api/studies/yaml")


@schemathesis.hook
def filter_body(context: Any, body: Any) -> bool:
    """Generate evaluate bodies within the spec's x-constraints and x-compute-budget."""
    if context.operation is None or context.operation.path not in EVALUATE_PATHS:
        return True
    return _outside_x_constraints(body) is None


def study_positive_data(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """For studies: a schema-valid body gets 2xx, 429, or a 422 naming the key at fault."""
    from schemathesis.generation import GenerationMode

    if (
        case.operation.path not in STUDY_PATHS
        or case.meta is None
        or case.meta.generation.mode != GenerationMode.POSITIVE
    ):
        return None
    if response.status_code in (200, 202, 429):
        return True
    detail = response.json().get("detail", "") if response.status_code == 422 else ""
    assert response.status_code == 422 and "study" in detail, (
        f"schema-valid study answered {response.status_code}: {response.text[:300]}"
    )
    return True


CALLS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _count_calls():
    """Every operation was called (run with -s to see how many cases in all)."""
    yield
    print(f"\nschemathesis: {sum(CALLS.values())} requests over {len(CALLS)} operations")
    assert len(CALLS) == len(list(schema.get_all_operations()))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any) -> None:
    key = f"{case.operation.method.upper()} {case.operation.path}"
    CALLS[key] = CALLS.get(key, 0) + 1
    if case.operation.path in STUDY_PATHS:
        case.call_and_validate(
            excluded_checks=[positive_data_acceptance],
            additional_checks=[study_positive_data],
            timeout=TIMEOUT,
        )
        return
    from schemathesis.generation import GenerationMode

    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    broken = (
        _outside_x_constraints(case.body)
        if positive and case.operation.path in EVALUATE_PATHS
        else None
    )
    if broken is None:
        case.call_and_validate(timeout=TIMEOUT)
        return
    # the explicit-example and coverage phases combine values past the hook: a body that
    # breaks an x-constraint must be refused with 422 saying which
    response = case.call(timeout=TIMEOUT)
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    assert response.status_code == 422 and broken in response.json()["detail"], response.text
