"""The simulated period: defaults every module may import, and the years the model accepts.

This module imports only :mod:`techbloc.errors`, so the model, the experiments, the
analysis functions, the command line and the service all take their default years and
their check of a period from here.
"""

from __future__ import annotations

from techbloc.errors import InputError

__all__ = [
    "DEFAULT_END_YEAR",
    "DEFAULT_START_YEAR",
    "EARLIEST_START_YEAR",
    "LAST_YEAR",
    "check_years",
]

#: First simulated year: the latest year with data (MODEL.md, "Years").
DEFAULT_START_YEAR = 2024
#: Last simulated year of a default run.
DEFAULT_END_YEAR = 2050
#: Earliest start year: the model starts from observed history (NCSES SRD-1 2010, IC
#: Insights 2010, the US administration in office since 2009).
EARLIEST_START_YEAR = 2010
#: Latest year a run may reach: the model's projections (growth trends, fading intensities)
#: are not meant beyond the end of the century.
LAST_YEAR = 2100


def check_years(start: int, end: int, *, start_name: str = "start", end_name: str = "end") -> None:
    """Refuse a period starting before :data:`EARLIEST_START_YEAR`, ending after
    :data:`LAST_YEAR`, or ending before it starts.

    Raises
    ------
    techbloc.errors.InputError
        Naming the option (``start_name``, ``end_name``) and the bounds.
    """
    span = f"{EARLIEST_START_YEAR}-{LAST_YEAR}"
    if start < EARLIEST_START_YEAR:
        raise InputError(
            f"{start_name} {start} is outside {span}: before {EARLIEST_START_YEAR} the model "
            "has no observed history (GERD, self-sufficiency, US administrations) to start "
            f"from; use a start year from {EARLIEST_START_YEAR}"
        )
    for name, year in ((start_name, start), (end_name, end)):
        if not EARLIEST_START_YEAR <= year <= LAST_YEAR:
            raise InputError(f"{name} {year} is outside {span}, the years the model runs")
    if end < start:
        raise InputError(f"{end_name} {end} is before {start_name} {start}")
