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


def _coalition(text: str) -> Any:
    from techbloc.coalitions import Coalition, presets

    base = text.strip().split("+")[0]
    if "+" in text and base in presets():
        return Coalition.parse(text)
    return Coalition.from_preset(text.strip())


def _policies(request: EvaluateRequest) -> list[Any]:
    """One policy per coalition, with the request's levers."""
    from techbloc.coalitions import Coalition
    from techbloc.countries import parse_code_keys, parse_members
    from techbloc.params import LEVERS
    from techbloc.policies import Policy

    coalitions = [_coalition(name) for name in request.presets]
    coalitions += [
        Coalition(parse_members(codes, where=f"coalitions[{i}]"))
        for i, codes in enumerate(request.coalitions)
    ]
    coalitions = coalitions or [Coalition.from_preset("forging_core")]
    levers = {lever.name: lever for lever in LEVERS}
    building = {}
    if request.capacity_building:
        building = parse_code_keys(request.capacity_building)
        for code in building:
            if code in ("USA", "CHN"):
                raise InputError(
                    f"capacity_building: {code} cannot be given capacity building (the USA "
                    "funds it for its partners; China is never a member)"
                )
        cb = levers["capacity_building"]
        for code, value in building.items():  # also where no coalition has the country
            if not (math.isfinite(value) and cb.low <= value <= cb.high):
                raise InputError(
                    f"capacity_building: {code} = {value} is outside [{cb.low}, {cb.high}] "
                    f"({cb.unit})"
                )
    default = {lever.name: lever.default for lever in LEVERS}
    stringency = default["control_stringency"] if request.stringency is None else request.stringency
    policies = [
        Policy(
            c,
            pool_share=default["pool_share"] if request.pool_share is None else request.pool_share,
            control_stringency=stringency,
            capacity_building={k: v for k, v in building.items() if k in c.members},
        )
        for c in coalitions
    ]
    labels = [p.label for p in policies]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise InputError(f"coalition(s) given more than once: {', '.join(twice)}")
    return policies


def _sampling(request: EvaluateRequest) -> tuple[dict[str, float], list[str] | None]:
    """Parameters held (``set``) and sampled (None: the default ones minus those held)."""
    from techbloc.params import get_parameter, parameter_names, validate_values

    fixed = validate_values(dict(request.fixed), where="set")
    sampled = [n for n in parameter_names(uncertain_only=True) if n not in fixed]
    extra = []
    for i, name in enumerate(request.vary):
        if name in request.vary[:i]:
            raise InputError(f"vary: {name} is given twice")
        parameter = get_parameter(name)
        if name in fixed:
            raise InputError(f"vary: {name} is also held in set; keep it in one of them")
        if not parameter.is_uncertain:
            raise InputError(f"vary: {name} has no range to sample")
        if name not in sampled and name not in extra:
            extra.append(name)
    if not sampled and not extra:
        raise InputError(
            "set: every parameter the futures vary is fixed, so nothing is left "
            "to sample; leave at least one uncertain parameter out of set"
        )
    return fixed, ([*sampled, *extra] if extra else None)


def _design(request: EvaluateRequest) -> Any:
    """The futures: Latin hypercube over the sampled parameters (``techbloc evaluate``'s)."""
    from techbloc.experiments.design import sample_futures

    fixed, vary = _sampling(request)
    return sample_futures(request.scenarios, seed=request.seed, fixed=fixed, vary=vary), fixed


def validate_request(request: EvaluateRequest, budget: int | None = EVALUATE_BUDGET) -> None:
    """Every check :func:`evaluate_request` makes before it simulates (cheap; no sampling).

    Raises
    ------
    techbloc.errors.InputError
    """
    check_evaluate(request, budget)
    _policies(request)
    _sampling(request)


def evaluate_request(
    request: EvaluateRequest,
    budget: int | None = EVALUATE_BUDGET,
    *,
    detail: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluateResponse:
    """Evaluate the request's coalitions across sampled futures.

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
    import pandas as pd

    from techbloc.analysis.outcomes import outcome_table
    from techbloc.evaluation import PAIRS_PER_CALL
    from techbloc.model import simulate
    from techbloc.world import load_world

    began = time.perf_counter()
    check_evaluate(request, budget)
    policies = _policies(request)
    design, fixed = _design(request)
    world = load_world()
    step = max(1, PAIRS_PER_CALL // len(policies))
    if detail and len(design) >= 5 * _PARTS:
        step = min(step, math.ceil(len(design) / _PARTS))
    starts = list(range(0, len(design), step))
    keep = _Keeper(world, policies) if detail else None
    tables = []
    if progress is not None:
        progress(0, len(starts))
    for done, first in enumerate(starts, 1):
        ds = simulate(
            world,
            design.iloc[first : first + step],
            policies,
            start_year=request.start_year,
            end_year=request.end_year,
            seed=request.seed,
            trajectories=detail,
        )
        tables.append(outcome_table(ds))
        if keep is not None:
            keep.add(ds)
        if progress is not None:
            progress(done, len(starts))
    labels = [p.label for p in policies]
    table = pd.concat(tables)
    metrics, outcomes, backfire = summarise(table, labels)
    common: dict[str, Any] = {
        "scenarios": request.scenarios,
        "seed": request.seed,
        "years": (request.start_year, request.end_year),
        "fixed": {name: float(value) for name, value in fixed.items()},
        "policies": [PolicyInfo(**p.to_dict()) for p in policies],
        "metrics": metrics,
        "outcomes": outcomes,
        "backfire_share": backfire,
    }
    if keep is None:
        return EvaluateResponse(**common, seconds=round(time.perf_counter() - began, 3))
    futures = futures_table(design, table, labels)
    return RunResult(
        **common,
        **keep.result(),
        futures=futures,
        seconds=round(time.perf_counter() - began, 3),
    )


class _Keeper:
    """Collects, batch by batch, what the dashboard draws besides final-year statistics."""

    def __init__(self, world: Any, policies: list[Any]) -> None:
        self.world = world
        self.policies = policies
        self.parts: dict[str, list[np.ndarray]] = {}
        self.years: list[int] = []
        self.countries: list[str] = []
        self.domains: list[str] = []

    def add(self, ds: Any) -> None:
        self.years = [int(y) for y in ds["year"].values]
        self.countries = [str(c) for c in ds["country"].values]
        self.domains = [str(d) for d in ds["domain"].values]
        names = [f"{n}_trajectory" for n in HEADLINE]
        names += [*DOMAIN_OUTPUTS, *_COUNTRY_OUTPUTS, "margin", "member", "joining_gain"]
        names.append("accepted")
        for name in names:
            if name in ds:
                array = ds[name].transpose("scenario", "policy", ...).values
                self.parts.setdefault(name, []).append(np.asarray(array, dtype=np.float32))

    def _all(self, name: str) -> np.ndarray | None:
        return np.concatenate(self.parts[name]) if name in self.parts else None

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
