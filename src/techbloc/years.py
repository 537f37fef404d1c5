"""The simulated period: defaults every module may import, and the years the model accepts.

This module imports only :mod:`techbloc.errors`, so the model, the experiments, the
analysis functions, the command line and the service all take their default years and
their start-year check from here.
"""

from __future__ import annotations

from techbloc.errors import InputError

__all__ = ["DEFAULT_END_YEAR", "DEFAULT_START_YEAR", "EARLIEST_START_YEAR", "check_years"]

#: First simulated year: the latest year with data (MODEL.md, "Years").
DEFAULT_START_YEAR = 2024
#: Last simulated year of a default run.
DEFAULT_END_YEAR = 2050
#: Earliest start year: the model starts from observed history (NCSES SRD-1 2010, IC
#: Insights 2010, the US administration in office since 2009).
EARLIEST_START_YEAR = 2010


def check_years(start: int, end: int) -> None:
    """Refuse a start year before :data:`EARLIEST_START_YEAR` or an end before the start.

    Raises
    ------
    techbloc.errors.InputError
    """
    if start < EARLIEST_START_YEAR:
        raise InputError(
            f"start year {start} is before {EARLIEST_START_YEAR}: the model starts from "
            f"observed history (GERD, self-sufficiency, US administrations), which it has "
            f"from {EARLIEST_START_YEAR} on; use a start year from {EARLIEST_START_YEAR}"
        )
    if end < start:
        raise InputError(f"end year {end} is before start year {start}")
