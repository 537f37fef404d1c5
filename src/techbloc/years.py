"""The default simulated period, as one pair of constants every module may import.

This module imports nothing, so the model, the experiments, the analysis functions, the
command line and the service all take their default years from here.
"""

from __future__ import annotations

__all__ = ["DEFAULT_END_YEAR", "DEFAULT_START_YEAR", "FIRST_YEAR", "LAST_YEAR", "check_years"]

#: First simulated year: the latest year with data (MODEL.md, "Years").
DEFAULT_START_YEAR = 2024
#: Last simulated year of a default run.
DEFAULT_END_YEAR = 2050

#: Earliest year a run may start: the bundle's earliest historical data (the historical
#: starts of the model begin in 2010).
FIRST_YEAR = 2010
#: Latest year a run may reach: the model's projections (growth trends, fading intensities)
#: are not meant beyond the end of the century.
LAST_YEAR = 2100


def check_years(start: int, end: int, *, start_name: str = "start", end_name: str = "end") -> None:
    """Refuse a simulated period outside ``FIRST_YEAR``-``LAST_YEAR`` or with end before start.

    Raises
    ------
    techbloc.errors.InputError
        Naming the option (``start_name``, ``end_name``) and the bounds.
    """
    from techbloc.errors import InputError

    for name, year in ((start_name, start), (end_name, end)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InputError(f"{name} {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
    if end < start:
        raise InputError(f"{end_name} {end} is before {start_name} {start}")
