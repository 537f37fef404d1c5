"""Quick start: does adding South Korea to a close-ally core pay off?

Runs 200 sampled futures for the core coalition with and without South Korea and prints,
for a few outcomes, the median and 10th-90th percentile range.

    python examples/quickstart.py [--scenarios N]
"""

from __future__ import annotations

import argparse

from techbloc import Coalition, Policy, load_world, sample_futures, simulate

OUTCOMES = ("alliance_rd_share", "leakage_to_china", "cohesion", "achieved_stringency")


def main(scenarios: int = 200) -> None:
    world = load_world()
    policies = [
        Policy(Coalition.from_preset("forging_core")),
        Policy(Coalition.from_preset("forging_core+KOR")),
    ]
    futures = sample_futures(scenarios, seed=1)  # every uncertain parameter drawn (LHS)
    ds = simulate(world, futures, policies, trajectories=False)
    for name in OUTCOMES:
        q = ds[name].quantile([0.1, 0.5, 0.9], dim="scenario")
        print(f"{name} ({ds[name].attrs['units']}): {ds[name].attrs['description']}")
        for policy in ds.policy.values:
            p10, p50, p90 = q.sel(policy=policy).values
            print(f"  {policy:<18} {p50:8.3f}   [{p10:.3f}, {p90:.3f}]")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=200)
    main(parser.parse_args().scenarios)
