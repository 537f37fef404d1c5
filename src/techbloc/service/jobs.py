"""Background study runs for the web service.

A :class:`JobManager` runs submitted studies one after the other on a worker thread, each
into its own results store ``<root>/<job id>``. It tracks each job's state (queued, running,
done, failed), its error message and its progress (chunks stored out of chunks planned),
and writes the state to ``<root>/<job id>/job.json`` so that finished jobs survive a
restart of the server.

A job's id is derived from the study's hash, so the same study always goes to the same
store: submitting it again returns the queued, running or finished job, and resumes one
that failed or that was cut short by a restart, re-using every chunk already stored. The
queue is bounded in jobs (``max_queued``) and in work (``max_queued_work``, scenarios ×
policies × years of the jobs queued or running), and so is the number of jobs kept
(``max_jobs``); the disk the queued jobs will fill is known (:meth:`JobManager.pending_disk`);
:meth:`JobManager.delete` removes a job and its store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from techbloc.errors import Error

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from techbloc.experiments.executors import Executor
    from techbloc.experiments.study import Study

__all__ = [
    "JOB_FILE",
    "MAX_JOBS",
    "MAX_QUEUED",
    "MAX_QUEUED_WORK",
    "Job",
    "JobBusyError",
    "JobCancelledError",
    "JobLimitError",
    "JobManager",
    "progress_timing",
]

#: Name of the job state file inside a job's directory.
JOB_FILE = "job.json"
#: Jobs that may be queued or running at once.
MAX_QUEUED = 8
#: Scenarios × policies × years of the jobs queued or running at once (four of the
#: service's largest studies).
MAX_QUEUED_WORK = 80_000_000
#: Jobs kept in the store root (finished or not); delete some to submit more.
MAX_JOBS = 200

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
_ID = re.compile(r"^[0-9a-f]{12}$")

T = TypeVar("T")
R = TypeVar("R")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One submitted study and its state.

    Attributes
    ----------
    id : str
        Twelve hexadecimal digits; also the name of the job's store directory.
    name : str
        The study's name.
    study : dict
        The validated study (``Study.to_dict()``).
    status : {"queued", "running", "done", "failed", "cancelled"}
    error : str, optional
        Why the job failed.
    chunks_done, chunks_total : int
        Chunks stored so far, of those planned (``chunks_total`` is known once running).
    scenarios_total : int, optional
    work : int
        Scenarios × policies × years.
    disk : int
        Estimated bytes of its results store.
    submitted, started, finished : str
        ISO 8601 times (UTC).
    """

    id: str
    name: str
    study: dict[str, Any]
    status: JobState = "queued"
    error: str | None = None
    chunks_done: int = 0
    chunks_total: int | None = None
    scenarios_total: int | None = None
    work: int = 0
    disk: int = 0
    submitted: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None

    @property
    def progress(self) -> float:
        """Share of planned chunks stored (1 when done)."""
        if self.status == "done":
            return 1.0
        if not self.chunks_total:
            return 0.0
        return min(1.0, self.chunks_done / self.chunks_total)

    def timing(self) -> dict[str, float | None]:
        """Seconds elapsed, scenarios per second so far and estimated seconds left."""
        if not self.started:
            return {"elapsed_seconds": None, "rate": None, "eta_seconds": None}
        begin = datetime.fromisoformat(self.started)
        end = datetime.fromisoformat(self.finished) if self.finished else datetime.now(UTC)
        elapsed = max(0.0, (end - begin).total_seconds())
        return progress_timing(
            elapsed,
            self.progress,
            self.scenarios_total or 0,
            running=self.status == "running",
        )


def progress_timing(
    elapsed: float, progress: float, total: int, *, running: bool, digits: int = 1
) -> dict[str, float | None]:
    """Elapsed seconds (rounded to ``digits``), scenarios per second so far and estimated
    seconds left, from the share ``progress`` of ``total`` scenarios done after ``elapsed``
    seconds (jobs and background evaluations report the same three figures)."""
    done = progress * total
    rate = done / elapsed if elapsed > 0 and done > 0 else None
    eta = max(0.0, (total - done) / rate) if rate and running and total else None
    return {
        "elapsed_seconds": round(elapsed, digits),
        "rate": None if rate is None else round(rate, 2),
        "eta_seconds": None if eta is None else round(eta, 1),
    }


class JobCancelledError(Exception):
    """Raised inside a running job when the service shuts down (caught by the job thread)."""


class JobLimitError(Error):
    """The job queue is full, or the store root holds the most jobs allowed (HTTP 429)."""


class JobBusyError(Error):
    """The job is queued or running, so it cannot be deleted (HTTP 409)."""


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
    """Wrap an executor: ``on_chunk`` runs after the runner stored each result.

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

        def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
            for result in inner.imap_unordered(fn, items):
                yield result
                # resumed when the runner asks for the next result: this one is stored
                on_chunk()
                if stop():
                    raise JobCancelledError("stopped")

    return CountingExecutor()


class JobManager:
    """Run studies in the background, one at a time, into ``root/<job id>``.

    Parameters
    ----------
    root : Path
        Directory holding one results store per job.
    executor : {"local", "processes", "dask"}
        Where each study's chunks run (``local``: on the job thread).
    workers : int, optional
        Processes or Dask workers for ``processes`` / ``dask``.
    """

    def __init__(
        self,
        root: Path,
        executor: str = "local",
        workers: int | None = None,
        *,
        max_queued: int = MAX_QUEUED,
        max_jobs: int = MAX_JOBS,
        max_queued_work: int = MAX_QUEUED_WORK,
    ) -> None:
        self.root = Path(root)
        self.max_queued_work = max_queued_work
        self.executor = executor
        self.workers = workers
        self.max_queued = max_queued
        self.max_jobs = max_jobs
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._report_lock = threading.Lock()
        self._stop = threading.Event()
        self._cancelled: set[str] = set()

    # -- submitting ----------------------------------------------------------------------
    def submit(self, study: Study, *, work: int | None = None, disk: int = 0) -> Job:
        """Queue ``study`` and return its job.

        The job id comes from the study's hash: a study already queued, running or done is
        not run again (its job is returned); one that failed or was interrupted is resumed,
        re-using the chunks already stored.

        Parameters
        ----------
        study : Study
        work : int, optional
            Its scenarios × policies × years (default: computed from the study).
        disk : int
            Its estimated store size, bytes (:meth:`pending_disk` adds it up).

        Raises
        ------
        JobLimitError
            ``max_queued`` jobs are queued or running, their work and this study's would
            exceed ``max_queued_work``, or the root holds ``max_jobs`` jobs.
        """
        from concurrent.futures import ThreadPoolExecutor

        job_id = study.fingerprint()[:12]
        if work is None:
            work = (
                study.n_scenarios * len(study.policies) * (study.years.end - study.years.start + 1)
            )
        with self._lock:
            current = self._jobs.get(job_id) or self._read(job_id)
            if current is not None and current.status in ("queued", "running", "done"):
                self._jobs.setdefault(job_id, current)
                return Job(**asdict(current))
            active = sum(j.status in ("queued", "running") for j in self._jobs.values())
            if active >= self.max_queued:
                raise JobLimitError(
                    f"{active} jobs are queued or running (the limit); try again when one has "
                    "finished"
                )
            queued = sum(j.work for j in self._jobs.values() if j.status in ("queued", "running"))
            if active and queued + work > self.max_queued_work:
                raise JobLimitError(
                    f"the jobs queued or running hold {queued:,} scenario · policy · years of "
                    f"work and this study {work:,}, over the limit of "
                    f"{self.max_queued_work:,}; try again when one has finished"
                )
            if current is None and self._count_stored() >= self.max_jobs:
                raise JobLimitError(
                    f"the service keeps at most {self.max_jobs} jobs; delete finished ones "
                    "(DELETE /api/jobs/{id}) to submit more"
                )
            job = Job(
                id=job_id,
                name=study.name,
                study=study.to_dict(),
                scenarios_total=study.n_scenarios,
                work=work,
                disk=disk,
            )
            if current is not None:
                job.submitted = current.submitted
            self._cancelled.discard(job_id)
            self.directory(job.id).mkdir(parents=True, exist_ok=True)
            self._jobs[job.id] = job
            self._save(job)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="techbloc-job")
            self._pool.submit(self._run, job.id, study)
        return Job(**asdict(job))

    def pending_disk(self) -> int:
        """Estimated bytes the jobs queued or running have still to write."""
        with self._lock:
            return sum(
                int(j.disk * (1 - j.progress))
                for j in self._jobs.values()
                if j.status in ("queued", "running")
            )

    def _count_stored(self) -> int:
        if not self.root.is_dir():
            return 0
        return sum(1 for d in self.root.iterdir() if (d / JOB_FILE).is_file())

    def _run(self, job_id: str, study: Study) -> None:
        from techbloc.errors import Error
        from techbloc.experiments.executors import make_executor
        from techbloc.experiments.runner import default_chunk_size, plan_chunks, run_study

        with self._lock:
            if job_id in self._cancelled or self._jobs[job_id].status != "queued":
                return  # cancelled while queued, or run already by an earlier submission
        try:
            engine = make_executor(self.executor, workers=self.workers)  # type: ignore[arg-type]
            size = default_chunk_size(
                study.n_scenarios, len(study.policies), engine.workers, study.outputs.trajectories
            )
            stored = _stored_chunks(self.directory(job_id))  # a resume re-uses them
            total = len(stored) + len(plan_chunks(study.n_scenarios, stored, size))
            self._update(
                job_id,
                status="running",
                started=_now(),
                chunks_done=len(stored),
                chunks_total=total,
            )
            run_study(
                study,
                self.directory(job_id),
                executor=_counting(
                    engine,
                    lambda: self._advance(job_id),
                    lambda: self._stop.is_set() or job_id in self._cancelled,
                ),
                chunk_size=size,
            )
        except JobCancelledError:
            if job_id in self._cancelled:
                self._update(
                    job_id,
                    status="cancelled",
                    finished=_now(),
                    error="cancelled by the user; the finished chunks are kept (submit the "
                    "study again to resume)",
                )
                return
            self._update(
                job_id,
                status="failed",
                finished=_now(),
                error="cancelled: the service stopped; finished chunks are kept",
            )
        except Error as exc:
            self._update(job_id, status="failed", error=str(exc), finished=_now())
        except Exception as exc:  # report anything else too: the thread must not die silently
            self._update(
                job_id, status="failed", error=f"{type(exc).__name__}: {exc}", finished=_now()
            )
        else:
            done = self._jobs[job_id].chunks_total or self._jobs[job_id].chunks_done
            self._update(job_id, status="done", finished=_now(), chunks_done=done)

    def _advance(self, job_id: str) -> None:
        with self._lock:
            self._jobs[job_id].chunks_done += 1
            self._save(self._jobs[job_id])  # a restart reads the chunks stored from job.json

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs[job_id]
            for key, value in changes.items():
                setattr(job, key, value)
            self._save(job)

    def _save(self, job: Job) -> None:
        path = self.directory(job.id) / JOB_FILE
        temp = path.with_name(f".{JOB_FILE}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(asdict(job), indent=2), encoding="utf-8")
        os.replace(temp, path)

    # -- reading -------------------------------------------------------------------------
    def directory(self, job_id: str) -> Path:
        """The results store directory of job ``job_id``."""
        return self.root / job_id

    def get(self, job_id: str) -> Job | None:
        """The job called ``job_id`` (from memory, else from its ``job.json``), or None."""
        if not _ID.match(job_id):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return Job(**asdict(job))
        return self._read(job_id)

    def _read(self, job_id: str) -> Job | None:
        """A job from its ``job.json`` (one left unfinished by a stopped server is failed)."""
        path = self.directory(job_id) / JOB_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            job = Job(**data)
        except (OSError, ValueError, TypeError):
            return None
        if job.status in ("queued", "running"):
            job.status = "failed"
            job.chunks_done = len(_stored_chunks(self.directory(job_id))) or job.chunks_done
            job.error = (
                "the server stopped before this job finished; submit the study again "
                "to resume it (its finished chunks are reused)"
            )
        return job

    def jobs(self) -> list[Job]:
        """Every job, in memory or in the store root, oldest first."""
        found: dict[str, Job] = {}
        with self._lock:
            live = set(self._jobs)
        if self.root.is_dir():
            for directory in self.root.iterdir():
                if _ID.match(directory.name) and directory.name not in live:
                    job = self._read(directory.name)
                    if job is not None:
                        found[job.id] = job
        with self._lock:
            found.update({k: Job(**asdict(v)) for k, v in self._jobs.items()})
        return sorted(found.values(), key=lambda j: (j.submitted, j.id))

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job, or stop a running one after its current chunk.

        Returns False if there is no such job; a finished job is left as it is.
        """
        job = self.get(job_id)
        if job is None:
            return False
        with self._lock:
            live = self._jobs.get(job_id)
            if live is None or live.status not in ("queued", "running"):
                return True
            self._cancelled.add(job_id)
            queued = live.status == "queued"
        if queued:
            self._update(
                job_id, status="cancelled", finished=_now(), error="cancelled before it started"
            )
        return True

    def delete(self, job_id: str) -> bool:
        """Delete a job and its store; False if there is no such job.

        Raises
        ------
        JobBusyError
            The job is queued or running.
        """
        job = self.get(job_id)
        if job is None:
            return False
        with self._lock:
            live = self._jobs.get(job_id)
            if live is not None and live.status in ("queued", "running"):
                raise JobBusyError(f"job {job_id} is {live.status}; delete it once it has finished")
            self._jobs.pop(job_id, None)
        with self._report_lock:
            shutil.rmtree(self.directory(job_id), ignore_errors=True)
        return True

    def report(self, job_id: str) -> Path:
        """The job's HTML report, written by :func:`techbloc.report.write_report` if needed."""
        from techbloc.report import write_report

        path = self.directory(job_id) / "report.html"
        with self._report_lock:
            if not path.is_file():
                write_report(self.directory(job_id), path)
        return path

    def shutdown(self, wait: bool = False) -> None:
        """Stop: queued jobs are cancelled, a running one stops after its current chunk."""
        self._stop.set()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)
        with self._lock:
            queued = [job.id for job in self._jobs.values() if job.status == "queued"]
        for job_id in queued:
            self._update(
                job_id,
                status="failed",
                finished=_now(),
                error="cancelled: the service stopped before the job started",
            )
