# The public API of techbloc: read by lazy_loader.attach_stub (names are imported on first
# use) and by type checkers. Only `from .module import name` lines; keep __all__ in step.
from .coalitions import Coalition, presets
from .errors import DataError, Error, InputError, StoreError
from .evaluation import evaluate_coalitions
from .experiments import ResultsStore, Study, run_study
from .experiments.design import sample_futures
from .model import simulate
from .params import DOMAINS, LEVERS, PARAMETERS, Parameter, parameter_table
from .policies import Policy
from .report import write_report
from .world import World, load_world

__version__: str

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
    "evaluate_coalitions",
    "load_world",
    "parameter_table",
    "presets",
    "run_study",
    "sample_futures",
    "simulate",
    "write_report",
]
