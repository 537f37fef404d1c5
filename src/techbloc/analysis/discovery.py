"""Scenario discovery: which combinations of uncertain inputs lead to a case of interest.

Two methods:

- :func:`prim`: the Patient Rule Induction Method (Friedman & Fisher 1999) as used in
  scenario discovery (Bryant & Lempert 2010) and implemented in the EMA Workbench: a box
  is peeled a small share ``alpha`` of its points at a time, always on the side and
  dimension with the largest gain in density per point removed, tracing the
  coverage-density trade-off (the *peeling trajectory*); the last box is then pasted
  (extended again where that raises density). Each restricted limit of a chosen box gets
  a quasi-p value: the one-sided binomial probability of seeing as many cases in the box
  if the density were that of the box with this limit removed (as in the EMA Workbench).
  :meth:`PrimResult.resample` reruns PRIM on resamples of the data to tell how often
  each input is restricted again and how reproducible each box is.

Tie-breaks and stopping (as EMA Workbench's ``Prim._peel``): among peels with the same
gain (to a relative 1e-12), a peel on an input that is already restricted wins over one
that would restrict a new input; then the peel keeping more points; then input order,
upper end before lower end. Peeling stops when no peel raises the density (best gain not
positive), when every peel would leave less than ``mass_min`` of the points, or at
density 1. On Bryant & Lempert's (2010) data the trajectory is then the EMA Workbench's,
box for box (``benchmarks/analysis_vs_reference.py``).
- :func:`cart`: a classification tree (scikit-learn); each leaf is a box with its coverage
  and density.

Definitions: *coverage* = cases in the box / all cases; *density* = cases in the box /
points in the box; *mass* = points in the box / all points.
:func:`discover` ties them to outcome tables and a case expression such as
``"backlash > 0"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from techbloc.analysis._random import RandomState, check_rng, library_seed, renamed_seed
from techbloc.analysis.outcomes import evaluate_condition, outcome_table, select_policy
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


def _inputs(x: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(x, pd.DataFrame):
        raise InputError("scenario inputs must be a DataFrame with one column per parameter")
    y = np.asarray(y)
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise InputError("the case of interest must be boolean (True where it happens)")
        y = y.astype(bool)
    if len(x) != len(y):
        raise InputError(f"{len(x)} scenarios but {len(y)} case flags")
    numeric = x.select_dtypes(include=[np.number, "bool"]).astype(float)
    varying = numeric.loc[:, numeric.nunique(dropna=True) > 1]
    if varying.shape[1] == 0:
        raise InputError("no scenario input varies: nothing to discover")
    if varying.isna().any().any():
        bad = ", ".join(varying.columns[varying.isna().any()])
        raise InputError(f"scenario inputs contain missing values in: {bad}")
    if not y.any():
        raise InputError("the case of interest never happens in these scenarios")
    return varying, y


def _parameter_info(name: str) -> tuple[str, str]:
    from techbloc.params import PARAMETERS

    for p in PARAMETERS:
        if p.name == name:
            return p.unit, p.description
    return "", ""


@dataclass(frozen=True)
class Box:
    """A box in the space of scenario inputs, with how well it captures the cases.

    Attributes
    ----------
    limits : pandas.DataFrame
        One row per restricted parameter: ``low``, ``high`` (inclusive), the data range
        ``min``, ``max``, and (PRIM) quasi-p values ``qp_low``, ``qp_high`` (NaN for an
        unrestricted side), plus the parameter's ``unit`` and ``description``.
    coverage, density, mass : float
        See the module docstring.
    n, n_cases : int
        Points and cases inside the box.
    label : str
        Where the box comes from ("PRIM box 12", "CART leaf 7").
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int
    n_cases: int
    label: str = ""

    def contains(self, x: pd.DataFrame) -> pd.Series:
        """Which rows of ``x`` lie inside the box."""
        inside = np.ones(len(x), bool)
        for name, row in self.limits.iterrows():
            values = x[name].to_numpy(float)
            inside &= (values >= row["low"]) & (values <= row["high"])
        return pd.Series(inside, index=x.index)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data description (for ``--json``)."""
        limits = self.limits.reset_index().replace({np.nan: None})
        return {
            "label": self.label,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "n": self.n,
            "n_cases": self.n_cases,
            "limits": limits.to_dict(orient="records"),
        }


#: PRIM's settings when a result does not record its own (see :func:`prim`).
_PRIM_DEFAULTS = {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05}
#: Relative tolerance under which two peels' gains count as tied.
_TIE = 1e-12


def _in_box(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return ((x >= lower) & (x <= upper)).all(axis=1)


def _in_boxes(
    x: np.ndarray, lowers: np.ndarray, uppers: np.ndarray, restricted: np.ndarray
) -> np.ndarray:
    """Which points of ``x`` each box holds, bool (boxes, n); unrestricted inputs are
    not limited (a resample's data range does not cut off points outside it)."""
    lo = np.where(restricted, lowers, -np.inf)
    hi = np.where(restricted, uppers, np.inf)
    return ((x[None, :, :] >= lo[:, None, :]) & (x[None, :, :] <= hi[:, None, :])).all(axis=2)


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
            **{k: float(v) for k, v in self.boxes.loc[box].items()},
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
    def restricted(self) -> np.ndarray:
        """Which inputs each box restricts, bool (boxes, inputs)."""
        dmin, dmax = self.x.min(axis=0), self.x.max(axis=0)
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
        own_inside = _in_boxes(self.x, self.lower, self.upper, own)
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
                _, lowers, uppers = _peel_and_paste(xs, ys, **{**_PRIM_DEFAULTS, **self.options})
                stats = _box_stats(xs, ys, lowers, uppers)
                restricted = (lowers > xs.min(axis=0)) | (uppers < xs.max(axis=0))
            else:  # no case drawn: only the box of all points
                lowers, uppers = xs.min(axis=0)[None], xs.max(axis=0)[None]
                stats = {"coverage": np.zeros(1), "density": np.zeros(1)}
                restricted = np.zeros((1, d), bool)
            inside = _in_boxes(self.x, lowers, uppers, restricted)
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
        inside = _in_box(self.x, lo, hi)
        n, n_cases = int(inside.sum()), int(self.y[inside].sum())
        rows = []
        for j, name in enumerate(self.parameters):
            restricted_low, restricted_high = lo[j] > dmin[j], hi[j] < dmax[j]
            if not (restricted_low or restricted_high):
                continue
            unit, description = _parameter_info(name)
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
        row = self.trajectory.loc[i]
        return Box(
            limits=limits,
            coverage=float(row["coverage"]),
            density=float(row["density"]),
            mass=float(row["mass"]),
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
        relaxed = _in_box(self.x, lo, hi)
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
            self.chosen = int(ok["coverage"].idxmax())
        elif min_coverage is not None:
            ok = t[t["coverage"] >= min_coverage]
            self.chosen = int(ok["density"].idxmax())
        else:
            f1 = 2 * t["coverage"] * t["density"] / (t["coverage"] + t["density"])
            self.chosen = int(f1.idxmax())
        return self.chosen


def _peel_and_paste(
    data: np.ndarray, y: np.ndarray, peel_alpha: float, paste_alpha: float, mass_min: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """PRIM's trajectory on arrays: step kinds and box limits, (boxes, d) each, as data
    values (the data range where a side is unrestricted)."""
    n_total, d = data.shape
    lower = np.full(d, -np.inf)
    upper = np.full(d, np.inf)
    boxes: list[tuple[str, np.ndarray, np.ndarray]] = [("start", lower.copy(), upper.copy())]
    inside = np.ones(n_total, bool)

    # peeling: all 2d candidate peels evaluated at once; candidate k = 2 j + side
    # (side 0 peels the upper end of input j, side 1 the lower end: EMA Workbench's order)
    column = np.repeat(np.arange(d), 2)
    while True:
        xb, yb = data[inside], y[inside]
        m = len(yb)
        mean_now = yb.mean()
        if mean_now >= 1.0:
            break
        # numpy's "lower" alpha and "higher" 1 - alpha quantiles, in one partial sort
        i_lo = int(np.floor((m - 1) * peel_alpha))
        i_hi = int(np.ceil((m - 1) * (1 - peel_alpha)))
        part = np.partition(xb, [i_lo, i_hi], axis=0)
        q_lo, q_hi = part[i_lo], part[i_hi]
        keep_lo = xb > q_lo  # remove points at or below the lower quantile
        keep_hi = xb < q_hi
        keep = np.stack([keep_hi, keep_lo], axis=2).reshape(m, 2 * d)
        counts = keep.sum(axis=0)
        removed = m - counts
        cases = (keep & yb[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = (cases / counts - mean_now) / removed
        valid = (counts >= mass_min * n_total) & (removed > 0) & (counts > 0)
        gain = np.where(valid, gain, -np.inf)
        best_gain = gain.max()
        if not best_gain > 0:  # no peel raises density: stop (as EMA Workbench)
            break
        # ties on the gain: first a peel on an input already restricted (no new restricted
        # dimension), then the peel keeping more points, then input order, upper end first
        tied = gain >= best_gain - _TIE * best_gain
        restricted = np.isfinite(lower) | np.isfinite(upper)
        adds_dimension = ~restricted[column]
        order = np.lexsort((np.arange(2 * d), -counts, adds_dimension))
        best = order[tied[order]][0]
        j, side = column[best], best % 2
        if side == 1:
            lower[j] = xb[keep_lo[:, j], j].min()
        else:
            upper[j] = xb[keep_hi[:, j], j].max()
        inside = _in_box(data, lower, upper)
        boxes.append(("peel", lower.copy(), upper.copy()))

    # pasting: extend the last box where that raises density
    if paste_alpha > 0 and len(boxes) > 1:
        while True:
            n_box = int(inside.sum())
            density = y[inside].mean()
            k = max(1, int(np.ceil(paste_alpha * n_box)))
            violations = (data < lower) | (data > upper)
            n_viol = violations.sum(axis=1)
            best_gain, best_move = 0.0, None
            for j in range(d):
                others_ok = (n_viol == 0) | ((n_viol == 1) & violations[:, j])
                for side in (0, 1):
                    if side == 0:
                        cand = others_ok & (data[:, j] < lower[j])
                    else:
                        cand = others_ok & (data[:, j] > upper[j])
                    if not cand.any():
                        continue
                    values = np.sort(data[cand, j])
                    limit = (
                        values[-min(k, len(values))]
                        if side == 0
                        else values[min(k, len(values)) - 1]
                    )
                    if side == 0:
                        added = cand & (data[:, j] >= limit)
                    else:
                        added = cand & (data[:, j] <= limit)
                    new_density = (y[inside].sum() + y[added].sum()) / (n_box + added.sum())
                    if new_density - density > best_gain + 1e-12:
                        best_gain, best_move = new_density - density, (j, side, limit)
            if best_move is None:
                break
            j, side, limit = best_move
            if side == 0:
                lower[j] = limit
            else:
                upper[j] = limit
            inside = _in_box(data, lower, upper)
            boxes.append(("paste", lower.copy(), upper.copy()))

    dmin, dmax = data.min(axis=0), data.max(axis=0)
    lowers = np.array([np.maximum(b[1], dmin) for b in boxes])
    uppers = np.array([np.minimum(b[2], dmax) for b in boxes])
    return [b[0] for b in boxes], lowers, uppers


def _box_stats(
    data: np.ndarray, y: np.ndarray, lowers: np.ndarray, uppers: np.ndarray
) -> dict[str, np.ndarray]:
    """Coverage, density, mass, points, cases and restricted inputs of boxes."""
    dmin, dmax = data.min(axis=0), data.max(axis=0)
    inside = (data[None, :, :] >= lowers[:, None, :]) & (data[None, :, :] <= uppers[:, None, :])
    inside = inside.all(axis=2)  # (boxes, n)
    n_in = inside.sum(axis=1)
    cases_in = (inside & y[None, :]).sum(axis=1)
    return {
        "coverage": cases_in / max(int(y.sum()), 1),
        "density": cases_in / np.maximum(n_in, 1),
        "mass": n_in / len(y),
        "n": n_in,
        "n_cases": cases_in,
        "n_restricted": ((lowers > dmin) | (uppers < dmax)).sum(axis=1),
    }


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
        Share of the box's points added back by each paste.
    mass_min : float
        Peeling stops before a box would hold less than this share of all points. It
        also stops when no peel raises the density; ties between peels are broken as in
        the module docstring (no new restricted input first, then the larger box).
    min_density : float, optional
        Choose the box with the highest coverage at least this dense (see
        :meth:`PrimResult.choose`); default: best harmonic mean of coverage and density.

    Returns
    -------
    PrimResult
        Trajectory and chosen box; call ``.box()`` for the limits and quasi-p values.
    """
    frame, y = _inputs(x, y)
    if not 0 < peel_alpha < 0.5 or not 0 <= paste_alpha < 0.5:
        raise InputError("peel_alpha must be in (0, 0.5) and paste_alpha in [0, 0.5)")
    if not 0 < mass_min < 1:
        raise InputError("mass_min must be in (0, 1)")
    data = frame.to_numpy(float)
    steps, lowers, uppers = _peel_and_paste(data, y, peel_alpha, paste_alpha, mass_min)
    trajectory = pd.DataFrame({"step": steps, **_box_stats(data, y, lowers, uppers)})
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


@dataclass(frozen=True)
class CartResult:
    """Leaves of a classification tree, each as a box.

    Attributes
    ----------
    leaves : pandas.DataFrame
        One row per leaf (index = leaf node id): ``coverage``, ``density``, ``mass``,
        ``n``, ``n_cases``, ``n_restricted``, ``predicted`` (the tree's class), sorted by
        density then coverage.
    boxes : dict of int to Box
        Limits of every leaf.
    """

    leaves: pd.DataFrame
    boxes: dict[int, Box]

    def box(self, leaf: int | None = None) -> Box:
        """A leaf's box (default: the densest leaf predicting the case)."""
        if leaf is None:
            leaf = int(self.leaves.index[0])
        if leaf not in self.boxes:
            raise InputError(f"no leaf {leaf}; leaves: {sorted(self.boxes)}")
        return self.boxes[leaf]


def cart(
    x: pd.DataFrame,
    y: Any,
    *,
    max_depth: int = 4,
    min_samples_leaf: float = 0.05,
    rng: RandomState = 0,
    seed: int | None = None,
) -> CartResult:
    """Scenario discovery with a classification tree (scikit-learn CART).

    Parameters
    ----------
    x : pandas.DataFrame
        Scenario inputs.
    y : array_like of bool
        Case of interest per scenario.
    max_depth : int
        Depth of the tree (boxes restrict at most this many limits).
    min_samples_leaf : float or int
        Smallest leaf, as a share of points (float) or a count (int).
    rng : int, numpy.random.Generator or None
        Random state of the tree (ties between equally good splits); default 0.
    seed : int, optional
        Deprecated alias of ``rng`` (removed in 0.4).

    Returns
    -------
    CartResult
    """
    from sklearn.tree import DecisionTreeClassifier

    frame, y = _inputs(x, y)
    data = frame.to_numpy(float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=min_samples_leaf,
        random_state=library_seed(renamed_seed(rng, seed, "cart")),
    ).fit(data, y)
    t = tree.tree_
    d = data.shape[1]
    dmin, dmax = data.min(axis=0), data.max(axis=0)
    n_total, n_cases_total = len(y), int(y.sum())
    leaf_of = tree.apply(data)
    rows, boxes = [], {}
    stack = [(0, np.full(d, -np.inf), np.full(d, np.inf))]
    while stack:
        node, lo, hi = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left != right:  # split: x <= threshold goes left
            j, thr = t.feature[node], t.threshold[node]
            hi_left = hi.copy()
            hi_left[j] = min(hi[j], thr)
            lo_right = lo.copy()
            lo_right[j] = max(lo[j], thr)
            stack.append((left, lo, hi_left))
            stack.append((right, lo_right, hi))
            continue
        members = leaf_of == node
        n, n_cases = int(members.sum()), int(y[members].sum())
        restricted = [j for j in range(d) if lo[j] > -np.inf or hi[j] < np.inf]
        limit_rows = []
        for j in restricted:
            unit, description = _parameter_info(frame.columns[j])
            values = data[members, j]
            limit_rows.append(
                {
                    "parameter": frame.columns[j],
                    # data limits inside the leaf (split thresholds lie between points)
                    "low": values.min() if lo[j] > -np.inf else dmin[j],
                    "high": values.max() if hi[j] < np.inf else dmax[j],
                    "split_low": lo[j] if lo[j] > -np.inf else np.nan,
                    "split_high": hi[j] if hi[j] < np.inf else np.nan,
                    "min": dmin[j],
                    "max": dmax[j],
                    "unit": unit,
                    "description": description,
                }
            )
        limits = (
            pd.DataFrame(limit_rows).set_index("parameter")
            if limit_rows
            else pd.DataFrame(index=pd.Index([], name="parameter"))
        )
        predicted = bool(tree.classes_[np.argmax(t.value[node][0])])
        stats = {
            "coverage": n_cases / n_cases_total,
            "density": n_cases / max(n, 1),
            "mass": n / n_total,
            "n": n,
            "n_cases": n_cases,
            "n_restricted": len(restricted),
            "predicted": predicted,
        }
        rows.append({"leaf": int(node), **stats})
        boxes[int(node)] = Box(
            limits=limits,
            coverage=stats["coverage"],
            density=stats["density"],
            mass=stats["mass"],
            n=n,
            n_cases=n_cases,
            label=f"CART leaf {node}",
        )
    leaves = (
        pd.DataFrame(rows)
        .set_index("leaf")
        .sort_values(["density", "coverage"], ascending=False, kind="stable")
    )
    return CartResult(leaves=leaves, boxes=boxes)


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
