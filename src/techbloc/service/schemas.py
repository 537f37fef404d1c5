"""Request and response models of the JSON API (they make the OpenAPI spec typed).

Only :mod:`pydantic` is imported here; values are checked against the parameter registry,
the countries and the presets by the techbloc objects themselves (their
:class:`techbloc.errors.InputError` messages become 422 responses).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictFloat

from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

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
    "Indicator",
    "JobStatus",
    "LeverInfo",
    "MetricInfo",
    "ParameterInfo",
    "ParametersResponse",
    "PolicyInfo",
    "Preset",
    "Stat",
    "StudyResults",
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


class Preset(_Model):
    """A coalition preset with its source."""

    name: str
    members: list[str]
    member_names: list[str]
    source: str | None
    certainty: str | None


# -- parameters -------------------------------------------------------------------------
class ParameterInfo(_Model):
    """One uncertain model parameter of the registry."""

    name: str
    default: float
    low: float
    high: float
    distribution: Literal["uniform", "loguniform", "fixed"]
    unit: str
    mechanism: str
    source: str
    description: str
    sampled_by_default: bool


class LeverInfo(_Model):
    """One policy lever."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    mechanism: str
    per: Literal["policy", "domain", "member"]
    description: str
    source: str


class DomainInfo(_Model):
    """One technology domain and its fixed characteristics."""

    name: str
    label: str
    depreciation: float
    complexity: float
    self_sufficiency0: float
    ss_drift_factor: float
    military_weight: float
    source: str


class ParametersResponse(_Model):
    """The whole registry: parameters, levers and domains."""

    parameters: list[ParameterInfo]
    levers: list[LeverInfo]
    domains: list[DomainInfo]


# -- evaluate ---------------------------------------------------------------------------
class EvaluateRequest(_Model):
    """Coalitions to evaluate across sampled futures (Latin hypercube).

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
    stringency: float | None = Field(
        default=None,
        strict=True,
        description="Export-control stringency in every domain (0-1).",
    )
    start_year: JsonInt = Field(
        default=DEFAULT_START_YEAR, ge=1990, le=2100, description="First year."
    )
    end_year: JsonInt = Field(
        default=DEFAULT_END_YEAR, ge=1991, le=2200, description="Last year (after start_year)."
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


class MetricInfo(_Model):
    """What a scalar outcome means."""

    description: str
    unit: str


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
    seed: int
    years: tuple[int, int]
    fixed: dict[str, float]
    policies: list[PolicyInfo]
    metrics: dict[str, MetricInfo]
    outcomes: dict[str, dict[str, Stat]] = Field(description="policy -> outcome -> median/p10/p90")
    backfire_share: dict[str, float | None] = Field(
        description="policy -> share of futures in which China ends stronger than under the "
        "status quo (china_knowledge_vs_status_quo > 0)"
    )
    seconds: float


# -- studies and jobs -------------------------------------------------------------------
class JobStatus(_Model):
    """State of a background study run."""

    id: str
    name: str
    status: Literal["queued", "running", "done", "failed"]
    error: str | None = None
    chunks_done: int = 0
    chunks_total: int | None = None
    scenarios_total: int | None = None
    progress: float = Field(0.0, ge=0.0, le=1.0, description="Share of chunks done.")
    submitted: str = Field(description="ISO 8601 time (UTC).")
    started: str | None = None
    finished: str | None = None
    results_url: str
    report_url: str


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
        "status quo (china_knowledge_vs_status_quo > 0)"
    )
