"""Studies at scale: designs, chunked execution, the results store, resume.

Nothing heavy is imported here; each name is loaded on first use.

- :class:`Study`: a validated study definition (YAML or Python).
- :func:`run_study`: run or resume a study into a :class:`ResultsStore`.
- :class:`ResultsStore`: read a study's results (scenarios, outcomes, trajectories).
- Executors: :class:`InProcessExecutor`, :class:`ProcessExecutor`, :class:`DaskExecutor`.
- :func:`sample_design`: Latin hypercube, Sobol/Saltelli, full factorial or a table.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "Study": "techbloc.experiments.study",
    "run_study": "techbloc.experiments.runner",
    "RunSummary": "techbloc.experiments.runner",
    "plan_chunks": "techbloc.experiments.runner",
    "ResultsStore": "techbloc.experiments.store",
    "Executor": "techbloc.experiments.executors",
    "InProcessExecutor": "techbloc.experiments.executors",
    "ProcessExecutor": "techbloc.experiments.executors",
    "DaskExecutor": "techbloc.experiments.executors",
    "make_executor": "techbloc.experiments.executors",
    "sample_design": "techbloc.experiments.design",
}

__all__ = [
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "ResultsStore",
    "RunSummary",
    "Study",
    "make_executor",
    "plan_chunks",
    "run_study",
    "sample_design",
]

if TYPE_CHECKING:  # pragma: no cover
    from techbloc.experiments.design import sample_design
    from techbloc.experiments.executors import (
        DaskExecutor,
        Executor,
        InProcessExecutor,
        ProcessExecutor,
        make_executor,
    )
    from techbloc.experiments.runner import RunSummary, plan_chunks, run_study
    from techbloc.experiments.store import ResultsStore
    from techbloc.experiments.study import Study


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
