"""History matching: rule out the futures whose 2010–2023 is implausibly far from the record.

For target ``j`` with observation ``z_j`` and the model's value ``f_j(x)`` at future ``x``,

    I_j(x) = |z_j − f_j(x)| / sqrt(V_obs,j + V_disc,j + V_model,j)

(Craig et al. 1997; Vernon, Goldstein & Bower 2010). ``V_obs`` and ``V_disc`` come from
the targets table (each with its rule). ``V_model`` is 0: techbloc runs the model itself at
every future (no emulator, so no emulator variance), and a future is its parameters *and*
its seeded random draws, so its 2010–2023 path is one deterministic run. A future is
non-implausible when its largest implausibility over the matching targets (``rule="max"``)
or its second largest (``rule="second"``, which forgives one target) is below ``cutoff``
(3, Pukelsheim's three-sigma rule: any unimodal distribution puts at least 95% of its mass
within three standard deviations).

Waves (Williamson et al. 2013; Andrianakis et al. 2015): wave 1 is a Latin hypercube over
the prior (the registry's ranges); each later wave is a Latin hypercube in the bounding box
of the previous wave's non-implausible futures (on the unit cube; each side widened by the
sample range over ``k − 1`` for ``k`` kept futures, the unbiased estimate of a uniform's
support, plus ``margin`` of the prior range; clipped to the previous box), evaluated and
filtered again. The waves stop when no parameter's non-implausible range shrinks by more
than ``tolerance`` of its prior range and the box holds ``size`` non-implausible futures,
or after ``max_waves``. Why a box and not a kernel around the kept points: in ~50
dimensions with a few hundred kept points a kernel's bandwidth is either so small that it
clusters around the points or so large that it is the box; the box is what ``hmer`` reports
as the non-implausible ranges, needs no bandwidth, and the implausibility test (rejection)
keeps only non-implausible futures either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from techbloc.calibration.history import Evaluate
from techbloc.errors import InputError

__all__ = [
    "HistoryMatch",
    "Wave",
    "constraint_table",
    "history_match",
    "implausibility",
    "non_implausible",
]

Rule = Literal["max", "second"]


def implausibility(predictions: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Implausibility of every future (rows) against every target (columns).

    A missing model value (NaN) counts as infinitely implausible.
    """
    z = targets["observed"].to_numpy()
    variance = targets["obs_sd"].to_numpy() ** 2 + targets["disc_sd"].to_numpy() ** 2
    values = predictions[targets.index].to_numpy(dtype=float)
    scores = np.abs(values - z[None, :]) / np.sqrt(variance)[None, :]
    scores = np.where(np.isfinite(scores), scores, np.inf)
    return pd.DataFrame(scores, index=predictions.index, columns=targets.index)


def non_implausible(scores: pd.DataFrame, cutoff: float = 3.0, rule: Rule = "max") -> pd.Series:
    """Whether each future's largest (or second-largest) implausibility is below ``cutoff``."""
    if rule not in ("max", "second"):
        raise InputError(f"rule must be 'max' or 'second', got {rule!r}")
    ordered = np.sort(scores.to_numpy(), axis=1)
    k = 1 if rule == "max" else 2
    if ordered.shape[1] < k:
        raise InputError(f"rule {rule!r} needs at least {k} targets")
    return pd.Series(ordered[:, -k] < cutoff, index=scores.index, name="non_implausible")


@dataclass(frozen=True)
class Wave:
    """One wave: its candidates, their implausibility and which were kept."""

    number: int
    lower: np.ndarray  # unit-cube box sampled, per parameter
    upper: np.ndarray
    futures: pd.DataFrame
    predictions: pd.DataFrame
    scores: pd.DataFrame
    kept: pd.Series

    @property
    def share_ruled_out(self) -> float:
        """Share of this wave's candidates ruled out."""
        return float(1.0 - self.kept.mean())

    @property
    def box_volume(self) -> float:
        """Volume of the sampled box as a share of the prior's (unit cube)."""
        return float(np.prod(self.upper - self.lower))


@dataclass
class HistoryMatch:
    """The result of :func:`history_match`."""

    names: list[str]
    waves: list[Wave]
    cutoff: float
    rule: Rule
    seed: int
    stopped: str
    provenance: dict = field(default_factory=dict)

    def final_waves(self) -> list[Wave]:
        """The waves that sampled the last box (one, unless too few futures were kept)."""
        last = self.waves[-1]
        return [
            w
            for w in self.waves
            if np.array_equal(w.lower, last.lower) and np.array_equal(w.upper, last.upper)
        ]

    @property
    def futures(self) -> pd.DataFrame:
        """The non-implausible futures sampled in the last box (index 0..n-1)."""
        kept = pd.concat([w.futures[w.kept.to_numpy()] for w in self.final_waves()])
        kept = kept.reset_index(drop=True)
        kept.index.name = "scenario"
        return kept

    @property
    def predictions(self) -> pd.DataFrame:
        """The model values of :attr:`futures` (same order)."""
        kept = pd.concat([w.predictions[w.kept.to_numpy()] for w in self.final_waves()])
        return kept.reset_index(drop=True)

    def wave_table(self) -> pd.DataFrame:
        """Per wave: candidates, kept, share ruled out, sampled box volume and the estimated
        share of the prior's volume still non-implausible (kept share × box volume)."""
        rows = []
        for w in self.waves:
            rows.append(
                dict(
                    wave=w.number,
                    candidates=len(w.kept),
                    kept=int(w.kept.sum()),
                    share_ruled_out=w.share_ruled_out,
                    box_volume=w.box_volume,
                    prior_volume_non_implausible=(1 - w.share_ruled_out) * w.box_volume,
                )
            )
        return pd.DataFrame(rows).set_index("wave")


def _unit(futures: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Parameter values mapped back onto the unit cube (inverse of ``from_unit``)."""
    from techbloc.params import get_parameter

    columns = []
    for name in names:
        p = get_parameter(name)
        x = futures[name].to_numpy(dtype=float)
        if p.distribution == "loguniform":
            u = (np.log(x) - np.log(p.low)) / (np.log(p.high) - np.log(p.low))
        else:
            u = (x - p.low) / (p.high - p.low)
        columns.append(u)
    return np.clip(np.column_stack(columns), 0.0, 1.0)


def _draw(names: Sequence[str], lower: np.ndarray, upper: np.ndarray, n: int, seed: int, wave: int):
    from scipy.stats import qmc

    from techbloc.params import get_parameter

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x4853, wave)))
    unit = qmc.LatinHypercube(d=len(names), rng=rng).random(n)
    unit = lower + unit * (upper - lower)
    frame = pd.DataFrame(
        {name: get_parameter(name).from_unit(unit[:, i]) for i, name in enumerate(names)}
    )
    frame.index.name = "scenario"
    return frame


def history_match(
    evaluate: Evaluate,
    targets: pd.DataFrame,
    *,
    names: Sequence[str] | None = None,
    n: int = 2000,
    max_waves: int = 4,
    cutoff: float = 3.0,
    rule: Rule = "max",
    seed: int = 0,
    margin: float = 0.05,
    tolerance: float = 0.01,
    min_kept: int = 20,
    size: int = 0,
    echo=None,
) -> HistoryMatch:
    """Run waves of history matching.

    Parameters
    ----------
    evaluate : Evaluate
        ``evaluate(futures, wave)`` → one column per target (see
        :mod:`techbloc.calibration.history`); any callable of that shape (a synthetic model
        in tests).
    targets : DataFrame
        The matching targets (hold-out rows are ignored here).
    names : sequence of str, optional
        Parameters to vary (default: every uncertain parameter the registry samples).
    n : int
        Candidates per wave.
    max_waves : int
    cutoff : float
        Implausibility cutoff (3: Pukelsheim's rule).
    rule : {"max", "second"}
    seed : int
        Root seed: the same seed gives the same waves and the same set.
    margin : float
        Widening of each wave's box, as a share of the prior range on each side.
    tolerance : float
        The waves stop when no range shrinks by more than this share of the prior range.
    min_kept : int
        Fewest non-implausible futures that may bound the next box; with fewer, the next
        wave samples the same box again and the kept futures are pooled.
    size : int
        Non-implausible futures wanted: once the ranges stop shrinking, further waves sample
        the same box (pooling what they keep) until it holds this many, or ``max_waves``.

    Returns
    -------
    HistoryMatch
    """
    from techbloc.params import parameter_names

    matching = targets[~targets["holdout"]]
    if matching.empty:
        raise InputError("no matching targets (every target is a hold-out)")
    names = list(names) if names is not None else parameter_names(uncertain_only=True)
    d = len(names)
    lower, upper = np.zeros(d), np.ones(d)
    waves: list[Wave] = []
    pool: list[pd.DataFrame] = []  # non-implausible futures sampled in the current box
    stopped = f"reached {max_waves} waves"
    for number in range(1, max_waves + 1):
        futures = _draw(names, lower, upper, n, seed, number)
        predictions = evaluate(futures, number)
        scores = implausibility(predictions, matching)
        kept = non_implausible(scores, cutoff, rule)
        waves.append(Wave(number, lower, upper, futures, predictions, scores, kept))
        pool.append(futures[kept.to_numpy()])
        if echo is not None:
            echo(
                f"wave {number}: {int(kept.sum()):,} of {n:,} futures non-implausible "
                f"({1 - kept.mean():.0%} ruled out)"
            )
        region = pd.concat(pool)
        if len(region) < min_kept:
            continue  # too few to bound the region: sample the same box again
        unit = _unit(region, names)
        low, high = unit.min(axis=0), unit.max(axis=0)
        # the minimum-variance unbiased estimate of a uniform's support from k points
        # widens the sample range by (max - min) / (k - 1) on each side, so that the box
        # does not shrink in parameters the record does not constrain
        spread = (high - low) / (len(unit) - 1)
        new_lower = np.clip(low - spread - margin, lower, upper)
        new_upper = np.clip(high + spread + margin, lower, upper)
        shrink = np.max((new_lower - lower) + (upper - new_upper))
        if shrink <= tolerance:
            if len(region) >= size:
                stopped = (
                    f"ranges stopped shrinking after wave {number} (largest change "
                    f"{shrink:.3f}) with {len(region):,} non-implausible futures in the box"
                )
                break
            continue  # the same box again, until it holds `size` non-implausible futures
        lower, upper = new_lower, new_upper
        pool = []
    return HistoryMatch(names, waves, cutoff, rule, seed, stopped)


def constraint_table(match: HistoryMatch) -> pd.DataFrame:
    """Each parameter's prior range against its non-implausible range.

    Columns ``prior_low``, ``prior_high``, ``calibrated_low``, ``calibrated_high`` (min and
    max over the non-implausible futures, in the parameter's unit), ``calibrated_p10``,
    ``calibrated_p90`` and ``share_ruled_out`` (one minus the non-implausible range over the
    prior range, on the unit scale the design samples: log for log-uniform parameters),
    and ``p10_p90_share`` (the width of the central 80% of the non-implausible futures on
    that scale; 0.8 for a parameter history does not constrain), sorted by the latter.
    """
    from techbloc.params import get_parameter

    kept = match.futures
    unit = _unit(kept, match.names)
    rows = []
    for i, name in enumerate(match.names):
        p = get_parameter(name)
        values = kept[name].to_numpy(dtype=float)
        rows.append(
            dict(
                parameter=name,
                prior_low=p.low,
                prior_high=p.high,
                calibrated_low=values.min(),
                calibrated_high=values.max(),
                calibrated_p10=np.quantile(values, 0.1),
                calibrated_p90=np.quantile(values, 0.9),
                share_ruled_out=1.0 - (unit[:, i].max() - unit[:, i].min()),
                p10_p90_share=np.quantile(unit[:, i], 0.9) - np.quantile(unit[:, i], 0.1),
            )
        )
    table = pd.DataFrame(rows).set_index("parameter")
    return table.sort_values(["p10_p90_share", "share_ruled_out"], ascending=[True, False])
