"""Figures and tables of a report, kept for the HTML and written beside it as files.

Every figure is embedded in the HTML as a PNG data URI and also written as PNG and SVG (for
slides); every table is written as CSV. :class:`Assets` collects them while the report is
computed and :meth:`Assets.write` puts them in a directory next to the report.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["Assets"]


@dataclass
class Assets:
    """Figures (PNG bytes and SVG text) and tables (DataFrames) by file stem."""

    figures: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def figure(self, key: str, fig: Figure, caption: str, *, dpi: int = 100) -> dict[str, Any]:
        """Render ``fig`` (then release it) and return what the template shows.

        Parameters
        ----------
        key : str
            File stem, unique in the report (``fig_a1_pareto``).
        fig : matplotlib.figure.Figure
        caption : str
            What the figure shows and how to read it.

        Returns
        -------
        dict
            ``key``, ``image`` (PNG data URI), ``caption``, ``png`` and ``svg`` file names.
        """
        png, svg = io.BytesIO(), io.StringIO()
        try:
            fig.savefig(png, format="png", dpi=dpi, facecolor="white")
            fig.savefig(svg, format="svg", facecolor="white")
        finally:
            fig.clear()
        self.figures[key] = (png.getvalue(), svg.getvalue())
        uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
        return {
            "key": key,
            "image": uri,
            "caption": caption,
            "png": f"{key}.png",
            "svg": f"{key}.svg",
        }

    def table(self, key: str, frame: pd.DataFrame) -> str:
        """Keep ``frame`` to be written as ``<key>.csv``; returns the file name."""
        self.tables[key] = frame
        return f"{key}.csv"

    def add(self, other: Assets) -> None:
        """Take ``other``'s figures and tables (e.g. those a worker process made)."""
        self.figures.update(other.figures)
        self.tables.update(other.tables)

    def write(self, directory: Path) -> list[Path]:
        """Write every figure (PNG, SVG) and table (CSV) into ``directory``.

        Returns
        -------
        list of Path
            The files written.
        """
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for key, (png, svg) in self.figures.items():
            (directory / f"{key}.png").write_bytes(png)
            (directory / f"{key}.svg").write_text(svg, encoding="utf-8")
            written += [directory / f"{key}.png", directory / f"{key}.svg"]
        for key, frame in self.tables.items():
            path = directory / f"{key}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
        return written
