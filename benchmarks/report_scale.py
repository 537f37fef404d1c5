"""How long ``techbloc report`` takes, and how much memory, as a study grows.

For each size, a study of 2 policies (``forging_core``, ``forging_core+KOR``), 2024-2050,
scalars only (``--trajectories``: with every year's outputs), is run once into ``--stores``
(kept there, so later runs reuse it), then ``techbloc report STORE`` runs as a whole
process: wall seconds, and the peak memory of the process tree (the report, its worker and
the browser that prints the PDF, as proportional set sizes, sampled every 50 ms) and the
peak resident memory of its largest process.
``--against DIR`` runs another checkout's ``src`` on the same stores, the two alternating,
so each line pair shares the machine's state.

Usage::

    python benchmarks/report_scale.py --sizes 20000 100000
    python benchmarks/report_scale.py --sizes 100000 --against /tmp/base --repeats 2
    python benchmarks/report_scale.py --sizes 20000 --trajectories
    python benchmarks/report_scale.py --quick      # 500 futures, for a smoke test
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICIES = [{"preset": "forging_core"}, {"preset": "forging_core+KOR"}]


def study_store(size: int, stores: Path, trajectories: bool) -> Path:
    """The store of the ``size``-future study, run now unless ``stores`` holds it."""
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    directory = stores / f"report-scale-{size}{'-trajectories' * trajectories}"
    spec = {
        "name": "report-scale",
        "policies": POLICIES,
        "scenarios": size,
        "seed": 1,
        "outputs": {"trajectories": trajectories},
    }
    start = time.perf_counter()
    status = run_study(Study.from_dict(spec), directory).status
    print(f"store of {size:,} futures: {status} ({time.perf_counter() - start:.1f} s)")
    return directory


def run_report(store: Path, src: Path | None) -> tuple[float, float, float]:
    """Wall seconds, peak MB of the process tree (PSS) and of its largest process (RSS),
    of one ``techbloc report`` of ``store`` (with ``src`` first on the path when given)."""
    import psutil

    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-c", "from techbloc.cli import main; main()"]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "report", str(store), "--out", f"{out}/report.html"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        tree = largest = 0
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:  # proportional set sizes: Chromium's processes share most of their pages
                sizes = [p.memory_full_info() for p in [root, *root.children(recursive=True)]]
            except psutil.Error:  # a process ended between the listing and the reading
                continue
            tree = max(tree, sum(s.pss for s in sizes))
            largest = max(largest, *(s.rss for s in sizes))
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"techbloc report failed:\n{proc.stderr.read().decode()[-2000:]}")
    return seconds, tree / 1e6, largest / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    parser.add_argument("--stores", type=Path, help="where the studies' stores are kept")
    parser.add_argument("--against", type=Path, help="another checkout to run against")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--trajectories", action="store_true", help="store every year too")
    parser.add_argument("--quick", action="store_true", help="500 futures, once")
    args = parser.parse_args()
    sizes = [500] if args.quick else args.sizes
    sides: list[tuple[str, Path | None]] = [("this", None)]
    if args.against is not None:
        other = args.against.resolve() / "src"
        if not other.is_dir():
            raise SystemExit(f"--against: {other} is not a directory")
        sides.append(("base", other))
    with tempfile.TemporaryDirectory() as scratch:
        stores = args.stores or Path(scratch)
        stores.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            store = study_store(size, stores, args.trajectories)
            print(f"{'futures':>9}  {'side':<5} {'load':>5}  {'seconds':>8}  tree MB  largest MB")
            for repeat in range(args.repeats):
                order = sides if repeat % 2 == 0 else sides[::-1]
                for name, src in order:
                    load = os.getloadavg()[0]
                    seconds, tree, largest = run_report(store, src)
                    print(
                        f"{size:>9,}  {name:<5} {load:5.2f}  {seconds:8.1f}  {tree:7.0f}"
                        f"  {largest:10.0f}"
                    )


if __name__ == "__main__":
    main()
