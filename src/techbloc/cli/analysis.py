"""``techbloc robustness / discover / sensitivity / optimize / stability / shapley``.

The first three read a results store written by ``techbloc explore``; the last three run
the model's fast static evaluator on scenarios sampled from the registry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR, check_years

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register"]

#: Largest ``--scenarios`` of the analyses that run the model (optimize, stability,
#: shapley): every scenario is simulated for every coalition evaluated, so more would take
#: hours on a laptop; larger studies belong in ``techbloc explore``.
MAX_SCENARIOS = 100_000
#: Largest ``--permutations`` of sampled Shapley values (each one evaluates up to one
#: coalition per member; the standard errors printed say when more are needed).
MAX_PERMUTATIONS = 100_000
#: Largest ``--resamples`` of PRIM's bootstrap (each one re-runs the peeling).
MAX_RESAMPLES = 1_000


class DiscoveryMethod(StrEnum):
    """Scenario-discovery algorithm."""

    prim = "prim"
    cart = "cart"


class SensitivityMethod(StrEnum):
    """Global sensitivity method."""

    sobol = "sobol"
    morris = "morris"
    given_data = "given_data"


class SearchMethod(StrEnum):
    """Coalition-search algorithm."""

    auto = "auto"
    exhaustive = "exhaustive"
    nsga2 = "nsga2"


class ShapleyMethod(StrEnum):
    """Exact or sampled Shapley values."""

    auto = "auto"
    exact = "exact"
    sampled = "sampled"


class Horizon(StrEnum):
    """Characteristic function of the Shapley game."""

    static = "static"
    end = "end"


def _load(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, Any, list[str]]:
    """Scenario inputs, wide outcomes, design spec and varied parameters of a store."""
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.errors import InputError
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(directory) as store:
        scenarios = store.scenarios()
        outcomes = store.outcomes()
        study = store.study
    if outcomes.empty:
        raise InputError(f"{directory}: the store holds no results yet; run `techbloc explore`")
    return scenarios, outcome_table(outcomes), study.design, list(study.varied())


def _clean(value: Any) -> Any:
    """JSON-safe values (NaN -> null, numpy scalars -> Python)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    unnamed = all(name is None for name in frame.index.names)
    return _clean(frame.reset_index(drop=unnamed).to_dict(orient="records"))


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(_clean(data), indent=2))


def _print_table(
    frame: pd.DataFrame,
    title: str,
    *,
    units: Mapping[str, str] | None = None,
    row_outcome: str | None = None,
    changes: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    unit_in_title: bool = False,
) -> None:
    """Print a frame as a table, numbers by the CLI's policy (:mod:`techbloc.cli.formatting`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Named index levels become columns.
    title : str
    units : mapping, optional
        Unit of a numeric column (shown in its header); columns named ``share...`` are
        shares unless given here.
    row_outcome : str, optional
        A column naming each row's outcome: the row's numbers take that outcome's unit,
        shown in a ``unit`` column after it (the unit of a change when ``changes`` are
        given: those columns then hold the row's numbers).
    changes : sequence of str
        Columns holding differences (regrets, contributions): shares in pp.
    labels : mapping, optional
        Header label of a column (default: its name, underscores as spaces).
    unit_in_title : bool
        The title states the unit of the levels: headers show only the units of changes.
    """
    from rich.markup import escape
    from rich.table import Table

    from techbloc.cli.formatting import (
        add_column,
        display_unit,
        format_number,
        header,
        outcome_unit,
        print_table,
    )

    units = dict(units or {})
    labels = dict(labels or {})
    table = Table(title=escape(title))
    frame = frame.reset_index(drop=all(name is None for name in frame.index.names))
    columns = [str(c) for c in frame.columns]
    numeric = {
        c: not (frame[c].dtype == object or str(frame[c].dtype) in ("str", "string", "category"))
        for c in columns
    }
    for c in columns:
        if c not in units and c.startswith("share"):
            units[c] = "share"
    for c in columns:
        label = labels.get(c, c)
        if numeric[c] and (row_outcome is None or c in units):
            unit = units.get(c, "")
            if unit_in_title and c not in changes:
                unit = ""
            add_column(table, header(label, unit, change=c in changes), numeric=True)
        else:
            add_column(table, header(label), numeric=numeric[c], no_wrap=not numeric[c])
        if c == row_outcome:
            add_column(table, "unit")
    for row in frame.itertuples(index=False):
        record = dict(zip(columns, row, strict=True))
        row_unit = outcome_unit(str(record[row_outcome])) if row_outcome else ""
        cells = []
        for c in columns:
            value = record[c]
            if numeric[c]:
                unit = units.get(c, row_unit)
                cells.append(format_number(value, unit, change=c in changes))
            else:
                cells.append(escape(str(value)))
            if c == row_outcome:
                cells.append(escape(display_unit(row_unit, change=bool(changes))))
        table.add_row(*cells)
    print_table(table)


@contextmanager
def _progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, as a ``progress(done, total)`` callback; ``None``
    when stderr is not a terminal (pipes, tests, ``--json`` into a file)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(
        f"[bold]{description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _note(text: str) -> None:
    """A line of explanation under or above a table, wrapped at the terminal's width."""
    from rich.console import Console
    from rich.markup import escape

    Console().print(escape(text), highlight=False)


def _resolve(names: Sequence[str], horizon: str, *, announce: bool = True) -> list[str]:
    """The model's names for outcomes, announcing each alias it resolves (``announce``).

    ``leakage`` means the pool's one-year leak rate at the static horizon, not the
    report's cumulative leakage share: say which one a table shows.
    """
    from techbloc.analysis.characteristic import resolve_outcome
    from techbloc.cli.formatting import outcome_description

    out = []
    for name in names:
        resolved = resolve_outcome(name, horizon)  # type: ignore[arg-type]
        if resolved != name and announce:
            _note(
                f"{name} = {resolved} at the {horizon} horizon: "
                f"{outcome_description(resolved) or resolved}"
                + (
                    " (not the report's cumulative leakage, leakage_share; --horizon end "
                    "scores full runs)"
                    if resolved == "pool_leak_rate"
                    else ""
                )
            )
        out.append(resolved)
    return out


def _split(values: list[str] | None) -> list[str]:
    """Accept repeated options and comma-separated lists alike."""
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def robustness(
    directory: Annotated[Path, typer.Argument(help="Results directory of `techbloc explore`.")],
    metric: Annotated[
        list[str],
        typer.Option(
            "--metric",
            "-m",
            help="Outcome, NAME[:max|min]; a bare NAME takes the outcome's registered "
            "direction (`techbloc outcomes`); repeat.",
        ),
    ],
    baseline: Annotated[
        str | None, typer.Option(help="Policy to compute regret against as well.")
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help='Satisficing requirement, e.g. "leakage_share<0.05"; repeat.'),
    ] = None,
    drop_missing: Annotated[
        bool,
        typer.Option(
            "--drop-missing",
            help="Leave out scenarios where a policy lacks a value (default: a missing "
            "value counts as the worst case).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Regret, percentiles, worst cases and satisficing of every policy."""
    from techbloc.analysis.robustness import (
        Missing,
        parse_metric,
        parse_threshold,
        robustness_summary,
        satisficing,
    )

    metrics = [parse_metric(m) for m in _split(metric)]  # refuse a bad name before loading
    thresholds: list[Any] = [parse_threshold(t) for t in threshold or []]  # and a bad value
    _, outcomes, _, _ = _load(directory)
    missing: Missing = "drop" if drop_missing else "worst"
    summary = robustness_summary(
        outcomes, metrics, baseline=baseline, thresholds=thresholds, missing=missing
    )
    sat = satisficing(outcomes, thresholds, missing=missing) if thresholds else None
    n_missing = int(summary["n_missing"].sum())
    note = (
        f"{n_missing} missing value(s) "
        + (
            "left out with their scenarios (--drop-missing)"
            if drop_missing
            else "counted as the worst case (use --drop-missing to leave their scenarios out)"
        )
        if n_missing
        else ""
    )
    if as_json:
        _echo_json(
            {
                "missing": missing,
                "n_missing": n_missing,
                "summary": _records(summary),
                "satisficing": _records(sat) if sat is not None else None,
            }
        )
        return
    from techbloc.cli.formatting import display_unit, outcome_unit

    shown = [
        c
        for c in (
            "mean",
            "p5",
            "p50",
            "p95",
            "worst",
            "max_regret",
            "mean_regret",
            "max_regret_baseline",
            "satisficing",
            "n_missing",
        )
        if c in summary.columns and (c != "n_missing" or n_missing)
    ]
    for name, rows in summary.groupby(level="metric", sort=False):
        unit = outcome_unit(str(name))
        direction = "higher" if rows["direction"].iloc[0] == "max" else "lower"
        shown_unit = display_unit(unit)
        _print_table(
            rows.droplevel("metric")[shown],
            f"robustness of {name}"
            + (f" ({shown_unit}" if shown_unit else " (")
            + ("; " if shown_unit else "")
            + f"{direction} is better)",
            units={
                **{c: unit for c in shown},
                "satisficing": "share",
                "n_missing": "count",
            },
            changes=("max_regret", "mean_regret", "max_regret_baseline"),
            unit_in_title=True,
            labels={"max_regret_baseline": "regret vs baseline", "satisficing": "meets all (%)"},
        )
    if sat is not None:
        _print_table(
            sat,
            "satisficing: share of scenarios meeting the thresholds",
            units={c: "share" for c in sat.columns if c != "n_scenarios"},
            labels={c: c for c in sat.columns if c not in ("satisficing", "n_scenarios")},
        )
    if note:
        typer.echo(note)


def discover(
    directory: Annotated[Path, typer.Argument(help="Results directory of `techbloc explore`.")],
    where: Annotated[
        str, typer.Option("--where", "-w", help='Case of interest, e.g. "backlash > 0".')
    ],
    policy: Annotated[
        str | None, typer.Option(help="Policy whose outcomes define the case.")
    ] = None,
    method: Annotated[DiscoveryMethod, typer.Option(help="prim or cart.")] = DiscoveryMethod.prim,
    min_density: Annotated[
        float | None,
        typer.Option(help="PRIM: choose the most covering box at least this dense."),
    ] = None,
    max_depth: Annotated[int, typer.Option(min=1, help="CART: depth of the tree.")] = 4,
    resamples: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_RESAMPLES,
            help="PRIM: bootstrap resamples for the significance of the box (0: none).",
        ),
    ] = 30,
    seed: Annotated[int, typer.Option(min=0, help="PRIM: seed of the resamples.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Scenario discovery: which uncertain inputs lead to the case of interest."""
    from techbloc.analysis.discovery import discover
    from techbloc.analysis.prim_discovery import PrimResult
    from techbloc.errors import InputError

    if resamples == 1:
        raise InputError("--resamples must be 0 (none) or at least 2")
    scenarios, outcomes, _, _ = _load(directory)
    options: dict[str, Any] = (
        {"min_density": min_density} if method is DiscoveryMethod.prim else {"max_depth": max_depth}
    )
    result = discover(scenarios, outcomes, where, policy=policy, method=method.value, **options)
    box = result.box()
    resampling = None
    if isinstance(result, PrimResult):
        extra = {"trajectory": _records(result.trajectory), "chosen": result.chosen}
        table, title = result.trajectory, "PRIM peeling trajectory"
        if resamples:
            with _progress_bar("resamples"):
                resampling = result.resample(resamples, rng=seed)
            extra["resampling"] = resampling.to_dict(result.chosen)
    else:
        extra = {"leaves": _records(result.leaves)}
        table, title = result.leaves, "CART leaves"
    if as_json:
        _echo_json({"where": where, "method": method.value, "box": box.to_dict(), **extra})
        return
    _print_table(table.tail(12) if isinstance(result, PrimResult) else table, title)
    limits = box.limits.drop(columns=["description"], errors="ignore")
    _print_table(
        limits,  # low, high, min, max: in each parameter's unit (its unit column)
        f"{box.label}: coverage {box.coverage:.2f}, density {box.density:.2f}, "
        f"mass {box.mass:.2f} ({box.n_cases} of {box.n} scenarios)",
    )
    if resampling is not None and isinstance(result, PrimResult):
        inputs = resampling.inputs(result.chosen)
        shown = inputs[
            inputs["restricted"] | (inputs[["by_coverage", "by_density"]].max(axis=1) > 0)
        ]
        stats = resampling.boxes.loc[result.chosen]
        _print_table(
            shown,
            f"{box.label} on {resamples} bootstrap resamples: share of resamples whose box "
            "(nearest in coverage / density) restricts each input",
            units={"by_coverage": "share", "by_density": "share"},
        )
        _note(
            f"{box.label} reproduced (same restricted inputs) in "
            f"{stats['same_inputs_by_coverage']:.0%} of resamples by coverage, "
            f"{stats['same_inputs_by_density']:.0%} by density; mean overlap of points "
            f"{stats['overlap_by_coverage']:.2f} / {stats['overlap_by_density']:.2f}"
        )


def sensitivity(
    directory: Annotated[Path, typer.Argument(help="Results directory of `techbloc explore`.")],
    outcome: Annotated[str, typer.Option("--outcome", "-o", help="Scalar outcome.")],
    policy: Annotated[str | None, typer.Option(help="Policy (needed with several).")] = None,
    method: Annotated[
        SensitivityMethod,
        typer.Option(help="sobol (Sobol design), morris (Morris design), given_data (any)."),
    ] = SensitivityMethod.sobol,
    seed: Annotated[
        int, typer.Option(min=0, help="Bootstrap seed (same seed, same intervals).")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Global sensitivity of one outcome to the varied parameters (SALib)."""
    from techbloc.analysis.sensitivity import sensitivity

    scenarios, outcomes, design, varied = _load(directory)
    result = sensitivity(
        scenarios,
        outcomes,
        outcome,
        policy=policy,
        method=method.value,
        design=design.method,
        parameters=varied,
        rng=seed,
        levels=design.levels,
    )
    if as_json:
        _echo_json({"outcome": outcome, "method": method.value, "indices": _records(result)})
        return
    _print_table(result.drop(columns=["description"]), f"{method.value} indices of {outcome}")


def _sample_scenarios(n: int, seed: int) -> pd.DataFrame:
    from techbloc.experiments.design import sample_futures

    return sample_futures(n, seed=seed)


def _members(coalition: str) -> list[str]:
    from techbloc.coalitions import Coalition
    from techbloc.errors import InputError

    try:
        return list(Coalition.from_preset(coalition).members)
    except InputError:
        if "," in coalition or "+" in coalition or len(coalition) == 3:
            return list(Coalition.parse(coalition).members)
        raise


def optimize(
    candidates: Annotated[
        list[str], typer.Option(help="Candidate pool (ISO3), comma-separated or repeated.")
    ],
    objectives: Annotated[
        list[str],
        typer.Option(
            help="NAME[:max|min][:median|mean|pNN] (default: the registered direction, "
            "the median), comma-separated or repeated."
        ),
    ],
    require: Annotated[list[str] | None, typer.Option(help="Countries always in.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Countries never in.")] = None,
    min_size: Annotated[int, typer.Option(min=1, help="Smallest coalition, USA included.")] = 2,
    max_size: Annotated[
        int | None, typer.Option(min=1, help="Largest coalition, USA included.")
    ] = None,
    scenarios: Annotated[
        int, typer.Option(min=1, max=MAX_SCENARIOS, help="Scenarios sampled (LHS).")
    ] = 50,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed of the futures (scenario sample and model runs).")
    ] = 0,
    search_seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Seed of the optimiser (NSGA-II), apart from the futures; default: --seed.",
        ),
    ] = None,
    method: Annotated[
        SearchMethod,
        typer.Option(
            help="auto (exhaustive up to 2^12 coalitions, NSGA-II above), exhaustive or nsga2."
        ),
    ] = SearchMethod.auto,
    horizon: Annotated[
        Horizon, typer.Option(help="static (one-year, fast) or end (full runs, slow).")
    ] = Horizon.static,
    end_year: Annotated[
        int, typer.Option(help="Last simulated year (end; to 2100).")
    ] = DEFAULT_END_YEAR,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Pareto-optimal coalitions (the USA plus pool members) on the model."""
    from techbloc.analysis.search import (
        MODEL_EXHAUSTIVE_LIMIT,
        Objective,
        model_evaluator,
        parse_objective,
        search_coalitions,
    )
    from techbloc.countries import parse_members
    from techbloc.errors import InputError
    from techbloc.world import load_world

    pool = list(parse_members(",".join(candidates), where="--candidates"))
    if "USA" in pool:
        pool.remove("USA")
    parsed = [parse_objective(o) for o in _split(objectives)]
    names = _resolve([o.name for o in parsed], horizon.value, announce=not as_json)
    objs = [
        Objective(name, o.direction, o.statistic) for o, name in zip(parsed, names, strict=True)
    ]
    check_years(DEFAULT_START_YEAR, end_year, start_name="the start year", end_name="--end-year")
    world = load_world()
    sample = _sample_scenarios(scenarios, seed)
    evaluate = model_evaluator(
        world, sample, pool, objs, horizon=horizon.value, seed=seed, end_year=end_year
    )
    if max_size is not None and max_size < 2:
        raise InputError("--max-size counts the USA: use at least 2")
    result = search_coalitions(
        pool,
        evaluate,
        objs,
        required=list(parse_members(",".join(require), where="--require")) if require else [],
        excluded=list(parse_members(",".join(exclude), where="--exclude")) if exclude else [],
        min_size=max(0, min_size - 1),
        max_size=None if max_size is None else max_size - 1,
        method=method.value,
        max_exhaustive=MODEL_EXHAUSTIVE_LIMIT,
        rng=seed if search_seed is None else search_seed,
        names=world.names,
    )
    front = result.front.copy()
    front["members"] = ["USA+" + m if m else "USA" for m in front["members"]]
    front["size"] = front["size"] + 1
    if as_json:
        data = result.to_dict()
        data["front"] = _records(front.set_index("members"))
        data["scenarios"] = scenarios
        data["seed"] = seed
        data["search_seed"] = seed if search_seed is None else search_seed
        _echo_json(data)
        return
    from techbloc.cli.formatting import outcome_unit, plural

    _print_table(
        front.drop(columns=["names"], errors="ignore").set_index("members"),
        f"Pareto set ({result.method}, {plural(result.n_evaluated, 'coalition')}, "
        f"{plural(scenarios, 'scenario')}; medians unless the objective names a statistic)",
        units={o.label: outcome_unit(o.name) for o in objs},
    )


def stability(
    coalition: Annotated[str, typer.Argument(help="Preset name or members, e.g. USA,JPN,KOR.")],
    scenarios: Annotated[
        int, typer.Option(min=1, max=MAX_SCENARIOS, help="Scenarios sampled (LHS).")
    ] = 200,
    horizon: Annotated[
        Horizon, typer.Option(help="static (one-year margins, fast) or end (full runs).")
    ] = Horizon.static,
    end_year: Annotated[
        int, typer.Option(help="Last simulated year (end; to 2100).")
    ] = DEFAULT_END_YEAR,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the scenarios.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Internal and external stability of a coalition across scenarios (E12)."""
    from techbloc.analysis.stability import coalition_stability
    from techbloc.world import load_world

    check_years(DEFAULT_START_YEAR, end_year, start_name="the start year", end_name="--end-year")
    world = load_world()
    result = coalition_stability(
        world,
        _sample_scenarios(scenarios, seed),
        _members(coalition),
        horizon=horizon.value,
        seed=seed,
        end_year=end_year,
    )
    if as_json:
        _echo_json(result.to_dict())
        return
    s = result.summary
    _note(
        f"{coalition}: internally stable in {s['internally_stable']:.0%}, externally stable "
        f"in {s['externally_stable']:.0%}, both in {s['stable']:.0%} of "
        f"{s['n_scenarios']:,} scenarios"
    )
    margin = {"median_margin": "dimensionless", "p10_margin": "dimensionless"}
    _print_table(
        result.members, "members: share of scenarios with a non-negative margin", units=margin
    )
    _print_table(
        result.outsiders.head(10),
        "outsiders most likely to want in and be accepted",
        units={"median_gain": "dimensionless"},
    )
    refused = result.outsiders.sort_values("share_accepted", kind="stable").head(5)
    _print_table(
        refused,
        "outsiders the incumbents veto most often (MODEL.md §9.2)",
        units={"median_gain": "dimensionless"},
    )


def shapley(
    coalition: Annotated[str, typer.Argument(help="Preset name or members, e.g. USA,JPN,KOR.")],
    outcomes: Annotated[
        list[str] | None,
        typer.Option(
            help="Outcomes (default alliance_rd_share, leakage, cohesion; leakage is "
            "pool_leak_rate at the static horizon, leakage_cumulative at the end)."
        ),
    ] = None,
    horizon: Annotated[
        Horizon, typer.Option(help="static (one-year, fast) or end (full runs).")
    ] = Horizon.static,
    method: Annotated[ShapleyMethod, typer.Option(help="auto, exact or sampled.")] = (
        ShapleyMethod.auto
    ),
    permutations: Annotated[
        int, typer.Option(min=2, max=MAX_PERMUTATIONS, help="Sampled: permutations.")
    ] = 2000,
    end_year: Annotated[
        int, typer.Option(help="Last simulated year (end; to 2100).")
    ] = DEFAULT_END_YEAR,
    scenarios: Annotated[
        int, typer.Option(min=1, max=MAX_SCENARIOS, help="Scenarios sampled (LHS).")
    ] = 50,
    seed: Annotated[int, typer.Option(min=0, help="Seed of scenarios and permutations.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each member's Shapley contribution to the coalition's outcomes (over the USA alone)."""
    from techbloc.analysis.shapley import MAX_EXACT_PLAYERS, model_game
    from techbloc.analysis.shapley import shapley as shapley_values
    from techbloc.errors import InputError
    from techbloc.world import load_world

    check_years(DEFAULT_START_YEAR, end_year, start_name="the start year", end_name="--end-year")
    members = _members(coalition)
    if method is ShapleyMethod.exact and len(members) - 1 > MAX_EXACT_PLAYERS:
        raise InputError(
            f"{coalition}: {len(members) - 1} members besides the USA, too many for --method "
            f"exact (2^{len(members) - 1} coalitions; at most {MAX_EXACT_PLAYERS}); use "
            "--method sampled"
        )
    world = load_world()
    names = _resolve(
        _split(outcomes) or ["alliance_rd_share", "leakage", "cohesion"],
        horizon.value,
        announce=not as_json,
    )
    game, players = model_game(
        world,
        _sample_scenarios(scenarios, seed),
        members,
        outcomes=names,
        horizon=horizon.value,
        seed=seed,
        end_year=end_year,
    )
    with _progress_bar("coalitions") as progress:
        table = shapley_values(
            game,
            players,
            method=method.value,
            n_permutations=permutations,
            rng=seed,
            names=world.names,
            progress=progress,
        )
    if as_json:
        _echo_json({"coalition": coalition, "players": players, "values": _records(table)})
        return
    methods = set(table["method"])
    shown = table.drop(columns=["method"]).rename(columns={"share": "share_of_total"})
    if methods == {"exact"}:
        shown = shown.drop(columns=["std_error"])  # exact values have no sampling error
    _print_table(
        shown.set_index(["outcome", "country"]),
        f"Shapley contributions over the USA alone: {coalition} "
        f"({', '.join(sorted(methods))}, {horizon.value} horizon)",
        row_outcome="outcome",
        changes=("value", "std_error", "scenario_sd"),
        units={"share_of_total": "share"},
        labels={
            "value": "contribution",
            "std_error": "std error",
            "scenario_sd": "sd over scenarios",
            "share_of_total": "of total change",
        },
    )
    _note(
        "contribution: what the member adds to the outcome, in the outcome's unit (a share's "
        "contribution in percentage points); the contributions sum to the coalition's "
        "change over the USA alone."
    )


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""
    app.command("robustness")(robustness)
    app.command("discover")(discover)
    app.command("sensitivity")(sensitivity)
    app.command("optimize")(optimize)
    app.command("stability")(stability)
    app.command("shapley")(shapley)
