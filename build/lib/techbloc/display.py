"""Readable representations of techbloc objects, in a console and in a notebook.

``World``, ``Coalition``, ``Policy``, ``Study`` and ``ResultsStore`` describe themselves as
a heading plus a few labelled facts. :func:`text_repr` lays them out for ``repr()``;
:func:`html_repr` as a small HTML table for Jupyter's ``_repr_html_``. Both escape nothing
the caller has not given them, and :func:`html_repr` escapes everything it is given.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["html_repr", "shorten", "text_repr"]

Facts = Sequence[tuple[str, str]]


def shorten(items: Sequence[str], limit: int = 12) -> str:
    """``"USA, JPN, ..., ROW (59)"``: a list joined, long ones elided in the middle."""
    items = [str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items)
    head = items[: limit - 2]
    return f"{', '.join(head)}, …, {items[-1]} ({len(items)})"


def text_repr(heading: str, facts: Facts) -> str:
    """A heading line, then one ``  label: value`` line per fact."""
    width = max((len(label) for label, _ in facts), default=0)
    lines = [heading]
    for label, value in facts:
        text = " ".join(str(value).split())
        lines.append(f"  {label + ':':<{width + 1}} {text}")
    return "\n".join(lines)


def html_repr(heading: str, facts: Facts) -> str:
    """A heading and a two-column table of facts, everything HTML-escaped."""
    rows = "".join(
        "<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>"
        f"{html.escape(label)}</th><td style='text-align:left'>{html.escape(str(value))}</td>"
        "</tr>"
        for label, value in facts
    )
    return (
        "<div class='techbloc-repr'>"
        f"<p style='margin:0 0 .3em 0'><b>{html.escape(heading)}</b></p>"
        f"<table>{rows}</table></div>"
    )
