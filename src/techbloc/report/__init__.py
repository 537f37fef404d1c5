"""Reports: a self-contained HTML report of a study, and the figures in it.

Nothing heavy is imported here; each name is loaded on first use.

- :func:`write_report`: read a finished results store, write one HTML file with inline
  figures (no external assets).
- :func:`report_context`: the numbers and figures the report shows, as a dict.
- :mod:`techbloc.report.figures`: the figures as pure functions returning matplotlib figures.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "write_report": "techbloc.report.html",
    "report_context": "techbloc.report.html",
    "headline_stats": "techbloc.report.html",
}

__all__ = ["headline_stats", "report_context", "write_report"]

if TYPE_CHECKING:  # pragma: no cover
    from techbloc.report.html import headline_stats, report_context, write_report


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
