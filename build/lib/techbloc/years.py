"""The default simulated period, as one pair of constants every module may import.

This module imports nothing, so the model, the experiments, the analysis functions, the
command line and the service all take their default years from here.
"""

from __future__ import annotations

__all__ = ["DEFAULT_END_YEAR", "DEFAULT_START_YEAR"]

#: First simulated year: the latest year with data (MODEL.md, "Years").
DEFAULT_START_YEAR = 2024
#: Last simulated year of a default run.
DEFAULT_END_YEAR = 2050
