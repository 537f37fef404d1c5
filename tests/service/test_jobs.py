"""The one job manager: states, progress, limits, cancellation and lanes, for any kind."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from techbloc.errors import Error
from techbloc.service.jobs import (
    Job,
    JobBusyError,
    JobCancelledError,
    JobKind,
    JobLimitError,
    JobManager,
    Progress,
)


class Steps(JobKind[dict[str, Any]]):
    """A kind kept in memory whose job runs ``task["parts"]`` parts, each when released.

    ``task["fail"]`` raises it after the first part.
    """

    name = "steps"
    noun = "step job"
    plural = "step jobs"
    busy_hint = "wait"
    resume_hint = "its parts are lost"

    def __init__(self, **limits: Any) -> None:
        super().__init__(**{"max_active": 4, "keep": 10, **limits})
        self.go = threading.Semaphore(0)

    def describe(self, task: dict[str, Any]) -> Job:
        return Job(
            id=task.get("id") or secrets.token_hex(6),
            kind=self.name,
            name="steps",
            spec=task,
            scenarios=10 * task["parts"],
            work=task.get("work", 1),
        )

    def run(
        self, job: Job, task: dict[str, Any], progress: Progress, stop: Callable[[], bool]
    ) -> Any:
        progress(0, task["parts"])
        for part in range(task["parts"]):
            while not self.go.acquire(timeout=0.01):
                if stop():
                    raise JobCancelledError("stopped")
            progress(part + 1, task["parts"])
            if "fail" in task:
                raise task["fail"]
        return {"parts": task["parts"]}


def _wait(manager: JobManager, job_id: str, *states: str, kind: str = "steps") -> Job:
    deadline = time.monotonic() + 10
    while True:
        job = manager.get(kind, job_id)
        assert job is not None
        if job.status in states:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.01)


@pytest.fixture
def steps() -> Steps:
    return Steps()


@pytest.fixture
def manager(steps: Steps) -> Any:
    jobs = JobManager([steps])
    yield jobs
    jobs.shutdown(wait=True)


def test_a_job_goes_from_queued_to_running_to_done(manager: JobManager, steps: Steps) -> None:
    job = manager.submit("steps", {"parts": 2})
    assert job.status == "queued" and job.progress == 0 and job.timing()["rate"] is None
    running = _wait(manager, job.id, "running")
    assert running.started and running.parts_total == 2 and running.parts_done == 0
    steps.go.release()
    half = _wait(manager, job.id, "running")
    while half.parts_done < 1:
        half = _wait(manager, job.id, "running")
    assert half.progress == 0.5
    steps.go.release()
    done = _wait(manager, job.id, "done")
    assert done.result == {"parts": 2} and done.progress == 1.0 and done.error is None
    assert done.parts_done == done.parts_total == 2 and done.finished
    timing = done.timing()
    assert timing["elapsed_seconds"] is not None and timing["elapsed_seconds"] > 0
    assert timing["rate"] is not None and timing["eta_seconds"] is None
    assert [j.id for j in manager.jobs("steps")] == [job.id]


@pytest.mark.parametrize(
    ("error", "message"),
    [(Error("bad input"), "bad input"), (ValueError("oops"), "ValueError: oops")],
)
def test_a_failing_job_says_why(manager: JobManager, steps: Steps, error, message) -> None:
    job = manager.submit("steps", {"parts": 2, "fail": error})
    steps.go.release()
    failed = _wait(manager, job.id, "failed")
    assert failed.error == message and failed.result is None


def test_cancel_a_queued_and_a_running_job(manager: JobManager, steps: Steps) -> None:
    first = manager.submit("steps", {"parts": 1})
    second = manager.submit("steps", {"parts": 1})  # waits on the kind's lane
    _wait(manager, first.id, "running")
    assert manager.cancel("steps", second.id)
    queued = manager.get("steps", second.id)
    assert queued is not None and queued.status == "cancelled"
    assert queued.error == "cancelled before it started"
    with pytest.raises(JobBusyError, match=f"step job {first.id} is running"):
        manager.delete("steps", first.id)
    assert manager.cancel("steps", first.id)
    cancelled = _wait(manager, first.id, "cancelled")
    assert cancelled.error == "cancelled by the user; its parts are lost"
    assert manager.cancel("steps", first.id)  # finished: left as it is
    assert manager.get("steps", first.id).status == "cancelled"  # type: ignore[union-attr]
    assert manager.delete("steps", first.id)
    assert manager.get("steps", first.id) is None
    assert not manager.cancel("steps", first.id) and not manager.delete("steps", first.id)


def test_limits_on_jobs_queued_and_their_work() -> None:
    manager = JobManager([Steps(max_active=2, max_work=10)])
    try:
        manager.submit("steps", {"parts": 1, "work": 4})
        manager.submit("steps", {"parts": 1, "work": 4})
        with pytest.raises(JobLimitError, match="2 step jobs are queued or running"):
            manager.submit("steps", {"parts": 1})
    finally:
        manager.shutdown(wait=True)
    manager = JobManager([Steps(max_work=10)])
    try:
        manager.submit("steps", {"parts": 1, "work": 50})  # alone: accepted
        with pytest.raises(JobLimitError, match="hold 50 scenario · policy · years"):
            manager.submit("steps", {"parts": 1, "work": 1})
    finally:
        manager.shutdown(wait=True)


def test_a_kind_in_memory_forgets_its_oldest_finished_jobs() -> None:
    steps = Steps(keep=2)
    manager = JobManager([steps])
    try:
        ids = []
        for _ in range(4):
            ids.append(manager.submit("steps", {"parts": 1}).id)
            steps.go.release()
            _wait(manager, ids[-1], "done")
        assert [j.id for j in manager.jobs("steps")] == ids[-3:]  # 2 finished + the newest
        assert manager.get("steps", ids[0]) is None
    finally:
        manager.shutdown(wait=True)


def test_a_job_cancelled_as_it_starts_is_cancelled_once_its_run_has_stopped(
    manager: JobManager, steps: Steps
) -> None:
    entered, hold = threading.Event(), threading.Event()
    run = steps.run

    def starting(*args: Any) -> Any:  # the run has begun, before its first progress
        entered.set()
        hold.wait(10)
        return run(*args)

    steps.run = starting  # type: ignore[method-assign]
    job = manager.submit("steps", {"parts": 1})
    assert entered.wait(10)
    manager.cancel("steps", job.id)
    # not "cancelled" while its run goes on: a resubmission would run it twice at once
    assert manager.get("steps", job.id).status == "running"
    hold.set()
    assert _wait(manager, job.id, "cancelled").error.startswith("cancelled by the user")


def test_the_same_task_is_one_job(manager: JobManager, steps: Steps) -> None:
    job = manager.submit("steps", {"parts": 1, "id": "0123456789ab"})
    again = manager.submit("steps", {"parts": 1, "id": "0123456789ab"})
    assert again.id == job.id and len(manager.jobs("steps")) == 1
    manager.cancel("steps", job.id)
    _wait(manager, job.id, "cancelled")
    resumed = manager.submit("steps", {"parts": 1, "id": "0123456789ab"})  # runs again
    assert resumed.status == "queued" and resumed.submitted == job.submitted
    steps.go.release()
    assert _wait(manager, job.id, "done").result == {"parts": 1}


def test_each_kind_has_its_own_lane() -> None:
    class Others(Steps):
        name = "others"

    steps, others = Steps(), Others()
    manager = JobManager([steps, others])
    try:
        blocked = manager.submit("steps", {"parts": 1})
        other = manager.submit("others", {"parts": 1})
        _wait(manager, blocked.id, "running")
        _wait(manager, other.id, "running", kind="others")  # not held up by "steps"
        others.go.release()
        _wait(manager, other.id, "done", kind="others")
        assert manager.get("steps", other.id) is None  # kinds do not see each other's jobs
        with pytest.raises(KeyError, match="known: steps, others"):
            manager.get("nope", other.id)
    finally:
        manager.shutdown(wait=True)
    assert manager.get("steps", blocked.id).status == "failed"  # type: ignore[union-attr]


def test_shutdown_stops_running_and_queued_jobs(steps: Steps) -> None:
    manager = JobManager([steps])
    running = manager.submit("steps", {"parts": 3})
    queued = manager.submit("steps", {"parts": 1})
    _wait(manager, running.id, "running")
    manager.shutdown(wait=True)
    stopped = manager.get("steps", running.id)
    assert stopped is not None and stopped.status == "failed"
    assert stopped.error == "cancelled: the service stopped; its parts are lost"
    never = manager.get("steps", queued.id)
    assert never is not None and never.status == "failed"
    assert never.error == "cancelled: the service stopped before the job started"


def test_job_state_round_trips_and_reads_older_files() -> None:
    job = Job(id="0123456789ab", kind="study", name="s", spec={"a": 1}, parts_done=2)
    assert Job.from_json(job.to_json(), "study") == job
    older = {
        "id": "0123456789ab",
        "name": "s",
        "study": {"a": 1},
        "status": "done",
        "chunks_done": 3,
        "chunks_total": 3,
        "scenarios_total": None,
    }
    read = Job.from_json(older, "study")
    assert (read.kind, read.spec, read.parts_done, read.parts_total) == ("study", {"a": 1}, 3, 3)
    with pytest.raises(TypeError, match="unknown job keys: bogus"):
        Job.from_json({**older, "bogus": 1}, "study")
