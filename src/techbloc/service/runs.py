"""The service's two kinds of background job: studies and evaluations.

Each is a :class:`~techbloc.service.jobs.JobKind` run by the one
:class:`~techbloc.service.jobs.JobManager`; what they do their own way is here:

- :class:`StudyKind` (``POST /api/studies``): runs the study with
  :func:`techbloc.experiments.runner.run_study` into its own results store
  ``<root>/<job id>`` (the job id comes from the study's hash, so the same study always
  goes to the same store and a failed or cancelled one resumes from the chunks it stored);
  its parts are chunks, counted as they are stored; its state is persisted to
  ``<root>/<job id>/job.json``, so finished jobs survive a restart of the server; the root
  keeps at most ``keep`` jobs (:data:`MAX_JOBS`; delete some to submit more).
- :class:`EvaluationKind` (``POST /api/evaluations``): runs the request in the service's
  :class:`~techbloc.service.evaluator.EvaluationWorker` process (shared with
  ``POST /api/evaluate``, one evaluation at a time), within :data:`RUN_TIMEOUT`; cancelling
  it stops the worker process at once; its result (fans, domains, stability) and state live
  in memory, the last ``keep`` finished ones kept.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from techbloc.service.evaluator import MAX_WAITING, EvaluationCancelledError, EvaluationWorker
from techbloc.service.jobs import Job, JobCancelledError, JobKind, Progress

if TYPE_CHECKING:
    from techbloc.experiments.executors import Executor
    from techbloc.experiments.study import Study

__all__ = [
    "JOB_FILE",
    "MAX_EVALUATIONS",
    "MAX_JOBS",
    "MAX_QUEUED",
    "MAX_QUEUED_WORK",
    "RUN_TIMEOUT",
    "EvaluationKind",
    "StudyKind",
]

#: Name of the job state file inside a study job's directory.
JOB_FILE = "job.json"
#: Study jobs that may be queued or running at once.
MAX_QUEUED = 8
#: Scenarios × policies × years of the study jobs queued or running at once (four of the
#: service's largest studies).
MAX_QUEUED_WORK = 80_000_000
#: Study jobs kept in the store root (finished or not); delete some to submit more.
MAX_JOBS = 200
#: Seconds one background evaluation may run.
RUN_TIMEOUT = 900.0
#: Background evaluations queued or running at once (the worker's waiting line, plus one).
MAX_EVALUATIONS = MAX_WAITING + 1
#: Finished background evaluations kept in memory (oldest forgotten first).
KEEP_EVALUATIONS = 50

T = TypeVar("T")
R = TypeVar("R")


class StudyKind(JobKind["Study"]):
    """Studies run into ``root/<job id>``, one after the other, their state on disk.

    Parameters
    ----------
    root : Path
        Directory holding one results store per job.
    executor : {"local", "processes", "dask"}
        Where each study's chunks run (``local``: on the study lane's thread).
    workers : int, optional
        Processes or Dask workers for ``processes`` / ``dask``.
    max_active, max_work, keep : int
        Jobs queued or running, their scenarios × policies × years, jobs kept in ``root``.
    """

    name = "study"
    resume_hint = "the finished chunks are kept (submit the study again to resume)"
    keep_hint = "delete finished ones (DELETE /api/jobs/{id}) to submit more"
    persistent = True

    def __init__(
        self,
        root: Path | str,
        executor: str = "local",
        workers: int | None = None,
        *,
        max_active: int = MAX_QUEUED,
        max_work: int = MAX_QUEUED_WORK,
        keep: int = MAX_JOBS,
    ) -> None:
        super().__init__(max_active=max_active, keep=keep, max_work=max_work)
        self.root = Path(root)
        self.executor = executor
        self.workers = workers
        self._files = threading.Lock()  # a report being written, a store being deleted

    def describe(self, task: Study) -> Job:
        years = task.years.end - task.years.start + 1
        return Job(
            id=task.fingerprint()[:12],
            kind=self.name,
            name=task.name,
            spec=task.to_dict(),
            scenarios=task.n_scenarios,
            policies=len(task.policies),
            work=task.n_scenarios * len(task.policies) * years,
        )

    def run(self, job: Job, task: Study, progress: Progress, stop: Callable[[], bool]) -> None:
        from techbloc.experiments.budget import default_chunk_size
        from techbloc.experiments.executors import make_executor
        from techbloc.experiments.runner import plan_chunks, run_study

        engine = make_executor(self.executor, workers=self.workers)  # type: ignore[arg-type]
        size = default_chunk_size(
            task.n_scenarios, len(task.policies), engine.workers, task.outputs.trajectories
        )
        stored = _stored_chunks(self.directory(job.id))  # a resume re-uses them
        total = len(stored) + len(plan_chunks(task.n_scenarios, stored, size))
        done = [len(stored)]
        progress(done[0], total)

        def stored_one() -> None:
            done[0] += 1
            progress(done[0], total)

        run_study(
            task,
            self.directory(job.id),
            executor=_counting(engine, stored_one, stop),
            chunk_size=size,
        )

    # -- its files -----------------------------------------------------------------------
    def directory(self, job_id: str) -> Path:
        """The results store directory of job ``job_id``."""
        return self.root / job_id

    def save(self, job: Job) -> None:
        directory = self.directory(job.id)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / JOB_FILE
        temp = path.with_name(f".{JOB_FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
        temp.write_text(json.dumps(job.to_json(), indent=2), encoding="utf-8")
        os.replace(temp, path)

    def load(self, job_id: str) -> Job | None:
        path = self.directory(job_id) / JOB_FILE
        try:
            job = Job.from_json(json.loads(path.read_text(encoding="utf-8")), self.name)
        except (OSError, ValueError, TypeError):
            return None
        if job.active:  # written by a server that stopped while the job was queued or ran
            job.status = "failed"
            job.parts_done = len(_stored_chunks(self.directory(job_id))) or job.parts_done
            job.error = (
                "the server stopped before this job finished; submit the study again "
                "to resume it (its finished chunks are reused)"
            )
        return job

    def stored(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [d.name for d in self.root.iterdir() if (d / JOB_FILE).is_file()]

    def remove(self, job_id: str) -> None:
        with self._files:
            shutil.rmtree(self.directory(job_id), ignore_errors=True)

    def report(self, job_id: str) -> Path:
        """The job's HTML report, written by :func:`techbloc.report.write_report` if needed."""
        from techbloc.report import write_report

        path = self.directory(job_id) / "report.html"
        with self._files:
            if not path.is_file():
                write_report(self.directory(job_id), path)
        return path


def _stored_chunks(directory: Path) -> list[tuple[int, int]]:
    """The chunks a job's store holds (none when it has no readable store yet)."""
    from techbloc.experiments.store import ResultsStore

    if not ResultsStore.exists(directory):
        return []
    try:
        with ResultsStore.open(directory, check=False) as store:
            return store.done_ranges()
    except Exception:  # locked or damaged: the run itself reports it
        return []


def _counting(inner: Executor, on_chunk: Callable[[], None], stop: Callable[[], bool]) -> Executor:
    """Wrap an executor: ``on_chunk`` runs once for each result the runner stored.

    When ``stop()`` is true, the next request for a result raises :class:`JobCancelledError`, so
    the runner closes its store with every finished chunk kept.
    """
    from techbloc.experiments.executors import Executor

    class CountingExecutor(Executor):
        workers = inner.workers
        description = inner.description

        def __enter__(self) -> Executor:
            inner.__enter__()
            return self

        def __exit__(self, *exc: object) -> None:
            inner.__exit__(*exc)

        def imap_batches(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[list[R]]:
            for results in inner.imap_batches(fn, items):
                yield results
                # resumed when the runner asks for the next results: these are stored
                for _ in results:
                    on_chunk()
                if stop():
                    raise JobCancelledError("stopped")

    return CountingExecutor()


class EvaluationKind(JobKind[dict[str, Any]]):
    """Evaluations (``EvaluateRequest`` as JSON data) in the service's evaluation worker.

    Parameters
    ----------
    worker : EvaluationWorker
    max_active : int
        Evaluations queued or running at once.
    keep : int
        Finished evaluations kept in memory (oldest forgotten first).
    timeout : float
        Seconds one evaluation may run.
    """

    name = "evaluation"
    noun = "evaluation"
    plural = "evaluations"
    busy_hint = "wait for one to finish or cancel one (DELETE /api/evaluations/{id})"

    def __init__(
        self,
        worker: EvaluationWorker,
        *,
        max_active: int = MAX_EVALUATIONS,
        keep: int = KEEP_EVALUATIONS,
        timeout: float = RUN_TIMEOUT,
    ) -> None:
        super().__init__(max_active=max_active, keep=keep)
        self.worker = worker
        self.timeout = timeout

    def describe(self, task: dict[str, Any]) -> Job:
        scenarios = int(task.get("scenarios", 200))
        policies = max(1, len(task.get("presets") or ()) + len(task.get("coalitions") or ()))
        years = int(task.get("end_year", 0)) - int(task.get("start_year", 0)) + 1
        return Job(
            id=secrets.token_hex(6),
            kind=self.name,
            name="evaluation",
            spec=task,
            scenarios=scenarios,
            policies=policies,
            work=scenarios * policies * max(1, years),
        )

    def run(
        self, job: Job, task: dict[str, Any], progress: Progress, stop: Callable[[], bool]
    ) -> dict[str, Any]:
        async def stopped() -> bool:
            return stop()

        try:  # on this lane's own event loop: the worker is shared with the server's loop
            return asyncio.run(
                self.worker.evaluate(
                    task, stopped, detail=True, progress=progress, timeout=self.timeout
                )
            )
        except EvaluationCancelledError as exc:
            raise JobCancelledError(str(exc)) from None
