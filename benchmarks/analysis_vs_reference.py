"""techbloc's analyses beside their reference implementations, on the same data.

Prints, for the differences of issue 9:

1. Sobol (Ishigami), given-data and Morris: the indices of two identical calls at the
   default seed, and how far apart they are.
2. PRIM on Bryant & Lempert's (2010) biofuel data, as shipped with EMA Workbench
   (``ema_workbench/examples/data/bryant et al 2010 data.csv``: 882 runs, 9 inputs, case
   = "Greater than 90%"), at ``peel_alpha`` 0.05 and 0.1, against EMA Workbench's
   ``Prim`` (threshold 0.8, as in its ``sd_prim_bryant_and_lempert.py`` example):
   peeling steps, steps where several candidate peels tie on the objective, inputs
   restricted at step 2, the densest box, the largest quasi-p value of the default box.
3. PRIM steps whose box is not denser than the one before (peels taken although no
   peel improves density).
4. PRIM resampling beside EMA Workbench's ``PrimBox.resample`` (half subsamples, 50
   iterations each; random, so the shares agree only roughly).
5. PRIM with pasting on synthetic data (400 points, 4 inputs, a box in two of them, 10%
   label noise; 20 seeds), and on 100 half subsamples of one of them: whole trajectories
   (coverage, density, mass), box limits and the last box's quasi-p values beside EMA
   Workbench's, and how many pastes each took.
6. Sampled Shapley values of a 20-member coalition (19 players besides the USA) on the
   static game at the CLI's default 50 scenarios: seconds for 200 and 2,000 permutations
   and the coalitions evaluated.

Needs ``pip install -e ".[bench]"`` (EMA Workbench) for the PRIM comparison. Usage::

    python benchmarks/analysis_vs_reference.py
    python benchmarks/analysis_vs_reference.py --shapley   # section 6 only
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def ishigami(x: np.ndarray) -> np.ndarray:
    """Ishigami function with the usual a = 7, b = 0.1 (Ishigami & Homma 1990)."""
    return np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def sensitivity_repeat() -> None:
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    from techbloc.analysis.sensitivity import given_data_indices, morris_indices, sobol_indices

    spec = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = sobol_sample.sample(spec, 1024, calc_second_order=False, seed=3)
    y = ishigami(x)
    first, second = (sobol_indices(y, spec, x=x) for _ in range(2))
    print("1a. Sobol, Ishigami, N=1024, two identical calls at the default seed")
    print(pd.concat({"call 1": first, "call 2": second}, axis=1).round(4).to_string())
    print(
        f"    largest |difference| of S1_conf: "
        f"{(first['S1_conf'] - second['S1_conf']).abs().max():.4f}, "
        f"of ST_conf: {(first['ST_conf'] - second['ST_conf']).abs().max():.4f}"
    )

    rng = np.random.default_rng(0)
    xr = rng.uniform(-np.pi, np.pi, size=(2000, 3))
    yr = ishigami(xr)
    runs = [given_data_indices(xr, yr, spec).loc["x1", "S1"] for _ in range(3)]
    print(
        "1b. given-data S1 of x1 (2,000 uniform points), three identical calls: "
        + ", ".join(f"{v:.4f}" for v in runs)
    )

    xm = morris_sample.sample(spec, 50, num_levels=4, seed=2)
    ym = ishigami(xm)
    m1, m2 = (morris_indices(xm, ym, spec) for _ in range(2))
    print(
        "1c. Morris mu_star_conf, two identical calls: "
        f"largest |difference| {(m1['mu_star_conf'] - m2['mu_star_conf']).abs().max():.4g}"
    )


def bryant_lempert() -> tuple[pd.DataFrame, np.ndarray] | None:
    spec = importlib.util.find_spec("ema_workbench")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "examples" / "data" / "bryant et al 2010 data.csv"
    if not path.exists():
        return None
    data = pd.read_csv(path, index_col=False)
    x = data.iloc[:, 2:11]
    y = data.iloc[:, 15].to_numpy()
    return x, y


def candidate_gains(x: np.ndarray, y: np.ndarray, inside: np.ndarray, alpha: float) -> np.ndarray:
    """Lenient gains of the 2 d peels of a box (quantiles as techbloc's peel)."""
    xb, yb = x[inside], y[inside]
    m, mean = len(yb), yb.mean()
    q_lo = np.quantile(xb, alpha, axis=0, method="lower")
    q_hi = np.quantile(xb, 1 - alpha, axis=0, method="higher")
    keep = np.concatenate([xb > q_lo, xb < q_hi], axis=1)
    counts = keep.sum(axis=0)
    cases = (keep & yb[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (cases / counts - mean) / (m - counts), -np.inf)


def not_denser(t: pd.DataFrame) -> int:
    """Steps of the trajectory whose box is not denser than the box before it."""
    return int((np.diff(t["density"].to_numpy()) <= 0).sum())


def prim_comparison() -> None:
    from techbloc.analysis.prim_discovery import prim

    loaded = bryant_lempert()
    if loaded is None:
        print("2. PRIM: EMA Workbench (and its Bryant & Lempert data) not installed; skipped")
        return
    x, y = loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema_prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    data, flags = x.to_numpy(float), y.astype(bool)
    print(
        f"2. PRIM on Bryant & Lempert (2010): {len(y)} runs, {x.shape[1]} inputs, "
        f"{int(flags.sum())} cases"
    )
    for alpha in (0.05, 0.1):
        result = prim(x, flags, peel_alpha=alpha)
        t = result.trajectory
        peels = t[t.step == "peel"]
        ties = 0
        for k in range(len(peels)):
            inside = ((data >= result.lower[k]) & (data <= result.upper[k])).all(axis=1)
            gains = candidate_gains(data, flags, inside, alpha)
            best = gains.max()
            ties += int((np.abs(gains - best) <= 1e-12 * max(1.0, abs(best))).sum() > 1)
        box = result.box()
        qp = box.limits[["qp_low", "qp_high"]].max(axis=1)
        step2 = sorted(result.box(2).limits.index) if len(t) > 2 else []
        print(
            f"  techbloc, peel_alpha {alpha}: {len(peels)} peels, {len(t) - 1 - len(peels)} "
            f"pastes; ties in {ties} of {len(peels)} steps; restricted at step 2: {step2}; "
            f"densest box {t['density'].max():.4f}; steps not raising density {not_denser(t)}; "
            f"default box {result.chosen} (density {box.density:.4f}, coverage "
            f"{box.coverage:.4f}) largest quasi-p {qp.max():.3g}"
        )

        p = ema_prim.Prim(x, y, threshold=0.8, peel_alpha=alpha)
        ema_box = p.find_box()
        et = ema_box.peeling_trajectory
        lims = ema_box.box_lims[2] if len(ema_box.box_lims) > 2 else None
        ema_step2 = (
            sorted(c for c in x.columns if not (lims[c] == ema_box.box_lims[0][c]).all())
            if lims is not None
            else []
        )
        cur = ema_box._cur_box
        ema_qp = max((max(v) for v in ema_box.qp[cur].values()), default=float("nan"))
        print(
            f"  EMA Workbench, peel_alpha {alpha}: {len(et) - 1} steps; restricted at "
            f"step 2: {ema_step2}; densest box {et['density'].max():.4f}; steps not "
            f"raising density {not_denser(et)}; last box {cur} "
            f"(density {et['density'].iloc[-1]:.4f}, "
            f"coverage {et['coverage'].iloc[-1]:.4f}) largest quasi-p {ema_qp:.3g}"
        )
        ours = t[["coverage", "density"]].to_numpy()
        theirs = et[["coverage", "density"]].to_numpy()
        k = min(len(ours), len(theirs))
        same = np.isclose(ours[:k], theirs[:k], rtol=0, atol=1e-12).all(axis=1)
        first = int(np.argmin(same)) if not same.all() else k
        print(
            f"  same (coverage, density) as EMA Workbench on the first {first} of {len(ours)} "
            f"(ours) / {len(theirs)} (EMA) boxes"
        )


def resampling_comparison() -> None:
    from techbloc.analysis.prim_discovery import prim

    loaded = bryant_lempert()
    result_type = importlib.import_module("techbloc.analysis.prim_discovery").PrimResult
    if loaded is None or not hasattr(result_type, "resample"):
        return
    x, y = loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema_prim
    result = prim(x, y.astype(bool), peel_alpha=0.1)
    box = len(result.trajectory) - 1  # EMA's current box: the last one
    ours = result.resample(50, fraction=0.5, replace=False, rng=1).inputs(box)
    np.random.seed(1)  # EMA Workbench's resample draws from numpy's global state
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ema_box = ema_prim.Prim(x, y, threshold=0.8, peel_alpha=0.1).find_box()
        theirs = ema_box.resample(box, iterations=50) / 100
    table = ours[["restricted", "by_coverage", "by_density"]].join(
        theirs.rename(
            columns={"reproduce coverage": "EMA by_coverage", "reproduce density": "EMA by_density"}
        )
    )
    print(f"4. PRIM resampling of box {box} (peel_alpha 0.1), 50 half subsamples each")
    print(table.round(2).to_string())


def synthetic_box(seed: int, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    """Cases in ``0.3 < a < 0.8, b < 0.6`` of four uniform inputs, 10% of labels flipped."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 4)), columns=list("abcd"))
    y = ((x.a > 0.3) & (x.a < 0.8) & (x.b < 0.6)).to_numpy() ^ (rng.random(n) < 0.1)
    return x, y


def same_as_ema(x: pd.DataFrame, y: np.ndarray, ema_prim) -> tuple[bool | None, int, int, float]:
    """Whether techbloc's PRIM trajectory and limits are EMA Workbench's (None when EMA's
    last box misses its 0.8 density threshold: EMA then returns only its start box); pastes
    of each; largest relative difference of the last box's quasi-p values."""
    from techbloc.analysis.prim_discovery import prim

    ours = prim(x, y, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
    box = ema_prim.Prim(x, y, threshold=0.8, peel_alpha=0.05, paste_alpha=0.05).find_box()
    t, et = ours.trajectory, box.peeling_trajectory
    a = t[["coverage", "density", "mass"]].to_numpy()
    b = et[["coverage", "density", "mass"]].to_numpy()
    peels = int((t.step == "peel").sum())
    if len(b) == 1 and len(a) > 1:
        return None, int((t.step == "paste").sum()), 0, float("nan")
    same = a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-12)
    if same:
        for k in range(len(a)):
            lims = box.box_lims[k]
            lo = lims.loc[0, x.columns].to_numpy(float)
            hi = lims.loc[1, x.columns].to_numpy(float)
            same &= np.allclose(lo, ours.lower[k]) and np.allclose(hi, ours.upper[k])
    qp_gap = float("nan")
    if same:
        last = len(t) - 1
        ours_qp = ours.box(last).limits[["qp_low", "qp_high"]]
        theirs = box.qp[last]
        gaps = [
            abs(ours_qp.loc[name, col] - value) / value
            for name, (low, high) in theirs.items()
            for col, value in (("qp_low", low), ("qp_high", high))
            if value > 0 and np.isfinite(ours_qp.loc[name, col])
        ]
        qp_gap = max(gaps, default=0.0)
    return same, int((t.step == "paste").sum()), len(b) - 1 - peels, qp_gap


def pasting_comparison() -> None:
    if importlib.util.find_spec("ema_workbench") is None:
        print("5. PRIM with pasting: EMA Workbench not installed; skipped")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema_prim
    logging.getLogger("EMA").setLevel(logging.ERROR)
    rows = [same_as_ema(*synthetic_box(seed), ema_prim) for seed in range(20)]
    rows = [r for r in rows if r[0] is not None]
    print(
        f"5a. PRIM with pasting, 20 synthetic cases: trajectories and limits identical to "
        f"EMA Workbench in {sum(bool(r[0]) for r in rows)} of {len(rows)}; pastes techbloc "
        f"{min(r[1] for r in rows)}-{max(r[1] for r in rows)}, EMA "
        f"{min(r[2] for r in rows)}-{max(r[2] for r in rows)}; largest relative quasi-p "
        f"difference {np.nanmax([r[3] for r in rows]):.2g}"
    )
    x, y = synthetic_box(1)
    rng = np.random.default_rng(7)
    verdicts = []
    for _ in range(100):
        half = np.sort(rng.choice(len(y), len(y) // 2, replace=False))
        verdicts.append(same_as_ema(x.iloc[half].reset_index(drop=True), y[half], ema_prim)[0])
    compared = [v for v in verdicts if v is not None]
    print(
        f"5b. 100 half subsamples of case 1: identical to EMA Workbench in {sum(compared)} of "
        f"{len(compared)} ({len(verdicts) - len(compared)} where EMA's box missed its density "
        "threshold and EMA kept only its start box)"
    )


def shapley_timing() -> None:
    import time

    from techbloc.analysis.shapley import model_game, shapley_sampled
    from techbloc.experiments.design import sample_design
    from techbloc.params import parameter_names
    from techbloc.world import load_world

    world = load_world()
    scenarios = sample_design("lhs", parameter_names(uncertain_only=True), 50, 0)
    members = [
        "USA",
        "CAN",
        "GBR",
        "AUS",
        "NZL",
        "JPN",
        "KOR",
        "TWN",
        "ISR",
        "IND",
        "SGP",
        "FRA",
        "DEU",
        "ITA",
        "NLD",
        "ESP",
        "SWE",
        "POL",
        "NOR",
        "FIN",
    ]
    game, players = model_game(world, scenarios, members)
    calls = []

    def counted(masks: np.ndarray) -> dict[str, np.ndarray]:
        calls.append(len(masks))
        return game(masks)

    counted(np.zeros((1, len(players)), bool))  # warm-up (compiled kernels), not timed
    print(f"6. sampled Shapley, {len(members)} members ({len(players)} players), 50 scenarios")
    for n_permutations in (200, 2000):
        calls.clear()
        began, cpu = time.perf_counter(), time.process_time()
        shapley_sampled(counted, players, n_permutations=n_permutations)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(
            f"  {n_permutations:5d} permutations: {seconds:6.2f} s ({cpu:.2f} s CPU), "
            f"{sum(calls):,} coalitions evaluated "
            f"({n_permutations * (len(players) + 1):,} prefixes)"
        )


def main() -> None:
    if "--shapley" in sys.argv:
        shapley_timing()
        return
    sensitivity_repeat()
    prim_comparison()
    resampling_comparison()
    pasting_comparison()
    shapley_timing()


if __name__ == "__main__":
    main()
