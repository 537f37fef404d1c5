"""Reports: a self-contained HTML report of a study, and the figures in it.

Nothing heavy is imported here: the public names are listed once, in ``__init__.pyi``
beside this file, and each is imported on first use (``lazy_loader.attach_stub``).

- :func:`write_report`: read a finished results store, write one HTML file with inline
  figures (no external assets).
- :func:`report_context`: the numbers and figures the report shows, as a dict.
- :mod:`techbloc.report.figures`: the figures as pure functions returning matplotlib figures.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
