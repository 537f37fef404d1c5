"""The resource budget of a study or an evaluation: peak memory, disk and time, estimated
from its sizes before it runs, and refused beyond limits that fit the machine.

The estimate is a sum of measured bytes per unit (the constants below, measured by
``benchmarks/budget.py`` on the bundled world; ``docs/studies.md`` gives its figures):

- **memory**: a process with the model loaded (:data:`BASE_MEMORY`), plus the design drawn
  up front for *every* scenario (today the design is drawn whole, not per chunk: drawing it
  peaks at :data:`DESIGN_PEAK_BYTES` per scenario and varied parameter), plus what the
  runner keeps per scenario, plus one chunk at work in each worker process: each scenario
  of a chunk is simulated under every policy and under the status quo
  (:data:`PAIR_MEMORY` per scenario · policy, and :data:`TRAJECTORY_MEMORY` per
  scenario · policy · year when trajectories are kept);
- **disk**: the store's scenario table, its scalar outcomes and per-country arrays, and
  trajectories when kept;
- **seconds**: scenario · policy · years at the rate measured on one core.

:func:`check_budget` refuses (:class:`BudgetError`, an :class:`~techbloc.errors.InputError`)
an estimate beyond :class:`Limits`: by default 80% of the memory available now and 90% of
the free disk where the results go (``TECHBLOC_MAX_MEMORY`` and ``TECHBLOC_MAX_DISK`` set
other limits, e.g. ``8GiB``; ``none`` for no limit).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from techbloc.errors import InputError

if TYPE_CHECKING:
    from techbloc.experiments.executors import ExecutorKind

__all__ = [
    "AUTO_PROCESS_WORK",
    "BASE_MEMORY",
    "CHUNK_PAIRS",
    "CHUNK_PAIRS_TRAJECTORIES",
    "COMMIT_SECONDS",
    "COMMIT_SECONDS_PER_SCENARIO",
    "COMMIT_SHARE",
    "DESIGN_PEAK_BYTES",
    "PAIR_MEMORY",
    "SCENARIO_MEMORY",
    "STORE_POOL",
    "TRAJECTORY_MEMORY",
    "BudgetError",
    "Estimate",
    "Limits",
    "check_budget",
    "check_study_run",
    "choose_executor",
    "default_chunk_size",
    "directory_size",
    "estimate_evaluation",
    "estimate_study",
    "format_bytes",
    "parse_size",
    "study_estimate",
]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# -- measured by benchmarks/budget.py (2026-12-06; bundled world of 59 regions, 56 varied
# -- parameters); each is rounded up from the measurement quoted beside it ----------------
#: Peak resident memory of a process that has loaded the model, the data and the compiled
#: kernels and run one scenario (measured 402 MiB).
BASE_MEMORY = 450 * MiB
#: Bytes per scenario and varied parameter while the design is drawn (tracemalloc peak of
#: ``Study.design_table()``: 24.0 per unit at 100,000 scenarios, 15.9 more per added unit
#: between 20,000 and 100,000: the unit cube and the mapped values, 8 bytes each).
DESIGN_PEAK_BYTES = 24
#: Bytes the runner keeps per scenario while a study runs, besides its design rows
#: (8 bytes per varied parameter): mostly the store's buffers (measured about 720), which
#: stop growing at :data:`STORE_POOL`.
SCENARIO_MEMORY = 1 * KiB
#: The writing connection's DuckDB buffer pool (``store.WRITER_MEMORY_LIMIT``): what the
#: store's buffers grow to (benchmarks/scaling.py measures the growth from 10,000 to
#: 1,000,000 futures).
STORE_POOL = 32 * 1000**2  # "32MB": DuckDB counts decimal megabytes
#: Bytes per scenario · policy of a chunk being simulated, the status quo counted as one
#: more policy (measured 65 and 70 KiB: 2,000 × 1 policy × 2 years in one chunk, and
#: chunks of 200 against 1,000 of 5 policies × 27 years).
PAIR_MEMORY = 75 * KiB
#: Bytes per scenario · policy · year of a chunk when trajectories are kept (measured 1.1 KiB).
TRAJECTORY_MEMORY = 1536
#: Bytes of an empty store: the DuckDB file and the manifest (measured 1.27 MiB).
DISK_BASE = 3 * MiB // 2
#: Bytes per scenario on disk: its design row and descriptors (measured 1.2 and 1.4 KiB).
DISK_PER_SCENARIO = 1536
#: Bytes per scenario · policy on disk: scalar outcomes and per-country arrays (1.9 KiB).
DISK_PER_PAIR = 2 * KiB
#: Bytes per scenario · policy · year on disk with trajectories (measured 430-436).
DISK_PER_TRAJECTORY = 448
#: Scenario · policy · years (the status quo counted) simulated per CPU-second, without and
#: with trajectories, rounded down by about a third for a busy machine: the default study
#: (1,000 futures × 19 policies × 27 years, default chunks, in process, one numba thread)
#: ran 111,000-115,000 and 69,000-76,000 a CPU-second on the 2-CPU development machine
#: (2026-12-07, load 1.1; benchmarks/README.md). They were 18,000 and 5,100 when first
#: measured, before the engine's speed-ups.
RATE = 80_000.0
RATE_TRAJECTORIES = 50_000.0
#: Bytes per scenario · coalition of an evaluation's outcome table while it is assembled
#: (an assumption: 33 outcomes of 8 bytes and the index, twice for the concatenation).
OUTCOME_ROW_BYTES = 1 * KiB
#: Scenario · policy pairs an evaluation simulates per call (what
#: :data:`techbloc.evaluation.PAIRS_PER_CALL` is set to).
EVALUATION_PAIRS = 1000
#: Parameters a design varies when none are named (the registry's uncertain ones).
DEFAULT_VARIED = 56

#: Shares of the available memory and of the free disk the default limits allow.
MEMORY_SHARE = 0.8
DISK_SHARE = 0.9


class BudgetError(InputError):
    """A study or evaluation would need more memory or disk than the limits allow."""


@dataclass(frozen=True)
class Estimate:
    """The resources a study or an evaluation needs.

    Attributes
    ----------
    memory : int
        Peak resident memory, bytes (every process of the machine it runs on).
    disk : int
        Bytes written (0 for an evaluation).
    seconds : float
        Running time on one core, roughly (divide by the workers).
    work : int
        Scenarios × policies × years.
    """

    memory: int
    disk: int
    seconds: float
    work: int

    def describe(self) -> str:
        """``about 1.2 GiB of memory, 3.4 GiB of disk and 5 minutes``."""
        disk = f", {format_bytes(self.disk)} of disk" if self.disk else ""
        return (
            f"about {format_bytes(self.memory)} of memory{disk} and "
            f"{_format_seconds(self.seconds)} of computing"
        )


@dataclass(frozen=True)
class Limits:
    """Largest memory and disk a run may take, bytes (None: no limit).

    Attributes
    ----------
    memory, disk : int or None
    source : str
        Where the limits come from, for messages.
    """

    memory: int | None
    disk: int | None
    source: str = "given"

    @classmethod
    def machine(cls, path: str | Path = ".") -> Limits:
        """80% of the memory available now and 90% of the free disk at ``path`` (or its
        nearest existing parent), unless ``TECHBLOC_MAX_MEMORY`` / ``TECHBLOC_MAX_DISK``
        say otherwise."""
        import shutil

        import psutil

        memory_env = os.environ.get("TECHBLOC_MAX_MEMORY")
        disk_env = os.environ.get("TECHBLOC_MAX_DISK")
        if memory_env is not None:
            memory = parse_size(memory_env, "TECHBLOC_MAX_MEMORY")
        else:
            memory = int(psutil.virtual_memory().available * MEMORY_SHARE)
        if disk_env is not None:
            disk = parse_size(disk_env, "TECHBLOC_MAX_DISK")
        else:
            where = Path(path).absolute()
            while not where.exists() and where != where.parent:
                where = where.parent
            usage = shutil.disk_usage(where)
            # a file system without a size (/proc, /sys) is no disk: writing there fails
            # with its own message
            disk = int(usage.free * DISK_SHARE) if usage.total else None
        source = (
            "TECHBLOC_MAX_MEMORY / TECHBLOC_MAX_DISK"
            if memory_env is not None or disk_env is not None
            else f"{MEMORY_SHARE:.0%} of the memory available, {DISK_SHARE:.0%} of the free "
            "disk; TECHBLOC_MAX_MEMORY / TECHBLOC_MAX_DISK set others"
        )
        return cls(memory, disk, source)

    def less_disk(self, used: int) -> Limits:
        """These limits with ``used`` bytes of disk already promised to other runs."""
        if self.disk is None or used <= 0:
            return self
        return replace(self, disk=max(0, self.disk - used))


def estimate_study(
    n_scenarios: int,
    n_policies: int,
    years: int,
    *,
    trajectories: bool = False,
    varied: int = DEFAULT_VARIED,
    chunk_size: int | None = None,
    workers: int = 1,
    processes: bool = False,
    design_rows: int | None = None,
) -> Estimate:
    """The resources of a study of these sizes.

    Parameters
    ----------
    n_scenarios, n_policies, years : int
    trajectories : bool
        Whether year-by-year outputs are kept.
    varied : int
        Parameters the design varies (its columns).
    chunk_size : int, optional
        Scenarios per chunk (default: :func:`default_chunk_size`).
    workers : int
        Worker processes (``processes``) or 1.
    processes : bool
        Chunks run in ``workers`` other processes of this machine, each with the model
        loaded (False: in this process, or on remote Dask workers).
    design_rows : int, optional
        Design rows held in memory at once (default: every scenario's, a design drawn
        whole; :meth:`~techbloc.experiments.design_base.DesignMethod.held_rows`).

    Examples
    --------
    >>> e = estimate_study(1000, 2, 27)
    >>> e.work, e.memory > 450 * 2**20, e.disk < 10 * 2**20
    (54000, True, True)
    """
    workers = max(1, workers)
    if chunk_size is None:
        chunk_size = default_chunk_size(n_scenarios, n_policies, workers, trajectories)
    chunk = min(chunk_size, n_scenarios)
    rows = n_scenarios if design_rows is None else min(design_rows, n_scenarios)
    drawing = rows * varied * DESIGN_PEAK_BYTES
    kept = rows * varied * 8 + min(n_scenarios * SCENARIO_MEMORY, STORE_POOL)
    per_pair = PAIR_MEMORY + (years * TRAJECTORY_MEMORY if trajectories else 0)
    at_work = chunk * (n_policies + 1) * per_pair
    if processes:
        running = BASE_MEMORY + kept + workers * (BASE_MEMORY + at_work)
    else:
        running = BASE_MEMORY + kept + at_work
    memory = max(BASE_MEMORY + drawing, running)
    disk = DISK_BASE + n_scenarios * (DISK_PER_SCENARIO + n_policies * DISK_PER_PAIR)
    if trajectories:
        disk += n_scenarios * n_policies * years * DISK_PER_TRAJECTORY
    work = n_scenarios * n_policies * years
    rate = RATE_TRAJECTORIES if trajectories else RATE
    return Estimate(int(memory), int(disk), n_scenarios * (n_policies + 1) * years / rate, work)


def study_estimate(
    study: Any,
    *,
    chunk_size: int | None = None,
    executor: str = "local",
    workers: int | None = None,
) -> Estimate:
    """:func:`estimate_study` of a :class:`~techbloc.experiments.study.Study`, run with
    ``executor`` (``local``, ``processes`` or ``dask``) and ``workers``."""
    if executor == "processes":
        workers = workers or os.cpu_count() or 1
    workers = workers or 1
    n_scenarios, n_policies = study.n_scenarios, len(study.policies)
    trajectories = study.outputs.trajectories
    if chunk_size is None:
        chunk_size = default_chunk_size(n_scenarios, n_policies, workers, trajectories)
    return estimate_study(
        n_scenarios,
        n_policies,
        study.years.end - study.years.start + 1,
        trajectories=trajectories,
        varied=len(study.varied()) or 1,
        chunk_size=chunk_size,
        workers=workers,
        processes=executor == "processes",
        design_rows=study.design.kind.held_rows(n_scenarios, chunk_size),
    )


def estimate_evaluation(
    scenarios: int, coalitions: int, years: int, *, varied: int = DEFAULT_VARIED
) -> Estimate:
    """The resources of an evaluation (``techbloc evaluate``, ``POST /api/evaluate``).

    Its scalar outcomes are kept for every scenario and coalition; the model runs
    :data:`EVALUATION_PAIRS` scenario · coalition pairs at a time; nothing is written.
    """
    coalitions = max(1, coalitions)
    step = max(1, EVALUATION_PAIRS // coalitions)
    memory = (
        BASE_MEMORY
        + scenarios * varied * DESIGN_PEAK_BYTES
        + scenarios * coalitions * OUTCOME_ROW_BYTES
        + min(step, scenarios) * (coalitions + 1) * PAIR_MEMORY
    )
    work = scenarios * coalitions * years
    return Estimate(int(memory), 0, scenarios * (coalitions + 1) * years / RATE, work)


def check_budget(
    estimate: Estimate, limits: Limits, what: str = "study", hint: str | None = None
) -> None:
    """Refuse ``estimate`` if it is over ``limits``, saying both.

    Raises
    ------
    BudgetError
    """
    over = []
    if limits.memory is not None and estimate.memory > limits.memory:
        over.append(
            f"{format_bytes(estimate.memory)} of memory (limit {format_bytes(limits.memory)})"
        )
    if limits.disk is not None and estimate.disk > limits.disk:
        over.append(f"{format_bytes(estimate.disk)} of disk (limit {format_bytes(limits.disk)})")
    if not over:
        return
    advice = hint or (
        "ask for fewer scenarios, policies or years, or leave trajectories out; chunks "
        "bound memory only per chunk, not the design, which is drawn for every scenario"
    )
    raise BudgetError(
        f"{what}: too large for this machine: it needs about {' and '.join(over)} "
        f"({estimate.describe()}; limits: {limits.source}); {advice}"
    )


#: Work (scenario · policy · years) from which ``executor="auto"`` runs a study in worker
#: processes rather than in the calling process. Small chunks (the default with
#: trajectories: 200 scenario × policy pairs) keep the engine on one core in process, and
#: threads do not help them (two threads over such chunks: 1.1×, the numpy glue holding the
#: interpreter). Measured on the 2-CPU development machine (2026-12-07): the default study,
#: 1,000 futures × 19 policies × 27 years (513,000), 18.1-18.5 s in process against
#: 10.8-11.0 s in 2 processes; 100 futures (51,300), 2.9 s in process against 3.1-3.3 s
#: (starting the workers costs about a second). Set at about four times that break-even.
AUTO_PROCESS_WORK = 200_000


def choose_executor(
    study: Any,
    executor: str = "auto",
    *,
    workers: int | None = None,
    limits: Limits | None = None,
) -> ExecutorKind:
    """Where ``study`` runs: ``executor`` itself, unless it is ``"auto"``.

    ``auto`` is ``processes`` when this process may use two or more CPUs (or ``workers`` asks
    for two or more), the study has at least :data:`AUTO_PROCESS_WORK` scenario · policy ·
    years, its estimate with worker processes fits ``limits`` (default: the machine's) and
    worker processes can start from this program
    (:func:`~techbloc.experiments.executors.main_importable`); otherwise ``local``.
    """
    if executor in ("local", "processes", "dask"):
        return cast("ExecutorKind", executor)
    if executor != "auto":
        raise InputError(f"unknown executor {executor!r}; use auto, local, processes or dask")
    from techbloc.experiments.executors import main_importable, usable_cpus

    n = workers or usable_cpus()
    years = study.years.end - study.years.start + 1
    if n < 2 or study.n_scenarios * len(study.policies) * years < AUTO_PROCESS_WORK:
        return "local"
    if not main_importable():
        return "local"
    estimate = study_estimate(study, executor="processes", workers=n)
    limits = limits or Limits.machine()
    if limits.memory is not None and estimate.memory > limits.memory:
        return "local"
    return "processes"


def check_study_run(
    study: Any,
    out: str | Path,
    *,
    chunk_size: int | None = None,
    executor: str = "local",
    workers: int | None = None,
    fresh: bool = False,
    limits: Limits | None = None,
) -> Estimate:
    """Refuse to run ``study`` into ``out`` (``techbloc explore``, ``techbloc run``) beyond
    ``limits`` (default: :meth:`Limits.machine`); a store being resumed needs only the disk
    it has not filled yet.

    Raises
    ------
    BudgetError
    """
    estimate = study_estimate(study, chunk_size=chunk_size, executor=executor, workers=workers)
    if not fresh:
        estimate = replace(estimate, disk=max(0, estimate.disk - directory_size(out)))
    check_budget(estimate, limits or Limits.machine(out), what=f"study {study.name!r}")
    return estimate


def directory_size(path: str | Path) -> int:
    """Bytes of the files under ``path`` (0 if it does not exist)."""
    path = Path(path)
    if not path.is_dir():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)


def parse_size(text: str, where: str = "size") -> int | None:
    """Bytes from ``"8GiB"``, ``"500 MB"``, ``"2g"`` or ``"1024"``; None for ``"none"``.

    >>> parse_size("1.5 GiB"), parse_size("2k"), parse_size("none")
    (1610612736, 2000, None)
    """
    if text.strip().lower() in ("none", "off", "unlimited"):
        return None
    match = _SIZE.match(text)
    if match is None:
        raise InputError(f"{where}: {text!r} is not a size such as 8GiB, 500MB or none")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    base = 1024 if "i" in unit else 1000
    scale = base ** "bkmgt".index(unit[0]) if unit else 1
    return int(number * scale)


def format_bytes(n: float) -> str:
    """``1.2 GiB``, ``340 MiB``, ``12 KiB``.

    >>> format_bytes(3 * 2**30), format_bytes(1536)
    ('3.0 GiB', '1.5 KiB')
    """
    for unit, size in (("TiB", 1024**4), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def _format_seconds(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


#: Most scenario · policy pairs in a default chunk (:func:`default_chunk_size`), scalars only
#: and with trajectories: about 75 and 90 MB of working arrays (:data:`PAIR_MEMORY`, plus
#: :data:`TRAJECTORY_MEMORY` a year over 27 years). Trajectory chunks were capped at 200 pairs
#: until a chunk's fixed costs (the model's set-up, the chunk's tables and commit) came to
#: dominate them: the default study (1,000 futures × 19 policies, trajectories) took 8.7-9.8 s
#: in process in chunks of 10 futures and 5.7-6.5 s in chunks of 42, peak memory 401 and
#: 465 MB; 6.1-6.2 and 4.8-4.9 s in 2 worker processes (benchmarks/README.md).
CHUNK_PAIRS = 1000
CHUNK_PAIRS_TRAJECTORIES = 800

#: Time the writing process takes to commit one chunk, fixed part and per scenario (s): rows
#: inserted and hashed, record and seal in one DuckDB transaction, the workers' Parquet files
#: renamed into place. Rounded up from ``benchmarks/dask_scaling.py``'s fit on the 2-CPU
#: development machine (50,000 futures, 2 policies, scalars only, load 0.9-2.8,
#: 2026-12-07): 25.3 ms a chunk + 0.0111 ms a future (medians 25.2 ms at 25 futures, 36.4 ms
#: at 1,000), after the rows went in from Arrow tables (it was 49-50 ms a chunk before).
COMMIT_SECONDS = 0.03
COMMIT_SECONDS_PER_SCENARIO = 1.5e-5
#: Share of the workers' compute time the writing process may spend committing: an
#: assumption (a tenth keeps it well off the critical path and leaves the cores to workers).
COMMIT_SHARE = 0.1


def default_chunk_size(n_scenarios: int, n_policies: int, workers: int, trajectories: bool) -> int:
    """A chunk size that keeps every worker busy, the writer off the critical path and memory
    small.

    Three bounds, in order of precedence:

    1. at least one chunk per worker (no worker idle) and at most :data:`CHUNK_PAIRS`
       scenario × policy pairs per chunk (:data:`CHUNK_PAIRS_TRAJECTORIES` with
       trajectories): the model's working arrays then take under about 100 MB
       (:data:`PAIR_MEMORY` a pair, and :data:`TRAJECTORY_MEMORY` a pair and year);
    2. large enough that committing the chunks (:data:`COMMIT_SECONDS` plus
       :data:`COMMIT_SECONDS_PER_SCENARIO` each scenario, one writer) takes at most
       :data:`COMMIT_SHARE` of the time ``workers`` take to compute them (one core each, at
       ``budget.RATE`` scenario · policy · years a second, 27 years);
    3. otherwise about four chunks per worker, so that the work evens out; one worker has
       nothing to even out and takes chunks as large as the first bound allows (each chunk
       also costs the model's set-up and the writer's fixed share).
    """
    workers = max(1, workers)
    policies = max(1, n_policies)
    cap = max(1, (CHUNK_PAIRS_TRAJECTORIES if trajectories else CHUNK_PAIRS) // policies)
    compute = policies * 27 / (RATE_TRAJECTORIES if trajectories else RATE)  # s per scenario
    spare = COMMIT_SHARE * compute - workers * COMMIT_SECONDS_PER_SCENARIO
    floor = math.ceil(workers * COMMIT_SECONDS / spare) if spare > 0 else cap
    balanced = math.ceil(n_scenarios / (4 * workers)) if workers > 1 else n_scenarios
    return max(1, min(cap, n_scenarios // workers, max(floor, balanced)))
