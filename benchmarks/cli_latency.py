"""How long a user waits for a one-future ``techbloc evaluate``, first and second run.

Times whole processes (``subprocess`` and the wall clock, plus the CPU time the process
used, which other work on the machine changes less) of::

    techbloc evaluate -p forging_core --scenarios 1

- **first run**: numba's cache emptied (``NUMBA_CACHE_DIR`` pointed at a fresh temporary
  directory), so the process compiles the model's kernels;
- **second run**: the same cache directory again, so the kernels load from it.

Each is repeated (a fresh cache for each first run) and printed as min / median / max.
The second run's median is the figure to quote against the target of 2 s; the spread shows
what else ran on the machine (the load average is printed before and after).

Usage::

    python benchmarks/cli_latency.py               # 3 repeats
    python benchmarks/cli_latency.py --repeat 5
    python benchmarks/cli_latency.py --quick       # 1 repeat, for a smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ["evaluate", "-p", "forging_core", "--scenarios", "1"]


def techbloc_command() -> list[str]:
    """The CLI of this Python environment (the console script, else ``python -c``)."""
    script = Path(sys.executable).with_name("techbloc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from techbloc.cli import main; main()"]


def run_once(cache: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and stderr of one CLI process using numba cache ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [*techbloc_command(), *COMMAND],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"techbloc {' '.join(COMMAND)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stderr


def spread(values: list[float]) -> str:
    """``min / median / max`` in seconds."""
    return " / ".join(f"{v:.2f}" for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind")
    parser.add_argument("--quick", action="store_true", help="one run of each kind")
    args = parser.parse_args()
    repeat = 1 if args.quick else max(1, args.repeat)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average before: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"command: techbloc {' '.join(COMMAND)} (whole process, {repeat} runs of each)")
    first: dict[str, list[float]] = {"wall": [], "cpu": []}
    second: dict[str, list[float]] = {"wall": [], "cpu": []}
    said_first = said_second = 0
    for _ in range(repeat):
        cache = Path(tempfile.mkdtemp(prefix="techbloc-numba-"))
        try:
            wall, cpu, err = run_once(cache)
            first["wall"].append(wall)
            first["cpu"].append(cpu)
            said_first += "compiling the model's kernels" in err
            wall, cpu, err = run_once(cache)
            second["wall"].append(wall)
            second["cpu"].append(cpu)
            said_second += "compiling the model's kernels" in err
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    print("                 wall s min / median / max   CPU s min / median / max")
    for name, runs in (("first (compiles)", first), ("second (cached)", second)):
        print(f"{name:<17} {spread(runs['wall']):>28}   {spread(runs['cpu']):>24}")
    print(
        f"compile message printed: first runs {said_first}/{repeat}, "
        f"second runs {said_second}/{repeat}"
    )
    ratio = statistics.median(first["wall"]) / statistics.median(second["wall"])
    print(f"ratio first / second (median wall): {ratio:.1f}x")
    print("load average after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
