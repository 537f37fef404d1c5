"""Figures of the study report, as pure functions returning matplotlib figures.

Every ``fig_*`` function takes plain pandas data and returns a new
:class:`matplotlib.figure.Figure`. The figures are built with matplotlib's object-oriented
API on an Agg canvas (never through :mod:`matplotlib.pyplot`), so they register no global
state, change no backend and work without a display; :func:`figure_to_data_uri` encodes one
as an inline PNG and releases it.

Inputs
------
``stats``
    Per-policy summary statistics (see :func:`techbloc.report.sections.headline_table`): a
    :class:`pandas.DataFrame` indexed by policy (in study order) with columns
    ``(outcome, statistic)``, statistics ``p10``, ``p50`` and ``p90``.
``outcomes``
    The wide outcome table of a store: columns ``scenario``, ``policy`` and one per
    scalar outcome (``ResultsStore.outcomes()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "fig_capability_vs_will",
    "fig_prim_tradeoff",
    "fig_technology_vs_power",
    "fig_us_reliability",
    "fig_who_is_in",
    "figure_to_data_uri",
]

_WIDTH = 9.0  # inches; at 100 dpi the report shows figures at their natural size
_DPI = 100
_PRIMARY = "#1f4e79"
_ACCENT = "#c0392b"
_MUTED = "#7f8c8d"


def _new_figure(width: float, height: float, ncols: int = 1, **kwargs) -> tuple[Figure, list]:
    """A figure on its own Agg canvas (no pyplot, no global backend change)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False, **kwargs)[0]
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=9)
        ax.grid(True, color="#e5e5e5", linewidth=0.7)
        ax.set_axisbelow(True)
    return fig, list(axes)


def _colours(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % cmap.N) for i in range(n)]


def _policy_height(n_policies: int) -> float:
    return max(2.6, 0.34 * n_policies + 1.3)


def figure_to_data_uri(fig: Figure, *, dpi: int = _DPI) -> str:
    """Encode ``fig`` as a ``data:image/png;base64,...`` URI and release it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    str
        The data URI, ready for an ``<img src=...>``.
    """
    import base64
    import io

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    finally:
        fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _stat(stats: pd.DataFrame, outcome: str, which: str) -> np.ndarray:
    return stats[(outcome, which)].to_numpy(float)


def fig_who_is_in(stats: pd.DataFrame) -> Figure:
    """Trade-off (a), who is in: coalition share of world R&D against leakage to China.

    One point per policy at the medians, with whiskers from the 10th to the 90th percentile
    on both axes.

    Parameters
    ----------
    stats : pandas.DataFrame
        Per-policy statistics with ``alliance_rd_share`` and ``leakage_to_china``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    policies = list(stats.index)
    fig, (ax,) = _new_figure(_WIDTH, 4.2)
    x = _stat(stats, "leakage_to_china", "p50")
    y = _stat(stats, "alliance_rd_share", "p50")
    xerr = np.vstack(
        [x - _stat(stats, "leakage_to_china", "p10"), _stat(stats, "leakage_to_china", "p90") - x]
    )
    yerr = np.vstack(
        [y - _stat(stats, "alliance_rd_share", "p10"), _stat(stats, "alliance_rd_share", "p90") - y]
    )
    markers = "osD^vP"  # a new marker for every ten policies keeps them apart
    for i, policy in enumerate(policies):
        colour = _colours(10)[i % 10]
        ax.errorbar(
            x[i],
            y[i],
            xerr=xerr[:, i : i + 1],
            yerr=yerr[:, i : i + 1],
            fmt=markers[(i // 10) % len(markers)],
            ms=7,
            color=colour,
            ecolor=colour,
            elinewidth=1.2,
            capsize=3,
            alpha=0.9,
            label=policy,
        )
    ax.set_xlabel("knowledge China absorbs through leakage, final year (PPP $bn/yr)", fontsize=9)
    ax.set_ylabel("coalition share of world R&D (share)", fontsize=9)
    ax.set_title(
        "Who is in: pooled R&D versus leakage (median, 10th-90th percentile)",
        fontsize=10,
        loc="left",
    )
    ax.legend(
        fontsize=8,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        frameon=False,
        title="policy",
        title_fontsize=8,
    )
    return fig


def _dot_whisker(ax: Axes, stats: pd.DataFrame, outcome: str, colour: str) -> None:
    policies = list(stats.index)
    y = np.arange(len(policies))
    med = _stat(stats, outcome, "p50")
    lo, hi = _stat(stats, outcome, "p10"), _stat(stats, outcome, "p90")
    ax.hlines(y, lo, hi, color=colour, linewidth=2.2, alpha=0.45)
    ax.plot(med, y, "o", color=colour, ms=6)
    ax.set_yticks(y, policies, fontsize=9)
    ax.set_ylim(len(policies) - 0.5, -0.5)  # first policy on top (idempotent with sharey)


def fig_capability_vs_will(stats: pd.DataFrame) -> Figure:
    """Trade-off (b), capability or will: achieved stringency and cohesion per policy.

    Parameters
    ----------
    stats : pandas.DataFrame
        Per-policy statistics with ``achieved_stringency`` and ``cohesion``.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels sharing the policy axis; dots are medians, bars 10th-90th percentiles.
    """
    fig, (left, right) = _new_figure(_WIDTH, _policy_height(len(stats)), ncols=2, sharey=True)
    _dot_whisker(left, stats, "achieved_stringency", _PRIMARY)
    left.set_xlabel("achieved export-control stringency (0-1)", fontsize=9)
    left.set_title("Capability: controls actually achieved", fontsize=10, loc="left")
    _dot_whisker(right, stats, "cohesion", _ACCENT)
    right.set_xlabel("cohesion: share of members with margin >= 0", fontsize=9)
    right.set_title("Will: members that want to stay", fontsize=10, loc="left")
    right.tick_params(labelleft=False)
    for ax in (left, right):
        lo, hi = ax.get_xlim()
        ax.set_xlim(min(lo, -0.02), max(hi, 1.02))
    return fig


def _horizontal() -> dict[str, Any]:
    """Keyword for horizontal box plots (``orientation`` since matplotlib 3.10)."""
    import matplotlib

    major, minor = (int(v) for v in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def _boxes(
    ax: Axes, outcomes: pd.DataFrame, policies: Sequence[str], column: str, colour: str
) -> None:
    data = [
        outcomes.loc[outcomes["policy"] == p, column].dropna().to_numpy(float) for p in policies
    ]
    positions = np.arange(len(policies))
    ax.boxplot(
        data,
        positions=positions,
        **_horizontal(),
        widths=0.55,
        whis=(10, 90),
        showfliers=True,
        patch_artist=True,
        boxprops={"facecolor": colour, "alpha": 0.35, "edgecolor": colour},
        medianprops={"color": colour, "linewidth": 2},
        whiskerprops={"color": colour},
        capprops={"color": colour},
        flierprops={"marker": ".", "markersize": 3, "markeredgecolor": _MUTED},
    )
    ax.set_yticks(positions, list(policies), fontsize=9)
    ax.set_ylim(len(policies) - 0.5, -0.5)


def fig_technology_vs_power(outcomes: pd.DataFrame, policies: Sequence[str]) -> Figure:
    """Trade-off (c), does technology become power: China against the status quo, and power.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Wide outcomes with ``policy``, ``china_knowledge_vs_status_quo`` and
        ``power_ratio_china_us``.
    policies : sequence of str
        Policies in display order.

    Returns
    -------
    matplotlib.figure.Figure
        Left: distribution of ``china_knowledge_vs_status_quo`` per policy (boxes 25th-75th,
        whiskers 10th-90th percentile), the share of futures above 0 written beside each box.
        Right: the same for the China/US power ratio, with parity at 1.
    """
    fig, (left, right) = _new_figure(_WIDTH, _policy_height(len(policies)), ncols=2, sharey=True)
    _boxes(left, outcomes, policies, "china_knowledge_vs_status_quo", _ACCENT)
    left.axvline(0, color="black", linewidth=0.9)
    left.set_xlabel("ln(China's knowledge under the policy / under the status quo)", fontsize=9)
    left.set_title("China vs the status quo (> 0: stronger)", fontsize=10, loc="left")
    low, high = left.get_xlim()
    left.set_xlim(low, high + 0.3 * (high - low))  # room for the shares, clear of the data
    for i, policy in enumerate(policies):
        values = outcomes.loc[
            outcomes["policy"] == policy, "china_knowledge_vs_status_quo"
        ].dropna()
        share = float((values > 0).mean()) if len(values) else float("nan")
        left.annotate(
            f"{share:.0%} > 0",
            xy=(1.0, i),
            xycoords=("axes fraction", "data"),
            xytext=(-3, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=8,
            color=_ACCENT,
            fontweight="bold",
        )
    _boxes(right, outcomes, policies, "power_ratio_china_us", _PRIMARY)
    right.axvline(1.0, color="black", linewidth=0.9, linestyle="--")
    right.set_xlabel("China / US composite power (1 = parity)", fontsize=9)
    right.set_title("Power: China relative to the US", fontsize=10, loc="left")
    right.tick_params(labelleft=False)
    return fig


def fig_us_reliability(scenarios: pd.DataFrame, credibility: pd.DataFrame | None = None) -> Figure:
    """Trade-off (d), will partners trust the US: credibility against transactional years.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        Scenario descriptors ``transactional_years`` and ``credibility_final``.
    credibility : pandas.DataFrame, optional
        Long table ``scenario, year, credibility`` (stored trajectories); adds a fan chart
        of credibility paths (median, 25th-75th and 10th-90th percentile bands).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with_fan = credibility is not None and not credibility.empty
    fig, axes = _new_figure(_WIDTH, 3.6, ncols=2 if with_fan else 1)
    ax = axes[0]
    x = scenarios["transactional_years"].to_numpy(float)
    y = scenarios["credibility_final"].to_numpy(float)
    rng = np.random.default_rng(0)  # fixed jitter so repeated reports are identical
    jitter = rng.uniform(-0.15, 0.15, size=len(x))
    ax.scatter(x + jitter, y, s=12, alpha=0.55, color=_PRIMARY, edgecolor="none")
    if len(x) > 1 and np.ptp(x) > 0:
        slope, intercept = np.polyfit(x, y, 1)
        grid = np.array([x.min(), x.max()])
        ax.plot(
            grid,
            intercept + slope * grid,
            color=_ACCENT,
            linewidth=1.5,
            label=f"linear fit: {slope:+.3f} per year",
        )
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel("years under a transactional US administration", fontsize=9)
    ax.set_ylabel("US credibility in the final year (0-1)", fontsize=9)
    ax.set_title("Credibility by transactional years", fontsize=10, loc="left")
    if credibility is not None and with_fan:
        fan = axes[1]
        table = credibility.pivot_table(
            index="year", columns="scenario", values="credibility", aggfunc="first"
        )
        years = table.index.to_numpy()
        q = np.nanpercentile(table.to_numpy(float), [10, 25, 50, 75, 90], axis=1)
        fan.fill_between(
            years, q[0], q[4], color=_PRIMARY, alpha=0.15, linewidth=0, label="10th-90th percentile"
        )
        fan.fill_between(
            years, q[1], q[3], color=_PRIMARY, alpha=0.3, linewidth=0, label="25th-75th percentile"
        )
        fan.plot(years, q[2], color=_PRIMARY, linewidth=2, label="median")
        fan.set_ylim(0, 1)
        fan.set_xlabel("year", fontsize=9)
        fan.set_ylabel("US credibility (0-1)", fontsize=9)
        fan.set_title("Credibility paths across futures", fontsize=10, loc="left")
        fan.legend(fontsize=8, frameon=False, loc="lower left")
    return fig


def fig_prim_tradeoff(trajectory: pd.DataFrame, chosen: int) -> Figure:
    """Scenario discovery: PRIM's coverage-density trade-off along the peeling trajectory.

    Parameters
    ----------
    trajectory : pandas.DataFrame
        ``PrimResult.trajectory`` (``coverage``, ``density``, ``n_restricted``), index box id.
    chosen : int
        The box reported in the limits table (circled).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax,) = _new_figure(6.4, 3.8)
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["n_restricted"],
        cmap="viridis",
        s=22,
        zorder=3,
    )
    colourbar = fig.colorbar(points, ax=ax, pad=0.01)
    colourbar.set_label("parameters restricted", fontsize=9)
    colourbar.ax.tick_params(labelsize=8)
    row = trajectory.loc[chosen]
    ax.scatter(
        [row["coverage"]],
        [row["density"]],
        s=160,
        facecolors="none",
        edgecolors=_ACCENT,
        linewidths=2,
        zorder=4,
        label=f"reported box {chosen}",
    )
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("coverage: share of all cases inside the box", fontsize=9)
    ax.set_ylabel("density: share of the box that are cases", fontsize=9)
    ax.set_title("PRIM peeling trajectory", fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return fig
