"""What ``POST /api/evaluate`` and ``POST /api/evaluations`` compute.

:func:`evaluate_request` samples futures by Latin hypercube (exactly as ``techbloc
evaluate`` does for the same seed), builds one policy per coalition with the request's
levers (pool share, stringency per domain, capacity building per member) and simulates them
in batches, reporting progress after each batch. With ``detail`` it also keeps what the
dashboard draws: year-by-year percentiles of the headline outcomes (fan charts), per-domain
gaps and each coalition's stability (who would stay, who would be accepted).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from techbloc.errors import InputError
from techbloc.experiments.sinks import MemorySink
from techbloc.model.outputs import HEADLINE as _HEADLINE
from techbloc.service.schemas import (
    EVALUATE_BUDGET,
    STUDY_BUDGET,
    EvaluateRequest,
    EvaluateResponse,
    Fan,
    Futures,
    MemberStability,
    MetricInfo,
    OutsiderStability,
    PolicyInfo,
    RunResult,
    Stability,
    Stat,
)

__all__ = [
    "DOMAIN_OUTPUTS",
    "HEADLINE",
    "MAX_COALITIONS",
    "check_evaluate",
    "check_evaluation_resources",
    "check_study_budget",
    "evaluate_request",
    "futures_table",
    "number",
    "validate_request",
]

#: Most coalitions one evaluation may compare.
MAX_COALITIONS = 20
#: Headline outcomes of the dashboard, in display order: the outputs registry's one
#: headline order (units and meanings: the registry).
HEADLINE = _HEADLINE
#: Per-domain outcomes summarised at the final year.
DOMAIN_OUTPUTS = ("gap_capability_by_domain", "gap_knowledge_by_domain")
_FAN = (10, 25, 50, 75, 90)
#: Parts an evaluation is split into at least (for progress), when it has enough futures.
_PARTS = 10
_NOT_OUTSIDERS = ("CHN", "ROW", "USA")
#: Per-country outputs whose final-year medians colour the dashboard's map.
_COUNTRY_OUTPUTS = ("will", "protection")


def number(value: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def summarise(
    outcomes: Any, policies: list[str]
) -> tuple[dict[str, MetricInfo], dict[str, dict[str, Stat]], dict[str, float | None]]:
    """Median, p10, p90 (and share positive) of every scalar outcome per policy.

    ``share_positive`` is given where the summary gives it (changes against the status quo)
    and for every 0/1 flag (the share of futures in which it holds).

    Returns
    -------
    metrics : dict
        Description and unit of every outcome.
    stats : dict
        policy -> outcome -> statistics.
    backfire : dict
        policy -> share of futures in which China ends stronger than under the status quo
        (its realized capability, the first headline outcome).
    """
    from techbloc.analysis.summary import study_summary, summary_json
    from techbloc.model.outputs import SCALARS

    # a 0/1 flag's median hides how often it holds: give its share of futures too
    flags = [name for name, o in SCALARS.items() if o.unit == "0/1"]
    summary = summary_json(study_summary(outcomes, policies, share_positive=flags))
    metrics: dict[str, MetricInfo] = {}
    result: dict[str, dict[str, Stat]] = {p: {} for p in policies}
    for policy, by_outcome in summary.items():
        for name, entry in by_outcome.items():
            metrics.setdefault(
                name,
                MetricInfo(
                    description=entry["description"],
                    unit=entry["unit"],
                    direction=entry["direction"],
                ),
            )
            result.setdefault(policy, {})[name] = Stat(
                median=entry["median"],
                p10=entry["p10"],
                p90=entry["p90"],
                share_positive=entry.get("share_positive"),
                n_missing=entry["n_missing"],
            )
    backfire: dict[str, float | None] = {  # China stronger: its capability, the headline
        policy: summary.get(policy, {}).get(HEADLINE[0], {}).get("share_positive")
        for policy in result
    }
    return metrics, result, backfire


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


def check_evaluation_resources(request: EvaluateRequest, limits: Any, where: Any) -> None:
    """Refuse an evaluation whose estimated peak memory is over ``limits``
    (:class:`~techbloc.experiments.budget.Limits`; None: the machine's, disk at ``where``).

    Raises
    ------
    techbloc.experiments.budget.BudgetError
    """
    from techbloc.experiments.budget import (
        DEFAULT_VARIED,
        Limits,
        check_budget,
        estimate_evaluation,
    )

    estimate = estimate_evaluation(
        request.scenarios,
        len(request.presets) + len(request.coalitions),
        request.end_year - request.start_year + 1,
        varied=len(request.vary or []) or DEFAULT_VARIED,
    )
    check_budget(
        estimate,
        limits or Limits.machine(where),
        what="evaluation",
        hint="ask for fewer futures or coalitions",
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


def _building(request: EvaluateRequest) -> dict[str, float]:
    """The request's capacity building, per country (applied where the country is a member).

    Checked here for every country named, also those in no coalition: a study checks it
    only per policy, for its members.
    """
    from techbloc.countries import parse_code_keys
    from techbloc.params import LEVERS

    building = parse_code_keys(request.capacity_building) if request.capacity_building else {}
    cb = next(lever for lever in LEVERS if lever.name == "capacity_building")
    for code, value in building.items():
        if code in ("USA", "CHN"):
            raise InputError(
                f"capacity_building: {code} cannot be given capacity building (the USA "
                "funds it for its partners; China is never a member)"
            )
        if not (math.isfinite(value) and cb.low <= value <= cb.high):
            raise InputError(
                f"capacity_building: {code} = {value} is outside [{cb.low}, {cb.high}] ({cb.unit})"
            )
    return building


def _study(request: EvaluateRequest) -> tuple[dict[str, Any], dict[str, str]]:
    """The request as a study (the one set of checks), and the request's name of each key.

    Presets (``forging_core``, ``forging_core+KOR``) are read by the one coalition parser,
    :meth:`techbloc.coalitions.Coalition.parse`; ``vary`` adds parameters to those sampled
    by default, in the order :func:`techbloc.experiments.design.sample_futures` has always
    drawn them (so results stay those of earlier versions).
    """
    from techbloc.coalitions import Coalition
    from techbloc.countries import parse_members
    from techbloc.evaluation import policy_spec
    from techbloc.experiments.calibrated_sets import prior_design
    from techbloc.params import parameter_names

    coalitions = [
        Coalition.parse(text, codes=False, where=f"presets[{i}]")
        for i, text in enumerate(request.presets)
    ]
    keys = {f"policies.{i}": f"presets[{i}]" for i in range(len(coalitions))}
    for i, codes in enumerate(request.coalitions):
        where = f"coalitions[{i}]"
        keys[f"policies.{len(coalitions)}"] = where
        try:
            coalitions.append(Coalition(parse_members(codes, where=where)))
        except InputError as exc:  # an unknown code's message does not say where
            message = str(exc)
            raise InputError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None
    if not coalitions:
        coalitions = [Coalition.from_preset("forging_core")]
    building = _building(request)
    policies = []
    for j, c in enumerate(coalitions):
        levers = {
            "pool_share": request.pool_share,
            "control_stringency": request.stringency,
            "capacity_building": {k: v for k, v in building.items() if k in c.members} or None,
        }
        policies.append(policy_spec(c, **levers))
        keys |= {
            f"policies.{j}.pool_share": "pool_share",
            f"policies.{j}.control_stringency": "stringency",
            f"policies.{j}.capacity_building": "capacity_building",
        }
    data: dict[str, Any] = {
        "name": "evaluation",
        "policies": policies,
        "scenarios": request.scenarios,
        "set": dict(request.fixed),
        "years": {"start": request.start_year, "end": request.end_year},
        "seed": request.seed,
        "design": prior_design(request.prior),
    }
    keys |= {
        "set": "set",
        "vary": "set" if not request.vary else "vary",
        "years.start": "start_year",
        "years.end": "end_year",
        "years": "end_year",
    }
    if request.vary:
        sampled = [n for n in parameter_names(uncertain_only=True) if n not in request.fixed]
        vary = list(sampled)
        for i, name in enumerate(request.vary):
            if name in sampled and name not in request.vary[:i]:
                continue  # sampled anyway
            keys[f"vary.{len(vary)}"] = f"vary[{i}]"
            vary.append(name)
        data["vary"] = vary
    return data, keys


def validate_request(request: EvaluateRequest, budget: int | None = EVALUATE_BUDGET) -> None:
    """Every check :func:`evaluate_request` makes before it simulates (cheap; no sampling).

    Raises
    ------
    techbloc.errors.InputError
    """
    from techbloc.experiments.resolve import make_study

    check_evaluate(request, budget)
    make_study(*_study(request))


#: Variables a detailed run keeps for the dashboard besides the scalar outcomes.
_KEPT = (
    *(f"{n}_trajectory" for n in HEADLINE),
    *DOMAIN_OUTPUTS,
    *_COUNTRY_OUTPUTS,
    "margin",
    "member",
    "joining_gain",
    "accepted",
)


def evaluate_request(
    request: EvaluateRequest,
    budget: int | None = EVALUATE_BUDGET,
    *,
    detail: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluateResponse:
    """Evaluate the request's coalitions across sampled futures.

    The request becomes a study, resolved and run by the one runner into memory
    (:func:`techbloc.evaluation.evaluate`), as ``techbloc evaluate`` runs.

    Parameters
    ----------
    request : EvaluateRequest
    budget : int, optional
        Compute budget checked first (None: not checked).
    detail : bool
        Also return fans, per-domain gaps and stability (a :class:`RunResult`).
    progress : callable, optional
        ``progress(parts_done, parts_total)``, called before the first part and after each.

    Raises
    ------
    techbloc.errors.InputError
        Unknown preset or country, out-of-range parameter or lever, bad years.
    """
    from techbloc.evaluation import chunk_size, evaluate
    from techbloc.experiments.resolve import resolve_data

    began = time.perf_counter()
    check_evaluate(request, budget)
    resolved = resolve_data(*_study(request))
    policies, design = resolved.policies, resolved.design
    size = chunk_size(len(policies))
    if detail and design.size >= 5 * _PARTS:  # enough parts for the progress to move
        size = min(size, math.ceil(design.size / _PARTS))
    sink = evaluate(resolved, arrays=_KEPT if detail else (), size=size, progress=progress)
    labels = resolved.labels
    table = sink.outcomes()
    metrics, outcomes, backfire = summarise(table, labels)
    common: dict[str, Any] = {
        "scenarios": request.scenarios,
        "prior": request.prior,
        "seed": request.seed,
        "years": (request.start_year, request.end_year),
        "fixed": {name: float(value) for name, value in resolved.study.fixed.items()},
        "policies": [PolicyInfo(**p.to_dict()) for p in policies],
        "metrics": metrics,
        "outcomes": outcomes,
        "backfire_share": backfire,
    }
    if not detail:
        return EvaluateResponse(**common, seconds=round(time.perf_counter() - began, 3))
    futures = futures_table(design.table(), table, labels)
    return RunResult(
        **common,
        **_Keeper(resolved.world, policies, sink).result(),
        futures=futures,
        seconds=round(time.perf_counter() - began, 3),
    )


class _Keeper:
    """What the dashboard draws besides final-year statistics, from a run's kept arrays."""

    def __init__(self, world: Any, policies: list[Any], sink: MemorySink) -> None:
        self.world = world
        self.policies = policies
        self.sink = sink
        coords = sink.coords
        self.years: list[int] = [int(y) for y in coords.get("year", [])]
        self.countries: list[str] = [str(c) for c in coords.get("country", [])]
        self.domains: list[str] = [str(d) for d in coords.get("domain", [])]

    def _all(self, name: str) -> np.ndarray | None:
        return self.sink.array(name)

    def result(self) -> dict[str, Any]:
        from techbloc.params import DOMAINS

        labels = [p.label for p in self.policies]
        fans: dict[str, dict[str, Fan]] = {label: {} for label in labels}
        for name in HEADLINE:
            values = self._all(f"{name}_trajectory")
            # no fan for an outcome the engine records in one year only (external stability
            # is computed in the final year): a chart over time would be empty
            if values is None or np.isfinite(values).any(axis=(0, 1)).sum() < 2:
                continue
            with np.errstate(all="ignore"):
                q = _percentiles(values, _FAN)  # (5, P, T)
            for j, label in enumerate(labels):
                fans[label][name] = Fan(
                    years=self.years,
                    **{f"p{k}": [number(v) for v in q[i, j]] for i, k in enumerate(_FAN)},
                )
        domains: dict[str, dict[str, dict[str, Stat]]] = {label: {} for label in labels}
        for name in DOMAIN_OUTPUTS:
            values = self._all(name)
            if values is None:
                continue
            q = _percentiles(values, (10, 50, 90))  # (3, P, D)
            for j, label in enumerate(labels):
                domains[label][name] = {
                    d: Stat(
                        median=number(q[1, j, k]), p10=number(q[0, j, k]), p90=number(q[2, j, k])
                    )
                    for k, d in enumerate(self.domains)
                }
        from techbloc.model.outputs import output

        return {
            "headline": list(HEADLINE),
            "directions": {o: output(o).direction for o in (*HEADLINE, *DOMAIN_OUTPUTS)},
            "trajectories": fans,
            "domains": domains,
            "domain_labels": {d.name: d.label for d in DOMAINS},
            "stability": self._stability(labels),
            "countries": self._countries(labels),
        }

    def _countries(self, labels: list[str]) -> dict[str, dict[str, dict[str, float | None]]]:
        out: dict[str, dict[str, dict[str, float | None]]] = {label: {} for label in labels}
        for name in _COUNTRY_OUTPUTS:
            values = self._all(name)
            if values is None:
                continue
            median = _percentiles(values, (50,))[0]  # (P, N)
            for j, label in enumerate(labels):
                out[label][name] = {
                    c: number(median[j, k]) for k, c in enumerate(self.countries) if c != "ROW"
                }
        return out

    def _stability(self, labels: list[str]) -> dict[str, Stability]:
        margin, member = self._all("margin"), self._all("member")
        gain, accepted = self._all("joining_gain"), self._all("accepted")
        if margin is None or member is None or gain is None or accepted is None:
            return {}
        names = self.world.names
        out = {}
        for j, (label, policy) in enumerate(zip(labels, self.policies, strict=True)):
            members = [c for c in policy.coalition.members if c != "USA"]
            rows = []
            for code in members:
                k = self.countries.index(code)
                m = margin[:, j, k]
                stays = (m >= 0) & (member[:, j, k] > 0.5)
                finite = m[np.isfinite(m)]
                rows.append(
                    MemberStability(
                        iso3=code,
                        name=names[code],
                        share_stays=number(stays.mean()),
                        median_margin=number(np.median(finite)) if len(finite) else None,
                    )
                )
            rows.sort(key=lambda r: r.share_stays if r.share_stays is not None else -1)
            others = []
            for k, code in enumerate(self.countries):
                if code in policy.coalition.members or code in _NOT_OUTSIDERS:
                    continue
                g, a = gain[:, j, k], accepted[:, j, k]
                wants, ok = g > 0, a > 0.5
                finite = g[np.isfinite(g)]
                others.append(
                    OutsiderStability(
                        iso3=code,
                        name=names.get(code, code),
                        share_wants_in=number(wants.mean()),
                        share_accepted=number(ok.mean()),
                        share_would_join=number((wants & ok).mean()),
                        median_gain=number(np.median(finite)) if len(finite) else None,
                    )
                )
            others.sort(key=lambda r: -(r.share_would_join or 0.0))
            out[label] = Stability(members=rows, outsiders=others)
        return out


def _sampled(scenarios: Any) -> list[str]:
    """Registry parameters that vary across ``scenarios``, in registry order."""
    from techbloc.params import parameter_names

    return [n for n in parameter_names() if n in scenarios and scenarios[n].nunique() > 1]


def futures_table(
    scenarios: Any, outcomes: Any, policies: Sequence[str], names: Sequence[str] = HEADLINE
) -> Futures:
    """Sampled parameters and outcomes ``names`` per future and policy.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        Parameter values per future, indexed by scenario id.
    outcomes : pandas.DataFrame or xarray.Dataset
        Outcomes per ``(scenario, policy)`` (:func:`techbloc.analysis.outcomes.outcome_table`).
    policies : sequence of str
    names : sequence of str
        Outcomes kept (those missing are skipped).
    """
    from techbloc.analysis.outcomes import outcome_table

    scenarios = scenarios.sort_index()
    table = outcome_table(outcomes)
    ids = [int(i) for i in scenarios.index]
    out: dict[str, dict[str, list[float | None]]] = {}
    for policy in policies:
        rows = table.xs(policy, level="policy").reindex(scenarios.index)
        out[policy] = {
            name: [number(v) for v in rows[name].to_numpy(float)] for name in names if name in rows
        }
    return Futures(
        scenario=ids,
        parameters={
            name: [number(v) for v in scenarios[name].to_numpy(float)]
            for name in _sampled(scenarios)
        },
        outcomes=out,
    )


def _percentiles(values: np.ndarray, levels: tuple[int, ...]) -> np.ndarray:
    """Percentiles over the first (scenario) axis, NaN-aware; all-NaN slices stay NaN."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanpercentile(values.astype(float), levels, axis=0)
