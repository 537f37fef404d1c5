"""Figures of the report's per-question sections, as pure functions returning figures.

Each ``fig_*`` function takes plain pandas/numpy data already computed by
:mod:`techbloc.report.sections` and returns a new :class:`matplotlib.figure.Figure` on its
own Agg canvas (see :mod:`techbloc.report.figures`). Policies keep one colour across every
figure (:func:`techbloc.report.palette.policy_colours`) and points are labelled directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from techbloc.report.figures import _ACCENT, _MUTED, _PRIMARY, _WIDTH, _new_figure
from techbloc.report.formatting import better
from techbloc.report.naming import country_name, policy_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "fig_capability_will",
    "fig_capacity_building",
    "fig_china_fan",
    "fig_cohesion_exits",
    "fig_credibility_by_regime",
    "fig_domain_gap",
    "fig_kor",
    "fig_pareto",
    "fig_sensitivity",
    "fig_shapley",
    "fig_stringency_ladder",
]

_FONT = 9


def repel_labels(
    x: np.ndarray, y: np.ndarray, widths: np.ndarray, step: float, *, iterations: int = 200
) -> np.ndarray:
    """Label heights moved apart so that no two labels overlap (a small label-repel step).

    Each label starts at its point's ``y`` and spans ``[x, x + width]``; two labels whose
    spans overlap are pushed apart symmetrically until they are at least ``step`` apart
    vertically. Returns the new heights (the same order as ``y``).

    Examples
    --------
    >>> repel_labels(np.zeros(3), np.zeros(3), np.ones(3), 1.0).round(2).tolist()
    [-1.0, 0.0, 1.0]
    """
    ty = np.asarray(y, float).copy()
    x, widths = np.asarray(x, float), np.asarray(widths, float)
    side = (x[:, None] < x[None, :] + widths[None, :]) & (x[None, :] < x[:, None] + widths[:, None])
    np.fill_diagonal(side, False)
    order = np.arange(len(ty))
    for _ in range(iterations):
        gap = ty[None, :] - ty[:, None]  # j above i when > 0
        tied = gap == 0
        gap = np.where(tied, np.sign(order[None, :] - order[:, None]) * 1e-9, gap)
        clash = side & (np.abs(gap) < step * 0.999)
        if not clash.any():
            break
        push = np.where(clash, (step - np.abs(gap)) / 2 * np.sign(gap), 0.0)
        ty -= push.max(axis=1, initial=0.0) + push.min(axis=1, initial=0.0)
    return ty


def _label_points(ax: Axes, x: np.ndarray, y: np.ndarray, labels: Sequence[str], colours) -> None:
    """Direct labels beside points, moved apart (:func:`repel_labels`) so none overlap."""
    y_lo, y_hi = ax.get_ylim()
    x_lo, x_hi = ax.get_xlim()
    step = 0.045 * abs(y_hi - y_lo)
    # label width in data units: about 0.6 em per character at 8 pt on this axis' width
    bbox = ax.get_window_extent()
    per_char = 0.6 * 8 / 72 * ax.figure.dpi / max(bbox.width, 1) * (x_hi - x_lo)
    x, y = np.asarray(x, float), np.asarray(y, float)
    widths = np.array([len(str(t)) * per_char for t in labels])
    ty = repel_labels(x, y, widths, step)
    for i in range(len(x)):
        ax.annotate(
            labels[i],
            xy=(x[i], y[i]),
            xytext=(x[i] + 0.012 * (x_hi - x_lo), ty[i]),
            fontsize=8,
            color=colours[i],
            va="center",
            arrowprops={"arrowstyle": "-", "color": colours[i], "lw": 0.5}
            if abs(ty[i] - y[i]) > 0.5 * step
            else None,
        )


def fig_pareto(stats: pd.DataFrame, colours: Mapping[str, str]) -> Figure:
    """Who is in: R&D share against leakage to China (left) and against cohesion (right).

    Parameters
    ----------
    stats : pandas.DataFrame
        Per-policy statistics (``headline_table``) with ``alliance_rd_share``,
        ``leakage_to_china`` and ``cohesion``.
    colours : mapping
        Colour per policy.
    """
    policies = list(stats.index)
    fig, (left, right) = _new_figure(_WIDTH + 3, 5.2, ncols=2)
    y = stats[("alliance_rd_share", "p50")].to_numpy(float) * 100
    cols = [colours[p] for p in policies]
    for ax, name, xlabel in (
        (
            left,
            "leakage_to_china",
            f"leakage absorbed by China, final year (PPP $bn/yr); {better('leakage_to_china')}",
        ),
        (right, "cohesion", f"cohesion: share of members with margin ≥ 0; {better('cohesion')}"),
    ):
        x = stats[(name, "p50")].to_numpy(float)
        lo = stats[(name, "p10")].to_numpy(float)
        hi = stats[(name, "p90")].to_numpy(float)
        for i in range(len(policies)):
            ax.hlines(y[i], lo[i], hi[i], color=cols[i], alpha=0.35, linewidth=1.5)
        ax.scatter(x, y, c=cols, s=46, zorder=3, edgecolor="white", linewidth=0.6)
        ax.set_xlabel(xlabel, fontsize=_FONT)
        ax.set_ylabel("coalition share of world R&D, final year (%)", fontsize=_FONT)
        lo_x, hi_x = ax.get_xlim()
        ax.set_xlim(lo_x, hi_x + 0.18 * (hi_x - lo_x))
        _label_points(ax, x, y, policies, cols)
    left.set_title("R&D pooled vs leakage (up and left is better)", fontsize=10, loc="left")
    right.set_title("R&D pooled vs cohesion (up and right is better)", fontsize=10, loc="left")
    return fig


def fig_shapley(table: pd.DataFrame, outcomes: Sequence[tuple[str, str]]) -> Figure:
    """Shapley contributions of each member (bars) with ±1.96 standard errors.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy ``outcome, country, value, se``.
    outcomes : sequence of (name, axis label)
    """
    fig, axes = _new_figure(_WIDTH + 2, 3.2, ncols=len(outcomes))
    for ax, (name, label) in zip(axes, outcomes, strict=True):
        part = table[table["outcome"] == name]
        pos = np.arange(len(part))
        values = part["value"].to_numpy(float)
        ax.barh(
            pos,
            values,
            xerr=1.96 * part["se"].to_numpy(float),
            color=[_PRIMARY if v >= 0 else _ACCENT for v in values],
            alpha=0.8,
            capsize=3,
        )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(pos, list(part["country"]), fontsize=_FONT)
        ax.set_ylim(len(part) - 0.5, -0.5)
        ax.set_xlabel(label, fontsize=_FONT)
        ax.set_title(f"contribution to {label.split(',')[0]}", fontsize=9, loc="left")
    return fig


def fig_kor(diffs: pd.DataFrame, outcomes: Sequence[tuple[str, str]]) -> Figure:
    """The South Korea comparison: per-future differences (+KOR minus without), all futures
    and high-friction futures.

    Parameters
    ----------
    diffs : pandas.DataFrame
        One row per future: ``high_friction`` (bool) and one column per outcome difference.
    outcomes : sequence of (column, axis label)
    """
    from techbloc.report.figures import _horizontal

    fig, axes = _new_figure(_WIDTH + 2, 2.8, ncols=len(outcomes))
    groups = [("all futures", diffs), ("high friction", diffs[diffs["high_friction"]])]
    for ax, (name, label) in zip(axes, outcomes, strict=True):
        data = [g[name].dropna().to_numpy(float) for _, g in groups]
        ax.boxplot(
            data,
            positions=[0, 1],
            **_horizontal(),
            widths=0.5,
            whis=(10, 90),
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": _PRIMARY, "alpha": 0.3},
            medianprops={"color": _PRIMARY, "linewidth": 2},
        )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks([0, 1], [f"{g} (n={len(d)})" for (g, _), d in zip(groups, data, strict=True)])
        ax.set_ylim(1.6, -0.6)
        ax.set_xlabel(label, fontsize=_FONT)
    for ax in axes[1:]:
        ax.tick_params(labelleft=False)
    return fig


def fig_capability_will(points: pd.DataFrame) -> Figure:
    """Members' protection capability (model input) against their will (output).

    Parameters
    ----------
    points : pandas.DataFrame
        Index ISO3; ``capability`` (0-1), ``will`` (median), ``will_p10``, ``will_p90``.
    """
    fig, (ax,) = _new_figure(_WIDTH, 5.6)
    x = points["capability"].to_numpy(float)
    y = points["will"].to_numpy(float)
    ax.vlines(x, points["will_p10"], points["will_p90"], color=_MUTED, alpha=0.35, linewidth=1)
    ax.scatter(x, y, s=26, color=_PRIMARY, zorder=3)
    ax.set_xlim(0, 1.08)
    ax.set_ylim(0, 1.02)  # both are 0-1 indices: the whole scale
    _label_points(ax, x, y, [str(c) for c in points.index], [_MUTED] * len(x))
    ax.set_xlabel("protection capability, model input (0-1: ITU GCI and WGI)", fontsize=_FONT)
    ax.set_ylabel("will to protect, final year (0-1; median, 10th-90th pct)", fontsize=_FONT)
    ax.set_title("Capability (can protect) versus will (wants to)", fontsize=10, loc="left")
    return fig


def fig_capacity_building(table: pd.DataFrame) -> Figure:
    """Capacity building off and on for each partner: leakage through it and its protection.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows ``(partner, setting)`` with ``leak_p10, leak_p50, leak_p90`` and
        ``prot_p10, prot_p50, prot_p90``.
    """
    fig, (left, right) = _new_figure(_WIDTH, 3.0, ncols=2, sharey=True)
    labels = [f"{country_name(p)}, capacity building {s}" for p, s in table.index]
    pos = np.arange(len(labels))
    for ax, key, xlabel in (
        (left, "leak", "leakage China absorbs through the partner (PPP $bn/yr)"),
        (right, "prot", "partner's protection, final year (0-1)"),
    ):
        med = table[f"{key}_p50"].to_numpy(float)
        ax.hlines(pos, table[f"{key}_p10"], table[f"{key}_p90"], color=_PRIMARY, alpha=0.4, lw=3)
        ax.plot(med, pos, "o", color=_PRIMARY)
        ax.set_xlabel(xlabel, fontsize=_FONT)
    left.set_yticks(pos, labels, fontsize=_FONT)
    left.set_ylim(len(labels) - 0.5, -0.5)
    right.tick_params(labelleft=False)
    return fig


def fig_china_fan(paths: Mapping[str, pd.DataFrame], colours: Mapping[str, str]) -> Figure:
    """China's knowledge against the status quo over time, one fan per policy.

    Parameters
    ----------
    paths : mapping of policy to DataFrame
        Index year, columns ``p10, p25, p50, p75, p90`` of ``china_knowledge_vs_status_quo``.
    colours : mapping
    """
    fig, axes = _new_figure(_WIDTH + 2, 3.4, ncols=len(paths), sharey=True)
    for ax, (policy, q) in zip(axes, paths.items(), strict=True):
        c = colours[policy]
        years = q.index.to_numpy()
        ax.fill_between(years, q["p10"], q["p90"], color=c, alpha=0.15, lw=0, label="10th-90th")
        ax.fill_between(years, q["p25"], q["p75"], color=c, alpha=0.3, lw=0, label="25th-75th")
        ax.plot(years, q["p50"], color=c, lw=2, label="median")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(policy_name(policy), fontsize=10, loc="left", color=c)
        ax.set_xlabel("year", fontsize=_FONT)
    axes[0].set_ylabel("China's knowledge vs US-only controls (% change)", fontsize=_FONT)
    axes[0].legend(fontsize=7, frameon=False, loc="upper left")
    return fig


def fig_domain_gap(table: pd.DataFrame, colours: Mapping[str, str]) -> Figure:
    """Per-domain capability gap (coalition over China) at the end, median per policy.

    Parameters
    ----------
    table : pandas.DataFrame
        Index domain, one column per policy (median gap).
    colours : mapping
    """
    fig, (ax,) = _new_figure(_WIDTH, 3.4)
    pos = np.arange(len(table.index))
    n = len(table.columns)
    for j, policy in enumerate(table.columns):
        offset = (j - (n - 1) / 2) * 0.8 / max(n, 1)
        # the log ratio shown as a ratio (x) on a log axis: equal steps, no exaggeration
        ratio = np.exp(table[policy].to_numpy(float))
        ax.plot(ratio, pos + offset, "o", color=colours[policy], label=policy_name(policy), ms=6)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter

    ax.xaxis.set_major_locator(FixedLocator([0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8]))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}×")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(pos, [str(d).replace("_", " ") for d in table.index], fontsize=_FONT)
    ax.set_ylim(len(pos) - 0.5, -0.5)
    ax.axvline(1, color="black", lw=0.8)
    ax.set_xlabel("USA's capability over China's, final year (×; > 1×: USA ahead)", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def fig_stringency_ladder(
    shares: pd.DataFrame, colours: Mapping[str, str], labels: Mapping[str, str]
) -> Figure:
    """Share of futures with China stronger than under the status quo, by year.

    Parameters
    ----------
    shares : pandas.DataFrame
        Index year, one column per policy of the stringency ladder (share 0-1).
    colours : mapping
    labels : mapping
        Label per policy (e.g. with its stringency).
    """
    fig, (ax,) = _new_figure(_WIDTH, 3.2)
    for policy in shares.columns:
        ax.plot(shares.index, 100 * shares[policy], lw=2, color=colours[policy])
        ax.annotate(
            labels[policy],
            (shares.index[-1], 100 * shares[policy].iloc[-1]),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8,
            color=colours[policy],
            va="center",
        )
    ax.set_ylim(0, 100)
    ax.set_xlim(shares.index[0], shares.index[-1] + 0.22 * (shares.index[-1] - shares.index[0]))
    ax.set_xlabel("year", fontsize=_FONT)
    ax.set_ylabel("futures with China stronger (%)", fontsize=_FONT)
    return fig


def fig_credibility_by_regime(groups: Mapping[str, pd.DataFrame]) -> Figure:
    """US credibility paths for futures grouped by years of transactional administrations.

    Parameters
    ----------
    groups : mapping of label to DataFrame
        Index year, columns ``p10, p50, p90`` of credibility.
    """
    fig, (ax,) = _new_figure(_WIDTH, 3.4)
    palette = ["#0072B2", "#E69F00", "#D55E00"]
    for (label, q), c in zip(groups.items(), palette, strict=False):
        ax.fill_between(q.index, q["p10"], q["p90"], color=c, alpha=0.15, lw=0)
        ax.plot(q.index, q["p50"], color=c, lw=2, label=label)
    ax.set_ylim(0, 1)
    ax.set_xlabel("year", fontsize=_FONT)
    ax.set_ylabel("US credibility (0-1)", fontsize=_FONT)
    ax.legend(fontsize=8, frameon=False, title="transactional years", title_fontsize=8)
    return fig


def fig_cohesion_exits(
    table: pd.DataFrame, policies: Sequence[str], colours: Mapping[str, str]
) -> Figure:
    """Mean cohesion and the share of futures with an exit against transactional years.

    Parameters
    ----------
    table : pandas.DataFrame
        ``policy, transactional_years, cohesion`` (mean), ``exit`` (share of futures).
    policies : sequence of str
    colours : mapping
    """
    fig, (left, right) = _new_figure(_WIDTH + 1, 3.4, ncols=2)
    for policy in policies:
        part = table[table["policy"] == policy].sort_values("transactional_years")
        c = colours[policy]
        left.plot(
            part["transactional_years"],
            part["cohesion"],
            "o-",
            color=c,
            ms=3,
            label=policy_name(policy),
        )
        right.plot(part["transactional_years"], 100 * part["exit"], "o-", color=c, ms=3)
    left.set_ylabel("mean cohesion, final year (share of members)", fontsize=_FONT)
    right.set_ylabel("futures with at least one exit (%)", fontsize=_FONT)
    left.set_ylim(0, 1.02)  # cohesion is a share: the whole scale, no exaggerated slopes
    right.set_ylim(0, 102)
    for ax in (left, right):
        ax.set_xlabel("years under a transactional US administration", fontsize=_FONT)
    left.legend(fontsize=8, frameon=False, loc="lower left")
    return fig


def fig_sensitivity(tables: Mapping[str, pd.DataFrame], top: int = 8) -> Figure:
    """First-order sensitivity indices with 95% confidence intervals, per outcome.

    Parameters
    ----------
    tables : mapping of outcome to DataFrame
        Indexed by parameter, ``S1`` and ``S1_conf``, sorted descending.
    top : int
        Parameters shown per outcome.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(tables)
    rows = (n + 1) // 2
    fig = Figure(figsize=(_WIDTH + 2, 2.9 * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, squeeze=False).ravel()
    for ax, (outcome, t) in zip(axes, tables.items(), strict=False):
        part = t.head(top)
        pos = np.arange(len(part))
        ax.barh(pos, part["S1"], xerr=part["S1_conf"], color=_PRIMARY, alpha=0.8, capsize=2)
        ax.set_yticks(pos, list(part.index), fontsize=8)
        ax.set_ylim(len(part) - 0.5, -0.5)
        ax.set_xlim(left=0)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(True, axis="x", color="#e5e5e5", linewidth=0.7)
        ax.set_axisbelow(True)
        ax.set_xlabel("first-order index S1 (share of variance, 0-1)", fontsize=8)
        ax.set_title(outcome, fontsize=9, loc="left")
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig


def fig_gain_sources(table: pd.DataFrame) -> Figure:
    """Shares of China's cumulative knowledge gains by source, one bar per policy.

    Parameters
    ----------
    table : pandas.DataFrame
        Index policy; columns the sources (own R&D, imitation, leakage), shares 0-1.
    """
    fig, (ax,) = _new_figure(_WIDTH, 0.6 + 0.5 * len(table.index))
    left = np.zeros(len(table.index))
    pos = np.arange(len(table.index))
    for colour, source in zip((_PRIMARY, _MUTED, _ACCENT), table.columns, strict=False):
        values = 100 * table[source].to_numpy(float)
        ax.barh(pos, values, left=left, color=colour, label=source, height=0.6)
        for y, (x0, w) in enumerate(zip(left, values, strict=True)):
            if w >= 6:
                ax.text(
                    x0 + w / 2, y, f"{w:.0f}%", ha="center", va="center", fontsize=8, color="white"
                )
        left = left + values
    ax.set_yticks(pos, [policy_name(p) for p in table.index], fontsize=_FONT)
    ax.set_ylim(len(pos) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of China's knowledge gains since the start (%, median)", fontsize=9)
    ax.legend(fontsize=8, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return fig
