"""One job manager for the service's background work: evaluations and studies alike.

A :class:`JobManager` runs jobs of several kinds. What a kind does differently is a small
strategy object, a :class:`JobKind` (:mod:`techbloc.service.runs` has the two the service
uses): how a job of that kind runs, where its result lives and whether its state persists.
The rest is the manager's, the same for every kind:

- one state model: ``queued``, ``running`` (from the moment its run begins),
  ``done``, ``failed`` (with the error) or ``cancelled``;
- one progress and timing computation: parts done out of parts planned, elapsed seconds,
  scenarios per second and seconds left (:meth:`Job.timing`);
- one set of limits: jobs queued or running per kind (``max_active``), their work
  (scenarios × policies × years, ``max_work``) and the jobs kept (``keep``: a kind that
  persists refuses new jobs beyond it, one that does not forgets its oldest finished jobs),
  each refused with :class:`JobLimitError` (HTTP 429);
- one cancellation: a queued job is cancelled at once, a running one is asked to stop
  (its kind's ``run`` checks ``stop()``, and raises :class:`JobCancelledError`);
  :meth:`JobManager.shutdown` stops them all;
- one lane per kind: a thread that runs the kind's jobs one at a time, oldest first, so
  a long study never holds up an evaluation, nor the other way round.

A kind derives a job's id from its task (twelve hexadecimal digits): a task whose job is
queued, running or done is not run again (its job is returned); one whose job failed or
was cancelled runs again (a study resumes from the chunks it stored).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from techbloc.errors import Error

__all__ = [
    "Job",
    "JobBusyError",
    "JobCancelledError",
    "JobKind",
    "JobLimitError",
    "JobManager",
    "JobState",
    "Progress",
    "progress_timing",
]

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
#: The states of a job that has not finished.
ACTIVE: tuple[JobState, ...] = ("queued", "running")
_ID = re.compile(r"^[0-9a-f]{12}$")

T = TypeVar("T")


def now() -> str:
    """The time now, ISO 8601 (UTC), to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress(Protocol):
    """Called by a running job as its parts finish: ``progress(done, total)``."""

    def __call__(self, done: int, total: int, /) -> None: ...


class JobCancelledError(Exception):
    """Raised by a kind's ``run`` once ``stop()`` is true (caught by the manager)."""


class JobLimitError(Error):
    """Too many jobs are queued or running, or too many are kept (HTTP 429)."""


class JobBusyError(Error):
    """The job is queued or running, so it cannot be deleted (HTTP 409)."""


@dataclass
class Job:
    """One background job and its state.

    Attributes
    ----------
    id : str
        Twelve hexadecimal digits (a study's also names its store directory).
    kind : str
        Its :class:`JobKind`'s name (``"study"``, ``"evaluation"``).
    name : str
    spec : dict
        What it runs, as JSON data (a study's ``Study.to_dict()``, an evaluation's request).
    status : {"queued", "running", "done", "failed", "cancelled"}
    error : str, optional
        Why it failed or was cancelled.
    parts_done, parts_total : int
        Parts finished, of those planned (``parts_total`` is known once running): a
        study's chunks, an evaluation's parts.
    scenarios, policies : int
        Futures sampled, and policies (coalitions) evaluated in each.
    work : int
        Scenarios × policies × years.
    disk : int
        Estimated bytes it writes.
    submitted, started, finished : str
        ISO 8601 times (UTC).
    result : object
        The result of a kind that keeps it in memory (not persisted).
    """

    id: str
    kind: str
    name: str
    spec: dict[str, Any]
    status: JobState = "queued"
    error: str | None = None
    parts_done: int = 0
    parts_total: int | None = None
    scenarios: int = 0
    policies: int = 0
    work: int = 0
    disk: int = 0
    submitted: str = field(default_factory=now)
    started: str | None = None
    finished: str | None = None
    result: Any = field(default=None, repr=False)
    cancel_requested: bool = field(default=False, repr=False)
    began: float | None = field(default=None, repr=False)  # time.monotonic() when started
    ended: float | None = field(default=None, repr=False)

    #: The fields written to (and read from) a persisted job's state file.
    PERSISTED: ClassVar[tuple[str, ...]] = (
        "id", "kind", "name", "spec", "status", "error", "parts_done", "parts_total",
        "scenarios", "policies", "work", "disk", "submitted", "started", "finished",
    )  # fmt: skip
    #: Keys of state files written before the job kinds shared one manager (studies only).
    LEGACY: ClassVar[dict[str, str]] = {
        "study": "spec",
        "chunks_done": "parts_done",
        "chunks_total": "parts_total",
        "scenarios_total": "scenarios",
    }

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE

    @property
    def progress(self) -> float:
        """Share of the planned parts done (1 when done)."""
        if self.status == "done":
            return 1.0
        if not self.parts_total:
            return 0.0
        return min(1.0, self.parts_done / self.parts_total)

    def timing(self) -> dict[str, float | None]:
        """Seconds elapsed, scenarios per second so far and estimated seconds left.

        Measured on this process's monotonic clock; for a job read back from its state
        file, from its ``started`` and ``finished`` times.
        """
        if self.began is not None:
            elapsed = (self.ended or time.monotonic()) - self.began
        elif self.started:
            begin = datetime.fromisoformat(self.started)
            end = datetime.fromisoformat(self.finished) if self.finished else datetime.now(UTC)
            elapsed = max(0.0, (end - begin).total_seconds())
        else:
            return {"elapsed_seconds": None, "rate": None, "eta_seconds": None}
        running = self.status == "running"
        return progress_timing(elapsed, self.progress, self.scenarios, running=running)

    def to_json(self) -> dict[str, Any]:
        """The persisted fields, as JSON data."""
        return {name: getattr(self, name) for name in self.PERSISTED}

    @classmethod
    def from_json(cls, data: dict[str, Any], kind: str) -> Job:
        """A job from :meth:`to_json`'s data (older state files' keys accepted).

        Raises
        ------
        TypeError
            Unknown or missing keys.
        """
        values = {cls.LEGACY.get(key, key): value for key, value in data.items()}
        values.setdefault("kind", kind)
        unknown = set(values) - set(cls.PERSISTED)
        if unknown:
            raise TypeError(f"unknown job keys: {', '.join(sorted(unknown))}")
        values["scenarios"] = values.get("scenarios") or 0
        return cls(**values)


def progress_timing(
    elapsed: float, progress: float, total: int, *, running: bool, digits: int = 2
) -> dict[str, float | None]:
    """Elapsed seconds (rounded to ``digits``), scenarios per second so far and estimated
    seconds left, from the share ``progress`` of ``total`` scenarios done after ``elapsed``
    seconds."""
    done = progress * total
    rate = done / elapsed if elapsed > 0 and done > 0 else None
    eta = max(0.0, (total - done) / rate) if rate and running and total else None
    return {
        "elapsed_seconds": round(elapsed, digits),
        "rate": None if rate is None else round(rate, 2),
        "eta_seconds": None if eta is None else round(eta, 1),
    }


class JobKind(Generic[T]):
    """What one kind of job does its own way: a strategy for :class:`JobManager`.

    A subclass names the kind and its messages, builds a job from a task
    (:meth:`describe`) and runs it (:meth:`run`); a kind whose jobs persist sets
    ``persistent`` and implements :meth:`save`, :meth:`load`, :meth:`stored` and
    :meth:`remove` (by default jobs live in memory only).

    Attributes
    ----------
    name : str
        The kind's name (``Job.kind``).
    noun, plural : str
        How messages name one job and several (``"job"``, ``"jobs"``).
    busy_hint : str
        What to do when the queue is full.
    resume_hint : str
        What is kept of a job cancelled while it ran ("" if nothing).
    keep_hint : str
        What to do when the kind keeps ``keep`` jobs (persistent kinds).
    max_active : int
        Jobs queued or running at once.
    max_work : int, optional
        Their scenarios × policies × years at once (one job alone may exceed it).
    keep : int
        Jobs kept.
    """

    name: ClassVar[str]
    noun: ClassVar[str] = "job"
    plural: ClassVar[str] = "jobs"
    busy_hint: ClassVar[str] = "try again when one has finished"
    resume_hint: ClassVar[str] = ""
    keep_hint: ClassVar[str] = "delete finished ones to submit more"
    persistent: ClassVar[bool] = False

    def __init__(self, *, max_active: int, keep: int, max_work: int | None = None) -> None:
        self.max_active = max_active
        self.keep = keep
        self.max_work = max_work

    def describe(self, task: T) -> Job:
        """A new job (queued) for ``task``; its id decides whether it runs again."""
        raise NotImplementedError

    def run(self, job: Job, task: T, progress: Progress, stop: Callable[[], bool]) -> Any:
        """Run ``task`` (on the kind's lane thread) and return the result kept in memory.

        Calls ``progress(done, total)`` as parts finish (the first call marks the job
        running) and raises :class:`JobCancelledError` once ``stop()`` is true; any
        :class:`~techbloc.errors.Error` fails the job with its message.
        """
        raise NotImplementedError

    def save(self, job: Job) -> None:
        """Persist the job's state (called at each change)."""

    def load(self, job_id: str) -> Job | None:
        """A persisted job (one left unfinished by a stopped server is failed), or None."""
        return None

    def stored(self) -> list[str]:
        """The ids of the jobs persisted."""
        return []

    def remove(self, job_id: str) -> None:
        """Delete what the job persisted."""


class JobManager:
    """Run jobs of the given kinds in the background, each kind on its own lane.

    Parameters
    ----------
    kinds : sequence of JobKind
        One strategy per kind (names must differ).

    Examples
    --------
    >>> from techbloc.service.runs import StudyKind
    >>> manager = JobManager([StudyKind("out")])  # doctest: +SKIP
    >>> job = manager.submit("study", Study.from_yaml("study.yaml"))  # doctest: +SKIP
    >>> manager.get("study", job.id).status  # doctest: +SKIP
    'running'
    """

    def __init__(self, kinds: list[JobKind[Any]]) -> None:
        self.kinds: dict[str, JobKind[Any]] = {kind.name: kind for kind in kinds}
        if len(self.kinds) != len(kinds):
            raise ValueError("job kinds must have different names")
        self._jobs: dict[str, dict[str, Job]] = {name: {} for name in self.kinds}
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()

    def kind(self, name: str) -> JobKind[Any]:
        """The kind called ``name``."""
        try:
            return self.kinds[name]
        except KeyError:
            raise KeyError(f"no job kind {name!r}; known: {', '.join(self.kinds)}") from None

    # -- submitting ----------------------------------------------------------------------
    def submit(self, kind: str, task: Any, *, work: int | None = None, disk: int = 0) -> Job:
        """Queue ``task`` as a job of ``kind`` and return the job's state.

        A task whose job is queued, running or done is not run again: that job is
        returned.

        Parameters
        ----------
        kind : str
        task : object
            What the kind runs (a ``Study``, an evaluation request).
        work : int, optional
            Its scenarios × policies × years (default: the kind's count).
        disk : int
            Its estimated bytes written (:meth:`pending_disk` adds them up).

        Raises
        ------
        JobLimitError
            The kind's ``max_active`` jobs are queued or running, their work and this
            one's would exceed its ``max_work``, or it keeps ``keep`` persisted jobs.
        """
        strategy = self.kind(kind)
        job = strategy.describe(task)
        job.work = job.work if work is None else work
        job.disk = disk
        with self._lock:
            jobs = self._jobs[kind]
            current = jobs.get(job.id) or strategy.load(job.id)
            if current is not None and current.status in ("queued", "running", "done"):
                jobs.setdefault(job.id, current)
                return replace(current)
            self._check_limits(strategy, job, new=current is None)
            if current is not None:
                job.submitted = current.submitted
                jobs.pop(job.id, None)  # the job goes last: it is the newest
            jobs[job.id] = job
            self._forget_old(strategy)
            strategy.save(job)
            lane = self._lanes.get(kind)
            if lane is None:
                lane = self._lanes[kind] = ThreadPoolExecutor(1, f"techbloc-{kind}")
            lane.submit(self._run, strategy, job, task)
            return replace(job)

    def _check_limits(self, kind: JobKind[Any], job: Job, *, new: bool) -> None:
        active = [j for j in self._jobs[kind.name].values() if j.active]
        if len(active) >= kind.max_active:
            raise JobLimitError(
                f"{len(active)} {kind.plural} are queued or running (the limit); {kind.busy_hint}"
            )
        queued = sum(j.work for j in active)
        if kind.max_work is not None and active and queued + job.work > kind.max_work:
            raise JobLimitError(
                f"the {kind.plural} queued or running hold {queued:,} scenario · policy · "
                f"years of work and this {kind.noun} {job.work:,}, over the limit of "
                f"{kind.max_work:,}; {kind.busy_hint}"
            )
        if new and kind.persistent and len(kind.stored()) >= kind.keep:
            raise JobLimitError(
                f"the service keeps at most {kind.keep} {kind.plural}; {kind.keep_hint}"
            )

    def _forget_old(self, kind: JobKind[Any]) -> None:
        """Forget the oldest finished jobs beyond ``keep`` of a kind that does not persist."""
        if kind.persistent:
            return
        jobs = self._jobs[kind.name]
        finished = [j.id for j in jobs.values() if not j.active]
        for job_id in finished[: max(0, len(finished) - kind.keep)]:
            del jobs[job_id]

    def _run(self, kind: JobKind[Any], job: Job, task: Any) -> None:
        """Run one job on its kind's lane and record how it ended."""
        with self._lock:
            if self._jobs[kind.name].get(job.id) is not job or job.status != "queued":
                return  # cancelled while queued, or replaced by a later submission
            # running from here, under the lock: a cancel from now on asks the run to stop
            # and waits for it, rather than marking as cancelled a job that goes on running
            job.status, job.started, job.began = "running", now(), time.monotonic()
            kind.save(job)

        def progress(done: int, total: int) -> None:
            with self._lock:
                job.parts_done, job.parts_total = done, total
                kind.save(job)

        def stop() -> bool:
            return job.cancel_requested or self._closing.is_set()

        def note(reason: str) -> str:
            return f"{reason}; {kind.resume_hint}" if kind.resume_hint else reason

        try:
            result = kind.run(job, task, progress, stop)
        except JobCancelledError:
            if job.cancel_requested:
                self._finish(kind, job, "cancelled", note("cancelled by the user"))
            else:
                self._finish(kind, job, "failed", note("cancelled: the service stopped"))
        except Error as exc:
            self._finish(kind, job, "failed", str(exc))
        except Exception as exc:  # report anything else too: never lose a job silently
            self._finish(kind, job, "failed", f"{type(exc).__name__}: {exc}")
        else:
            self._finish(kind, job, "done", None, result)

    def _finish(
        self, kind: JobKind[Any], job: Job, status: JobState, error: str | None, result: Any = None
    ) -> None:
        with self._lock:
            job.status, job.error, job.result = status, error, result
            job.finished, job.ended = now(), time.monotonic()
            if status == "done":
                job.parts_done = job.parts_total or job.parts_done
            kind.save(job)

    def pending_disk(self) -> int:
        """Estimated bytes the jobs queued or running have still to write."""
        with self._lock:
            return sum(
                int(j.disk * (1 - j.progress))
                for jobs in self._jobs.values()
                for j in jobs.values()
                if j.active
            )

    # -- reading -------------------------------------------------------------------------
    def get(self, kind: str, job_id: str) -> Job | None:
        """The job ``job_id`` of ``kind`` (from memory, else persisted), or None."""
        strategy = self.kind(kind)
        if not _ID.match(job_id):
            return None
        with self._lock:
            job = self._jobs[kind].get(job_id)
            if job is not None:
                return replace(job)
        return strategy.load(job_id)

    def jobs(self, kind: str) -> list[Job]:
        """Every job of ``kind``, in memory or persisted, oldest first."""
        strategy = self.kind(kind)
        with self._lock:
            live = {job_id: replace(job) for job_id, job in self._jobs[kind].items()}
        found = [
            job
            for job_id in strategy.stored()
            if job_id not in live and (job := strategy.load(job_id)) is not None
        ]
        return sorted([*found, *live.values()], key=lambda j: j.submitted)  # stable

    # -- cancelling and deleting ---------------------------------------------------------
    def cancel(self, kind: str, job_id: str) -> bool:
        """Cancel a queued job at once, or ask a running one to stop.

        Returns False if there is no such job; a finished job is left as it is.
        """
        strategy = self.kind(kind)
        if self.get(kind, job_id) is None:
            return False
        with self._lock:
            live = self._jobs[kind].get(job_id)
            if live is None or not live.active:
                return True
            live.cancel_requested = True
            if live.status == "queued":
                live.status, live.error = "cancelled", "cancelled before it started"
                live.finished = now()
                strategy.save(live)
        return True

    def delete(self, kind: str, job_id: str) -> bool:
        """Forget a finished job and delete what it persisted; False if there is none.

        Raises
        ------
        JobBusyError
            The job is queued or running.
        """
        strategy = self.kind(kind)
        if self.get(kind, job_id) is None:
            return False
        with self._lock:
            live = self._jobs[kind].get(job_id)
            if live is not None and live.active:
                raise JobBusyError(
                    f"{strategy.noun} {job_id} is {live.status}; delete it once it has finished"
                )
            self._jobs[kind].pop(job_id, None)
        strategy.remove(job_id)
        return True

    def shutdown(self, wait: bool = False) -> None:
        """Stop: queued jobs fail at once, running ones are asked to stop.

        ``wait``: return once the running jobs have stopped.
        """
        self._closing.set()
        with self._lock:
            for name, jobs in self._jobs.items():
                for job in jobs.values():
                    if job.status == "queued":
                        job.status, job.finished = "failed", now()
                        job.error = "cancelled: the service stopped before the job started"
                        self.kinds[name].save(job)
            lanes, self._lanes = list(self._lanes.values()), {}
        for lane in lanes:
            lane.shutdown(wait=wait, cancel_futures=True)
