"""Who should be in? Pareto-optimal coalitions from a small candidate pool.

Enumerates every coalition of the USA with members of a candidate pool, evaluates each on
sampled futures with the model's one-year characteristic functions, and prints the
coalitions no other beats on both pooled R&D share and cohesion. It checks what it prints:
every coalition was evaluated, none on the front is beaten on both objectives by another,
and the whole pool (the largest R&D share) is on it.

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

    assert result.method == "exhaustive" and result.n_evaluated == 2 ** len(CANDIDATES) - 1
    scores = result.front[["alliance_rd_share", "cohesion"]].to_numpy()
    for i, row in enumerate(scores):
        beaten = (scores >= row).all(axis=1) & (scores > row).any(axis=1)
        assert not beaten.any(), f"{result.front.members.iloc[i]} is dominated"
    assert result.front["size"].max() == len(CANDIDATES), "the whole pool has the most R&D"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=16)
    main(parser.parse_args().scenarios)
