"""How the command line shows numbers: one policy for every table.

- **Shares** (unit ``share``) are shown as percentages (``31.5``, header ``(%)``); a
  *change* in a share (a regret, a Shapley contribution) in percentage points (``pp``).
- **Other numbers** get three significant digits, fixed-point, with thousands separators
  from 1,000 on (``0.0268``, ``1.03``, ``3,430``; never ``3.43e+03``). Only magnitudes below
  1e-6 fall back to scientific notation (``2.8e-08``), and values below 1e-12 (rounding
  noise) print as ``0``.
- **Ranges** (``median (p10–p90)``) share one number of decimals, that of the
  largest magnitude among the three, so a cell never mixes formats.
- **Cited data** (``techbloc data``) keep four significant digits, in the same format.
- **Missing values** print as ``—``.
- **Units** come from the outcome and parameter metadata (:func:`outcome_unit`), so a new
  model output is formatted as soon as it has a unit; they go in the column header
  (``R&D share (%)``) or in a ``unit`` column when outcomes are rows.
- **Headers** use spaces, not underscores, so narrow terminals wrap them instead of
  cutting them (:func:`add_column`).

JSON output (``--json``) is never formatted: it carries the raw values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = [
    "MISSING",
    "add_column",
    "display_unit",
    "format_number",
    "format_range",
    "header",
    "outcome_description",
    "outcome_table",
    "outcome_unit",
    "plural",
    "print_table",
    "to_display",
]

#: What a missing value (None, NaN) prints as.
MISSING = "—"

#: Significant digits of every number shown.
DIGITS = 3

_SHARE_UNITS = frozenset({"share"})
_NOISE = 1e-12
_SCIENTIFIC = 1e-6


def _metadata(name: str) -> tuple[str, str] | None:
    """(description, unit) of a model output, from the model's registry (None: unknown).

    Deprecated output names resolve to the output they stand for; trajectories
    (``*_trajectory``) take their output's unit.
    """
    from techbloc.model.outputs import find_output

    meta = find_output(name.removesuffix("_trajectory"))
    return None if meta is None else (meta.description, meta.unit)


def outcome_unit(name: str) -> str:
    """Unit of a model outcome or registered parameter (``""`` when unknown).

    Aliases of the coalition-search horizons (``leakage``, ``stringency``) are not
    resolved here; pass the model's name.
    """
    info = _metadata(name)
    if info is not None:
        return info[1]
    from techbloc.params import PARAMETERS

    for parameter in PARAMETERS:
        if parameter.name == name:
            return parameter.unit
    return ""


def outcome_description(name: str) -> str:
    """Description of a model outcome (``""`` when unknown)."""
    info = _metadata(name)
    return info[0] if info is not None else ""


def is_share(unit: str) -> bool:
    """Whether values of ``unit`` are shown as percentages."""
    return unit in _SHARE_UNITS


def display_unit(unit: str, *, change: bool = False) -> str:
    """The unit as shown: ``%`` for shares (``pp`` for a change in a share)."""
    if is_share(unit):
        return "pp" if change else "%"
    return unit


def to_display(value: float, unit: str) -> float:
    """A value scaled to its display unit (shares × 100)."""
    return value * 100.0 if is_share(unit) else value


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        try:
            import pandas as pd

            return bool(pd.isna(value))
        except (TypeError, ValueError):
            return False


def format_number(
    value: Any,
    unit: str = "",
    *,
    change: bool = False,
    signed: bool = False,
    digits: int = DIGITS,
) -> str:
    """Format one number by the policy above.

    Parameters
    ----------
    value : float, int, None
        The raw value (a share as a fraction: 0.315).
    unit : str
        Its unit (``share`` is shown in %, or pp with ``change``).
    change : bool
        The value is a difference (a regret, a contribution), not a level.
    signed : bool
        Always show the sign (``+2.37``).
    digits : int
        Significant digits (3; the data tables show cited values with 4).

    Returns
    -------
    str
        E.g. ``"31.5"``, ``"0.0268"``, ``"3,430"``, ``"—"``.

    Examples
    --------
    >>> format_number(0.3148, "share"), format_number(3430.2), format_number(21350.0)
    ('31.5', '3,430', '21,350')
    >>> format_number(-0.0237, "share", change=True, signed=True)
    '-2.37'
    """
    if _missing(value):
        return MISSING
    if isinstance(value, bool):
        return str(int(value))
    if not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    x = float(to_display(float(value), unit))
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    sign = "+" if signed and x > 0 else ""
    magnitude = abs(x)
    if magnitude < _NOISE:
        return "0"
    if magnitude < _SCIENTIFIC:
        return f"{sign}{x:.{digits - 1}e}"
    return sign + _fixed(x, _decimals(magnitude, digits))


def _decimals(magnitude: float, digits: int = DIGITS) -> int:
    """Decimals that give ``digits`` significant digits at ``magnitude`` (0 from 1,000)."""
    if magnitude >= 1000 or magnitude == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(magnitude)))


def _fixed(x: float, decimals: int) -> str:
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0") else text


def format_range(median: Any, low: Any, high: Any, unit: str = "") -> str:
    """``median (low–high)``, the three at one precision.

    Examples
    --------
    >>> format_range(3421.2, 2108.4, 5637.0, "PPP $bn")
    '3,421 (2,108–5,637)'
    >>> format_range(-0.000957, -0.101, 0.0867)
    '-0.001 (-0.101–0.087)'
    """
    values = [
        None if _missing(v) else float(to_display(float(v), unit)) for v in (median, low, high)
    ]
    present = [abs(v) for v in values if v is not None and math.isfinite(v)]
    largest = max(present, default=0.0)
    if largest < _SCIENTIFIC or any(v is not None and not math.isfinite(v) for v in values):
        mid, lo, hi = (format_number(v, unit) for v in (median, low, high))
    else:
        decimals = _decimals(largest)
        mid, lo, hi = (MISSING if v is None else _fixed(v, decimals) for v in values)
    return f"{mid} ({lo}–{hi})"


def header(label: str, unit: str = "", *, change: bool = False) -> str:
    """A column header: the label with spaces for underscores, then ``(unit)``."""
    text = label.replace("_", " ")
    shown = display_unit(unit, change=change)
    return f"{text} ({shown})" if shown and shown != "dimensionless" else text


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 policy"``, ``"2 policies"``, ``"1,000 scenarios"``."""
    if n == 1:
        word = singular
    elif plural_form is not None:
        word = plural_form
    elif singular.endswith("y") and singular[-2:-1] not in tuple("aeiou"):
        word = singular[:-1] + "ies"
    else:
        word = singular + "s"
    return f"{n:,} {word}"


def add_column(table: Table, label: str, *, numeric: bool = False, no_wrap: bool = False) -> None:
    """Add a column whose header wraps between words and is never cut off.

    Its minimum width is the header's longest word, so a narrow terminal wraps the
    header onto more lines instead of ending it in an ellipsis; cells wrap too, except
    in ``no_wrap`` columns (identifiers: outcome, policy and country names), which narrow
    terminals squeeze last.
    """
    from rich.markup import escape

    longest = max((len(word) for word in label.split()), default=1)
    table.add_column(
        escape(label),
        justify="right" if numeric else "left",
        overflow="fold",
        min_width=longest,
        no_wrap=no_wrap,
    )


def outcome_table(
    title: str,
    policies: list[str],
    rows: list[tuple[str, dict[str, tuple[Any, Any, Any]]]],
) -> Table:
    """Outcomes as rows, policies as columns, cells ``median (p10–p90)``, a unit column.

    Parameters
    ----------
    title : str
        Table title (plain text; brackets are shown as typed).
    policies : list of str
        Column order.
    rows : list of (outcome, {policy: (median, p10, p90)})
        Raw values; each row is formatted in its outcome's unit (:func:`outcome_unit`).
    """
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title))
    add_column(table, "outcome")
    add_column(table, "unit")
    for policy in policies:
        add_column(table, policy, numeric=True)
    for name, cells in rows:
        unit = outcome_unit(name)
        table.add_row(
            escape(name),
            escape(display_unit(unit)),
            *(escape(format_range(*cells[p], unit)) if p in cells else MISSING for p in policies),
        )
    return table


#: A text cell's word longer than this may fold onto the next line (a URL, a long name);
#: headers and numbers never fold.
_FOLD = 12


def _column_widths(table: Table) -> tuple[list[int], list[int], list[int]]:
    """Per column: the natural width, the width that breaks no word, and the narrowest.

    The narrowest width cuts no header word and no number; a text cell's word longer than
    ``_FOLD`` may fold there (a URL, a long name).
    """
    from rich.cells import cell_len

    natural: list[int] = []
    unbroken: list[int] = []
    narrowest: list[int] = []
    for column in table.columns:
        header = str(column.header)
        cells = [str(cell) for cell in column._cells]
        lines = [line for text in (header, *cells) for line in text.splitlines() or [""]]
        full = max([cell_len(line) for line in lines] + [column.min_width or 1])
        header_word = max([cell_len(word) for word in header.split()] or [1])
        cell_word = max([cell_len(word) for text in cells for word in text.split()] or [1])
        floor = max(header_word, column.min_width or 1)
        if column.no_wrap:
            for widths in (natural, unbroken, narrowest):
                widths.append(full)
            continue
        numeric = column.justify == "right"
        natural.append(full)
        unbroken.append(max(floor, cell_word))
        narrowest.append(max(floor, cell_word if numeric else min(cell_word, _FOLD)))
    return natural, unbroken, narrowest


def _overhead(table: Table) -> int:
    """Columns taken by cell padding and box lines."""
    n = len(table.columns)
    lines = (n - 1 + (2 if table.show_edge else 0)) if table.box else 0
    return 2 * n + lines  # the CLI's tables keep rich's default padding (0, 1)


def print_table(table: Table, console: Console | None = None) -> None:
    """Print a table whole, within the console's width wherever it can fit.

    Columns start at their natural width; if the table is too wide, the widest columns that
    can wrap are narrowed first, down to their longest word, and only then may a text
    cell's long word fold (never a header word or a number, so no header is cut). A table
    that cannot fit even so (many columns on a narrow terminal, or output to a file or
    pipe, which rich treats as 80 columns) is printed at the width it needs: a terminal
    wraps its lines, a file keeps them, and no column is lost.
    """
    from rich.console import Console

    console = console or Console()
    if not table.columns:
        console.print(table)
        return
    widths, unbroken, narrowest = _column_widths(table)
    excess = sum(widths) + _overhead(table) - console.width
    for floor in (unbroken, narrowest):  # wrap between words first, fold long words last
        while excess > 0:
            shrinkable = [i for i, w in enumerate(widths) if w > floor[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
            excess -= 1
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    needed = sum(widths) + _overhead(table)
    if needed > console.width:
        console = Console(
            width=needed,
            file=console.file,
            color_system=console.color_system,  # type: ignore[arg-type]
            force_terminal=console.is_terminal,
            highlight=False,
        )
    console.print(table)
