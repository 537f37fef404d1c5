"""Figures of the hindcast: each series' observations over the model's 10–90% band.

Pure functions returning matplotlib figures built on an Agg canvas (no :mod:`pyplot`), as
in :mod:`techbloc.report.figures`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["fig_series", "series_groups", "write_figures"]


def series_groups(targets: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Targets grouped by series (one figure each), in table order."""
    return {str(k): g for k, g in targets.groupby("series", sort=False)}


def fig_series(
    targets: pd.DataFrame,
    bands: dict[str, pd.DataFrame],
    title: str | None = None,
) -> Figure:
    """One series: observed points (with ±2 total s.d.) over the model's bands by year.

    Parameters
    ----------
    targets : DataFrame
        The series' targets (one per year).
    bands : mapping of label to DataFrame
        Model values (one column per target), e.g. ``{"wide prior": ..., "calibrated": ...}``.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ordered = targets.sort_values("year")
    years = ordered["year"].to_numpy()
    colours = ["#9aa5b1", "#2b6cb0", "#c05621"]
    for (label, values), colour in zip(bands.items(), colours, strict=False):
        q = values[ordered.index].quantile([0.1, 0.5, 0.9])
        if len(years) > 1:
            ax.fill_between(years, q.loc[0.1], q.loc[0.9], color=colour, alpha=0.3, lw=0)
            ax.plot(years, q.loc[0.5], color=colour, lw=1.5, label=f"model, {label} (10–90%)")
        else:
            ax.errorbar(
                years,
                q.loc[0.5],
                yerr=[q.loc[0.5] - q.loc[0.1], q.loc[0.9] - q.loc[0.5]],
                fmt="s",
                color=colour,
                capsize=4,
                label=f"model, {label} (10–90%)",
            )
    total = np.sqrt(ordered["obs_sd"].to_numpy() ** 2 + ordered["disc_sd"].to_numpy() ** 2)
    for held, marker, name in ((False, "o", "matched"), (True, "D", "hold-out")):
        rows = ordered["holdout"].to_numpy() == held
        if rows.any():
            ax.errorbar(
                years[rows],
                ordered["observed"].to_numpy()[rows],
                yerr=2 * total[rows],
                fmt=marker,
                color="black",
                mfc="white" if held else "black",
                capsize=3,
                lw=0.8,
                label=f"observed, {name} (±2 s.d.)",
            )
    first = ordered.iloc[0]
    ax.set_title(title or str(first["series"]), fontsize=10)
    unit = {
        "log_ratio": f"ln change since {first['base_year']}",
        "ratio": f"ratio to {first['base_year']}",
        "loss": f"lost since {first['base_year']}",
        "level": "value",
    }[str(first["transform"])]
    ax.set_ylabel(unit)
    ax.set_xlabel("year")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def write_figures(
    targets: pd.DataFrame,
    bands: dict[str, pd.DataFrame],
    out: str | Path,
    formats: tuple[str, ...] = ("png", "svg"),
) -> list[Path]:
    """Write one figure per series to ``out`` (PNG and SVG); returns the paths."""
    import re

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for series, group in series_groups(targets).items():
        fig = fig_series(group, bands)
        stem = re.sub(r"[^a-z0-9]+", "_", series.lower())[:60].strip("_")
        for fmt in formats:
            path = out / f"{stem}.{fmt}"
            fig.savefig(path, dpi=110)
            paths.append(path)
    return paths
