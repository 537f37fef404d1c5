"""Who should be in? Pareto-optimal coalitions from a small candidate pool.

Enumerates every coalition of the USA with members of a candidate pool, evaluates each on
sampled futures with the model's one-year characteristic functions, and prints the
coalitions no other beats on both pooled R&D share and cohesion.

    python examples/who_should_be_in.py [--scenarios N]
"""

from __future__ import annotations

import argparse

from techbloc import load_world, sample_futures
from techbloc.analysis.search import model_evaluator, search_coalitions

CANDIDATES = ["JPN", "KOR", "GBR", "AUS", "DEU", "NLD", "TWN", "ISR"]
OBJECTIVES = ["alliance_rd_share:max", "cohesion:max"]


def main(scenarios: int = 16) -> None:
    world = load_world()
    futures = sample_futures(scenarios, seed=1)  # every uncertain parameter drawn (LHS)
    evaluate = model_evaluator(world, futures, CANDIDATES, OBJECTIVES)
    result = search_coalitions(CANDIDATES, evaluate, OBJECTIVES, names=world.names)
    print(f"{result.n_evaluated} coalitions evaluated ({result.method}); Pareto set:")
    print(result.front.to_string(index=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=16)
    main(parser.parse_args().scenarios)
