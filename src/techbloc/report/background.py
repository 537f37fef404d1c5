"""Report sections computed in a second process while the main one builds the others.

Scenario discovery (PRIM with bootstrap resampling), sensitivity (SALib's given-data
estimator with bootstrap intervals) and the summary's findings (bootstrap intervals over
futures) read only the store's data, share nothing with the other sections and take about
40% of a report's time, on one core. On a machine with a second
core :class:`BackgroundSections` computes them in a fresh interpreter
(``python -m techbloc.report.background IN OUT``, the data and the result passed as pickle
files; not :mod:`multiprocessing`, which would re-run the caller's script in the worker when
it has no ``if __name__ == "__main__"`` guard) and hands back their context and figures.
Otherwise, or when the worker cannot start or fails, they are computed in place, and an
error in a section is raised there as it would be without a worker. The results are the same
either way: the sections' randomness comes from their own fixed seeds. A test that patches
an analysis function in this process must keep them in place (``_spare_core`` returning
False): the worker does not see the patch.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from techbloc.report.assets import Assets

if TYPE_CHECKING:
    from techbloc.report.data import StoreData

__all__ = ["BackgroundSections", "compute_sections"]

Sections = dict[str, dict[str, Any]]


def compute_sections(data: StoreData, analysis_sample: int = 0) -> tuple[Sections, Assets]:
    """The ``discovery`` and ``sensitivity`` sections and the summary's ``findings``, and the
    figures and tables they made.

    Parameters
    ----------
    data : StoreData
    analysis_sample : int
        Scenario discovery and sensitivity use a random ``analysis_sample`` of the futures
        (:meth:`StoreData.sample`) when the study has more; 0 (default) uses them all. The
        findings always use every future.

    Returns
    -------
    dict
        ``{"discovery": ..., "sensitivity": ..., "findings": ...}``, as
        :func:`techbloc.report.robust.discovery`,
        :func:`~techbloc.report.robust.sensitivity_section` and
        :func:`techbloc.report.findings.findings` (seeded with the study's seed) return them.
    Assets
        The figures and tables they made.
    """
    from techbloc.report import robust
    from techbloc.report.findings import findings

    assets = Assets()
    sample = data.sample(analysis_sample)
    sections = {
        "discovery": robust.discovery(sample, assets),
        "sensitivity": robust.sensitivity_section(sample, assets),
        "findings": findings(data, seed=data.seed),
    }
    return sections, assets


def _spare_core() -> bool:
    """Whether a worker would run beside this process: two or more usable CPUs."""
    from techbloc.experiments.executors import usable_cpus

    return usable_cpus() >= 2


class BackgroundSections:
    """:func:`compute_sections` of ``data``, started now and collected by :meth:`result`.

    Use as a context manager, so that a worker still running when the report fails is
    stopped.

    Parameters
    ----------
    data : StoreData
    parallel : bool
        Compute them in a worker process when a second core is free (default); False
        computes them in place, in :meth:`result`.
    analysis_sample : int
        As in :func:`compute_sections`.
    """

    def __init__(self, data: StoreData, *, parallel: bool = True, analysis_sample: int = 0) -> None:
        self._data = data
        self._sample = analysis_sample
        self._worker: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        if parallel and _spare_core():
            self._start()

    def _start(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="techbloc-report-")
        given, made = Path(self._dir.name, "data.pickle"), Path(self._dir.name, "made.pickle")
        try:
            with given.open("wb") as file:
                pickle.dump(self._data, file, protocol=pickle.HIGHEST_PROTOCOL)
            # the worker imports what this process imports, from where it found it
            path = os.pathsep.join(p for p in sys.path if p)
            self._worker = subprocess.Popen(
                [sys.executable, "-m", __name__, str(given), str(made), str(self._sample)],
                env={**os.environ, "PYTHONPATH": path},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # a failure is reproduced in place, with its error
            )
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            self.close()  # no process here (limits, sandbox), or data it cannot take

    @property
    def in_background(self) -> bool:
        """Whether a worker process is computing the sections."""
        return self._worker is not None

    def result(self, assets: Assets) -> Sections:
        """The sections' contexts; their figures and tables are added to ``assets``.

        A worker that failed (an error in a section, killed, out of memory) has them computed
        in place, where an error in a section is raised as it would be without a worker.
        """
        computed: tuple[Sections, Assets] | None = None
        if self._worker is not None and self._dir is not None and self._worker.wait() == 0:
            with Path(self._dir.name, "made.pickle").open("rb") as file:
                computed = pickle.load(file)
        self.close()
        sections, made = computed or compute_sections(self._data, self._sample)
        assets.add(made)
        return sections

    def close(self) -> None:
        """Stop the worker if it is still running, and remove its files."""
        if self._worker is not None:
            if self._worker.poll() is None:
                self._worker.kill()
            self._worker.wait()
            self._worker = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> BackgroundSections:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _main(given: str, made: str, analysis_sample: str) -> None:
    """The worker: read the data from ``given``, write the sections to ``made``."""
    with open(given, "rb") as file:
        data = pickle.load(file)
    computed = compute_sections(data, int(analysis_sample))
    part = made + ".part"
    with open(part, "wb") as file:
        pickle.dump(computed, file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(part, made)


if __name__ == "__main__":
    _main(*sys.argv[1:4])
