"""Model v4 against v3 on the same futures: the figures of docs/model.md, "Version 4".

Run it once on each version of the code and compare the two JSON files::

    PYTHONPATH=src python benchmarks/v4_before_after.py measure --out v4.json
    PYTHONPATH=/path/to/v3/src python benchmarks/v4_before_after.py measure --out v3.json
    python benchmarks/v4_before_after.py table v3.json v4.json

``measure`` uses only the public API that both versions share (``simulate``,
``sample_design``, presets, ``group_members``), so the same futures (Latin-hypercube draws
over every uncertain parameter, one root seed) meet both versions. Sections:

- ``china``: China's knowledge, capability and power against the status quo, and the
  change in the coalition's lead (``capability_gap_vs_status_quo``), for forging_core, t14,
  oecd and the stringency ladder on forging_core (0.2, 0.5, 0.9): share of futures above
  0.01 (1%) and median; and the decomposition of China's gain against the status quo
  (own R&D, imitation, absorbed leakage; cumulative, as % of China's status-quo knowledge).
- ``korea``: what adding South Korea to forging_core does to the alliance's R&D share in
  2050 (median of the paired difference, points) and Korea's membership share in 2050, at
  two seeds of 1,000 futures each.
- ``xfails``: the three v3 xfails (Russia accepted by forging_core+KOR, the largest
  external stability over presets, China's knowledge growth 2024-29 against 2030-40).
- ``alliances``: NATO, the EU members, Five Eyes and the Wassenaar participating states
  run with no pool from the start year over 14 years: share of futures that lose no
  member, and the median number lost.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from techbloc.coalitions import Coalition, presets
from techbloc.countries import group_members
from techbloc.experiments.design import sample_design
from techbloc.model import simulate
from techbloc.params import parameter_names
from techbloc.policies import Policy
from techbloc.world import load_world

HEADLINE = (
    "china_knowledge_vs_status_quo",
    "china_capability_vs_status_quo",
    "power_ratio_china_us_vs_status_quo",
    "capability_gap_vs_status_quo",
)
GAINS = (
    "leakage_to_china_cumulative",
    "china_gain_imitation_cumulative",
    "china_gain_own_rd_cumulative",
)


def _futures(n: int, seed: int) -> pd.DataFrame:
    return sample_design("lhs", parameter_names(uncertain_only=True), n, seed=seed)


def _core(stringency: float, name: str) -> Policy:
    return Policy(Coalition.from_preset("forging_core"), control_stringency=stringency, name=name)


def measure_china(world, n: int, seed: int, start: int, end: int) -> dict:
    policies = [
        Policy(Coalition.from_preset("forging_core")),
        Policy(Coalition.from_preset("t14")),
        Policy(Coalition.from_preset("oecd")),
        _core(0.2, "core s0.2"),
        _core(0.5, "core s0.5"),
        _core(0.9, "core s0.9"),
        Policy(Coalition.parse("USA"), pool_share=0.0, name="status quo"),
    ]
    ds = simulate(
        world,
        _futures(n, seed),
        policies,
        seed=seed,
        start_year=start,
        end_year=end,
        trajectories=False,
    )
    sq = ds.sel(policy="status quo")
    result = {}
    for policy in [p.label for p in policies[:-1]]:
        row = {}
        sel = ds.sel(policy=policy)
        for name in HEADLINE:
            values = sel[name].values
            row[name] = {
                "share_above_1pct": float(np.mean(values > 0.01)),
                "share_below_minus_1pct": float(np.mean(values < -0.01)),
                "median": float(np.median(values)),
            }
        base = sq.china_knowledge.values
        for name in GAINS:
            diff = (sel[name].values - sq[name].values) / base
            row[name + "_vs_status_quo_pct"] = float(np.median(diff) * 100)
        result[policy] = row
    return result


def measure_korea(world, n: int, seeds: list[int], start: int, end: int) -> dict:
    policies = [Policy(Coalition.from_preset(p)) for p in ("forging_core", "forging_core+KOR")]
    result = {}
    for seed in seeds:
        ds = simulate(
            world,
            _futures(n, seed),
            policies,
            seed=seed,
            start_year=start,
            end_year=end,
            trajectories=False,
        )
        share = ds.alliance_rd_share
        effect = (share.sel(policy="forging_core+KOR") - share.sel(policy="forging_core")) * 100
        member = ds.member.sel(policy="forging_core+KOR", country="KOR")
        japan = ds.member.sel(policy="forging_core+KOR", country="JPN")
        result[str(seed)] = {
            "korea_effect_rd_share_points_median": float(effect.median()),
            "korea_member_share_end": float(member.mean()),
            "japan_member_share_end": float(japan.mean()),
            "members_remaining_core_kor_median": float(
                ds.members_remaining.sel(policy="forging_core+KOR").median()
            ),
        }
    return result


def measure_xfails(world, n: int, seed: int) -> dict:
    futures = _futures(n, seed)
    policies = [Policy(Coalition.from_preset(name)) for name in presets()]
    ds = simulate(world, futures, policies, trajectories=False)
    external = ds.external_stability.mean("scenario")
    core = Policy(Coalition.from_preset("forging_core"))
    traj = simulate(world, futures, [core], end_year=2040)
    k = traj.china_knowledge_trajectory.isel(policy=0)
    early = (k.sel(year=2029) / k.sel(year=2024)) ** (1 / 5) - 1
    late = (k.sel(year=2040) / k.sel(year=2030)) ** (1 / 10) - 1
    return {
        "russia_accepted_core_kor": float(
            ds.accepted.sel(policy="forging_core+KOR", country="RUS").mean()
        ),
        "external_stability_max": float(external.max()),
        "external_stability_argmax": str(external.idxmax("policy").item()),
        "china_growth_2024_29": float(early.median()),
        "china_growth_2030_40": float(late.median()),
    }


def measure_alliances(world, n: int, seed: int, start: int, years: int) -> dict:
    groups = group_members()
    policies = [
        Policy(Coalition.parse(",".join(sorted(set(groups[g]) | {"USA"}))), pool_share=0.0, name=g)
        for g in ("NATO", "EU", "FIVE_EYES", "WASSENAAR")
    ]
    ds = simulate(
        world,
        _futures(n, seed),
        policies,
        seed=seed,
        start_year=start,
        end_year=start + years,
        trajectories=False,
    )
    result = {}
    for policy in policies:
        start_n = len(policy.coalition.members)
        lost = start_n - ds.members_remaining.sel(policy=policy.label).values
        result[policy.label] = {
            "members": start_n,
            "share_no_member_lost": float(np.mean(lost == 0)),
            "median_lost": float(np.median(lost)),
        }
    return result


def measure(args) -> None:
    world = load_world()
    out: dict = {"args": vars(args).copy()}
    out["args"].pop("func", None)
    for section in args.sections:
        began = time.perf_counter()
        if section == "china":
            out[section] = measure_china(world, args.n, args.seed, args.start, args.end)
        elif section == "korea":
            out[section] = measure_korea(
                world, args.korea_n, args.korea_seeds, args.start, args.end
            )
        elif section == "xfails":
            out[section] = measure_xfails(world, 120, 3)
        elif section == "alliances":
            out[section] = measure_alliances(world, args.n, args.seed, args.start, 14)
        print(f"{section}: {time.perf_counter() - began:.0f} s", flush=True)
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def table(args) -> None:
    with open(args.before) as f:
        before = json.load(f)
    with open(args.after) as f:
        after = json.load(f)
    lines = []
    if "china" in before and "china" in after:
        lines += [
            "| policy | measure | >1% before | >1% after | median before | median after |",
            "|---|---|---|---|---|---|",
        ]
        for policy, row in after["china"].items():
            for name in HEADLINE:
                b, a = before["china"][policy][name], row[name]
                lines.append(
                    f"| {policy} | {name} | {_pct(b['share_above_1pct'])} | "
                    f"{_pct(a['share_above_1pct'])} | {b['median']:+.4f} | {a['median']:+.4f} |"
                )
        lines += [
            "",
            "| policy | source of China's gain vs SQ (% of SQ knowledge) | before | after |",
            "|---|---|---|---|",
        ]
        for policy, row in after["china"].items():
            for name in GAINS:
                key = name + "_vs_status_quo_pct"
                lines.append(
                    f"| {policy} | {name} | {before['china'][policy][key]:+.2f} | {row[key]:+.2f} |"
                )
    for section in ("korea", "xfails", "alliances"):
        if section in before or section in after:
            lines += [
                "",
                f"{section}:",
                "```",
                "before " + json.dumps(before.get(section), indent=1),
                "after  " + json.dumps(after.get(section), indent=1),
                "```",
            ]
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(required=True)
    m = sub.add_parser("measure")
    m.add_argument("--out", required=True)
    m.add_argument("--n", type=int, default=500)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--korea-n", type=int, default=1000)
    m.add_argument("--korea-seeds", type=int, nargs=2, default=[1, 2])
    m.add_argument("--start", type=int, default=2024)
    m.add_argument("--end", type=int, default=2050)
    m.add_argument("--sections", nargs="+", default=["china", "korea", "xfails", "alliances"])
    m.set_defaults(func=measure)
    t = sub.add_parser("table")
    t.add_argument("before")
    t.add_argument("after")
    t.set_defaults(func=table)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
