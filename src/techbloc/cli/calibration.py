"""``techbloc hindcast`` and ``techbloc calibrate``: the model against 2010–2023."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from techbloc.cli.output import JsonFlag, echo_json, note, records
from techbloc.cli.studies import ExecutorChoice, ExecutorOption, executor_kind

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register"]


class RuleChoice(StrEnum):
    """Which implausibility decides: the largest, or the second largest."""

    max = "max"
    second = "second"


def _target_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A per-target table as JSON records, its index as the ``target`` field."""
    return records(table.rename_axis("target"))


def hindcast(
    scenarios: Annotated[
        int, typer.Option("--scenarios", "-n", min=2, help="Futures to run.")
    ] = 300,
    seed: Annotated[int, typer.Option(min=0, help="Root seed.")] = 0,
    targets: Annotated[
        Path | None, typer.Option(help="Targets table (CSV; default: the bundled one).")
    ] = None,
    calibrated: Annotated[
        str | None,
        typer.Option(
            help="Also run the futures of a calibrated set (name, e.g. 'history', or path)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write one PNG and SVG per series here.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the model from 2010 to 2023 and compare it with what happened, target by target."""
    from rich.table import Table

    from techbloc.calibration.pipeline import hindcast as run_hindcast

    prior = run_hindcast(n=scenarios, seed=seed, targets=targets)
    runs = {"wide prior": prior}
    if calibrated is not None:
        runs["calibrated"] = run_hindcast(
            n=scenarios, seed=seed, targets=targets, calibrated=calibrated
        )
    tables = {label: run.table() for label, run in runs.items()}
    figures = []
    if out is not None:
        from techbloc.calibration.figures import write_figures

        bands = {label: run.predictions for label, run in runs.items()}
        figures = [str(p) for p in write_figures(prior.targets, bands, out)]
    if as_json:
        payload = {
            "years": [2010, 2023],
            "scenarios": scenarios,
            "seed": seed,
            "runs": {label: _target_records(table) for label, table in tables.items()},
            "figures": figures,
        }
        echo_json(payload)
        return
    from techbloc.cli.formatting import add_column, print_table

    for label, table in tables.items():
        view = Table(title=f"2010–2023 hindcast, {label} ({scenarios} futures)")
        for column in ("target", "observed", "median", "p10–p90", "in band", "I", "I<3"):
            add_column(view, column, numeric=column != "target", no_wrap=column == "target")
        for name, row in table.iterrows():
            view.add_row(
                f"{name}{'*' if row['holdout'] else ''}",
                f"{row['observed']:.3g}",
                f"{row['median']:.3g}",
                f"{row['p10']:.3g}–{row['p90']:.3g}",
                "yes" if row["covered"] else "no",
                f"{row['implausibility']:.2f}",
                f"{row['share_below_3']:.0%}",
            )
        print_table(view)
    note(
        "* hold-out (kept out of the matching); in band: observation inside the 10–90% band; "
        "I: implausibility of the median; I<3: share of futures with implausibility below 3"
    )
    for path in figures:
        note(f"figure: {path}")


def calibrate(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory of the calibrated set and its waves.")
    ] = Path("out/calibration"),
    targets: Annotated[
        Path | None, typer.Option(help="Targets table (CSV; default: the bundled one).")
    ] = None,
    scenarios: Annotated[
        int, typer.Option("--scenarios", "-n", min=10, help="Candidate futures per wave.")
    ] = 2000,
    waves: Annotated[int, typer.Option(min=1, help="Most waves.")] = 4,
    size: Annotated[int, typer.Option(min=1, help="Most futures kept in the set.")] = 1000,
    cutoff: Annotated[float, typer.Option(min=0.1, help="Implausibility cutoff.")] = 3.0,
    rule: Annotated[
        RuleChoice, typer.Option(help="max: every target; second: forgive one target.")
    ] = RuleChoice.max,
    seed: Annotated[int, typer.Option(min=0, help="Root seed.")] = 0,
    executor: ExecutorOption = ExecutorChoice.auto,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes or Dask workers.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
    chunk_size: Annotated[int | None, typer.Option(min=1, help="Scenarios per chunk.")] = None,
    as_json: JsonFlag = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """History-match the model to 2010–2023 and write a calibrated futures set.

    Each wave runs as a study (chunked, resumable: run the same command again to resume;
    Dask with --executor dask). Use the set with `design: {method: calibrated, set: DIR}`.
    """
    from rich.console import Console

    from techbloc.calibration.pipeline import calibrate as run_calibrate

    console = Console(stderr=as_json)
    started = time.perf_counter()
    result, match = run_calibrate(
        out,
        targets=targets,
        n=scenarios,
        max_waves=waves,
        size=size,
        cutoff=cutoff,
        rule="second" if rule is RuleChoice.second else "max",
        seed=seed,
        executor=executor_kind(executor, scheduler),
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        progress=not quiet and not as_json,
        echo=None if as_json else console.print,
    )
    seconds = time.perf_counter() - started
    if as_json:
        payload = {
            "set": str(result.path),
            "seconds": round(seconds, 1),
            "provenance": result.provenance,
            "constraints": _target_records(result.constraints),
            "fit": _target_records(result.fit),
        }
        echo_json(payload)
        return
    console.print(match.wave_table().to_string(float_format=lambda x: f"{x:.3f}"))
    console.print(f"stopped: {match.stopped}")
    top = result.constraints.head(8)
    console.print("parameters history constrains most (prior vs non-implausible):")
    for name, row in top.iterrows():
        console.print(
            f"  {name}: {row['prior_low']:.3g}–{row['prior_high']:.3g} → "
            f"{row['calibrated_low']:.3g}–{row['calibrated_high']:.3g} "
            f"(p10–p90 {row['calibrated_p10']:.3g}–{row['calibrated_p90']:.3g})"
        )
    console.print(
        f"calibrated set of {len(result.futures):,} futures written to {result.path} "
        f"in {seconds:.0f} s"
    )


def register(app: typer.Typer) -> None:
    """Add ``hindcast`` and ``calibrate`` to ``app``."""
    app.command("hindcast")(hindcast)
    app.command("calibrate")(calibrate)
