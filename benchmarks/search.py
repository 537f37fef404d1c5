"""Coalition search and sampled Shapley on the static model: the batched path against the
engine path it replaced, timed side by side in one run.

The baseline is the path before batching (what ``static_outcomes`` did until issue 21):
each batch of coalitions run through :func:`techbloc.model.run_model` for the start year,
with the status-quo reference policy added and every output observed, and NaN-aware
percentiles over scenarios column by column. The new path is
:class:`techbloc.model.StaticModel`. Both score the same coalitions on the same scenarios
(the CLI's default sample: 50 Latin-hypercube futures, seed 0); the script checks that the
fronts and Shapley values are the same, and prints wall and CPU seconds (all threads) as
min / median / max of the repeats, the ratios of the medians, and the load average.

Usage::

    python benchmarks/search.py                      # every part, 3 repeats
    python benchmarks/search.py --parts exhaustive   # 2^16 exhaustive and NSGA-II only
    python benchmarks/search.py --quick              # a small smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

import techbloc.analysis.search_objectives as search_objectives
import techbloc.model as model
from techbloc.analysis.search import model_evaluator, search_coalitions
from techbloc.analysis.shapley import model_game, shapley
from techbloc.experiments.design import sample_futures
from techbloc.world import load_world

#: 16 candidates (the pool of the issue's figure) and 19 partners for a 20-member Shapley game.
POOL = [
    "JPN",
    "KOR",
    "DEU",
    "FRA",
    "NLD",
    "AUS",
    "CAN",
    "GBR",
    "TWN",
    "ITA",
    "ESP",
    "SWE",
    "ISR",
    "IND",
    "SGP",
    "POL",
]
PARTNERS = [*POOL, "NOR", "FIN", "BEL"]
OBJECTIVES = ["alliance_rd_share:max", "pool_leak_rate:min"]
WITH_MARGINS = ["alliance_rd_share:max", "cohesion:max:p10"]


class EngineStaticModel:
    """The engine path (the baseline): one-year ``run_model`` per batch of coalitions."""

    def __init__(self, world: Any, scenarios: pd.DataFrame, *, seed: int = 0) -> None:
        from techbloc.model.inputs import prepare_inputs
        from techbloc.model.scenarios import scenario_arrays

        self.world, self.scenarios, self.seed = world, scenarios, seed
        self.inputs = prepare_inputs(world)
        self.size = scenario_arrays(scenarios, seed=seed, n_years=1, n_countries=self.inputs.n).size

    def outcomes(self, members: np.ndarray, outcomes: Any = model.STATIC_OUTCOMES) -> dict:
        from techbloc.model.engine import DEFAULT_START_YEAR, PolicyBatch, run_model
        from techbloc.model.inputs import prepare_inputs
        from techbloc.model.scenarios import scenario_arrays

        inputs = prepare_inputs(self.world)  # as before: prepared per call
        codes = list(self.world.codes)
        columns = [codes.index(c) for c in inputs.codes]
        arrays = scenario_arrays(self.scenarios, seed=self.seed, n_years=1, n_countries=inputs.n)
        step = max(1, 4_000_000 // (arrays.size * 6 * inputs.n))
        parts: dict[str, list[np.ndarray]] = {name: [] for name in model.STATIC_OUTCOMES}
        for first in range(0, len(members), step):
            batch = PolicyBatch.from_masks(members[first : first + step, columns], inputs)
            result = run_model(
                inputs,
                arrays,
                batch,
                np.array([DEFAULT_START_YEAR]),
                trajectories=False,
                external_stability=False,
            )
            for name in model.STATIC_OUTCOMES:
                parts[name].append(result[name])
        return {name: np.concatenate(parts[name], axis=1) for name in outcomes}


@contextlib.contextmanager
def engine_path() -> Iterator[None]:
    """Score with the baseline: the engine path and column-by-column nanpercentile."""
    saved = model.StaticModel, search_objectives._nanpercentile
    model.StaticModel = EngineStaticModel  # type: ignore[misc]
    search_objectives._nanpercentile = lambda v, q, axis: np.nanpercentile(v, q, axis=axis)
    try:
        yield
    finally:
        model.StaticModel, search_objectives._nanpercentile = saved  # type: ignore[misc]


def timed(run: Callable[[], Any], repeats: int) -> tuple[list[float], list[float], Any]:
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def spread(values: list[float]) -> str:
    return f"{min(values):7.2f} / {statistics.median(values):7.2f} / {max(values):7.2f}"


def line(label: str, walls: list[float], cpus: list[float], extra: str = "") -> None:
    print(f"  {label:<34} wall {spread(walls)}   CPU {spread(cpus)}  {extra}")


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def search_run(world, scenarios, pool, objectives, method: str):
    evaluate = model_evaluator(world, scenarios, pool, objectives)
    return search_coalitions(pool, evaluate, objectives, method=method)


def same_front(a, b) -> bool:
    return a.front.equals(b.front)


def part_baseline(world, scenarios, args) -> None:
    pool = POOL[: args.baseline_bits]
    for objectives in (OBJECTIVES, WITH_MARGINS):
        print(
            f"exhaustive, {len(pool)} candidates ({2 ** len(pool) - 1:,} coalitions), "
            f"objectives {', '.join(objectives)}; {load()}"
        )
        with engine_path():
            old = timed(
                functools.partial(search_run, world, scenarios, pool, objectives, "exhaustive"),
                args.repeats,
            )
        new = timed(
            functools.partial(search_run, world, scenarios, pool, objectives, "exhaustive"),
            args.repeats,
        )
        line("engine path (before)", *old[:2])
        line("batched (StaticModel)", *new[:2])
        print(
            f"  same front: {same_front(old[2], new[2])} ({len(new[2].front)} points); "
            f"ratio of medians: wall {statistics.median(old[0]) / statistics.median(new[0]):.1f}x, "
            f"CPU {statistics.median(old[1]) / statistics.median(new[1]):.1f}x; {load()}"
        )


def part_exhaustive(world, scenarios, args) -> None:
    pool = POOL[: args.bits]
    for objectives in (OBJECTIVES, WITH_MARGINS):
        print(
            f"{len(pool)} candidates ({2 ** len(pool) - 1:,} coalitions), objectives "
            f"{', '.join(objectives)}; {load()}"
        )
        ex = timed(
            functools.partial(search_run, world, scenarios, pool, objectives, "exhaustive"),
            args.repeats,
        )
        ga = timed(
            functools.partial(search_run, world, scenarios, pool, objectives, "nsga2"), args.repeats
        )
        line("exhaustive (batched)", *ex[:2], f"{ex[2].n_evaluated:,} evaluated")
        line("nsga2 (batched)", *ga[:2], f"{ga[2].n_evaluated:,} evaluated")
        print(
            f"  fronts: exhaustive {len(ex[2].front)} points, nsga2 {len(ga[2].front)}, "
            f"same: {same_front(ex[2], ga[2])}; {load()}"
        )


def part_crossover(world, scenarios, args) -> None:
    """Exhaustive against NSGA-II by pool size, for objectives with and without margins:
    where NSGA-II becomes faster with the same front is ``MODEL_EXHAUSTIVE_LIMIT_NO_MARGINS``
    (and ``MODEL_EXHAUSTIVE_LIMIT``, with margins) in techbloc.analysis.search."""
    from techbloc.analysis.search import model_exhaustive_limit

    for objectives, sizes in ((OBJECTIVES, args.crossover), (WITH_MARGINS, args.crossover_margins)):
        if not sizes:
            continue
        limit = model_exhaustive_limit(objectives)
        print(
            f"crossover: exhaustive against nsga2 by pool size, objectives "
            f"{', '.join(objectives)} (auto enumerates up to 2^{limit.bit_length() - 1}); "
            f"CPU s min / median / max of {args.repeats}; {load()}"
        )
        for k in sizes:
            pool = POOL[:k]
            ex = timed(
                functools.partial(search_run, world, scenarios, pool, objectives, "exhaustive"),
                args.repeats,
            )
            ga = timed(
                functools.partial(search_run, world, scenarios, pool, objectives, "nsga2"),
                args.repeats,
            )
            print(
                f"  {k:2d} candidates: exhaustive CPU {spread(ex[1])} | nsga2 CPU "
                f"{spread(ga[1])} ({ga[2].n_evaluated:,} evaluated) | CPU ratio "
                f"{statistics.median(ex[1]) / statistics.median(ga[1]):4.1f} | same front: "
                f"{same_front(ex[2], ga[2])}"
            )
        print(f"  {load()}")


def part_shapley(world, scenarios, args) -> None:
    members = ["USA", *PARTNERS[: args.members - 1]]

    def run():
        game, players = model_game(world, scenarios, members)
        return shapley(game, players, method="sampled", n_permutations=args.permutations, rng=0)

    print(
        f"sampled Shapley, {len(members)} members, {args.permutations} permutations, "
        f"outcomes alliance_rd_share, leakage, cohesion; {load()}"
    )
    with engine_path():
        old = timed(run, args.repeats)
    new = timed(run, args.repeats)
    line("engine path (before)", *old[:2])
    line("batched (StaticModel)", *new[:2])
    worst = np.max(np.abs(old[2]["value"].to_numpy() - new[2]["value"].to_numpy()))
    print(
        f"  largest difference in values: {worst:.1e}; ratio of medians: wall "
        f"{statistics.median(old[0]) / statistics.median(new[0]):.1f}x, CPU "
        f"{statistics.median(old[1]) / statistics.median(new[1]):.1f}x; {load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", nargs="+", default=["baseline", "exhaustive", "crossover", "shapley"]
    )
    parser.add_argument("--scenarios", type=int, default=50, help="the CLI's default")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bits", type=int, default=16, help="candidates, exhaustive part")
    parser.add_argument(
        "--baseline-bits",
        type=int,
        default=12,
        help="candidates of the side-by-side part (the engine path is slow)",
    )
    parser.add_argument(
        "--crossover",
        type=int,
        nargs="*",
        default=[12, 13, 14, 15, 16],
        help="pool sizes, objectives without margins (none: skip them)",
    )
    parser.add_argument(
        "--crossover-margins",
        type=int,
        nargs="*",
        default=[12, 13, 14, 15, 16],
        help="pool sizes, objectives with margins (none: skip them)",
    )
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--permutations", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.scenarios, args.repeats, args.bits, args.baseline_bits = 5, 1, 6, 5
        args.crossover, args.members, args.permutations = [5, 6], 6, 10
        args.crossover_margins = [5, 6]

    import numba

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__} "
        f"({numba.get_num_threads()} threads); {args.scenarios} scenarios; "
        f"wall and CPU s as min / median / max of {args.repeats}"
    )
    world = load_world()
    scenarios = sample_futures(args.scenarios, seed=0)
    for objectives in (OBJECTIVES, WITH_MARGINS):  # compile or load the kernels
        search_run(world, scenarios, POOL[:3], objectives, "exhaustive")
    parts = {
        "baseline": part_baseline,
        "exhaustive": part_exhaustive,
        "crossover": part_crossover,
        "shapley": part_shapley,
    }
    for name in args.parts:
        parts[name](world, scenarios, args)


if __name__ == "__main__":
    main()
