"""``techbloc optimize / stability / shapley``: analyses that run the model on coalitions.

Each samples scenarios from the parameter registry (LHS) and evaluates coalitions on them
with the model's fast static evaluator (``--horizon static``) or full runs
(``--horizon end``): the Pareto-optimal coalitions of a candidate pool, the internal and
external stability of one coalition (E12), and each member's Shapley contribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from techbloc.cli.analysis import split_values
from techbloc.cli.output import echo_json, note, print_frame, progress_bar, records
from techbloc.cli.studies import PriorChoice, PriorOption, check_prior_size
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR, check_years

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.analysis.search import Objective

__all__ = ["Horizon", "SearchMethod", "ShapleyMethod", "register"]

#: Largest ``--scenarios`` of the analyses that run the model (optimize, stability,
#: shapley): every scenario is simulated for every coalition evaluated, so more would take
#: hours on a laptop; larger studies belong in ``techbloc explore``.
MAX_SCENARIOS = 100_000
#: Largest ``--permutations`` of sampled Shapley values (each one evaluates up to one
#: coalition per member; the standard errors printed say when more are needed).
MAX_PERMUTATIONS = 100_000


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
            note(
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


def _sample_scenarios(n: int, seed: int, prior: PriorChoice) -> pd.DataFrame:
    """``n`` futures of ``prior``: a Latin hypercube (wide) or the calibrated set's first."""
    from techbloc.experiments.calibrated_sets import prior_design
    from techbloc.experiments.design import sample_futures

    check_prior_size(prior, n)
    design = prior_design(prior.value)
    return sample_futures(n, seed=seed, design=design["method"], calibrated_set=design.get("set"))


#: The coalition argument of ``stability`` and ``shapley``.
CoalitionArgument = Annotated[
    str | None,
    typer.Argument(
        show_default=False, help="Preset name or members, e.g. USA,JPN,KOR (or -p / -c)."
    ),
]
#: ``-p``: the coalition as a preset, as ``techbloc evaluate`` takes it.
PresetOption = Annotated[
    str | None,
    typer.Option("--preset", "-p", show_default=False, help="A coalition preset, e.g. quad."),
]
#: ``-c``: the coalition as member codes, as ``techbloc evaluate`` takes it.
MembersOption = Annotated[
    str | None,
    typer.Option(
        "--coalition", "-c", show_default=False, help="Members as ISO3 codes, e.g. USA,JPN,KOR."
    ),
]


def _coalition(
    argument: str | None, preset: str | None, codes: str | None
) -> tuple[str, list[str]]:
    """The one coalition named by the argument, ``--preset`` or ``--coalition``: the text
    typed (what messages call it) and its members."""
    from techbloc.coalitions import Coalition
    from techbloc.errors import InputError

    given = [text for text in (argument, preset, codes) if text is not None]
    if len(given) != 1:
        raise InputError(
            "name one coalition: COALITION (a preset or members), --preset NAME or "
            f"--coalition USA,JPN,KOR; got {len(given)}"
        )
    if preset is not None:
        chosen = Coalition.parse(preset, codes=False, where="--preset")
    elif codes is not None:
        chosen = Coalition.parse(codes, where="--coalition")
    else:
        chosen = Coalition.parse(given[0], where="COALITION")
    return given[0], list(chosen.members)


def _objectives(texts: list[str], horizon: Horizon, *, announce: bool) -> list[Objective]:
    """The ``--objectives`` of ``optimize``, outcome aliases resolved at ``horizon``."""
    from techbloc.analysis.search import Objective, parse_objective

    parsed = [parse_objective(o) for o in split_values(texts)]
    names = _resolve([o.name for o in parsed], horizon.value, announce=announce)
    return [
        Objective(name, o.direction, o.statistic) for o, name in zip(parsed, names, strict=True)
    ]


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
    scenarios: Annotated[int, typer.Option(min=1, max=MAX_SCENARIOS, help="Futures sampled.")] = 50,
    prior: PriorOption = PriorChoice.wide,
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
            help="auto (exhaustive up to 2^15 coalitions, 2^13 with cohesion or min_margin, "
            "2^11 on the end horizon; NSGA-II above), exhaustive or nsga2."
        ),
    ] = SearchMethod.auto,
    horizon: Annotated[
        Horizon, typer.Option(help="static (one-year, fast) or end (full runs, slow).")
    ] = Horizon.static,
    end_year: Annotated[
        int, typer.Option("--end-year", "--end", help="Last simulated year (end; to 2100).")
    ] = DEFAULT_END_YEAR,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Pareto-optimal coalitions (the USA plus pool members) on the model."""
    from techbloc.analysis.search import (
        model_evaluator,
        model_exhaustive_limit,
        search_coalitions,
    )
    from techbloc.countries import parse_members
    from techbloc.errors import InputError
    from techbloc.world import load_world

    pool = list(parse_members(",".join(candidates), where="--candidates"))
    if "USA" in pool:
        pool.remove("USA")
    objs = _objectives(objectives, horizon, announce=not as_json)
    check_years(DEFAULT_START_YEAR, end_year, start_name="the start year", end_name="--end-year")
    if max_size is not None and max_size < 2:
        raise InputError("--max-size counts the USA: use at least 2")
    world = load_world()
    sample = _sample_scenarios(scenarios, seed, prior)
    evaluate = model_evaluator(
        world, sample, pool, objs, horizon=horizon.value, seed=seed, end_year=end_year
    )
    result = search_coalitions(
        pool,
        evaluate,
        objs,
        required=list(parse_members(",".join(require), where="--require")) if require else [],
        excluded=list(parse_members(",".join(exclude), where="--exclude")) if exclude else [],
        min_size=max(0, min_size - 1),
        max_size=None if max_size is None else max_size - 1,
        method=method.value,
        max_exhaustive=model_exhaustive_limit(objs, horizon.value),
        rng=seed if search_seed is None else search_seed,
        names=world.names,
    )
    front = result.front.copy()
    front["members"] = ["USA+" + m if m else "USA" for m in front["members"]]
    front["size"] = front["size"] + 1
    if as_json:
        data = result.to_dict()
        data["front"] = records(front.set_index("members"))
        data["scenarios"] = scenarios
        data["prior"] = prior.value
        data["seed"] = seed
        data["search_seed"] = seed if search_seed is None else search_seed
        echo_json(data)
        return
    from techbloc.cli.formatting import outcome_unit, plural

    print_frame(
        front.drop(columns=["names"], errors="ignore").set_index("members"),
        f"Pareto set ({result.method}, {plural(result.n_evaluated, 'coalition')}, "
        f"{plural(scenarios, 'future')}, {prior.words}; medians unless the objective names "
        "a statistic)",
        units={o.label: outcome_unit(o.name) for o in objs},
    )


def stability(
    coalition: CoalitionArgument = None,
    preset: PresetOption = None,
    codes: MembersOption = None,
    scenarios: Annotated[
        int, typer.Option(min=1, max=MAX_SCENARIOS, help="Futures sampled.")
    ] = 200,
    prior: PriorOption = PriorChoice.wide,
    horizon: Annotated[
        Horizon, typer.Option(help="static (one-year margins, fast) or end (full runs).")
    ] = Horizon.static,
    end_year: Annotated[
        int, typer.Option("--end-year", "--end", help="Last simulated year (end; to 2100).")
    ] = DEFAULT_END_YEAR,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the scenarios.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Internal and external stability of a coalition across scenarios (E12)."""
    from techbloc.analysis.stability import coalition_stability
    from techbloc.world import load_world

    check_years(DEFAULT_START_YEAR, end_year, start_name="the start year", end_name="--end-year")
    label, members = _coalition(coalition, preset, codes)
    world = load_world()
    result = coalition_stability(
        world,
        _sample_scenarios(scenarios, seed, prior),
        members,
        horizon=horizon.value,
        seed=seed,
        end_year=end_year,
    )
    if as_json:
        echo_json({**result.to_dict(), "prior": prior.value})
        return
    s = result.summary
    note(
        f"{label}: internally stable in {s['internally_stable']:.0%}, externally stable "
        f"in {s['externally_stable']:.0%}, both in {s['stable']:.0%} of "
        f"{s['n_scenarios']:,} futures ({prior.words})"
    )
    margin = {"median_margin": "dimensionless", "p10_margin": "dimensionless"}
    print_frame(
        result.members, "members: share of scenarios with a non-negative margin", units=margin
    )
    print_frame(
        result.outsiders.head(10),
        "outsiders most likely to want in and be accepted",
        units={"median_gain": "dimensionless"},
    )
    refused = result.outsiders.sort_values("share_accepted", kind="stable").head(5)
    print_frame(
        refused,
        "outsiders the incumbents veto most often (MODEL.md §9.2)",
        units={"median_gain": "dimensionless"},
    )


def shapley(
    coalition: CoalitionArgument = None,
    preset: PresetOption = None,
    codes: MembersOption = None,
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
        int, typer.Option("--end-year", "--end", help="Last simulated year (end; to 2100).")
    ] = DEFAULT_END_YEAR,
    scenarios: Annotated[int, typer.Option(min=1, max=MAX_SCENARIOS, help="Futures sampled.")] = 50,
    prior: PriorOption = PriorChoice.wide,
    seed: Annotated[int, typer.Option(min=0, help="Seed of scenarios and permutations.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each member's Shapley contribution to the coalition's outcomes (over the USA alone)."""
    from techbloc.analysis.shapley import MAX_EXACT_PLAYERS, model_game
    from techbloc.analysis.shapley import shapley as shapley_values
    from techbloc.cli.formatting import plural
    from techbloc.errors import InputError
    from techbloc.world import load_world

    check_years(DEFAULT_START_YEAR, end_year, start_name="the start year", end_name="--end-year")
    label, members = _coalition(coalition, preset, codes)
    if method is ShapleyMethod.exact and len(members) - 1 > MAX_EXACT_PLAYERS:
        raise InputError(
            f"{label}: {len(members) - 1} members besides the USA, too many for --method "
            f"exact (2^{len(members) - 1} coalitions; at most {MAX_EXACT_PLAYERS}); use "
            "--method sampled"
        )
    world = load_world()
    names = _resolve(
        split_values(outcomes) or ["alliance_rd_share", "leakage", "cohesion"],
        horizon.value,
        announce=not as_json,
    )
    game, players = model_game(
        world,
        _sample_scenarios(scenarios, seed, prior),
        members,
        outcomes=names,
        horizon=horizon.value,
        seed=seed,
        end_year=end_year,
    )
    with progress_bar("coalitions") as progress:
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
        echo_json(
            {
                "coalition": label,
                "players": players,
                "scenarios": scenarios,
                "prior": prior.value,
                "values": records(table),
            }
        )
        return
    methods = set(table["method"])
    shown = table.drop(columns=["method"]).rename(columns={"share": "share_of_total"})
    if methods == {"exact"}:
        shown = shown.drop(columns=["std_error"])  # exact values have no sampling error
    print_frame(
        shown.set_index(["outcome", "country"]),
        f"Shapley contributions over the USA alone: {label} "
        f"({', '.join(sorted(methods))}, {horizon.value} horizon, "
        f"{plural(scenarios, 'future')}, {prior.words})",
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
    note(
        "contribution: what the member adds to the outcome, in the outcome's unit (a share's "
        "contribution in percentage points); the contributions sum to the coalition's "
        "change over the USA alone."
    )


def register(app: typer.Typer) -> None:
    """Add the coalition analyses to ``app``."""
    app.command("optimize")(optimize)
    app.command("stability")(stability)
    app.command("shapley")(shapley)
