"""Throughput of the batched engine against calling it one scenario at a time.

Prints scenario·policy·years per second for the batched engine on the bundled world,
the same figure for a loop of single-scenario calls in the same run (the baseline), their
ratio, and peak memory of a batch. Figures depend on the machine and on what else runs on
it: compare the ratio, and re-run on an idle machine before quoting absolute numbers.

Usage::

    python benchmarks/engine.py                 # 2,000 scenarios x 10 presets x 27 years
    python benchmarks/engine.py --quick         # a small smoke run
    python benchmarks/engine.py --chunk 250     # batches of 250 scenarios
    python benchmarks/engine.py --against /tmp/base --repeats 3
        # this checkout against another one (a ``git archive`` or ``git worktree`` of an
        # older commit): the batched timing only, each side in its own process with its
        # ``src`` first on PYTHONPATH, the two alternating; wall and CPU seconds, the load
        # average before each run, and min / median / max of the ratios
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from techbloc.coalitions import Coalition, presets
from techbloc.experiments.design import sample_design
from techbloc.model import kernels, simulate
from techbloc.params import parameter_names
from techbloc.policies import Policy
from techbloc.world import load_world
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far (GB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def batched_seconds(world, design, policies, chunk: int) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of the design run in chunks, without trajectories."""
    start, cpu_start = time.perf_counter(), time.process_time()
    for first in range(0, len(design), chunk):
        simulate(world, design.iloc[first : first + chunk], policies, trajectories=False)
    return time.perf_counter() - start, time.process_time() - cpu_start


def against(args: argparse.Namespace) -> None:
    """Time this checkout and ``args.against`` alternately, each in a fresh process."""
    here = Path(__file__).resolve().parents[1] / "src"
    other = Path(args.against).resolve() / "src"
    if not other.is_dir():
        raise SystemExit(f"--against: {other} is not a directory")
    child = [sys.executable, __file__, "--json", "--scenarios", str(args.scenarios)]
    child += ["--policies", str(args.policies), "--chunk", str(args.chunk)]
    sides = {"this": here, "base": other}
    rows = []
    print(
        f"{args.scenarios} scenarios x {args.policies} presets x 27 years, chunks of "
        f"{args.chunk}; numba threads {os.environ.get('NUMBA_NUM_THREADS', 'default')}; "
        f"this = {here.parent}, base = {other.parent}"
    )
    print(" run  first   load  base wall  this wall  ratio   base CPU   this CPU  ratio")
    for repeat in range(args.repeats):
        order = ["base", "this"] if repeat % 2 == 0 else ["this", "base"]
        got: dict[str, dict[str, float]] = {}
        load = os.getloadavg()[0]
        for side in order:
            env = {**os.environ, "PYTHONPATH": str(sides[side])}
            out = subprocess.run(child, env=env, capture_output=True, text=True, check=True)
            got[side] = json.loads(out.stdout.strip().splitlines()[-1])
        wall = got["base"]["wall"] / got["this"]["wall"]
        cpu = got["base"]["cpu"] / got["this"]["cpu"]
        rows.append((wall, cpu))
        print(
            f"{repeat + 1:4d}  {order[0]:5s} {load:6.2f} {got['base']['wall']:9.2f}s "
            f"{got['this']['wall']:9.2f}s {wall:6.2f}x {got['base']['cpu']:9.2f}s "
            f"{got['this']['cpu']:9.2f}s {cpu:6.2f}x"
        )
    for name, values in (("wall", [r[0] for r in rows]), ("CPU", [r[1] for r in rows])):
        print(
            f"this / base, {name}: min {min(values):.2f}x, median "
            f"{statistics.median(values):.2f}x, max {max(values):.2f}x"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=2000)
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--chunk", type=int, default=250, help="scenarios per batched call")
    parser.add_argument(
        "--single", type=int, default=20, help="scenarios run one at a time for the baseline"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--against", help="another checkout to time against (its src/)")
    parser.add_argument("--repeats", type=int, default=3, help="pairs of runs with --against")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.scenarios, args.policies, args.chunk, args.single = 40, 3, 20, 3
    if args.against:
        against(args)
        return

    world = load_world()
    names = list(presets())[: args.policies]
    policies = [Policy(Coalition.from_preset(n)) for n in names]
    design = sample_design("lhs", parameter_names(uncertain_only=True), args.scenarios, seed=1)
    years = DEFAULT_END_YEAR - DEFAULT_START_YEAR + 1
    # compile (numba) and warm caches outside the timings
    simulate(world, design.iloc[:2], policies, end_year=2026, trajectories=False)

    batched, batched_cpu = batched_seconds(world, design, policies, args.chunk)
    if args.json:  # one side of --against
        print(json.dumps({"wall": batched, "cpu": batched_cpu}))
        return
    batch_rate = args.scenarios * len(policies) / batched

    start = time.perf_counter()
    for row in range(args.single):
        simulate(world, design.iloc[[row]], policies, trajectories=False)
    single = time.perf_counter() - start
    single_rate = args.single * len(policies) / single

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, "
        f"numba kernel: {'yes' if kernels.compiled() else 'no'}"
    )
    print(
        f"batched: {args.scenarios} scenarios x {len(policies)} policies x {years} years "
        f"in chunks of {args.chunk}: {batched:.2f} s"
    )
    print(
        f"  {batch_rate:,.0f} scenario·policy runs/s = "
        f"{batch_rate * years:,.0f} scenario·policy·years/s"
    )
    # CPU time (all threads) moves less than wall time when other processes share the machine
    print(f"  {args.scenarios * len(policies) / batched_cpu:,.0f} runs per CPU-second")
    print(f"one scenario per call ({args.single} calls): {single_rate:,.0f} runs/s")
    print(f"ratio batched / one-at-a-time: {batch_rate / single_rate:.1f}x")
    print(f"peak memory: {peak_rss_gb():.2f} GB")
    trial = pd.DataFrame(index=range(args.chunk))
    before = peak_rss_gb()
    simulate(world, trial, policies, trajectories=True)
    print(f"peak memory after one chunk with trajectories: {max(before, peak_rss_gb()):.2f} GB")


if __name__ == "__main__":
    main()
