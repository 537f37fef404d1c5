"""``techbloc report``: a self-contained HTML report of a finished study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["print_pdf", "register"]


def report(
    directory: Annotated[Path, typer.Argument(help="Results directory of `techbloc explore`.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default: DIR/report.html)."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", "-t", help="Report title (default: the main finding)."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option(help="Also print the report to PDF beside it (headless Chromium).")
    ] = True,
    analysis_sample: Annotated[
        int,
        typer.Option(
            "--analysis-sample",
            min=0,
            help="Scenario discovery and sensitivity on a random N of the futures (drawn "
            "with the study's seed) when the study has more: most of a large study's report "
            "time is their resampling. 0 (default): every future.",
        ),
    ] = 0,
) -> None:
    """Write a study's report: one self-contained HTML file and the same as PDF beside it.

    Tables and figures are inline, so the HTML file alone is the whole report."""
    from techbloc.report.html import write_report

    path = write_report(
        directory, out or directory / "report.html", title=title, analysis_sample=analysis_sample
    )
    size = path.stat().st_size / 1e6
    typer.echo(f"report written to {path} ({size:.1f} MB)")
    if pdf:
        typer.echo(print_pdf(path))


def print_pdf(html: Path) -> str:
    """Print ``html`` to PDF beside it; the line to show (where, or why not)."""
    from techbloc.report.pdf import PdfUnavailableError, write_pdf

    out = html.with_suffix(".pdf")  # named as the HTML was (relative stays relative)
    try:
        write_pdf(html, out)
    except PdfUnavailableError as exc:
        return f"no PDF: {exc}"
    return f"PDF written to {out}"


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
