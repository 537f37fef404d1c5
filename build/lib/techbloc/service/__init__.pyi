# The public API of techbloc.service: read by lazy_loader.attach_stub (names are imported on
# first use) and by type checkers. Only `from .module import name` lines; keep __all__ in
# step.
from .app import create_app
from .jobs import JobManager

__all__ = ["JobManager", "create_app"]
