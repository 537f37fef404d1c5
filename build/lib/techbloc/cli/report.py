"""``techbloc report``: a self-contained HTML report of a finished study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def report(
    directory: Annotated[Path, typer.Argument(help="Results directory of `techbloc explore`.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default: DIR/report.html)."),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", "-t", help="Report title (default: from the study).")
    ] = None,
) -> None:
    """Write one self-contained HTML report (tables and figures inline) of a study."""
    from techbloc.report.html import write_report

    path = write_report(directory, out or directory / "report.html", title=title)
    size = path.stat().st_size / 1e6
    typer.echo(f"report written to {path} ({size:.1f} MB)")


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
