"""History matching: check the model against 2010–2023 and keep the futures that fit.

- :mod:`~techbloc.calibration.targets`: the targets table (what was observed, its
  uncertainty, the model output and transformation it is compared with);
- :mod:`~techbloc.calibration.history`: running the model over 2010–2023 (in-process or as
  studies on the study runner) and reading the targets' model values;
- :mod:`~techbloc.calibration.matching`: implausibility, waves, the constraint table;
- :mod:`~techbloc.calibration.calibrated`: calibrated futures sets on disk;
- :mod:`~techbloc.calibration.pipeline`: :func:`hindcast` and :func:`calibrate`.

See docs/calibration.md.
"""

from techbloc.calibration.calibrated import (
    BUNDLED_SET,
    CalibratedSet,
    load_calibrated,
    sample_calibrated,
)
from techbloc.calibration.matching import (
    HistoryMatch,
    constraint_table,
    history_match,
    implausibility,
    non_implausible,
)
from techbloc.calibration.pipeline import Hindcast, calibrate, hindcast
from techbloc.calibration.targets import load_targets

__all__ = [
    "BUNDLED_SET",
    "CalibratedSet",
    "Hindcast",
    "HistoryMatch",
    "calibrate",
    "constraint_table",
    "hindcast",
    "history_match",
    "implausibility",
    "load_calibrated",
    "load_targets",
    "non_implausible",
    "sample_calibrated",
]
