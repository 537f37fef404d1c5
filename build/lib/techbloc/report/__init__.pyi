# The public API of techbloc.report: read by lazy_loader.attach_stub (names are imported on
# first use) and by type checkers. Only `from .module import name` lines; keep __all__ in
# step.
from .html import report_context, write_report

__all__ = ["report_context", "write_report"]
