"""Rendering: the self-contained HTML report of a finished study.

:func:`write_report` reads a results store (see :class:`techbloc.experiments.ResultsStore`)
and writes one HTML file with everything inline (CSS, tables, figures as base64 PNG), so it
can be mailed, archived or opened offline; beside it, a ``<name>_files`` directory holds
every figure as PNG and SVG and every table as CSV.

The report follows MODEL.md section 1; what it shows is computed in
:mod:`techbloc.report.sections` (:func:`report_context`), and rendered here with the Jinja
template ``templates/report.html.j2``. ``report_context`` and ``HEADLINE_OUTCOMES`` stay
importable from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from techbloc.report.formatting import format_value
from techbloc.report.naming import country_name, policy_name
from techbloc.report.sections import (
    HEADLINE_OUTCOMES,
    build_context,
    report_context,
)

__all__ = [
    "HEADLINE_OUTCOMES",
    "asset_dir",
    "format_value",
    "report_context",
    "write_report",
]


def asset_dir(out: str | Path) -> Path:
    """The directory of figures (PNG, SVG) and tables (CSV) written beside report ``out``."""
    out = Path(out)
    return out.with_name(f"{out.stem}_files")


def write_report(
    store_dir: str | Path,
    out: str | Path,
    *,
    title: str | None = None,
    analysis_sample: int = 0,
) -> Path:
    """Write a self-contained HTML report of a finished study, and its figures and tables.

    Parameters
    ----------
    store_dir : str or Path
        Directory of the study's results store.
    out : str or Path
        HTML file to write (parent directories are created). Written atomically. Figures
        (PNG and SVG) and tables (CSV) go to :func:`asset_dir` (``<stem>_files`` beside it).
    title : str, optional
        Report title (default: ``"techbloc study report: <study name>"``).
    analysis_sample : int
        Scenario discovery and sensitivity use a random ``analysis_sample`` of the futures
        (drawn with the study's seed) when the study has more, and say so; 0 (default)
        uses every future. Their resampling is most of a large study's report time.

    Returns
    -------
    Path
        The HTML file written.

    Raises
    ------
    techbloc.errors.StoreError
        If ``store_dir`` holds no store or no results.

    Examples
    --------
    >>> from techbloc.report import write_report
    >>> write_report("out/study", "out/report.html")  # doctest: +SKIP
    PosixPath('out/report.html')
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    out = Path(out)
    context, assets = build_context(Path(store_dir), title, analysis_sample=analysis_sample)
    context["header"]["asset_dir"] = asset_dir(out).name
    env = Environment(
        loader=PackageLoader("techbloc.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["format_value"] = format_value
    env.globals["policy_name"] = policy_name  # the body names policies plainly
    env.globals["country_name"] = country_name  # and countries
    html = env.get_template("report.html.j2").render(**context)
    out.parent.mkdir(parents=True, exist_ok=True)
    assets.write(asset_dir(out))
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, out)
    return out
