"""techbloc's runner against EMA Workbench on the same model, design and seed.

EMA Workbench (2.5.3) calls a Python function once per experiment: here that function wraps
:func:`techbloc.model.simulate` for ONE scenario and ONE policy. Its own sampling is replaced
by techbloc's design (the same Latin hypercube, passed to ``perform_experiments`` as a list
of ``Scenario`` objects, each carrying its global scenario id so the model draws the same
random stream). techbloc runs the same study through :func:`techbloc.experiments.run_study`
(chunks, one vectorized call each, results written to a DuckDB store), in-process.

Both sides get the same number of cores (``--cores``, default 1): with 1, EMA runs its
``SequentialEvaluator`` and techbloc's kernels one numba thread; with 2, EMA runs its
``MultiprocessingEvaluator`` with 2 processes and techbloc 2 numba threads (its Python glue
stays on one). Each size is one study run by both, one after the other; the script checks
that both give the same scalar outcomes for every scenario × policy, and prints experiments
per second for both and one ratio per size. techbloc's study is run ``--repeats`` times (a
fresh store each time), EMA's ``--ema-repeats`` times (default once: at 2,000 scenarios it
takes minutes); each side's wall and CPU seconds (``time.process_time``, every thread of the
process) are printed as min / median / max with the load average, and the ratio is of the
medians. techbloc's CPU is split into the engine's (``run_model``) and what runs around it
(the design's rows, the chunks' tables, the store's writes).

Usage::

    python benchmarks/vs_ema.py                    # 300 and 2,000 scenarios × 2 policies
    python benchmarks/vs_ema.py --quick            # 20 scenarios (smoke test)
    python benchmarks/vs_ema.py --scenarios 300 --cores 2
    python benchmarks/vs_ema.py --scenarios 1000 --years 2024 2050
    python benchmarks/vs_ema.py --scenarios 300 --repeats 5 --ema-repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR


@dataclass(frozen=True)
class Timing:
    """Repeated runs of one side: wall and CPU seconds, and the load average before each."""

    wall: list[float]
    cpu: list[float]
    load: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def describe(self) -> str:
        def spread(values: list[float]) -> str:
            low, mid, high = min(values), statistics.median(values), max(values)
            return f"{low:.2f} / {mid:.2f} / {high:.2f}"

        return (
            f"wall s {spread(self.wall)}, CPU s {spread(self.cpu)} (min / median / max of "
            f"{len(self.wall)}; load {min(self.load):.2f}-{max(self.load):.2f})"
        )


def timed(run, repeats: int) -> tuple[Timing, object]:
    """Call ``run()`` ``repeats`` times: its timing and its last result."""
    wall, cpu, load = [], [], []
    result = None
    for _ in range(repeats):
        load.append(os.getloadavg()[0])
        began, began_cpu = time.perf_counter(), time.process_time()
        result = run()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return Timing(wall, cpu, load), result


def run_ema(
    study,
    world,
    policies,
    design: pd.DataFrame,
    outcome_names: list[str],
    cores: int,
    repeats: int = 1,
) -> tuple[pd.DataFrame, Timing]:
    """The study through EMA Workbench: one Python call per scenario × policy, on ``cores``
    processes (1: ``SequentialEvaluator``), ``repeats`` times."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (
            IntegerParameter,
            Model,
            MultiprocessingEvaluator,
            Policy,
            RealParameter,
            ScalarOutcome,
            Scenario,
            SequentialEvaluator,
        )
    from techbloc.model import simulate
    from techbloc.params import get_parameter

    names = list(design.columns)

    def one_experiment(scenario_id: int, policy_index: int, **values: float) -> dict:
        frame = pd.DataFrame([values], index=pd.Index([int(scenario_id)], name="scenario"))
        ds = simulate(
            world,
            frame[names],
            [policies[int(policy_index)]],
            start_year=study.years.start,
            end_year=study.years.end,
            seed=study.seed,
            trajectories=False,
        )
        return {name: float(ds[name].values[0, 0]) for name in outcome_names}

    model = Model("techbloc", function=one_experiment)
    model.uncertainties = [IntegerParameter("scenario_id", 0, max(1, len(design) - 1))] + [
        RealParameter(n, get_parameter(n).low, get_parameter(n).high) for n in names
    ]
    model.levers = [IntegerParameter("policy_index", 0, max(1, len(policies) - 1))]
    model.outcomes = [ScalarOutcome(n) for n in outcome_names]
    scenarios = [
        Scenario(f"s{sid}", scenario_id=int(sid), **{n: float(v) for n, v in row.items()})
        for sid, row in design.iterrows()
    ]
    ema_policies = [Policy(p.label, policy_index=i) for i, p in enumerate(policies)]
    first = design.iloc[0]
    one_experiment(int(design.index[0]), 0, **first.to_dict())  # warm-up, as techbloc's
    evaluator_type = (
        SequentialEvaluator
        if cores == 1
        else functools.partial(MultiprocessingEvaluator, n_processes=cores)
    )

    def run():
        with evaluator_type(model) as evaluator:
            return evaluator.perform_experiments(scenarios=scenarios, policies=ema_policies)

    timing, (experiments, outcomes) = timed(run, repeats)
    frame = pd.DataFrame(
        {
            "scenario": experiments["scenario_id"].astype("int64").to_numpy(),
            "policy": [policies[int(i)].label for i in experiments["policy_index"]],
            **{n: np.asarray(outcomes[n], dtype=float) for n in outcome_names},
        }
    )
    return frame, timing


def one_size(n: int, args: argparse.Namespace) -> tuple[Timing, Timing, bool]:
    """One study of ``n`` scenarios through techbloc then EMA; their timings and agreement."""
    from techbloc.experiments import ResultsStore, Study, run_study

    study = Study(
        name="vs-ema",
        policies=[{"preset": "forging_core"}, {"preset": "forging_core+KOR"}],
        scenarios=n,
        years={"start": args.years[0], "end": args.years[1]},
        seed=args.seed,
    )
    world = study.load_world()
    policies = study.check_world(world)
    design = study.design_table()
    print(
        f"\n{n} scenarios × {len(policies)} policies, {args.years[0]}-{args.years[1]}, "
        f"{design.shape[1]} parameters varied, seed {args.seed}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        # warm-up (imports, world, compiled kernels), not timed
        run_study(study, f"{tmp}/warm", max_chunks=1, chunk_size=2)
        stores = iter(range(args.repeats))
        with engine_clock() as engine_cpu:
            ours_timing, out = timed(
                lambda: run_study(study, f"{tmp}/store-{next(stores)}", executor="local"),
                args.repeats,
            )
        with ResultsStore.open(out.directory) as store:
            ours = store.outcomes()
    outcome_names = [c for c in ours.columns if c not in ("scenario", "policy")]

    theirs, ema_timing = run_ema(
        study, world, policies, design, outcome_names, args.cores, args.ema_repeats
    )
    theirs = (
        theirs.set_index(["scenario", "policy"])
        .loc[list(zip(ours["scenario"], ours["policy"], strict=True))]
        .reset_index()
    )
    ours_values = ours[outcome_names].to_numpy(dtype=float)
    theirs_values = theirs[outcome_names].to_numpy(dtype=float)
    both_nan = np.isnan(ours_values) & np.isnan(theirs_values)
    diff = np.where(both_nan, 0.0, np.abs(ours_values - theirs_values))
    scale = np.maximum(np.abs(ours_values), 1e-12)
    worst = float(np.nanmax(diff / scale))
    agree = np.allclose(ours_values, theirs_values, rtol=1e-9, atol=1e-12, equal_nan=True)

    experiments = n * len(policies)
    ours_rate = experiments / ours_timing.median
    ema_rate = experiments / ema_timing.median
    evaluator = "SequentialEvaluator" if args.cores == 1 else f"{args.cores} processes"
    print(
        f"outcomes agree: {agree} ({len(outcome_names)} scalar outcomes, "
        f"{experiments} experiments, worst relative difference {worst:.2e})"
    )
    print(
        f"EMA Workbench ({evaluator}): {ema_timing.median:8.2f} s  {ema_rate:10,.1f} exp/s\n"
        f"  {ema_timing.describe()}"
    )
    print(
        f"techbloc run_study ({args.cores} numba thread{'s' if args.cores > 1 else ''}): "
        f"{ours_timing.median:8.2f} s  {ours_rate:10,.1f} exp/s (includes writing the DuckDB "
        f"store)\n  {ours_timing.describe()}"
    )
    engine = sum(engine_cpu) / args.repeats
    around = statistics.mean(ours_timing.cpu) - engine
    print(
        f"  of techbloc's CPU s a run (means): the engine (run_model) {engine:.3f}, around it "
        f"(design rows, tables, store) {around:.3f}"
    )
    print(f"speed-up: {ours_rate / ema_rate:,.0f}x")
    return ema_timing, ours_timing, agree


@contextlib.contextmanager
def engine_clock():
    """CPU seconds spent in the engine (``run_model``) while the block runs, call by call."""
    from techbloc.model import dataset

    spent: list[float] = []
    run_model = dataset.run_model

    def clocked(*args, **kwargs):
        began = time.process_time()
        try:
            return run_model(*args, **kwargs)
        finally:
            spent.append(time.process_time() - began)

    dataset.run_model = clocked
    try:
        yield spent
    finally:
        dataset.run_model = run_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 scenarios (smoke test)")
    parser.add_argument("--scenarios", type=int, nargs="+", default=[300, 2000])
    parser.add_argument(
        "--cores",
        type=int,
        default=1,
        help="cores on each side: EMA's processes and techbloc's numba threads (default 1)",
    )
    parser.add_argument(
        "--years", type=int, nargs=2, default=(DEFAULT_START_YEAR, DEFAULT_END_YEAR)
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--repeats", type=int, default=3, help="techbloc's runs per size (default 3)"
    )
    parser.add_argument(
        "--ema-repeats", type=int, default=1, help="EMA Workbench's runs per size (default 1)"
    )
    args = parser.parse_args()
    sizes = [20] if args.quick else args.scenarios
    logging.getLogger("EMA").setLevel(logging.WARNING)
    os.environ.setdefault("TQDM_DISABLE", "1")  # EMA's per-experiment progress bar
    import numba

    numba.set_num_threads(args.cores)  # techbloc's kernels (NUMBA_NUM_THREADS caps it)
    print(
        f"{args.cores} core(s) each side: EMA Workbench "
        + ("SequentialEvaluator" if args.cores == 1 else f"MultiprocessingEvaluator({args.cores})")
        + f", techbloc {numba.get_num_threads()} numba thread(s); {os.cpu_count()} CPUs"
    )
    rows = [(n, *one_size(n, args)) for n in sizes]
    print(
        "\n(medians; CPU seconds count every thread of the process)"
        "\n scenarios    EMA s  EMA CPU s  techbloc s  techbloc CPU s   ratio  CPU ratio  agree"
    )
    for n, ema, ours, agree in rows:
        ema_cpu, ours_cpu = statistics.median(ema.cpu), statistics.median(ours.cpu)
        print(
            f"{n:10,d} {ema.median:8.2f} {ema_cpu:10.2f} {ours.median:11.2f} {ours_cpu:15.2f} "
            f"{ema.median / ours.median:6.0f}x {ema_cpu / ours_cpu:9.0f}x  {agree}"
        )
    if not all(row[3] for row in rows):
        raise SystemExit("outcomes differ")


if __name__ == "__main__":
    main()
