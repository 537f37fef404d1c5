"""Pair relations between candidate countries, derived from the World's tables.

:func:`derive_pairs` builds the long table of :meth:`techbloc.world.World.pairs`: defence
ties (ATOP 2018 pledges, plus NATO accessions after 2018), UN General Assembly ideal-point
distances (2024) and the judged frictions with their low-high ranges.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from techbloc.schema import ATOP_YEAR

__all__ = ["derive_pairs"]


def derive_pairs(
    parts: Mapping[str, pd.DataFrame], codes: list[str], t: pd.DataFrame
) -> pd.DataFrame:
    """Pair relations between candidates (``iso3_a`` before ``iso3_b`` in ``codes`` order).

    Parameters
    ----------
    parts : mapping of str to pandas.DataFrame
        The World's tables (``indicators``, ``memberships``, ``defence_pairs``,
        ``frictions``).
    codes : list of str
        Candidate codes, then ``"ROW"`` (left out).
    t : pandas.DataFrame
        Wide indicator table (:func:`techbloc.derivation.wide_table`).

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3_a, iso3_b, relation, value, low, high, year, source, note`` for the
        relations ``defence_tie``, ``unga_distance`` and ``friction`` (see
        :meth:`techbloc.world.World.pairs`).
    """
    cand = codes[:-1]
    order = {c: i for i, c in enumerate(cand)}
    ind = parts["indicators"]

    def key(a: str, b: str) -> tuple[str, str]:
        return (a, b) if order[a] < order[b] else (b, a)

    ties: dict[tuple[str, str], tuple[int, str]] = {}
    for a, b in zip(
        parts["defence_pairs"]["iso3_a"], parts["defence_pairs"]["iso3_b"], strict=True
    ):
        ties[key(a, b)] = (ATOP_YEAR, "ATOP v5.1 defence pledge (2018)")
    mem = parts["memberships"]
    nato = mem[mem["group"] == "NATO"].set_index("iso3")["joined_year"]
    nato = nato[nato.index.isin(order)]
    members = [str(c) for c in nato.index]
    for new, year in nato[nato > ATOP_YEAR].items():
        for other in members:
            if other != new and key(str(new), other) not in ties:
                ties[key(str(new), other)] = (
                    int(year),
                    "NATO accession after ATOP 2018 (memberships.csv, nato.int)",
                )
    ideal = t["unga_ideal_point"]
    ideal_year = ind.loc[ind["indicator"] == "unga_ideal_point", "year"].dropna().max()
    unga_src = ind.loc[ind["indicator"] == "unga_ideal_point", "source"].iloc[0]
    a_idx, b_idx = np.triu_indices(len(cand), k=1)
    a = [cand[i] for i in a_idx]
    b = [cand[j] for j in b_idx]
    tie_val = [1.0 if (x, y) in ties else 0.0 for x, y in zip(a, b, strict=True)]
    defence = pd.DataFrame(
        {
            "iso3_a": a,
            "iso3_b": b,
            "relation": "defence_tie",
            "value": tie_val,
            "low": np.nan,
            "high": np.nan,
            "year": [ties.get((x, y), (ATOP_YEAR, ""))[0] for x, y in zip(a, b, strict=True)],
            "source": [
                ties.get((x, y), (0, "ATOP v5.1 (2018): no defence pledge"))[1]
                for x, y in zip(a, b, strict=True)
            ],
            "note": "",
        }
    )
    dist = np.abs(ideal.loc[a].to_numpy() - ideal.loc[b].to_numpy())
    unga = pd.DataFrame(
        {
            "iso3_a": a,
            "iso3_b": b,
            "relation": "unga_distance",
            "value": dist,
            "low": np.nan,
            "high": np.nan,
            "year": int(ideal_year),
            "source": unga_src,
            "note": np.where(
                np.isnan(dist),
                "missing: Taiwan has no UN ideal point",
                "derived: |ideal point difference|",
            ),
        }
    )
    fr = parts["frictions"]
    friction = pd.DataFrame(
        {
            "iso3_a": fr["iso3_a"],
            "iso3_b": fr["iso3_b"],
            "relation": "friction",
            "value": fr["default"].astype(float),
            "low": fr["low"].astype(float),
            "high": fr["high"].astype(float),
            "year": fr["event_year"],
            "source": fr["source"],
            "note": "judgement (assumption to sweep): " + fr["reason"],
        }
    )
    out = pd.concat([defence, unga, friction], ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out
