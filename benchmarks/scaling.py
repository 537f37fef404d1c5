"""techbloc study scaling: wall time and peak memory for 10k, 100k and 1M scenarios.

Each size runs in a fresh child process (so peak memory is that run's own), as a full study
(2 policies, 2024-2050, Latin hypercube over every uncertain parameter, scalars only) into a
temporary results store, and prints scenarios, seconds, seconds per 1,000 scenarios (flat
when time is linear), experiments per second and peak resident memory
(``resource.getrusage``: the run's process, and its worker processes), with each size's
peak and time per 1,000 as a ratio to the first size's. The design is drawn per chunk, so
peak memory should not grow with the number of scenarios; the load average is printed
before and after (the machine is shared).

Usage::

    python benchmarks/scaling.py                  # 10k, 100k, 1M (1M: ~25 CPU-minutes)
    python benchmarks/scaling.py --quick          # 200 and 1,000 (smoke test)
    python benchmarks/scaling.py --sizes 10000 100000 300000
    python benchmarks/scaling.py --sizes 10000 --executor processes --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
from techbloc.experiments import Study, run_study

n, out, executor, workers, chunk = sys.argv[1:6]
study = Study(
    name="scaling",
    policies=[{"preset": "forging_core"}, {"preset": "forging_core+KOR"}],
    scenarios=int(n), seed=1,
)
began = time.perf_counter()
summary = run_study(study, out, executor=executor, workers=int(workers) or None,
                    chunk_size=int(chunk) or None)
seconds = time.perf_counter() - began
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"scenarios": int(n), "seconds": seconds, "status": summary.status,
                  "experiments": int(n) * 2, "peak_mb_main": own, "peak_mb_worker": kids}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--sizes", type=int, nargs="*", help="scenario counts")
    parser.add_argument("--executor", default="local", choices=["local", "processes", "dask"])
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=0)
    args = parser.parse_args()
    sizes = args.sizes or ([200, 1000] if args.quick else [10_000, 100_000, 1_000_000])
    print(
        f"executor={args.executor} workers={args.workers or 'auto'} "
        f"chunk={args.chunk_size or 'auto'}; 2 policies, 2024-2050, scalars only; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'scenarios':>10} {'seconds':>9} {'s/1k':>7} {'exp/s':>9} {'peak MB main':>13} "
        f"{'peak MB worker':>15} {'peak ratio':>11} {'s/1k ratio':>11}"
    )
    first: dict[str, float] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    str(n),
                    f"{tmp}/store",
                    args.executor,
                    str(args.workers),
                    str(args.chunk_size),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        if proc.returncode:
            print(proc.stderr[-3000:])
            raise SystemExit(proc.returncode)
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rate = row["experiments"] / row["seconds"]
        per_1k = row["seconds"] / n * 1000
        peak = max(row["peak_mb_main"], row["peak_mb_worker"])
        first = first or {"peak": peak, "per_1k": per_1k}
        worker = f"{row['peak_mb_worker']:.0f}" if row["peak_mb_worker"] else "-"
        print(
            f"{n:>10,} {row['seconds']:>9.1f} {per_1k:>7.2f} {rate:>9,.0f} "
            f"{row['peak_mb_main']:>13.0f} {worker:>15} {peak / first['peak']:>11.3f} "
            f"{per_1k / first['per_1k']:>11.3f}",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
