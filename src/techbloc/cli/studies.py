"""``techbloc explore / results / export``: run studies and read their stores."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from techbloc.cli.output import JsonFlag, echo_json

if TYPE_CHECKING:
    from techbloc.experiments.executors import ExecutorKind

__all__ = ["register"]


class ExecutorChoice(StrEnum):
    """Where chunks run."""

    auto = "auto"
    local = "local"
    processes = "processes"
    dask = "dask"


_EXECUTOR_KINDS: dict[ExecutorChoice, ExecutorKind | Literal["auto"]] = {
    ExecutorChoice.auto: "auto",
    ExecutorChoice.local: "local",
    ExecutorChoice.processes: "processes",
    ExecutorChoice.dask: "dask",
}

#: The ``--executor`` option of the commands that run studies.
ExecutorOption = Annotated[
    ExecutorChoice,
    typer.Option(
        help="auto = worker processes for a study large enough to gain from them when a "
        "CPU is spare, else this process; local = this process; processes; dask."
    ),
]


class PriorChoice(StrEnum):
    """Which futures a question runs on (:data:`techbloc.experiments.calibrated_sets.Prior`)."""

    history = "history"
    wide = "wide"

    @property
    def words(self) -> str:
        """How a table's title names these futures."""
        return "history-consistent" if self is PriorChoice.history else "wide prior"


#: The ``--prior`` option of the commands that sample futures for a quick question.
PriorOption = Annotated[
    PriorChoice,
    typer.Option(
        help="wide: a Latin hypercube over every sampled parameter's full range; history: "
        "the history-consistent futures the default study runs (the calibrated set "
        "'history', its first --scenarios, up to the set's size)."
    ),
]


def check_prior_size(prior: PriorChoice, scenarios: int) -> None:
    """Refuse more ``--scenarios`` than the history-consistent futures number, before
    anything runs, saying how to get more."""
    if prior is not PriorChoice.history:
        return
    from techbloc.errors import InputError
    from techbloc.experiments.calibrated_sets import BUNDLED_SET, bundled_set_size

    size = bundled_set_size()
    if scenarios > size:
        raise InputError(
            f"--scenarios {scenarios:,}: the history-consistent futures (the calibrated set "
            f"'{BUNDLED_SET}') number {size:,}; ask for at most {size:,}, or use --prior wide"
        )


def executor_kind(
    executor: ExecutorChoice, scheduler: str | None = None
) -> ExecutorKind | Literal["auto"]:
    """Where the chunks run: ``executor``, or Dask when a ``--scheduler`` address comes
    with ``auto`` or ``local``."""
    from techbloc.experiments.executors import with_scheduler

    return with_scheduler(_EXECUTOR_KINDS[executor], scheduler)


class ExportFormat(StrEnum):
    """File format of an export."""

    parquet = "parquet"
    csv = "csv"


def explore(
    study: Annotated[Path, typer.Argument(help="Study file (YAML).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Results directory (default: out/STUDY).")
    ] = None,
    executor: ExecutorOption = ExecutorChoice.auto,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes or Dask workers (default: the CPUs).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option(min=1, help="Scenarios per chunk (does not change results).")
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard existing results in --out first.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a study (or resume it): scenarios × policies into a results store."""
    from rich.console import Console

    from techbloc.experiments.budget import check_study_run, choose_executor
    from techbloc.experiments.executors import check_scheduler, check_workers
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    check_workers(workers)  # before reading anything: --workers 10000 is refused at once
    if scheduler is not None:
        check_scheduler(scheduler)
    console = Console()
    spec = Study.from_yaml(study)
    out = out or Path("out") / study.stem
    kind = choose_executor(spec, executor_kind(executor, scheduler), workers=workers)
    check_study_run(  # memory and disk within the machine's limits (TECHBLOC_MAX_MEMORY, ...)
        spec, out, chunk_size=chunk_size, executor=kind, workers=workers, fresh=fresh
    )
    summary = run_study(
        spec,
        out,
        executor=kind,
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        fresh=fresh,
        progress=not quiet,
        echo=lambda m: console.print(m, highlight=False),
    )
    if summary.status == "already complete":
        return  # run_study said so
    from rich.markup import escape

    from techbloc.cli.formatting import plural

    console.print(  # wrapped at the terminal's width
        escape(
            f"{out}: {summary.status}; {plural(summary.scenarios_run, 'scenario')} × "
            f"{plural(summary.n_policies, 'policy')} in {summary.seconds:.1f} s "
            f"({summary.experiments_per_second:,.0f} experiments/s); chunks run "
            f"{summary.chunks_run}, reused {summary.chunks_skipped}"
        ),
        highlight=False,
    )


def _store_summary(directory: Path) -> dict[str, Any]:
    """A store's manifest and its summary (:func:`~techbloc.analysis.summary.summary_json`)."""
    from techbloc.analysis.summary import study_summary, summary_json
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(directory) as store:
        manifest = store.manifest
        outcomes = store.outcomes()
        policies = store.policies
    return {
        "directory": str(directory),
        "study_hash": manifest["study_hash"],
        "version": manifest["version"],
        "seed": manifest["seed"],
        "n_scenarios": manifest["n_scenarios"],
        "scenarios_done": manifest["scenarios_done"],
        "complete": manifest["complete"],
        "policies": policies,
        "outcomes": summary_json(study_summary(outcomes, policies)),
    }


def results(
    directory: Annotated[Path, typer.Argument(help="Results directory of `techbloc explore`.")],
    as_json: JsonFlag = False,
) -> None:
    """Summarize a results store: median (p10–p90) of each scalar outcome by policy."""
    summary = _store_summary(directory)
    if as_json:
        echo_json(summary)
        return
    from rich.console import Console

    from techbloc.cli.formatting import outcome_table, print_table

    console = Console()
    state = "complete" if summary["complete"] else "incomplete"
    console.print(
        f"[bold]{directory}[/]: {summary['scenarios_done']:,} of {summary['n_scenarios']:,} "
        f"scenarios ({state}), seed {summary['seed']}, techbloc {summary['version']}",
        highlight=False,
    )
    policies = summary["policies"]
    names = list(next(iter(summary["outcomes"].values()), {}))
    stats = ("median", "p10", "p90")
    rows = [
        (name, {p: tuple(summary["outcomes"][p][name][k] for k in stats) for p in policies})
        for name in names
    ]
    print_table(outcome_table("median (p10–p90) by policy (shares in %)", policies, rows), console)


def export(
    directory: Annotated[Path, typer.Argument(help="Results directory.")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.parquet,
    to: Annotated[
        Path | None, typer.Option("--to", help="Target directory (default: DIR/export-FORMAT).")
    ] = None,
) -> None:
    """Export a results store's tables as Parquet or CSV files."""
    from techbloc.experiments.store import ResultsStore

    target = to or directory / f"export-{format.value}"
    with ResultsStore.open(directory) as store:
        files = store.export(target, format.value)
    for file in files:
        typer.echo(str(file))


def verify(
    directory: Annotated[Path, typer.Argument(help="Results directory to check.")],
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Drop the damaged chunks so that `techbloc explore` re-runs them."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Check a results store: manifest, chunks, row counts, content hashes, Parquet files.

    Prints every problem found and exits with status 1 if there is any (0 when intact).
    """
    from techbloc.experiments.store import ResultsStore, verify_store

    problems = verify_store(directory)
    dropped: list[tuple[int, int]] = []
    if problems and repair:
        with ResultsStore.open_for_repair(directory) as store:
            dropped = store.repair()
    if as_json:
        echo_json(
            {
                "directory": str(directory),
                "ok": not problems,
                "problems": [p.message for p in problems],
                "repaired_chunks": dropped if repair else None,
            }
        )
    elif not problems:
        from techbloc.cli.formatting import plural

        with ResultsStore.open(directory, check=False) as store:
            manifest = store.manifest
        typer.echo(
            f"{directory}: ok; {plural(int(manifest['chunks_done']), 'chunk')}, "
            f"{manifest['scenarios_done']:,} of {manifest['n_scenarios']:,} scenarios; "
            "root hash, rows and file checksums match"
        )
    else:
        typer.echo(
            f"{directory}: {len(problems)} problem{'s' if len(problems) > 1 else ''}:", err=True
        )
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        if repair:
            typer.echo(
                f"repaired: dropped {len(dropped)} damaged chunk(s); run the study "
                "again (techbloc explore STUDY --out DIR) to re-run them",
                err=True,
            )
        elif all(p.repairable for p in problems):
            typer.echo(
                f"to recover: techbloc verify {directory} --repair, then run the study "
                "again (only the damaged chunks re-run); or run it with --fresh",
                err=True,
            )
        else:
            typer.echo("to recover: run the study again with --fresh", err=True)
    if problems and not repair:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``explore``, ``results``, ``export`` and ``verify`` to ``app``."""
    app.command("explore")(explore)
    app.command("results")(results)
    app.command("export")(export)
    app.command("verify")(verify)
