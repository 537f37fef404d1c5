"""techbloc: design and stress-test technology alliances under deep uncertainty.

The public API is small and typed; everything is imported lazily so that
``import techbloc`` is cheap and has no side effects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# public name -> module that defines it
_API: dict[str, str] = {
    "Error": "techbloc.errors",
    "InputError": "techbloc.errors",
    "DataError": "techbloc.errors",
    "StoreError": "techbloc.errors",
    "PARAMETERS": "techbloc.params",
    "DOMAINS": "techbloc.params",
    "LEVERS": "techbloc.params",
    "Parameter": "techbloc.params",
    "parameter_table": "techbloc.params",
    "load_world": "techbloc.world",
    "World": "techbloc.world",
    "Coalition": "techbloc.coalitions",
    "presets": "techbloc.coalitions",
    "Policy": "techbloc.policies",
    "simulate": "techbloc.model",
    "evaluate_coalitions": "techbloc.evaluation",
    "sample_futures": "techbloc.experiments.design",
    "Study": "techbloc.experiments",
    "run_study": "techbloc.experiments",
    "ResultsStore": "techbloc.experiments",
    "write_report": "techbloc.report",
}

__all__ = [
    "DOMAINS",
    "LEVERS",
    "PARAMETERS",
    "Coalition",
    "DataError",
    "Error",
    "InputError",
    "Parameter",
    "Policy",
    "ResultsStore",
    "StoreError",
    "Study",
    "World",
    "__version__",
    "evaluate_coalitions",
    "load_world",
    "parameter_table",
    "presets",
    "run_study",
    "sample_futures",
    "simulate",
    "write_report",
]

if TYPE_CHECKING:  # pragma: no cover
    from techbloc.coalitions import Coalition, presets
    from techbloc.errors import DataError, Error, InputError, StoreError
    from techbloc.evaluation import evaluate_coalitions
    from techbloc.experiments import ResultsStore, Study, run_study
    from techbloc.experiments.design import sample_futures
    from techbloc.model import simulate
    from techbloc.params import DOMAINS, LEVERS, PARAMETERS, Parameter, parameter_table
    from techbloc.policies import Policy
    from techbloc.report import write_report
    from techbloc.world import World, load_world


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module 'techbloc' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
