"""PRIM scenario discovery: boxes of scenario inputs where a case of interest concentrates.

:func:`prim` is the Patient Rule Induction Method (Friedman & Fisher 1999) as used in
scenario discovery (Bryant & Lempert 2010) and implemented in the EMA Workbench: a box is
peeled a small share ``alpha`` of its points at a time, always on the side and dimension
with the largest gain in density per point removed, tracing the coverage-density trade-off
(the *peeling trajectory*); the last box is then pasted (extended again where that raises
density). Each restricted limit of a chosen box gets a quasi-p value: the one-sided
binomial probability of seeing as many cases in the box if the density were that of the box
with this limit removed (as in the EMA Workbench). :meth:`PrimResult.resample` reruns PRIM
on resamples of the data to tell how often each input is restricted again and how
reproducible each box is.

Peels, pastes, box limits, tie-breaks and stopping follow EMA Workbench's ``Prim._peel``
and ``Prim._paste`` (see :mod:`techbloc.analysis._peeling`); on Bryant & Lempert's (2010)
data and on synthetic cases with pasting the trajectory and its limits are EMA
Workbench's, box for box (``benchmarks/analysis_vs_reference.py``). Coverage, density
and mass are defined in :mod:`techbloc.analysis.boxes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from techbloc.analysis._peeling import PRIM_DEFAULTS, box_stats, in_box, in_boxes, peel_and_paste
from techbloc.analysis._random import RandomState, check_rng
from techbloc.analysis.boxes import Box, case_inputs, parameter_info
from techbloc.errors import InputError

__all__ = ["PrimResampling", "PrimResult", "prim"]


def _label_of_max(values: pd.Series) -> int:
    """Box id of the largest value (the first one on ties; NaN ignored, as ``idxmax``)."""
    return int(values.index[int(np.nanargmax(values.to_numpy(dtype=float)))])


@dataclass(frozen=True)
class PrimResampling:
    """How reproducible PRIM's boxes are on resamples of the data
    (:meth:`PrimResult.resample`).

    Attributes
    ----------
    by_coverage, by_density : pandas.DataFrame
        Index box id (of the original trajectory), one column per input: the share of
        resamples whose box nearest in coverage (in density) restricts that input.
    boxes : pandas.DataFrame
        Index box id: ``same_inputs_by_coverage`` / ``same_inputs_by_density`` (share of
        resamples whose matched box restricts exactly the same inputs) and
        ``overlap_by_coverage`` / ``overlap_by_density`` (mean Jaccard index of the
        points of all the data in the box and in the matched box).
    restricted : pandas.DataFrame
        Index box id, one column per input: whether the original box restricts it.
    n_resamples : int
    fraction : float
        Resample size as a share of the points.
    replace : bool
        Bootstrap (True) or subsampling (False).
    """

    by_coverage: pd.DataFrame
    by_density: pd.DataFrame
    boxes: pd.DataFrame
    restricted: pd.DataFrame
    n_resamples: int
    fraction: float
    replace: bool

    def inputs(self, box: int) -> pd.DataFrame:
        """One box's inputs: ``restricted`` (by the box), ``by_coverage``, ``by_density``.

        Sorted: restricted inputs first, then by ``by_coverage`` descending.
        """
        if box not in self.boxes.index:
            raise InputError(f"box {box} is not on the trajectory (0-{len(self.boxes) - 1})")
        table = pd.DataFrame(
            {
                "restricted": self.restricted.loc[box],
                "by_coverage": self.by_coverage.loc[box],
                "by_density": self.by_density.loc[box],
            }
        )
        table.index.name = "parameter"
        return table.sort_values(
            ["restricted", "by_coverage", "by_density"], ascending=False, kind="stable"
        )

    def to_dict(self, box: int) -> dict[str, Any]:
        """Plain-data description of one box's resampling (for ``--json``)."""
        return {
            "box": int(box),
            "n_resamples": self.n_resamples,
            "fraction": self.fraction,
            "replace": self.replace,
            **dict(
                zip(
                    [str(c) for c in self.boxes.columns],
                    self.boxes.loc[box].to_numpy(dtype=float).tolist(),
                    strict=True,
                )
            ),
            "inputs": self.inputs(box).reset_index().to_dict(orient="records"),
        }


@dataclass
class PrimResult:
    """A PRIM peeling/pasting trajectory and the box chosen on it.

    Attributes
    ----------
    trajectory : pandas.DataFrame
        One row per box (index = box id): ``step`` kind (``start``/``peel``/``paste``),
        ``coverage``, ``density``, ``mass``, ``n``, ``n_cases``, ``n_restricted``.
    parameters : list of str
        Scenario inputs the boxes are defined on.
    chosen : int
        Box id returned by :meth:`box` without an argument.
    options : dict
        ``peel_alpha``, ``paste_alpha`` and ``mass_min`` of the run (reused by
        :meth:`resample`; PRIM's defaults where missing).
    """

    trajectory: pd.DataFrame
    parameters: list[str]
    chosen: int
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    options: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def restricted(self) -> NDArray[np.bool_]:
        """Which inputs each box restricts, bool (boxes, inputs)."""
        dmin: NDArray[np.float64] = self.x.min(axis=0)
        dmax: NDArray[np.float64] = self.x.max(axis=0)
        return (self.lower > dmin) | (self.upper < dmax)

    def resample(
        self,
        n_resamples: int = 50,
        *,
        fraction: float = 1.0,
        replace: bool = True,
        rng: RandomState = 0,
    ) -> PrimResampling:
        """Significance by resampling: rerun PRIM on resamples of the data.

        For every box on this trajectory, the box of each resample's trajectory nearest
        in coverage (and, separately, nearest in density) is compared with it: which
        inputs it restricts, whether it restricts the same inputs, and how much it
        overlaps (Jaccard index of the points of all the data the two boxes hold). This
        is EMA Workbench's ``PrimBox.resample`` (which matches boxes the same way and
        counts restricted inputs), with bootstrap resamples by default as Bryant &
        Lempert (2010) recommend; ``fraction=0.5, replace=False`` gives EMA Workbench's
        half subsamples.

        Parameters
        ----------
        n_resamples : int
            Resamples (each a full PRIM run with this result's ``peel_alpha``,
            ``paste_alpha`` and ``mass_min``).
        fraction : float
            Size of a resample as a share of the points (at most 1 without replacement).
        replace : bool
            Draw with replacement (bootstrap) or without (subsampling).
        rng : int, numpy.random.Generator or None
            Random state of the draws (default 0).

        Returns
        -------
        PrimResampling
        """
        if n_resamples < 2:
            raise InputError("resample PRIM at least twice (n_resamples >= 2)")
        if fraction <= 0 or (not replace and fraction > 1):
            raise InputError("fraction must be positive, and at most 1 without replacement")
        generator = check_rng(rng)
        n, d = self.x.shape
        size = max(2, round(fraction * n))
        own = self.restricted
        own_inside = in_boxes(self.x, self.lower, self.upper, own)
        cov = self.trajectory["coverage"].to_numpy()
        den = self.trajectory["density"].to_numpy()
        shape = (len(cov), d)
        freq = {"coverage": np.zeros(shape), "density": np.zeros(shape)}
        same = {"coverage": np.zeros(len(cov)), "density": np.zeros(len(cov))}
        overlap = {"coverage": np.zeros(len(cov)), "density": np.zeros(len(cov))}
        for _ in range(n_resamples):
            rows = generator.choice(n, size=size, replace=replace)
            xs, ys = self.x[rows], self.y[rows]
            if ys.any():
                _, lowers, uppers = peel_and_paste(xs, ys, **{**PRIM_DEFAULTS, **self.options})
                stats = box_stats(xs, ys, lowers, uppers)
                restricted = (lowers > xs.min(axis=0)) | (uppers < xs.max(axis=0))
            else:  # no case drawn: only the box of all points
                lowers, uppers = xs.min(axis=0)[None], xs.max(axis=0)[None]
                stats = {"coverage": np.zeros(1), "density": np.zeros(1)}
                restricted = np.zeros((1, d), bool)
            inside = in_boxes(self.x, lowers, uppers, restricted)
            for key, target in (("coverage", cov), ("density", den)):
                match = np.abs(stats[key][None, :] - target[:, None]).argmin(axis=1)
                freq[key] += restricted[match]
                same[key] += (restricted[match] == own).all(axis=1)
                both = (inside[match] & own_inside).sum(axis=1)
                either = (inside[match] | own_inside).sum(axis=1)
                overlap[key] += both / np.maximum(either, 1)
        index = self.trajectory.index
        return PrimResampling(
            by_coverage=pd.DataFrame(freq["coverage"] / n_resamples, index, self.parameters),
            by_density=pd.DataFrame(freq["density"] / n_resamples, index, self.parameters),
            boxes=pd.DataFrame(
                {
                    "same_inputs_by_coverage": same["coverage"] / n_resamples,
                    "same_inputs_by_density": same["density"] / n_resamples,
                    "overlap_by_coverage": overlap["coverage"] / n_resamples,
                    "overlap_by_density": overlap["density"] / n_resamples,
                },
                index=index,
            ),
            restricted=pd.DataFrame(own, index, self.parameters),
            n_resamples=n_resamples,
            fraction=fraction,
            replace=replace,
        )

    def box(self, index: int | None = None) -> Box:
        """The box ``index`` on the trajectory (default: the chosen one) with quasi-p values."""
        i = self.chosen if index is None else int(index)
        if not 0 <= i < len(self.trajectory):
            raise InputError(f"box {i} is not on the trajectory (0-{len(self.trajectory) - 1})")
        lo, hi = self.lower[i], self.upper[i]
        dmin, dmax = self.x.min(axis=0), self.x.max(axis=0)
        inside = in_box(self.x, lo, hi)
        n, n_cases = int(inside.sum()), int(self.y[inside].sum())
        rows = []
        for j, name in enumerate(self.parameters):
            restricted_low, restricted_high = lo[j] > dmin[j], hi[j] < dmax[j]
            if not (restricted_low or restricted_high):
                continue
            unit, description = parameter_info(name)
            rows.append(
                {
                    "parameter": name,
                    "low": lo[j],
                    "high": hi[j],
                    "min": dmin[j],
                    "max": dmax[j],
                    "qp_low": self._quasi_p(lo, hi, j, 0, n, n_cases) if restricted_low else np.nan,
                    "qp_high": self._quasi_p(lo, hi, j, 1, n, n_cases)
                    if restricted_high
                    else np.nan,
                    "unit": unit,
                    "description": description,
                }
            )
        columns = ["low", "high", "min", "max", "qp_low", "qp_high", "unit", "description"]
        limits = (
            pd.DataFrame(rows).set_index("parameter")
            if rows
            else pd.DataFrame(columns=columns, index=pd.Index([], name="parameter"))
        )
        stats = self.trajectory.loc[i, ["coverage", "density", "mass"]].to_numpy(dtype=float)
        coverage, density, mass = (float(v) for v in stats)
        return Box(
            limits=limits,
            coverage=coverage,
            density=density,
            mass=mass,
            n=n,
            n_cases=n_cases,
            label=f"PRIM box {i}",
        )

    def _quasi_p(
        self, lo: np.ndarray, hi: np.ndarray, j: int, side: int, n: int, n_cases: int
    ) -> float:
        from scipy.stats import binomtest

        lo, hi = lo.copy(), hi.copy()
        if side == 0:
            lo[j] = -np.inf
        else:
            hi[j] = np.inf
        relaxed = in_box(self.x, lo, hi)
        density = self.y[relaxed].mean()
        return float(binomtest(n_cases, n, density, alternative="greater").pvalue)

    def choose(self, *, min_density: float | None = None, min_coverage: float | None = None) -> int:
        """Pick a box on the trajectory and make it the chosen one.

        Parameters
        ----------
        min_density : float, optional
            The box with the highest coverage among those at least this dense.
        min_coverage : float, optional
            The densest box among those with at least this coverage.

        Without either, the box maximising the harmonic mean of coverage and density.

        Returns
        -------
        int
            The chosen box id.
        """
        t = self.trajectory
        if min_density is not None and min_coverage is not None:
            raise InputError("choose a box by min_density or by min_coverage, not both")
        if min_density is not None:
            ok = t[t["density"] >= min_density]
            if ok.empty:
                raise InputError(
                    f"no box reaches density {min_density}; the densest has "
                    f"{t['density'].max():.3f}"
                )
            self.chosen = _label_of_max(ok["coverage"])
        elif min_coverage is not None:
            ok = t[t["coverage"] >= min_coverage]
            self.chosen = _label_of_max(ok["density"])
        else:
            f1 = 2 * t["coverage"] * t["density"] / (t["coverage"] + t["density"])
            self.chosen = _label_of_max(f1)
        return self.chosen


def prim(
    x: pd.DataFrame,
    y: Any,
    *,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_density: float | None = None,
) -> PrimResult:
    """Find boxes of scenario inputs where the case of interest is concentrated.

    Parameters
    ----------
    x : pandas.DataFrame
        Scenario inputs, one column per parameter (non-varying columns are dropped).
    y : array_like of bool
        Case of interest per scenario.
    peel_alpha : float
        Share of the box's points removed by each peel (0.01-0.2).
    paste_alpha : float
        Share, at each paste, of the points between a restricted limit and the data's end
        (inside the box on the other inputs) that the limit moves out over; 0 for no
        pasting.
    mass_min : float
        Peeling stops when the best-ranked peel would leave less than this share of all
        points, or would not raise the mean; ties between peels are broken as in EMA
        Workbench (no new restricted input first, then input order, upper end first).
    min_density : float, optional
        Choose the box with the highest coverage at least this dense (see
        :meth:`PrimResult.choose`); default: best harmonic mean of coverage and density.

    Returns
    -------
    PrimResult
        Trajectory and chosen box; call ``.box()`` for the limits and quasi-p values.
    """
    frame, y = case_inputs(x, y)
    if not 0 < peel_alpha < 0.5 or not 0 <= paste_alpha < 0.5:
        raise InputError("peel_alpha must be in (0, 0.5) and paste_alpha in [0, 0.5)")
    if not 0 < mass_min < 1:
        raise InputError("mass_min must be in (0, 1)")
    data = frame.to_numpy(float)
    steps, lowers, uppers = peel_and_paste(data, y, peel_alpha, paste_alpha, mass_min)
    trajectory = pd.DataFrame({"step": steps, **box_stats(data, y, lowers, uppers)})
    trajectory.index.name = "box"
    result = PrimResult(
        trajectory=trajectory,
        parameters=list(frame.columns),
        chosen=len(steps) - 1,
        lower=lowers,
        upper=uppers,
        x=data,
        y=y,
        options={"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min},
    )
    result.choose(min_density=min_density)
    return result
