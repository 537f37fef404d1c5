"""``techbloc data ...``: the bundled countries, their indicators, presets, override checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from techbloc.cli.formatting import MISSING, format_number, print_table
from techbloc.cli.output import clean, echo_json

__all__ = ["data_app", "register"]

data_app = typer.Typer(
    name="data",
    help="Bundled data: countries, indicators with sources, coalition presets, overrides.",
    no_args_is_help=True,
)

_JSON = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fmt(value: Any) -> str:
    """A cited value: four significant digits, thousands separators (cli.formatting)."""
    value = clean(value)
    if value is None:
        return MISSING
    if isinstance(value, float):
        return format_number(value, digits=4)
    return str(value)


@data_app.command("countries")
def countries(as_json: _JSON = False) -> None:
    """List the candidate countries (plus ROW) with R&D, GDP and population."""
    from techbloc.world import load_world

    world = load_world()
    inputs = world.model_inputs()
    rows = [
        {
            "iso3": code,
            "name": world.names[code],
            "rd_bn": clean(inputs.at[code, "rd"]),
            "rd_year": clean(inputs.at[code, "rd_year"]),
            "gdp_bn": clean(inputs.at[code, "gdp"]),
            "population_m": clean(inputs.at[code, "population"]),
        }
        for code in world.codes
    ]
    if as_json:
        echo_json(rows, ensure_ascii=False)
        return
    from rich.table import Table

    table = Table(
        title="Countries (R&D and GDP: PPP $ bn in the year shown, NCSES SRD-1 2021 or RD-5; "
        "population: millions)"
    )
    for col in ("ISO3", "name", "R&D $bn", "year", "GDP $bn", "pop. m"):
        table.add_column(col, justify="right" if col not in ("ISO3", "name") else "left")
    for r in rows:
        year = r["rd_year"]
        table.add_row(
            r["iso3"],
            r["name"],
            _fmt(r["rd_bn"]),
            "—" if year is None else str(int(year)),
            _fmt(r["gdp_bn"]),
            _fmt(r["population_m"]),
        )
    print_table(table)


@data_app.command("show")
def show(
    iso3: Annotated[str, typer.Argument(help="ISO3 code, e.g. KOR (or ROW).")],
    as_json: _JSON = False,
) -> None:
    """Every indicator of one country with value, unit, year and source; then model inputs."""
    from techbloc.countries import check_codes
    from techbloc.schema import INPUT_COLUMNS, INPUT_INDICATORS, INPUT_RULES
    from techbloc.world import load_world

    world = load_world()
    (code,) = check_codes([iso3], allow_row=True)
    ind = world.country(code)
    inputs = world.model_inputs().loc[code]
    notes = world.fill_notes
    fills = {
        str(k): str(v) for k, v in notes[notes["iso3"] == code].set_index("input")["method"].items()
    }
    indicators = [
        {k: clean(r[k]) for k in ("indicator", "value", "unit", "year", "source", "note")}
        for _, r in ind.iterrows()
    ]
    by_name = {r["indicator"]: r for r in indicators}
    model_inputs = {
        col: {
            "value": clean(inputs[col]),
            "unit": INPUT_COLUMNS[col],
            "rule": INPUT_RULES[col],
            "filled": fills.get(col),
            "from": [by_name[n] for n in INPUT_INDICATORS.get(col, ()) if n in by_name],
        }
        for col in inputs.index
    }
    model_inputs["threat"]["components"] = _threat_components(inputs, fills, by_name)
    if as_json:
        echo_json(
            {
                "iso3": code,
                "name": world.names[code],
                "indicators": indicators,
                "model_inputs": model_inputs,
            },
            ensure_ascii=False,
        )
        return
    from rich.table import Table

    table = Table(title=f"{world.names[code]} ({code}): indicators")
    for col in ("indicator", "value", "unit", "year", "source / note"):
        table.add_column(col, overflow="fold")
    for r in indicators:
        src = r["source"] + (f" — {r['note']}" if r["note"] else "")
        table.add_row(
            r["indicator"],
            _fmt(r["value"]),
            r["unit"],
            "—" if r["year"] is None else str(r["year"]),
            src,
        )
    print_table(table)
    table2 = Table(title=f"{code}: model inputs (rules: docs/data.md)")
    for col in ("input", "value", "filled / flagged"):
        table2.add_column(col, overflow="fold")
    for col, item in model_inputs.items():
        shown = _fmt(item["value"])
        if col == "rd_year" and item["value"] is not None:
            shown = str(int(item["value"]))
        table2.add_row(col, shown, item["filled"] or "")
    print_table(table2)


def _threat_components(
    inputs: Any, fills: dict[str, str], by_name: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each part of the ``threat`` blend: weight, 0-1 value, the indicator it reads, fill rule.

    Parameters
    ----------
    inputs : pandas.Series
        One country's model inputs.
    fills : dict of str to str
        Input -> fill note of that country.
    by_name : dict
        Indicator name -> indicator record (value, unit, year, source, note).

    Returns
    -------
    dict
        Component column -> ``{weight, value, indicator, filled}``; ``indicator`` is the
        bundled record (value as published, year, source), ``filled`` the fill rule or None.
    """
    from techbloc.schema import THREAT_COMPONENTS

    return {
        col: {
            "weight": weight,
            "value": clean(inputs[col]),
            "indicator": by_name.get(name),
            "filled": fills.get(col),
        }
        for col, (weight, name) in THREAT_COMPONENTS.items()
    }


@data_app.command("presets")
def presets_cmd(
    as_json: _JSON = False,
    file: Annotated[
        Path | None, typer.Option("--file", help="Also show user presets from this YAML file.")
    ] = None,
) -> None:
    """Coalition presets with members, source and certainty."""
    from techbloc.coalitions import load_presets, presets

    table_ = presets()
    if file is not None:
        table_.update(load_presets(file))
    if as_json:
        echo_json([c.to_dict() for c in table_.values()], ensure_ascii=False)
        return
    from rich.table import Table

    table = Table(title="Coalition presets")
    for col in ("name", "members", "source", "certainty"):
        table.add_column(col, overflow="fold")
    for c in table_.values():
        table.add_row(c.name or "", ",".join(c.members), c.source or "", c.certainty or "")
    print_table(table)


@data_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="Override file (.csv, .yaml or .yml).")],
) -> None:
    """Validate an override file; exit 2 with file:line: reason if it is invalid."""
    from rich.console import Console

    from techbloc.overrides import check_overrides, inert_overrides
    from techbloc.world import load_world

    ov = check_overrides(file)
    console = Console()
    console.print(
        f"[green]ok[/]: {file}: {len(ov.values)} value override(s), "
        f"{len(ov.frictions)} friction override(s)",
        highlight=False,
    )
    for v in inert_overrides(ov, load_world()):
        console.print(
            f"note: {v.origin}: {v.iso3} {v.column} changes no model input: the model reads "
            f"another indicator for {v.iso3} (see `techbloc data show {v.iso3}`)",
            highlight=False,
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add the ``data`` sub-app to ``app``."""
    app.add_typer(data_app, name="data")
