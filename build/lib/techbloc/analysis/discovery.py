"""Scenario discovery: which combinations of uncertain inputs lead to a case of interest.

:func:`discover` ties outcome tables and a case expression such as ``"backlash > 0"`` to
one of two methods:

- :func:`~techbloc.analysis.prim_discovery.prim` (PRIM, the EMA Workbench's method), in
  :mod:`techbloc.analysis.prim_discovery`;
- :func:`~techbloc.analysis.cart_discovery.cart` (a classification tree), in
  :mod:`techbloc.analysis.cart_discovery`.

Both return boxes (:mod:`techbloc.analysis.boxes`). The names of those modules stay
importable from here.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from techbloc.analysis.boxes import Box
from techbloc.analysis.cart_discovery import CartResult, cart
from techbloc.analysis.outcomes import evaluate_condition, outcome_table, select_policy
from techbloc.analysis.prim_discovery import PrimResampling, PrimResult, prim
from techbloc.errors import InputError

__all__ = [
    "Box",
    "CartResult",
    "PrimResampling",
    "PrimResult",
    "cart",
    "case_of_interest",
    "discover",
    "prim",
]


def case_of_interest(outcomes: Any, where: str, *, policy: str | None = None) -> pd.Series:
    """Boolean case flag per scenario from an expression over one policy's outcomes.

    Parameters
    ----------
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    where : str
        Expression, e.g. ``"backlash > 0"`` (see
        :func:`techbloc.analysis.outcomes.evaluate_condition`).
    policy : str, optional
        Needed when the outcomes hold several policies.

    Returns
    -------
    pandas.Series of bool
        Indexed by scenario id.
    """
    table = select_policy(outcome_table(outcomes), policy)
    return evaluate_condition(table, where)


def discover(
    scenarios: pd.DataFrame,
    outcomes: Any,
    where: str,
    *,
    policy: str | None = None,
    method: Literal["prim", "cart"] = "prim",
    **options: Any,
) -> PrimResult | CartResult:
    """Scenario discovery for a case expression over outcomes.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        Scenario inputs indexed by scenario id (e.g. ``ResultsStore.scenarios()``).
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    where : str
        Case of interest, e.g. ``"backlash > 0"``.
    policy : str, optional
        Which policy's outcomes define the case (required with several policies).
    method : {"prim", "cart"}
    **options
        Passed to :func:`prim` or :func:`cart`.

    Returns
    -------
    PrimResult or CartResult
    """
    case = case_of_interest(outcomes, where, policy=policy)
    missing = case.index.difference(scenarios.index)
    if len(missing):
        raise InputError(f"{len(missing)} scenarios have outcomes but no inputs")
    x = scenarios.loc[case.index]
    if method == "prim":
        return prim(x, case.to_numpy(), **options)
    if method == "cart":
        return cart(x, case.to_numpy(), **options)
    raise InputError(f"unknown discovery method {method!r}; use 'prim' or 'cart'")
