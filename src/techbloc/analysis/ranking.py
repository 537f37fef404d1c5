"""Whether one policy leads on an outcome, or only appears to: a bootstrap over futures.

A table of medians always has a first row. Before any output calls a coalition "best" on
an outcome, :func:`leader` checks that its lead over the runner-up survives resampling the
futures: the futures (scenarios) are drawn with replacement, the same draw for every
policy (they met the same futures), the median recomputed, and the share of draws in
which the leader still beats the runner-up counted. The lead *holds* when that share
reaches ``confidence`` (0.95 by default); otherwise no policy may be named best. The
bootstrap is :func:`techbloc.analysis.uncertainty.lead`, the one the report quotes: a lead
holds exactly when the report's interval of the margin at level ``2 confidence - 1``
excludes zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from techbloc.analysis.uncertainty import lead
from techbloc.errors import InputError

__all__ = ["Lead", "leader"]


@dataclass(frozen=True)
class Lead:
    """The leading policy on one outcome and how often its lead holds.

    Attributes
    ----------
    metric : str
    direction : str
        ``"max"`` or ``"min"``: which way is better (the outputs registry's direction).
    leader, runner_up : str
        The policies with the best and second-best median.
    lead : float
        How far the leader's median is ahead of the runner-up's, in the outcome's unit
        (positive: ahead in the better direction).
    share_holding : float
        Share of bootstrap draws of the futures in which the leader's median is still
        better than the runner-up's.
    holds : bool
        ``share_holding >= confidence``: only then may an output call ``leader`` best.
    n_futures, n_draws : int
    confidence : float
    """

    metric: str
    direction: str
    leader: str
    runner_up: str
    lead: float
    share_holding: float
    holds: bool
    n_futures: int
    n_draws: int
    confidence: float

    @property
    def best(self) -> str | None:
        """The leader if its lead holds, else None (no policy is best on this outcome)."""
        return self.leader if self.holds else None

    def describe(self) -> str:
        """One sentence a report or CLI can print.

        Examples
        --------
        >>> Lead("cohesion", "max", "a", "b", 0.02, 0.97, True, 500, 1000, 0.95).describe()
        'a leads b on cohesion by 0.02 (holds in 97% of 1,000 bootstrap draws of 500 futures)'
        """
        verb = "leads" if self.holds else "is ahead of"
        tail = "" if self.holds else "; no coalition is best on it"
        return (
            f"{self.leader} {verb} {self.runner_up} on {self.metric} by {self.lead:.3g} "
            f"(holds in {self.share_holding:.0%} of {self.n_draws:,} bootstrap draws of "
            f"{self.n_futures:,} futures{tail})"
        )


def leader(
    outcomes: Any,
    metric: str,
    policies: Sequence[str] | None = None,
    *,
    direction: str | None = None,
    n_draws: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Lead:
    """The policy with the best median on ``metric`` and whether its lead holds.

    Parameters
    ----------
    outcomes : xarray.Dataset or pandas.DataFrame
        A model Dataset or an outcome table indexed (or with columns) ``scenario`` and
        ``policy`` (:func:`techbloc.analysis.outcomes.outcome_table`).
    metric : str
        A scalar outcome.
    policies : sequence of str, optional
        Policies to compare (default: all; at least two).
    direction : {"max", "min"}, optional
        Which way is better; default the outputs registry's direction for ``metric``.
    n_draws : int
        Bootstrap draws of the futures.
    confidence : float
        Share of draws the lead must hold in, in (0, 1).
    seed : int
        Seed of the bootstrap draws.

    Returns
    -------
    Lead

    Raises
    ------
    InputError
        Fewer than two policies, an unknown outcome, an outcome with no preferred
        direction, or futures missing for some policy.
    """
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.model.outputs import output

    if direction is None:
        direction = output(metric).direction.short
    if direction not in ("max", "min"):
        raise InputError(f"{metric}: no better direction to rank on (direction {direction!r})")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be in (0, 1), got {confidence}")
    if n_draws < 1:
        raise InputError(f"n_draws must be at least 1, got {n_draws}")
    table = outcome_table(outcomes).reset_index()
    if metric not in table.columns:
        raise InputError(f"{metric}: not among the outcomes")
    wide = table.pivot(index="scenario", columns="policy", values=metric)
    names = list(policies) if policies is not None else list(dict.fromkeys(table["policy"]))
    missing = [p for p in names if p not in wide.columns]
    if missing:
        raise InputError(f"unknown policies: {', '.join(missing)}")
    if len(names) < 2:
        raise InputError("a lead needs at least two policies")
    values = wide[names].to_numpy(float)
    if not np.isfinite(values).all():
        raise InputError(f"{metric}: some futures have no value; a lead needs every future")
    result = lead(
        wide[names],
        "median",
        lower_is_better=direction == "min",
        n_resamples=n_draws,
        level=2 * confidence - 1,
        seed=seed,
    )
    return Lead(
        metric=metric,
        direction=direction,
        leader=result.best,
        runner_up=result.runner_up,
        lead=result.margin.value,
        share_holding=result.ahead,
        holds=bool(result.ahead >= confidence),
        n_futures=int(values.shape[0]),
        n_draws=int(n_draws),
        confidence=float(confidence),
    )
