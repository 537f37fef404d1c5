"""Outcome tables: the common input of every analysis.

Every analysis in :mod:`techbloc.analysis` works on a *wide outcome table*: a
:class:`pandas.DataFrame` indexed by ``(scenario, policy)`` with one column per scalar
outcome (``alliance_rd_share``, ``leakage``, ``backlash``, ...). :func:`outcome_table` builds
one from whatever the caller has (a store's outcomes, a long table, a model
:class:`xarray.Dataset`), and :func:`evaluate_condition` turns a user expression such as
``"backlash > 0"`` into a boolean case-of-interest vector, safely, and
:func:`resolve_metric` reads the direction of a metric string (``NAME[:max|min]``) from
the outputs registry (:mod:`techbloc.model.outputs`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from techbloc.errors import InputError

__all__ = ["evaluate_condition", "outcome_table", "resolve_metric", "select_policy"]

_INDEX = ("scenario", "policy")
_DIRECTIONS = ("max", "min")
_LONG_NAME = ("outcome", "metric", "variable", "name")


def outcome_table(source: Any) -> pd.DataFrame:
    """Normalise outcomes into a wide table indexed by ``(scenario, policy)``.

    Parameters
    ----------
    source : pandas.DataFrame or xarray.Dataset
        Accepted shapes:

        - wide, with a ``(scenario, policy)`` MultiIndex or ``scenario`` and ``policy``
          columns, one column per outcome;
        - long, with ``scenario``, ``policy``, an outcome-name column (``outcome``,
          ``metric``, ``variable`` or ``name``) and a ``value`` column;
        - an :class:`xarray.Dataset` from :func:`techbloc.model.simulate`: the variables
          whose dimensions are exactly ``("scenario", "policy")`` are taken.

    Returns
    -------
    pandas.DataFrame
        Wide table, index ``(scenario, policy)``, numeric outcome columns, sorted.

    Raises
    ------
    InputError
        If the shape is not one of the above.
    """
    if hasattr(source, "data_vars") and hasattr(source, "dims"):
        names = [v for v in source.data_vars if tuple(source[v].dims) == _INDEX]
        if not names:
            raise InputError("the dataset has no scalar outcomes with dims (scenario, policy)")
        frame: pd.DataFrame = source[names].to_dataframe()[names]
        return frame.sort_index()
    if not isinstance(source, pd.DataFrame):
        raise InputError(
            f"expected a DataFrame or an xarray Dataset of outcomes, got {type(source).__name__}"
        )
    frame = source
    if tuple(frame.index.names[:2]) != _INDEX or frame.index.nlevels != 2:
        missing = [c for c in _INDEX if c not in frame.columns and c not in frame.index.names]
        if missing:
            raise InputError(
                f"outcome table needs 'scenario' and 'policy' (missing: {', '.join(missing)})"
            )
        frame = (
            frame.reset_index([n for n in frame.index.names if n in _INDEX])
            if any(n in _INDEX for n in frame.index.names)
            else frame
        )
        name_col = next((c for c in _LONG_NAME if c in frame.columns), None)
        if name_col is not None and "value" in frame.columns:
            order = list(pd.unique(frame[name_col]))
            frame = frame.pivot_table(
                index=list(_INDEX), columns=name_col, values="value", aggfunc="first"
            )[order]
            frame.columns.name = None
        else:
            frame = frame.set_index(list(_INDEX))
    numeric = frame.select_dtypes(include=[np.number, "bool"])
    return numeric.sort_index()


def select_policy(table: pd.DataFrame, policy: str | None) -> pd.DataFrame:
    """Rows of one policy, indexed by scenario.

    Parameters
    ----------
    table : pandas.DataFrame
        Wide outcome table (see :func:`outcome_table`).
    policy : str or None
        Policy name; ``None`` is allowed only when the table holds a single policy.

    Returns
    -------
    pandas.DataFrame
        Outcomes of that policy indexed by scenario id.
    """
    policies = list(pd.unique(table.index.get_level_values("policy")))
    if policy is None:
        if len(policies) != 1:
            raise InputError(
                f"the results hold {len(policies)} policies; choose one with --policy "
                f"({', '.join(map(str, policies))})"
            )
        policy = policies[0]
    if policy not in policies:
        raise InputError(
            f"unknown policy '{policy}'; the results hold: {', '.join(map(str, policies))}"
        )
    rows = table.xs(policy, level="policy")
    assert isinstance(rows, pd.DataFrame)  # xs of a DataFrame with a key on one level
    return rows


_NUMBER = re.compile(r"(?<![A-Za-z0-9_])(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FORBIDDEN = re.compile(r"(__|@|\blambda\b|\bimport\b|\[|\]|;|`)")


def evaluate_condition(table: pd.DataFrame, expression: str) -> pd.Series:
    """Evaluate a boolean expression over outcome columns, safely.

    Parameters
    ----------
    table : pandas.DataFrame
        Outcomes, one column per outcome name.
    expression : str
        A comparison over column names, numbers and ``and``/``or``/``not``/``&``/``|``,
        e.g. ``"backlash > 0"`` or ``"members_remaining < 5 and leakage > 0.1"``.

    Returns
    -------
    pandas.Series of bool
        One value per row; missing outcomes count as ``False``.

    Raises
    ------
    InputError
        For an unknown outcome name, a syntax error, or an expression that is not boolean.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise InputError('the case expression is empty; e.g. --where "backlash > 0"')
    if _FORBIDDEN.search(expression):
        raise InputError(
            f"case expression {expression!r} may only use outcome names, numbers, "
            "comparisons and and/or/not"
        )
    without_numbers = _NUMBER.sub(" ", expression)
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", without_numbers))
    unknown = sorted(names - set(map(str, table.columns)) - {"and", "or", "not", "True", "False"})
    if unknown:
        known = ", ".join(map(str, table.columns))
        raise InputError(
            f"unknown outcome(s) {', '.join(unknown)} in {expression!r}; known: {known}"
        )
    try:
        result = table.eval(expression, engine="python")
    except Exception as exc:  # pandas raises many types for bad syntax
        raise InputError(f"cannot evaluate case expression {expression!r}: {exc}") from None
    if not isinstance(result, pd.Series) or result.dtype != bool:
        raise InputError(
            f"case expression {expression!r} must be a comparison (true/false per row)"
        )
    return result.fillna(False).astype(bool)


def resolve_metric(
    spec: str, *, what: str = "metric", aliases: Mapping[str, str] | None = None
) -> tuple[str, Literal["max", "min"], str]:
    """Name and direction of a metric string ``NAME[:max|min]``, from the outputs registry.

    Parameters
    ----------
    spec : str
        ``"name"`` takes the registered output's direction; ``"name:max"`` and
        ``"name:min"`` override it. A name the registry does not know (a column you
        added to the table) needs an explicit direction. Deprecated output names
        (``backlash``) resolve to the output they stand for, with a ``FutureWarning``.
    what : str
        What the string is, for messages (``metric``, ``objective``).
    aliases : mapping of str to str, optional
        Further names that stand for a registered output and are kept as given (the
        coalition-search names ``leakage`` and ``stringency``).

    Returns
    -------
    name, direction, rest
        The outcome name, ``"max"`` or ``"min"``, and what followed the direction
        (``""`` when nothing did; a search objective's statistic).

    Raises
    ------
    InputError
        An empty name, a direction other than ``max``/``min``, an unknown name without
        a direction (with the closest registered name and the list of known names), or
        an output with no preferred direction given without one.

    Examples
    --------
    >>> resolve_metric("leakage_to_china")
    ('leakage_to_china', 'min', '')
    >>> resolve_metric("leakage_to_china:max")
    ('leakage_to_china', 'max', '')
    """
    from techbloc.model.outputs import (
        DEPRECATED_ALIASES,
        SCALARS,
        Direction,
        find_output,
        suggest,
    )

    name, _, tail = str(spec).partition(":")
    raw, _, rest = tail.partition(":")
    name, given = name.strip(), raw.strip().lower()
    if not name:
        raise InputError(f"empty {what} name in {spec!r}; write NAME[:max|min]")
    if given and given not in _DIRECTIONS:
        raise InputError(f"{what} {spec!r}: direction must be 'max' or 'min', got {raw.strip()!r}")
    if name in DEPRECATED_ALIASES:
        new = DEPRECATED_ALIASES[name]
        warnings.warn(f"outcome {name!r} is deprecated; use {new!r}", FutureWarning, stacklevel=3)
        name = new
    registered = find_output((aliases or {}).get(name, name))
    if registered is None or registered.kind not in ("scalar", "scenario"):
        if given:
            return name, _direction(given), rest
        known = [*SCALARS, *(aliases or {})]
        raise InputError(
            f"unknown outcome {name!r} in {what} {str(spec).strip()!r}{suggest(name, known)}; "
            f"known outcomes: "
            f"{', '.join(known)}. A column of your own needs a direction: {name}:max or "
            f"{name}:min"
        )
    if given:
        return name, _direction(given), rest
    if registered.direction == Direction.INFO:
        kind = "is data (a driver of the future)" if registered.data else "has no direction"
        raise InputError(
            f"{what} {name!r} {kind}: neither more nor less of it is better; write "
            f"{name}:max or {name}:min"
        )
    return name, "max" if registered.direction == Direction.MAXIMIZE else "min", rest


def _direction(text: str) -> Literal["max", "min"]:
    return "max" if text == "max" else "min"
