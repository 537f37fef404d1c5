"""The resource budget's constants, measured, and its estimate against measured runs.

Each run is ``run_study`` in a fresh child process (in-process executor, as ``techbloc
explore`` by default); its peak resident memory is the child's ``ru_maxrss`` and its disk
the size of the store it leaves. First the constants of :mod:`techbloc.experiments.budget`
are measured (printed beside the values the module uses), then three study sizes are run
and the estimate is printed against what was measured.

    python benchmarks/budget.py            # about 10 minutes on 2 busy CPUs
    python benchmarks/budget.py --quick    # smaller sizes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

CHILD = r"""
import json, resource, sys, time
from techbloc.experiments.runner import run_study
from techbloc.experiments.study import Study
spec, out, chunk = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
began = time.perf_counter()
run_study(Study.from_dict(spec), out, chunk_size=chunk or None)
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rss": peak, "seconds": seconds}))
"""
PRESETS = ["forging_core", "quad", "g7", "nato", "d10", "t12", "five_eyes", "aukus", "chip4"]
MiB = 2**20


def study(n: int, policies: int, years: int, trajectories: bool) -> dict:
    return {
        "name": "budget",
        "policies": [{"preset": p} for p in PRESETS[:policies]],
        "scenarios": n,
        "years": {"start": 2024, "end": 2024 + years - 1},
        "outputs": {"trajectories": trajectories},
    }


def measure(spec: dict, chunk: int | None = None) -> dict:
    """Peak RSS (bytes), store size (bytes) and seconds of one run in a child process."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "store"
        done = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(spec), str(out), str(chunk or 0)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
            check=False,
        )
        if done.returncode:
            raise RuntimeError(done.stderr[-2000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["disk"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return result


def design_peak(n: int) -> tuple[float, float]:
    """tracemalloc peak of drawing a design of ``n`` and of ``n // 5`` scenarios: bytes per
    scenario and varied parameter at ``n``, and the marginal bytes between the two."""
    import tracemalloc

    from techbloc.experiments.study import Study

    peaks = []
    for size in (n // 5, n):
        spec = Study.from_dict(study(size, 1, 2, False))
        tracemalloc.start()
        spec.design_table()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    columns = len(spec.varied())
    return peaks[1] / (n * columns), (peaks[1] - peaks[0]) / ((n - n // 5) * columns)


def main() -> None:
    from techbloc.experiments import budget
    from techbloc.experiments.budget import estimate_study, format_bytes

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    k = 4 if args.quick else 1

    print("constants (measured | used by techbloc.experiments.budget)")
    base = measure(study(1, 1, 2, False), 1)
    mib = budget.BASE_MEMORY / MiB
    print(f"  BASE_MEMORY          {base['rss'] / MiB:8.0f} MiB | {mib:.0f} MiB")
    mib = budget.DISK_BASE / MiB
    print(f"  DISK_BASE            {base['disk'] / MiB:8.2f} MiB | {mib:.2f} MiB")
    peak, marginal = design_peak(100_000 // k)
    print(
        f"  DESIGN_PEAK_BYTES    {marginal:8.1f} B   | {budget.DESIGN_PEAK_BYTES} B"
        f"  (marginal; {peak:.1f} B per unit at {100_000 // k:,} scenarios)"
    )
    n, p, y = 1200 // k, 3, 10
    small, large = 200 // k, 1200 // k
    pairs = (large - small) * (p + 1)
    plain = [measure(study(n, p, y, False), c) for c in (small, large)]
    per_pair = (plain[1]["rss"] - plain[0]["rss"]) / pairs
    kib = budget.PAIR_MEMORY / 1024
    print(f"  PAIR_MEMORY          {per_pair / 1024:8.1f} KiB | {kib:.0f} KiB")
    traj = [measure(study(n, p, y, True), c) for c in (small, large)]
    per_year = ((traj[1]["rss"] - traj[0]["rss"]) / pairs - per_pair) / y
    print(f"  TRAJECTORY_MEMORY    {per_year:8.0f} B   | {budget.TRAJECTORY_MEMORY} B")
    one = measure(study(n, 1, y, False), small)
    per_pair_disk = (plain[0]["disk"] - one["disk"]) / (n * (p - 1))
    per_scenario_disk = (one["disk"] - base["disk"]) / n - per_pair_disk
    per_traj_disk = (traj[0]["disk"] - plain[0]["disk"]) / (n * p * y)
    print(f"  DISK_PER_SCENARIO    {per_scenario_disk:8.0f} B   | {budget.DISK_PER_SCENARIO} B")
    print(f"  DISK_PER_PAIR        {per_pair_disk:8.0f} B   | {budget.DISK_PER_PAIR} B")
    print(f"  DISK_PER_TRAJECTORY  {per_traj_disk:8.0f} B   | {budget.DISK_PER_TRAJECTORY} B")
    units = n * (p + 1) * y
    print(
        f"  RATE                 {units / plain[0]['seconds']:8.0f}     | {budget.RATE:.0f}"
        f"  (scenario · policy · years per second, status quo included, start-up included)"
    )
    print(
        f"  RATE_TRAJECTORIES    {units / traj[0]['seconds']:8.0f}     | "
        f"{budget.RATE_TRAJECTORIES:.0f}"
    )

    print("\nestimate against measured (default chunk size, in-process)")
    header = ("study", "memory est.", "measured", "disk est.", "measured")
    print("  {:48s} {:>12s} {:>10s} {:>11s} {:>10s}".format(*header))
    sizes = [(20_000 // k, 2, 5, False), (4_000 // k, 5, 27, False), (1_500 // k, 4, 27, True)]
    for n, p, y, trajectories in sizes:
        estimate = estimate_study(n, p, y, trajectories=trajectories)
        got = measure(study(n, p, y, trajectories))
        label = f"{n:,} scenarios × {p} policies × {y} years" + (" + traj." if trajectories else "")
        print(
            f"  {label:48s} {format_bytes(estimate.memory):>12s} {format_bytes(got['rss']):>10s} "
            f"{format_bytes(estimate.disk):>11s} {format_bytes(got['disk']):>10s}"
            f"   (ratios {estimate.memory / got['rss']:.2f}, {estimate.disk / got['disk']:.2f};"
            f" {got['seconds']:.0f} s, estimated {estimate.seconds:.0f} s)"
        )


if __name__ == "__main__":
    main()
