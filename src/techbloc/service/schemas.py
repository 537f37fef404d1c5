"""Request and response models of the JSON API (they make the OpenAPI spec typed).

Only :mod:`pydantic` is imported here; values are checked against the parameter registry,
the countries and the presets by the techbloc objects themselves (their
:class:`techbloc.errors.InputError` messages become 422 responses).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictFloat

from techbloc.years import (
    DEFAULT_END_YEAR,
    DEFAULT_START_YEAR,
    EARLIEST_START_YEAR,
    LAST_YEAR,
)

__all__ = [
    "EVALUATE_BUDGET",
    "MAX_EVALUATE_SCENARIOS",
    "STUDY_BUDGET",
    "CountryDetail",
    "CountrySummary",
    "DomainInfo",
    "ErrorResponse",
    "EvaluateRequest",
    "EvaluateResponse",
    "Fan",
    "Friction",
    "Futures",
    "Hedging",
    "Importance",
    "Indicator",
    "JobStatus",
    "LeverInfo",
    "MemberStability",
    "MetricInfo",
    "ModelInput",
    "OutsiderStability",
    "ParameterImportance",
    "ParameterInfo",
    "ParametersResponse",
    "PolicyInfo",
    "Preset",
    "RunResult",
    "RunStatus",
    "Stability",
    "Stat",
    "StudyCheck",
    "StudyResults",
    "WillBreakdown",
    "WillTerm",
]

#: Largest number of futures ``POST /api/evaluate`` samples (it answers synchronously).
MAX_EVALUATE_SCENARIOS = 5000
#: Compute budget of one ``POST /api/evaluate``: scenarios × coalitions × simulated years.
EVALUATE_BUDGET = 1_000_000
#: Compute budget of one study job: scenarios × policies × simulated years.
STUDY_BUDGET = 20_000_000


def _json_integer(value: Any) -> Any:
    """What JSON Schema calls an integer: ``5`` or ``5.0``, not ``true`` nor ``"5"``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"Input should be an integer, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"Input should be an integer, got {value!r}")
        return int(value)
    return value


#: An integer as JSON Schema means it (integral numbers; no booleans, no strings).
JsonInt = Annotated[int, BeforeValidator(_json_integer)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorResponse(_Model):
    """Every error: a message to show the user, plus the field-level problems if any."""

    detail: str = Field(description="What was wrong and, where possible, how to fix it.")
    errors: list[dict[str, object]] | None = Field(
        default=None, description="Field-level validation problems (request schema errors)."
    )


# -- countries --------------------------------------------------------------------------
class CountrySummary(_Model):
    """One candidate country and a few of its model inputs."""

    iso3: str
    name: str
    rd: float | None = Field(description="GERD, PPP US$ bn (see docs/data.md)")
    gdp: float | None = Field(description="GDP, PPP US$ bn implied by RD-5")
    alignment: float | None = Field(description="UN alignment, 0 = China, 1 = USA")
    protection_capability: float | None = Field(description="0-1")
    us_defence_pact: float | None = Field(description="0/1")
    threat: float | None = Field(default=None, description="Threat from China, 0-1")
    china_dependence: float | None = Field(
        default=None, description="Goods trade share with China, 0-1"
    )
    hedging: float | None = Field(default=None, description="Hedging motive, 0-1 (judgement)")


class Indicator(_Model):
    """One cited indicator value (``value`` is null when missing; ``note`` says why)."""

    indicator: str
    value: float | None
    unit: str
    year: int | None
    source: str
    note: str


class CountryDetail(_Model):
    """Every indicator of one country, and the model inputs derived from them."""

    iso3: str
    name: str
    indicators: list[Indicator]
    inputs: dict[str, float | None] = Field(description="Model inputs (see INPUT_RULES)")
    fill_notes: dict[str, str] = Field(
        description="Model input -> how it was filled or flagged by a rule"
    )
    model_inputs: dict[str, ModelInput] = Field(
        default_factory=dict, description="Model input -> value, unit, rule, fill, sources"
    )
    will: WillBreakdown | None = None
    frictions: list[Friction] = Field(default_factory=list)
    hedging: Hedging | None = None


class ModelInput(_Model):
    """One model input derived from the indicators, and how."""

    value: float | None
    unit: str
    rule: str = Field(description="How the input is derived (docs/data.md)")
    filled: str | None = Field(description="How a missing value was filled, or null")
    sources: list[Indicator] = Field(description="The indicators it is derived from")


class WillTerm(_Model):
    """One term of the will logit (E10): weight × input."""

    term: str
    parameter: str
    weight: float
    input: float | None
    contribution: float | None


class WillBreakdown(_Model):
    """Will to protect shared technology (E10), term by term (the model's ``will_terms``)."""

    value: float | None = Field(
        description="logistic(sum of the terms): default values, first year, outside any coalition"
    )
    terms: list[WillTerm]
    note: str


class Friction(_Model):
    """A cited bilateral friction with a partner."""

    partner: str
    partner_name: str
    default: float
    low: float
    high: float
    event_year: int | None
    reason: str
    source: str


class Hedging(_Model):
    """The cited hedging motive towards China (0-1)."""

    default: float
    low: float
    high: float
    reason: str
    source: str


class Preset(_Model):
    """A coalition preset with its source."""

    name: str
    members: list[str]
    member_names: list[str]
    source: str | None
    certainty: str | None


# -- parameters: built from the registry's dataclasses (techbloc.service.registry) ------
from techbloc.service.registry import (  # noqa: E402
    DomainInfo,
    LeverInfo,
    ParameterInfo,
    ParametersResponse,
)


# -- evaluate ---------------------------------------------------------------------------
class EvaluateRequest(_Model):
    """Coalitions to evaluate across sampled futures (a Latin hypercube over the wide prior,
    or the history-consistent futures of the default study).

    Compute budget: ``scenarios × coalitions × years`` (years = ``end_year - start_year +
    1``; coalitions counts presets and explicit coalitions, at least 1) must not exceed
    1,000,000 (``x-compute-budget``); ``end_year`` must be after ``start_year``. Requests
    outside these are answered 422 with the limit.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "x-compute-budget": {
                "limit": EVALUATE_BUDGET,
                "formula": "scenarios * max(1, len(presets) + len(coalitions)) * "
                "(end_year - start_year + 1)",
            },
            "examples": [
                {
                    "presets": ["forging_core", "quad"],
                    "scenarios": 200,
                    "seed": 0,
                    "set": {"denial": 0.8},
                    "pool_share": 0.1,
                    "stringency": 0.7,
                    "end_year": 2050,
                },
                {"coalitions": [["USA", "JPN", "KOR", "TWN"]], "scenarios": 100},
            ],
        },
    )

    coalitions: list[list[str]] = Field(
        default_factory=list, description="Coalitions as lists of ISO3 codes (USA is added)."
    )
    presets: list[str] = Field(
        default_factory=list,
        description="Preset names, e.g. forging_core, or preset+ISO3 (forging_core+KOR).",
    )
    scenarios: JsonInt = Field(
        default=200, ge=1, le=MAX_EVALUATE_SCENARIOS, description="Futures to sample."
    )
    prior: Literal["wide", "history"] = Field(
        default="wide",
        description="wide: a Latin hypercube over every sampled parameter's full range; "
        "history: the history-consistent futures the default study runs (the calibrated set "
        "'history', its first `scenarios`, at most `history_futures` of GET /api/parameters; "
        "`vary` does not apply).",
    )
    seed: JsonInt = Field(
        default=0, ge=0, le=2**53 - 1, description="Root seed (at most 2**53 - 1, exact in JSON)."
    )
    fixed: dict[str, StrictFloat] = Field(
        default_factory=dict,
        alias="set",
        description="Parameters held at one value (name -> value, within its range).",
    )
    pool_share: float | None = Field(
        default=None, strict=True, description="Pool share lever (0-0.5)."
    )
    stringency: StrictFloat | dict[str, StrictFloat] | None = Field(
        default=None,
        description="Export-control stringency (0-1): one number for every domain, or "
        "domain -> value (domains left out keep the lever default).",
    )
    capacity_building: dict[str, StrictFloat] = Field(
        default_factory=dict,
        description="US-funded protection capacity building (0-1) per country (ISO3), "
        "applied in every coalition the country is a member of.",
    )
    vary: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Parameters to sample that are not sampled by default (such as "
        "exit_probability), on top of every parameter sampled by default and not in set.",
    )
    start_year: JsonInt = Field(
        default=DEFAULT_START_YEAR,
        ge=EARLIEST_START_YEAR,
        le=LAST_YEAR,
        description="First year (from 2010: the model starts from observed history).",
    )
    end_year: JsonInt = Field(
        default=DEFAULT_END_YEAR,
        ge=EARLIEST_START_YEAR,
        le=LAST_YEAR,
        description="Last year (after start_year).",
    )


class Stat(_Model):
    """Median and 10th/90th percentiles of an outcome across futures."""

    median: float | None
    p10: float | None
    p90: float | None
    share_positive: float | None = Field(
        default=None,
        description="Share of futures above 0 (China stronger), for *_vs_status_quo outcomes "
        "and backlash_exclusion; null otherwise",
    )
    n_missing: int = Field(default=0, description="Futures without a value (left out).")


class MetricInfo(_Model):
    """What a scalar outcome means."""

    description: str
    unit: str
    direction: Literal["max", "min", "info"] = Field(
        default="info", description="Which way is better for the alliance (outputs registry)."
    )


class PolicyInfo(_Model):
    """A policy as evaluated: members and levers."""

    name: str
    members: list[str]
    pool_share: float
    control_stringency: dict[str, float]
    capacity_building: dict[str, float]
    start_year: int | None


class EvaluateResponse(_Model):
    """Median [p10, p90] of every scalar outcome (final year) per coalition."""

    scenarios: int
    prior: Literal["wide", "history"] = Field(description="Which futures were run.")
    seed: int
    years: tuple[int, int]
    fixed: dict[str, float]
    policies: list[PolicyInfo]
    metrics: dict[str, MetricInfo]
    outcomes: dict[str, dict[str, Stat]] = Field(description="policy -> outcome -> median/p10/p90")
    backfire_share: dict[str, float | None] = Field(
        description="policy -> share of futures in which China ends stronger than under the "
        "status quo (china_capability_vs_status_quo > 0: its realized capability)"
    )
    seconds: float


# -- studies and jobs -------------------------------------------------------------------
class JobStatus(_Model):
    """State of a background study run."""

    id: str
    name: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    error: str | None = None
    chunks_done: int = 0
    chunks_total: int | None = None
    scenarios_total: int | None = None
    progress: float = Field(0.0, ge=0.0, le=1.0, description="Share of chunks done.")
    elapsed_seconds: float | None = Field(
        default=None, description="Seconds since the job started (to its end once finished)."
    )
    rate: float | None = Field(
        default=None, description="Scenarios simulated per second so far (null before any)."
    )
    eta_seconds: float | None = Field(
        default=None, description="Estimated seconds left (null when unknown or finished)."
    )
    submitted: str = Field(description="ISO 8601 time (UTC).")
    started: str | None = None
    finished: str | None = None
    results_url: str
    report_url: str
    cancel_url: str


class StudyCheck(_Model):
    """A study file that passed validation (``POST /api/studies/yaml?check=true``)."""

    name: str
    policies: list[str]
    scenarios: int
    years: tuple[int, int]
    work: int = Field(description="scenarios × policies × years (the compute budget's measure)")
    memory_bytes: int | None = Field(
        default=None, description="Estimated peak memory of the run, bytes"
    )
    disk_bytes: int | None = Field(default=None, description="Estimated size of its results, bytes")
    seconds: float | None = Field(
        default=None, description="Estimated computing time on one core, seconds"
    )
    study: dict[str, Any] = Field(description="The validated study, as JSON")


class RunStatus(_Model):
    """State of a background evaluation (``POST /api/evaluations``)."""

    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    error: str | None = None
    scenarios: int
    coalitions: int
    parts_done: int = 0
    parts_total: int | None = None
    progress: float = Field(0.0, ge=0.0, le=1.0)
    elapsed_seconds: float | None = None
    rate: float | None = Field(default=None, description="Scenarios per second so far")
    eta_seconds: float | None = Field(default=None, description="Estimated seconds left")
    submitted: str = Field(description="ISO 8601 time (UTC).")
    started: str | None = None
    finished: str | None = None
    result_url: str


class Fan(_Model):
    """Percentiles of one outcome across futures, year by year (a fan chart)."""

    years: list[int]
    p10: list[float | None]
    p25: list[float | None]
    p50: list[float | None]
    p75: list[float | None]
    p90: list[float | None]


class MemberStability(_Model):
    """Would a member stay: its membership margin across futures (final year)."""

    iso3: str
    name: str
    share_stays: float | None = Field(description="Share of futures with margin >= 0, still in")
    median_margin: float | None


class OutsiderStability(_Model):
    """Would an outsider want in, and be let in (final year)."""

    iso3: str
    name: str
    share_wants_in: float | None
    share_accepted: float | None
    share_would_join: float | None = Field(description="Wants in and accepted")
    median_gain: float | None


class Stability(_Model):
    """Who would stay and who is accepted, for one coalition."""

    members: list[MemberStability]
    outsiders: list[OutsiderStability]


class Futures(_Model):
    """One row per future: the sampled parameters and the headline outcomes per policy."""

    scenario: list[int] = Field(description="Future (scenario) ids, in design order")
    parameters: dict[str, list[float | None]] = Field(
        description="Sampled parameter -> its value in each future"
    )
    outcomes: dict[str, dict[str, list[float | None]]] = Field(
        description="policy -> headline outcome -> its final-year value in each future"
    )


class ParameterImportance(_Model):
    """How much of an outcome's variance one parameter explains on its own."""

    parameter: str
    description: str
    S1: float | None = Field(description="First-order index (given-data estimator)")
    S1_conf: float | None = Field(description="Half-width of its 95% bootstrap interval")


class Importance(_Model):
    """Parameter importance for one outcome of one policy (``analysis.sensitivity``)."""

    policy: str
    outcome: str
    futures: int
    method: str
    parameters: list[ParameterImportance] = Field(description="Most important first")


class RunResult(EvaluateResponse):
    """Everything the dashboard shows: the final-year summary, fans, domains, stability."""

    headline: list[str] = Field(description="Headline outcomes, in display order")
    directions: dict[str, int] = Field(description="Outcome -> +1 more is better, -1 less, 0")
    trajectories: dict[str, dict[str, Fan]] = Field(description="policy -> outcome -> fan")
    domains: dict[str, dict[str, dict[str, Stat]]] = Field(
        description="policy -> per-domain outcome -> domain -> median/p10/p90 (final year)"
    )
    domain_labels: dict[str, str]
    stability: dict[str, Stability]
    countries: dict[str, dict[str, dict[str, float | None]]] = Field(
        description="policy -> will / protection -> ISO3 -> median in the final year"
    )
    futures: Futures | None = Field(
        default=None, description="Per-future parameters and headline outcomes"
    )


class StudyResults(_Model):
    """Median [p10, p90] of every scalar outcome per policy in a finished study."""

    id: str
    name: str
    study_hash: str
    version: str
    seed: int
    n_scenarios: int
    scenarios_done: int
    complete: bool
    policies: list[str]
    metrics: dict[str, MetricInfo]
    outcomes: dict[str, dict[str, Stat]] = Field(description="policy -> outcome -> median/p10/p90")
    backfire_share: dict[str, float | None] = Field(
        description="policy -> share of futures in which China ends stronger than under the "
        "status quo (china_capability_vs_status_quo > 0: its realized capability)"
    )
    headline: list[str] = Field(description="Headline outcomes, in display order")
    directions: dict[str, int] = Field(description="Outcome -> +1 more is better, -1 less, 0")


CountryDetail.model_rebuild()
