"""CLI commands for the model: ``techbloc params / outcomes / evaluate / run``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from techbloc.cli.output import JsonFlag, echo_json, note
from techbloc.cli.studies import (
    ExecutorChoice,
    ExecutorOption,
    PriorChoice,
    PriorOption,
    check_prior_size,
)
from techbloc.errors import InputError
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR, check_years

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from techbloc.experiments.study import Study

__all__ = ["register"]

#: Column labels of the `run` comparison table; its columns and their order are the
#: outputs registry's headline (:data:`techbloc.model.outputs.HEADLINE`), each formatted in
#: its unit (:mod:`techbloc.cli.formatting`), the unit shown in the header; the note under
#: the table says what each label means.
LABELS = {
    "china_capability_vs_status_quo": "China cap. vs SQ",
    "power_ratio_china_us_vs_status_quo": "power vs SQ",
    "capability_gap_vs_status_quo": "lead vs SQ",
    "china_knowledge_vs_status_quo": "China know. vs SQ",
    "leakage_to_china": "leak→China",
    "achieved_stringency": "stringency",
    "cohesion": "cohesion",
    "alliance_rd_share": "R&D share",
}


def comparison_columns() -> list[tuple[str, str]]:
    """(name, label) of the comparison table's columns, in headline order."""
    from techbloc.model.outputs import HEADLINE

    return [(name, LABELS[name]) for name in HEADLINE if name in LABELS]


def parse_assignments(items: list[str] | None, where: str = "--set") -> dict[str, float]:
    """Parse ``name=value`` pairs into numbers (the study checks names and ranges)."""
    values: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"{where} {item!r}: expected NAME=VALUE, e.g. denial=0.3")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise InputError(
                f"{where} {item!r}: {value.strip()!r} is not a number, e.g. denial=0.3"
            ) from None
    return values


def params(
    as_json: JsonFlag = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
) -> None:
    """List every model parameter: default, range, unit, mechanism and source."""
    from techbloc.params import parameter_table

    table = parameter_table()
    if as_json:
        typer.echo(table.reset_index().to_json(orient="records", indent=2))
        return
    if markdown:
        from techbloc.params import parameters_markdown

        typer.echo(parameters_markdown(), nl=False)
        return
    from rich.table import Table

    out = Table(title="techbloc parameters (MODEL.md §6)")
    for column in ("name", "default", "range", "unit", "E", "source"):
        out.add_column(column, overflow="fold")
    for name, row in table.iterrows():
        out.add_row(
            str(name),
            f"{row['default']:g}",
            f"{row['low']:g} – {row['high']:g}"
            + (" (log)" if row["distribution"] == "loguniform" else ""),
            row["unit"],
            row["mechanism"],
            row["source"],
        )
    from techbloc.cli.formatting import print_table

    print_table(out)


def outcomes(
    as_json: JsonFlag = False,
    every: Annotated[
        bool, typer.Option("--all", help="Every output, not only the scalar outcomes.")
    ] = False,
) -> None:
    """List the model's outcomes: unit, direction (better when higher or lower), bounds."""
    from techbloc.model.outputs import OUTPUTS

    shown = [o for o in OUTPUTS if every or o.kind == "scalar"]
    if as_json:  # an open (infinite) end of the bounds is null
        echo_json(
            [
                {
                    "name": o.name,
                    "description": o.description,
                    "unit": o.unit,
                    "kind": o.kind,
                    "direction": o.direction.short,
                    "bounds": o.bounds,
                    "data": o.data,
                }
                for o in shown
            ]
        )
        return
    from rich.table import Table

    from techbloc.cli.formatting import print_table

    out = Table(title="techbloc outcomes (metric strings: NAME takes this direction)")
    for column in ("name", "unit", "better", "bounds", "description"):
        out.add_column(column, overflow="fold", no_wrap=column in ("name", "bounds"))
    for o in shown:
        out.add_row(
            o.name + (f" [{o.kind}]" if o.kind != "scalar" else ""),
            o.unit,
            "(data)"
            if o.data
            else {"max": "higher", "min": "lower", "info": "–"}[o.direction.short],
            _bounds_text(o.bounds),
            o.description,
        )
    print_table(out)


def _bounds_text(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return ""
    low, high = bounds
    return f"≥ {low:g}" if high == float("inf") else f"{low:g} – {high:g}"


def _leads(outcomes, labels: list[str], seed: int) -> dict[str, dict]:
    """Per headline outcome: the leading coalition, the runner-up and how often the lead
    holds in a bootstrap over futures; ``best`` is null unless it holds (95% of draws)."""
    from dataclasses import asdict

    import numpy as np

    from techbloc.analysis.ranking import leader
    from techbloc.model.outputs import HEADLINE, output

    if len(labels) < 2:
        return {}
    leads = {}
    for name in HEADLINE:
        if output(name).direction.short == "info" or name not in outcomes.columns:
            continue
        if not np.isfinite(outcomes[name].to_numpy(float)).all():
            continue
        lead = leader(outcomes, name, labels, seed=seed)
        leads[name] = {**asdict(lead), "best": lead.best}
    return leads


def evaluate(
    coalition: Annotated[
        list[str] | None,
        typer.Option(
            "--coalition", "-c", help="Members as ISO3 codes, e.g. USA,JPN,KOR (repeatable)."
        ),
    ] = None,
    preset: Annotated[
        list[str] | None,
        typer.Option("--preset", "-p", help="A coalition preset, e.g. forging_core (repeatable)."),
    ] = None,
    scenarios: Annotated[int, typer.Option(help="Futures to sample.")] = 200,
    prior: PriorOption = PriorChoice.wide,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root seed.")] = 0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Fix a parameter, NAME=VALUE (repeatable).")
    ] = None,
    pool_share: Annotated[float | None, typer.Option(help="Pool share φ (lever).")] = None,
    stringency: Annotated[
        float | None, typer.Option(help="Export-control stringency in every domain (lever).")
    ] = None,
    start: Annotated[int, typer.Option(help="First year (2010-2100).")] = DEFAULT_START_YEAR,
    end: Annotated[
        int, typer.Option("--end", "--end-year", help="Last year (to 2100).")
    ] = DEFAULT_END_YEAR,
    overrides: Annotated[
        list[Path] | None,
        typer.Option(
            "--overrides",
            help="A CSV or YAML file of your own values, as `techbloc data check` reads "
            "(repeatable; later files win).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Evaluate coalitions across sampled futures: median and 10th/90th percentiles."""
    from techbloc.coalitions import Coalition
    from techbloc.evaluation import evaluate_coalitions

    if not 1 <= scenarios <= 1_000_000:
        raise InputError(f"--scenarios must be between 1 and 1,000,000, got {scenarios}")
    check_years(start, end, start_name="--start", end_name="--end")
    check_prior_size(prior, scenarios)
    coalitions = [Coalition.parse(text, codes=False, where="--preset") for text in preset or []]
    coalitions += [Coalition.parse(text, where="--coalition") for text in coalition or []]
    typed = [f"--preset {text}" for text in preset or []]
    typed += [f"--coalition {text}" for text in coalition or []]
    if not coalitions:
        coalitions, typed = [Coalition.from_preset("forging_core")], ["forging_core"]
    fixed = parse_assignments(set_)
    world = None
    if overrides:  # checked before anything runs: a bad entry names its file and line
        from techbloc.world import load_world

        world = load_world()
        for path in overrides:
            world = world.with_overrides(path)
    from techbloc.experiments.budget import Limits, check_budget, estimate_evaluation

    check_budget(  # memory within the machine's limit (TECHBLOC_MAX_MEMORY sets another)
        estimate_evaluation(scenarios, len(coalitions), end - start + 1),
        Limits.machine(),
        what="evaluate",
        hint="ask for fewer --scenarios or coalitions",
    )
    options = {"pool_share": "--pool-share", "control_stringency": "--stringency"}
    policies, outcomes = evaluate_coalitions(
        coalitions,
        scenarios=scenarios,
        seed=seed,
        fixed=fixed,
        pool_share=pool_share,
        stringency=stringency,
        start_year=start,
        end_year=end,
        prior=prior.value,
        world=world,
        keys={  # problems named by the options typed
            **{f"policies.{i}": text for i, text in enumerate(typed)},
            **{f"policies.{i}.{k}": v for i in range(len(typed)) for k, v in options.items()},
            "set": "--set",
            "vary": "--set",
            "years.start": "--start",
            "years.end": "--end",
            "years": "--end",
            "scenarios": "--scenarios",
        },
    )
    from techbloc.analysis.summary import study_summary, summary_json

    table = study_summary(outcomes)
    if as_json:
        result = {
            "scenarios": scenarios,
            "prior": prior.value,
            "seed": seed,
            "years": [start, end],
            "fixed": fixed,
            "overrides": [str(path) for path in overrides or []],
            "policies": {p.label: p.to_dict() for p in policies},
            "outcomes": summary_json(table),
            "leads": _leads(outcomes, [p.label for p in policies], seed),
        }
        echo_json(result)
        return
    from techbloc.cli.formatting import outcome_table, plural, print_table

    rows = [
        (
            str(metric),
            {str(r["policy"]): (r["p50"], r["p10"], r["p90"]) for r in group.to_dict("records")},
        )
        for metric, group in table.groupby("metric", sort=False)
    ]
    title = (
        f"{plural(scenarios, 'future')} ({prior.words}), {start}-{end}, seed {seed}: "
        "median (p10–p90)"
    )
    if overrides:
        title += f"; your values from {', '.join(path.name for path in overrides)}"
    print_table(outcome_table(title, [p.label for p in policies], rows))


def comparison_table(store_dir: Path, order: list[str]):
    """Median of the headline outcomes per policy in a finished store, in ``order``.

    Also ``stronger_share``, the share of futures in which China ends with more realized
    capability than under the status quo, and ``external_stability``, the share of futures
    in which no outsider would both gain by joining and be accepted.
    """
    from techbloc.analysis.summary import study_summary, summary_table
    from techbloc.experiments.store import ResultsStore

    names = [*(name for name, _ in comparison_columns()), "external_stability"]
    with ResultsStore.open(store_dir) as store:
        summary = study_summary(store.outcomes(), order, names=names, share_positive=names)
    stats = summary_table(summary)
    medians = stats.xs("p50", axis=1, level=1)
    medians["stronger_share"] = stats[("china_capability_vs_status_quo", "share_positive")]
    medians["external_stability"] = stats[("external_stability", "share_positive")]
    return medians


def _older_version(store_dir: Path) -> str | None:
    """The techbloc version that wrote ``store_dir``, if it is not this one."""
    import techbloc
    from techbloc.errors import Error
    from techbloc.experiments.store import ResultsStore

    if not store_dir.is_dir():
        return None
    try:
        with ResultsStore.open(store_dir) as store:
            version = str(store.manifest["version"])
    except (Error, KeyError):
        return None
    return None if version == techbloc.__version__ else version


#: Where `run` writes, per prior: the store (under ``--out``) and the report beside it.
_OUTPUT_NAMES = {
    PriorChoice.history: ("default", "report.html"),
    PriorChoice.wide: ("default-wide-prior", "report-wide-prior.html"),
}

#: What the labels of the comparison table (:data:`LABELS`) mean, printed under it.
COMPARISON_NOTE = (
    "China cap. vs SQ: ln(China's realized capability under the coalition / under the "
    "status quo of US-only controls, same future); power vs SQ: the same for China/US "
    "composite power; lead vs SQ: change in ln(coalition capability / China's) against "
    "the status quo (> 0: the lead widened); China know. vs SQ: the same ratio for "
    "China's knowledge (what leaks and is imitated, not what China can build); "
    "leak→China: knowledge China absorbs through leakage from every country and the "
    "shared pool (PPP $bn a year); stringency: achieved (common) export-control "
    "stringency (0-1); cohesion: members with a non-negative margin; R&D share: "
    "coalition share of world R&D; China stronger: share of futures with China's "
    "capability vs SQ > 0; ext. stable: share of futures in which no outsider would both "
    "gain by joining and be accepted. Exits are on (exit_probability sampled 0-0.5, "
    "default 0.1). No row is a 'best' coalition: see the report for which leads hold "
    "across futures."
)


def run(
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("out"),
    scenarios: Annotated[
        int | None, typer.Option(help="Futures to sample (default: the default study's 1,000).")
    ] = None,
    executor: ExecutorOption = ExecutorChoice.auto,
    fresh: Annotated[bool, typer.Option(help="Discard earlier results.")] = False,
    prior: Annotated[
        PriorChoice,
        typer.Option(
            help="history: the history-consistent futures (calibrated set 'history'); "
            "wide: Latin-hypercube futures over the registry's full ranges (the sensitivity "
            "run, into OUT/default-wide-prior)."
        ),
    ] = PriorChoice.history,
) -> None:
    """Run the default study on the bundled data, print the comparison, write the report."""
    from rich.console import Console

    console = Console()
    store_name, report_name = _OUTPUT_NAMES[prior]
    store_dir = out / store_name
    study = _default_study(prior, scenarios)
    _run_default_study(study, store_dir, executor, fresh, console)
    _print_comparison(comparison_table(store_dir, [p.label for p in study.policies]))
    _write_report(store_dir, out / report_name, console)


def _default_study(prior: PriorChoice, scenarios: int | None = None) -> Study:
    """The bundled default study (``default_study.yaml``) over the futures of ``prior``.

    Parameters
    ----------
    prior : PriorChoice
        ``history``: the study as bundled (the calibrated set 'history'); ``wide``: Latin
        hypercube futures over the registry's full ranges.
    scenarios : int, optional
        Futures to sample (default: the study's own number).
    """
    from importlib.resources import files

    from techbloc.experiments.calibrated_sets import prior_design
    from techbloc.experiments.study import Study

    study = Study.from_yaml(Path(str(files("techbloc") / "default_study.yaml")))
    if prior is PriorChoice.wide:
        study = Study.from_dict({**study.to_dict(), "design": prior_design(prior.value)})
    if scenarios is not None:
        study = Study.from_dict({**study.to_dict(), "scenarios": scenarios})
    return study


def _run_default_study(
    study: Study, store_dir: Path, executor: ExecutorChoice, fresh: bool, console: Console
) -> None:
    """Run (or resume) the default study into ``store_dir``, saying what was run.

    A store written by another techbloc version is run again from scratch: the default
    study is the tool's own, so a new release re-runs it rather than refusing the store.
    """
    from techbloc.cli.formatting import plural
    from techbloc.experiments.budget import check_study_run, choose_executor
    from techbloc.experiments.runner import run_study

    older = None if fresh else _older_version(store_dir)
    fresh = fresh or older is not None
    kind = choose_executor(study, executor.value)
    check_study_run(study, store_dir, executor=kind, fresh=fresh)
    if older is not None:
        console.print(
            f"{store_dir} holds results of techbloc {older}; running the default study again "
            "with this version's model",
            highlight=False,
        )
    summary = run_study(
        study,
        store_dir,
        executor=kind,
        fresh=fresh,
        progress=True,
        echo=lambda m: console.print(m, highlight=False),
    )
    if summary.status != "already complete":  # run_study has said so otherwise
        console.print(
            f"{store_dir}: {summary.status}; {plural(summary.n_scenarios, 'future')} × "
            f"{plural(summary.n_policies, 'coalition')} in {summary.seconds:.1f} s",
            highlight=False,
        )


def _print_comparison(medians: pd.DataFrame) -> None:
    """Print the comparison table (:func:`comparison_table`) with the note on its labels."""
    from rich.table import Table

    from techbloc.cli.formatting import add_column, format_number, header, outcome_unit, print_table

    # seven columns and more: without the outer edge the table fits 100 columns
    table = Table(
        title="Coalitions and policy variants across futures (medians, 2050; shares of futures)",
        show_edge=False,
    )
    add_column(table, "coalition", no_wrap=True)
    comparison = comparison_columns()
    for name, label in comparison:
        add_column(table, header(label, outcome_unit(name)), numeric=True)
    add_column(table, "China stronger (%)", numeric=True)
    add_column(table, "ext. stable (%)", numeric=True)
    for policy, row in medians.iterrows():
        table.add_row(
            str(policy),
            *[format_number(row[name], outcome_unit(name)) for name, _ in comparison],
            format_number(row["stronger_share"], "share"),
            format_number(row["external_stability"], "share"),
        )
    print_table(table)
    note(COMPARISON_NOTE)


def _write_report(store_dir: Path, path: Path, console: Console) -> None:
    """Write the HTML report of ``store_dir`` to ``path`` and its PDF beside it."""
    from techbloc.cli.report import print_pdf
    from techbloc.report import write_report

    written = write_report(store_dir, path).resolve()
    console.print(f"report: [bold]{written}[/]")
    console.print(print_pdf(written), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the model commands to ``app``."""
    app.command("params")(params)
    app.command("outcomes")(outcomes)
    app.command("evaluate")(evaluate)
    app.command("run")(run)
