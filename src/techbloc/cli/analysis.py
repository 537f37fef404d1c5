"""``techbloc robustness / discover / sensitivity``: analyses of a results store.

Each reads the scenarios and outcomes a ``techbloc explore`` study wrote: the robustness
of every policy (regret, percentiles, satisficing), scenario discovery (PRIM, CART) and
global sensitivity (SALib). The analyses that run the model themselves (``optimize``,
``stability``, ``shapley``) are in :mod:`techbloc.cli.coalition_analysis`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from techbloc.cli.output import echo_json, note, print_frame, progress_bar, records

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DiscoveryMethod", "SensitivityMethod", "register", "split_values"]

#: Largest ``--resamples`` of PRIM's bootstrap (each one re-runs the peeling).
MAX_RESAMPLES = 1_000


class DiscoveryMethod(StrEnum):
    """Scenario-discovery algorithm."""

    prim = "prim"
    cart = "cart"


class SensitivityMethod(StrEnum):
    """Global sensitivity method."""

    auto = "auto"
    sobol = "sobol"
    morris = "morris"
    given_data = "given_data"


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


def split_values(values: list[str] | None) -> list[str]:
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

    metrics = [parse_metric(m) for m in split_values(metric)]  # refuse a bad name before loading
    thresholds: list[Any] = [parse_threshold(t) for t in threshold or []]  # and a bad value
    _, outcomes, _, _ = _load(directory)
    missing: Missing = "drop" if drop_missing else "worst"
    summary = robustness_summary(
        outcomes, metrics, baseline=baseline, thresholds=thresholds, missing=missing
    )
    sat = satisficing(outcomes, thresholds, missing=missing) if thresholds else None
    n_missing = int(summary["n_missing"].sum())
    if as_json:
        echo_json(
            {
                "missing": missing,
                "n_missing": n_missing,
                "summary": records(summary),
                "satisficing": records(sat) if sat is not None else None,
            }
        )
        return
    _print_robustness(summary, sat)
    if n_missing:
        typer.echo(
            f"{n_missing} missing value(s) "
            + (
                "left out with their scenarios (--drop-missing)"
                if drop_missing
                else "counted as the worst case (use --drop-missing to leave their scenarios out)"
            )
        )


#: Columns of the robustness table, in order (those the summary holds).
_ROBUSTNESS_COLUMNS = (
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


def _print_robustness(summary: pd.DataFrame, sat: pd.DataFrame | None) -> None:
    """One table per metric of ``summary`` (robustness_summary), then ``sat``
    (satisficing); the number of missing values only when there are some."""
    from techbloc.cli.formatting import display_unit, outcome_unit

    n_missing = int(summary["n_missing"].sum())
    shown = [
        c for c in _ROBUSTNESS_COLUMNS if c in summary.columns and (c != "n_missing" or n_missing)
    ]
    for name, rows in summary.groupby(level="metric", sort=False):
        unit = outcome_unit(str(name))
        direction = "higher" if rows["direction"].iloc[0] == "max" else "lower"
        shown_unit = display_unit(unit)
        print_frame(
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
        print_frame(
            sat,
            "satisficing: share of scenarios meeting the thresholds",
            # n_scenarios and n_missing count scenarios; the other columns are shares
            units={c: "share" for c in sat.columns if c not in ("n_scenarios", "n_missing")},
            labels={c: c for c in sat.columns if c not in ("satisficing", "n_scenarios")},
        )


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
        extra = {"trajectory": records(result.trajectory), "chosen": result.chosen}
        table, title = result.trajectory, "PRIM peeling trajectory"
        if resamples:
            with progress_bar("resamples"):
                resampling = result.resample(resamples, rng=seed)
            extra["resampling"] = resampling.to_dict(result.chosen)
    else:
        extra = {"leaves": records(result.leaves)}
        table, title = result.leaves, "CART leaves"
    if as_json:
        echo_json({"where": where, "method": method.value, "box": box.to_dict(), **extra})
        return
    print_frame(table.tail(12) if isinstance(result, PrimResult) else table, title)
    limits = box.limits.drop(columns=["description"], errors="ignore")
    print_frame(
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
        print_frame(
            shown,
            f"{box.label} on {resamples} bootstrap resamples: share of resamples whose box "
            "(nearest in coverage / density) restricts each input",
            units={"by_coverage": "share", "by_density": "share"},
        )
        note(
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
        typer.Option(
            help="sobol (Sobol design), morris (Morris design), given_data (any design); "
            "auto: the one the study's design supports."
        ),
    ] = SensitivityMethod.auto,
    seed: Annotated[
        int, typer.Option(min=0, help="Bootstrap seed (same seed, same intervals).")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Global sensitivity of one outcome to the varied parameters (SALib)."""
    from techbloc.analysis.sensitivity import method_for, sensitivity

    scenarios, outcomes, design, varied = _load(directory)
    used = method_for(design.method) if method is SensitivityMethod.auto else method.value
    # (``auto`` resolves to the same method inside ``sensitivity``)
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
        echo_json({"outcome": outcome, "method": used, "indices": records(result)})
        return
    print_frame(result.drop(columns=["description"]), f"{used} indices of {outcome}")


def register(app: typer.Typer) -> None:
    """Add the analyses of a results store to ``app``."""
    app.command("robustness")(robustness)
    app.command("discover")(discover)
    app.command("sensitivity")(sensitivity)
