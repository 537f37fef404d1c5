"""Studies at scale: designs, chunked execution, the results store, resume.

Nothing heavy is imported here: the public names are listed once, in ``__init__.pyi``
beside this file, and each is imported on first use (``lazy_loader.attach_stub``).

- :class:`Study`: a validated study definition (YAML or Python).
- :func:`run_study`: run or resume a study into a :class:`ResultsStore`.
- :func:`resolve`: a study's world, policies and design (:class:`Resolved`), what the one
  runner runs into a sink (:class:`StoreSink`, :class:`MemorySink`).
- :class:`ResultsStore`: read a study's results (scenarios, outcomes, trajectories).
- Executors: :class:`InProcessExecutor`, :class:`ProcessExecutor`, :class:`DaskExecutor`.
- :func:`sample_design`: Latin hypercube, Sobol/Saltelli, full factorial or a table.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
