# The public API of techbloc.experiments: read by lazy_loader.attach_stub (names are
# imported on first use) and by type checkers. Only `from .module import name` lines; keep
# __all__ in step.
from .design import sample_design
from .executors import (
    DaskExecutor,
    Executor,
    InProcessExecutor,
    ProcessExecutor,
    make_executor,
)
from .resolve import Resolved, resolve
from .runner import RunSummary, plan_chunks, run_study
from .sinks import MemorySink, StoreSink
from .store import ResultsStore
from .study import Study

__all__ = [
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "MemorySink",
    "ProcessExecutor",
    "Resolved",
    "ResultsStore",
    "RunSummary",
    "StoreSink",
    "Study",
    "make_executor",
    "plan_chunks",
    "resolve",
    "run_study",
    "sample_design",
]
