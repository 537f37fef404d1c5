"""The bundled data: the CSV files in ``techbloc/data``, read once per process.

:func:`read_bundle` returns the tables :class:`techbloc.world.World` is built from
(``countries``, ``indicators``, ``memberships``, ``frictions``, ``hedging``,
``defence_pairs``, ``gerd_history`` and ``eto``), and the observed history the model's
historical mode reads (``china_semiconductor_self_sufficiency``,
``us_export_controls_history``). The ETO semiconductor segment shares (CC BY-NC 4.0, in
``data/noncommercial/``) are added to ``indicators`` at load time, one row per candidate
and segment (:data:`techbloc.schema.SEMIS_SEGMENTS`).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from techbloc.errors import DataError
from techbloc.schema import SEMIS_SEGMENTS

__all__ = ["data_dir", "indicator_names", "read_bundle"]

_ETO_SOURCE = (
    "ETO Advanced Semiconductor Supply Chain Dataset (Georgetown CSET), CC BY-NC 4.0, "
    "non-commercial use only [techbloc/data/noncommercial/]"
)


def data_dir() -> Path:
    """The directory of the bundled data files."""
    return Path(str(resources.files("techbloc") / "data"))


@functools.lru_cache(maxsize=1)
def _read() -> dict[str, pd.DataFrame]:
    """Read the bundled CSVs once per process."""
    root = data_dir()
    try:
        bundle = {
            "countries": pd.read_csv(root / "countries.csv", keep_default_na=False),
            "indicators": pd.read_csv(
                root / "indicators.csv",
                dtype={"year": "Int64"},
                keep_default_na=False,
                na_values={"value": [""], "year": [""]},
            ),
            "memberships": pd.read_csv(root / "memberships.csv", dtype={"joined_year": "Int64"}),
            "frictions": pd.read_csv(root / "frictions.csv"),
            "hedging": pd.read_csv(root / "hedging.csv"),
            "defence_pairs": pd.read_csv(root / "defence_pairs.csv"),
            "gerd_history": pd.read_csv(root / "gerd_history.csv"),
            "china_semiconductor_self_sufficiency": pd.read_csv(
                root / "china_semiconductor_self_sufficiency.csv"
            ),
            "us_export_controls_history": pd.read_csv(root / "us_export_controls_history.csv"),
        }
    except FileNotFoundError as exc:
        raise DataError(f"bundled data file missing: {exc.filename}; reinstall techbloc") from None
    eto = root / "noncommercial" / "eto_country_item_shares.csv"
    bundle["eto"] = (
        pd.read_csv(eto)
        if eto.is_file()
        else pd.DataFrame(
            columns=["iso3", "item_id", "item_kind", "share_pct", "market_size_usd_bn"]
        )
    )
    bundle["indicators"] = pd.concat(
        [bundle["indicators"], _semis_indicators(bundle["eto"], bundle["countries"])],
        ignore_index=True,
    )
    return bundle


def read_bundle() -> dict[str, pd.DataFrame]:
    """The bundled tables, name -> DataFrame (a new dict; the frames are shared, do not
    modify them).

    Raises
    ------
    techbloc.errors.DataError
        If a bundled file is missing (the message says to reinstall).
    """
    return dict(_read())


def indicator_names() -> list[str]:
    """Names of the bundled indicators, in table order."""
    return list(dict.fromkeys(_read()["indicators"]["indicator"]))


def _semis_indicators(eto: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """ETO segment shares per candidate, in percent (CC BY-NC data, added at load time)."""
    codes = countries["iso3"].tolist()
    stages = eto[eto["item_kind"] == "stage"]
    inputs = eto[(eto["item_kind"] != "stage") & eto["market_size_usd_bn"].notna()]
    sizes = inputs.drop_duplicates("item_id").set_index("item_id")["market_size_usd_bn"]
    total = float(sizes.sum())
    weighted = (inputs["share_pct"] * inputs["market_size_usd_bn"]).groupby(inputs["iso3"]).sum()
    in_inputs = set(inputs["iso3"])
    stage_share = stages.pivot_table(
        index="iso3", columns="item_id", values="share_pct", aggfunc="first"
    )
    frames = []
    for name, stage in SEMIS_SEGMENTS.items():
        if stage is not None:
            col = stage_share[stage] if stage in stage_share else pd.Series(dtype=float)
            found = col.reindex(codes).notna().to_numpy()
            value = col.reindex(codes).fillna(0.0).to_numpy()
            note = np.where(found, f"stage {stage}", f"stage {stage}; ETO records no share (0)")
        else:
            value = (
                weighted.reindex(codes).fillna(0.0) / total
                if total > 0
                else pd.Series(0.0, index=codes)
            ).to_numpy()
            base = (
                f"derived: market-size-weighted mean over {len(sizes)} tool/material "
                f"inputs with a stated size (total US$ {total:.1f} bn)"
            )
            note = np.array(
                [base if c in in_inputs else base + "; ETO records no share (0)" for c in codes]
            )
        frames.append(
            pd.DataFrame(
                {
                    "iso3": codes,
                    "indicator": name,
                    "value": value,
                    "unit": "% of world market",
                    "year": 2019,
                    "source": _ETO_SOURCE,
                    "note": note,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype("Int64")
    return out
