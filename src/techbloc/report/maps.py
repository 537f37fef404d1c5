"""Maps of the report: who is in which coalition, and each member's will to protect.

The world outline is the one the dashboard bundles (``techbloc/service/static/map/
world.json``: Natural Earth 1:50m via world-atlas, Equal Earth projection, paths already
projected; see its LICENSE); nothing is fetched. Figures are drawn on their own Agg canvas.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from techbloc.report.arrays import median
from techbloc.report.naming import policy_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from techbloc.report.assets import Assets
    from techbloc.report.data import StoreData

__all__ = ["fig_coalition_map", "fig_will_map", "maps_section", "world_geometry"]

_LAND, _EDGE, _CHINA = "#e4e7eb", "#ffffff", "#5f6b77"
_RING = re.compile(r"M([^MZ]+)Z?")


@functools.lru_cache(maxsize=1)
def world_geometry() -> dict[str, Any]:
    """The bundled world map: ``width``, ``height``, ``views`` and ``countries`` (``name``,
    ``d`` (SVG path of M/L/Z commands), and for candidates ``iso3``; small ones ``cx``,
    ``cy``)."""
    path = resources.files("techbloc") / "service" / "static" / "map" / "world.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _rings(d: str) -> list[np.ndarray]:
    """The closed rings of an M/L/Z path as ``(n, 2)`` arrays."""
    rings = []
    for part in _RING.findall(d):
        xy = np.array(
            [[float(v) for v in pt.split(",")] for pt in part.split("L") if pt.strip()], float
        )
        if len(xy) >= 3:
            rings.append(xy)
    return rings


def _draw(ax: Any, fill: Mapping[str, str], view: Sequence[float] | None = None) -> None:
    from matplotlib.collections import PolyCollection

    geometry = world_geometry()
    polygons, colours = [], []
    dots = []
    for shape in geometry["countries"]:
        colour = fill.get(shape.get("iso3", ""), _LAND)
        for ring in _rings(shape["d"]):
            polygons.append(ring)
            colours.append(colour)
        if shape.get("small") and shape.get("iso3") in fill:
            dots.append((shape["cx"], shape["cy"], colour))
    ax.add_collection(
        PolyCollection(polygons, facecolors=colours, edgecolors=_EDGE, linewidths=0.3)
    )
    for x, y, colour in dots:
        ax.plot(x, y, "o", ms=3.5, color=colour, mec="white", mew=0.5)
    x0, y0, w, h = view or geometry["views"]["World"]
    ax.set_xlim(x0, x0 + w)
    ax.set_ylim(y0 + h, y0)  # SVG y runs down
    ax.set_aspect("equal")
    ax.set_axis_off()


def fig_coalition_map(
    groups: Sequence[tuple[str, Sequence[str]]], colours: Mapping[str, str]
) -> Figure:
    """Countries coloured by the smallest coalition of ``groups`` they belong to.

    Parameters
    ----------
    groups : sequence of (label, members)
        Coalitions from the smallest to the largest (nested or not); a country takes the
        colour of the first group holding it.
    colours : mapping
        Colour of each label.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fill: dict[str, str] = {"CHN": _CHINA}
    for label, members in groups:
        for code in members:
            fill.setdefault(code, colours[label])
    fig = Figure(figsize=(8, 4.1), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    _draw(ax, fill)
    handles = [
        Patch(color=colours[label], label=("" if i == 0 else "also in ") + policy_name(label))
        for i, (label, _) in enumerate(groups)
    ] + [Patch(color=_CHINA, label="China")]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(4, len(handles)),
        frameon=False,
        fontsize=9,
    )
    return fig


def fig_will_map(will: pd.Series, title: str) -> Figure:
    """Members coloured by their median will to protect shared technology (0-1)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize, to_hex
    from matplotlib.figure import Figure

    cmap, norm = colormaps["cividis"], Normalize(0, 1)
    fill = {str(c): to_hex(cmap(norm(v))) for c, v in will.dropna().items()}
    fill["CHN"] = _CHINA
    fig = Figure(figsize=(8, 4.3), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    _draw(ax, fill)
    bar = fig.colorbar(
        ScalarMappable(norm, cmap),
        ax=ax,
        orientation="horizontal",
        fraction=0.05,
        shrink=0.5,
        pad=0.02,
    )
    bar.set_label(title, fontsize=9)
    bar.ax.tick_params(labelsize=8)
    return fig


def maps_section(data: StoreData, colours: Mapping[str, str], assets: Assets) -> dict[str, Any]:
    """The map of the coalitions the questions compare, and of members' will."""
    roles = data.roles
    labels = list(dict.fromkeys(p for p in (roles.core, roles.kor, roles.widest) if p))
    groups = [(p, roles.members.get(p, ())) for p in labels]
    result: dict[str, Any] = {"figures": [], "notes": []}
    result["figures"].append(
        assets.figure(
            "fig_m1_coalitions",
            fig_coalition_map(groups, colours),
            "The coalitions the findings compare: "
            + ", ".join(policy_name(p) for p in labels)
            + " (each country in the colour of the smallest that holds it), with China. "
            "Small members are marked with a dot.",
        )
    )
    if data.countries is not None:
        will = data.countries.summary(
            roles.widest, keys=roles.members.get(roles.widest, ()), will=median("will")
        )["will"]
        result["figures"].append(
            assets.figure(
                "fig_m2_will",
                fig_will_map(will, f"will to protect shared technology, {data.study.years.end}"),
                f"Each member of {policy_name(roles.widest)} coloured by its will to protect "
                f"shared technology in {data.study.years.end} (a model output, 0-1, median "
                "over futures); grey land is outside the coalition, China dark grey.",
            )
        )
    else:
        result["notes"].append("The will map is not shown: the store has no per-country outputs.")
    return result
