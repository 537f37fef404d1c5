"""How the analysis commands show their results.

One place for what every analysis command prints: a pandas frame as a table (its numbers
by the CLI's policy, :mod:`techbloc.cli.formatting`), the same frame as JSON records
(``--json``: raw values, NaN as ``null``), a line of explanation, and a progress bar on
stderr.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["JsonFlag", "clean", "echo_json", "note", "print_frame", "progress_bar", "records"]

#: The ``--json`` flag of a command that prints a table, or its data as JSON.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def clean(value: Any) -> Any:
    """JSON-safe values: NaN, infinities and pandas' missing markers (``pd.NA``, ``NaT``)
    -> null, numpy scalars -> Python; dicts and sequences element by element."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):
        return value
    return None if _missing(value) else value


def _missing(value: Any) -> bool:
    """Whether pandas counts the scalar ``value`` as missing (``pd.NA``, ``NaT``, ...)."""
    from pandas import isna

    try:
        return bool(isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-safe dicts, named index levels as fields."""
    unnamed = all(name is None for name in frame.index.names)
    rows: list[dict[str, Any]] = clean(frame.reset_index(drop=unnamed).to_dict(orient="records"))
    return rows


def echo_json(data: Any, *, ensure_ascii: bool = True) -> None:
    """Print ``data`` as indented JSON (:func:`clean` first: no NaN, no numpy scalars);
    with ``ensure_ascii=False``, text outside ASCII as written (``Türkiye``), not escaped."""
    typer.echo(json.dumps(clean(data), indent=2, ensure_ascii=ensure_ascii))


def print_frame(
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
def progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
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


def note(text: str) -> None:
    """A line of explanation under or above a table, wrapped at the terminal's width."""
    from rich.console import Console
    from rich.markup import escape

    Console().print(escape(text), highlight=False)
