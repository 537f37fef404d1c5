"""Scenario parameters as arrays, and each scenario's own random stream.

A scenario is a row of parameter values plus random draws (US election outcomes,
coalition exits). The draws come from ``SeedSequence([root_seed, scenario_id])``, so a
scenario's results never depend on the batch, chunk, worker or executor it ran in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from techbloc.errors import InputError
from techbloc.params import PARAMETERS, get_parameter

__all__ = ["ScenarioArrays", "scenario_arrays", "scenario_rng"]


def scenario_rng(root_seed: int, scenario_id: int) -> np.random.Generator:
    """The random generator of one scenario (numpy SeedSequence keyed by its id)."""
    return np.random.default_rng(np.random.SeedSequence([int(root_seed), int(scenario_id)]))


@dataclass(frozen=True)
class ScenarioArrays:
    """Parameter values and random draws of ``S`` scenarios.

    Attributes
    ----------
    ids : ndarray of int, shape (S,)
        Global scenario ids.
    values : dict of str to ndarray, shape (S,)
        One array per registered parameter.
    election_draws : ndarray, shape (S, n_elections)
        Uniform draws deciding each US election from 2028 on.
    exit_draws : ndarray, shape (S, n_years, N)
        Uniform draws deciding exits at reviews (shared by every policy: common random
        numbers make policies comparable within a scenario).
    """

    ids: NDArray[np.int64]
    values: dict[str, NDArray[np.float64]]
    election_draws: NDArray[np.float64]
    exit_draws: NDArray[np.float64]

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        return self.values[name]

    def rows(self, first: int, stop: int) -> ScenarioArrays:
        """The scenarios ``first`` to ``stop - 1`` (views, not copies)."""
        return ScenarioArrays(
            ids=self.ids[first:stop],
            values={name: value[first:stop] for name, value in self.values.items()},
            election_draws=self.election_draws[first:stop],
            exit_draws=self.exit_draws[first:stop],
        )

    @property
    def size(self) -> int:
        """Number of scenarios."""
        return len(self.ids)


def scenario_arrays(
    scenarios: pd.DataFrame,
    *,
    seed: int,
    n_years: int,
    n_countries: int,
    check_ranges: bool = True,
) -> ScenarioArrays:
    """Read a scenario table into :class:`ScenarioArrays`.

    Parameters
    ----------
    scenarios : DataFrame
        Index: integer scenario ids; columns: any registered parameters (missing ones
        take their defaults).
    seed : int
        Root seed of the study.
    n_years : int
        Number of simulated years (for the random draws' shape).
    n_countries : int
        Number of modelled countries.
    check_ranges : bool
        Reject values outside the registered ranges (turn off only for counterfactual
        experiments such as switching leakage off).

    Raises
    ------
    InputError
        Unknown column, non-numeric or non-finite value, out-of-range value, or
        duplicated / non-integer scenario ids.
    """
    if not isinstance(scenarios, pd.DataFrame):
        raise InputError("scenarios must be a pandas DataFrame (one row per scenario)")
    if len(scenarios) == 0:
        raise InputError("scenarios is empty: at least one scenario is needed")
    try:
        ids = np.asarray(scenarios.index, dtype=np.int64)
    except (TypeError, ValueError):
        raise InputError("scenario ids (the table's index) must be integers") from None
    if len(np.unique(ids)) != len(ids):
        raise InputError("scenario ids (the table's index) must be unique")
    if (ids < 0).any():
        raise InputError("scenario ids must be non-negative")
    values: dict[str, NDArray[np.float64]] = {}
    for name in scenarios.columns:
        get_parameter(str(name))  # raises for unknown names
    for param in PARAMETERS:
        if param.name not in scenarios.columns:
            values[param.name] = np.full(len(ids), param.default)
            continue
        try:
            column = pd.to_numeric(scenarios[param.name], errors="raise").to_numpy(float)
        except (TypeError, ValueError):
            raise InputError(f"parameter '{param.name}': values must be numbers") from None
        bad = ~np.isfinite(column)
        if bad.any():
            raise InputError(
                f"parameter '{param.name}': non-finite value in scenario {ids[bad][0]}"
            )
        if check_ranges:
            out = (column < param.low) | (column > param.high)
            if out.any():
                raise InputError(
                    f"parameter '{param.name}' = {column[out][0]} in scenario {ids[out][0]} "
                    f"is outside [{param.low}, {param.high}] ({param.unit})"
                )
        values[param.name] = column
    n_elections = n_years // 4 + 1
    election = np.empty((len(ids), n_elections))
    exits = np.empty((len(ids), n_years, n_countries))
    for row, scenario_id in enumerate(ids):
        rng = scenario_rng(seed, scenario_id)
        election[row] = rng.random(n_elections)
        exits[row] = rng.random((n_years, n_countries))
    return ScenarioArrays(ids=ids, values=values, election_draws=election, exit_draws=exits)
