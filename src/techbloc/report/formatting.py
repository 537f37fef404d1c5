"""Number formatting shared by the report's tables and sentences."""

from __future__ import annotations

import math

__all__ = ["format_value", "percent"]


def format_value(value: float | None) -> str:
    """Three significant digits, no exponent, thousands separators above 1,000.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    str
        ``"–"`` for a missing value; ``"0.512"``, ``"0.00123"``, ``"5.3"``, ``"12,345"``.
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
    return "0" if text in ("-0", "") else text


def percent(value: float) -> str:
    """A share as a whole percentage (``"42%"``); ``"–"`` when not finite."""
    return "–" if not math.isfinite(value) else f"{100 * value:.0f}%"
