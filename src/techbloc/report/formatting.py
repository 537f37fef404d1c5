"""Number formatting shared by the report's tables and sentences."""

from __future__ import annotations

import math

__all__ = ["MINUS", "better", "format_value", "percent", "signed"]


def better(name: str) -> str:
    """``"more is better"`` or ``"less is better"`` for a registered outcome, else ``""``.

    Examples
    --------
    >>> better("cohesion"), better("leakage_to_china"), better("members_remaining")
    ('more is better', 'less is better', '')
    """
    from techbloc.model.outputs import Direction, find_output

    meta = find_output(name)
    if meta is None or meta.direction is Direction.INFO:
        return ""
    return "more is better" if meta.direction is Direction.MAXIMIZE else "less is better"


#: The minus sign the report prints (U+2212), as typeset text and matplotlib's axes have it.
MINUS = "\u2212"


def signed(value: float, spec: str) -> str:
    """``format(value, spec)`` with a true minus sign in front of a negative number
    (``signed(-0.0385, "+.3g")`` is ``"−0.0385"``)."""
    return _true_minus(format(value, spec))


def _true_minus(text: str) -> str:
    """``text``, a formatted number, with :data:`MINUS` for a leading hyphen."""
    return MINUS + text[1:] if text.startswith("-") else text


def format_value(value: float | None) -> str:
    """Three significant digits, no exponent, thousands separators above 1,000.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    str
        ``"–"`` for a missing value; ``"0.512"``, ``"0.00123"``, ``"5.3"``, ``"12,345"``,
        ``"−0.0413"`` (a true minus sign).
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else _true_minus(text)


def percent(value: float) -> str:
    """A share as a whole percentage (``"42%"``), one under 1% with two significant digits
    (``"0.48%"``, not a ``"0%"`` that reads as none); ``"–"`` when not finite."""
    if not math.isfinite(value):
        return "–"
    points = 100 * value
    if 0 < abs(points) < 0.995:
        digits = 1 - math.floor(math.log10(abs(points)))
        return signed(points, f".{digits}f") + "%"
    return signed(points, ".0f") + "%"
