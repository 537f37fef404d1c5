"""Dask scaling: a study on a LocalCluster of 1 and of 2 workers (1 thread each), side by side.

The study is the one of ``benchmarks/scaling.py`` (2 policies, 2024-2050, Latin hypercube over
every uncertain parameter, scalars only, seed 1), 50,000 futures by default, at the default
chunk size of the 2-worker run (the same for both). Runs alternate 1 worker, 2 workers,
``--repeats`` times; each prints its wall time (cluster start included, and apart), the CPU
seconds of each worker and of the client (which draws the design and commits every chunk),
the chunks' compute time and the client's commit time, and the load average. Then:

- the ratio of 1-worker to 2-worker wall time (median, and min / max over the pairs);
- Dask's per-task overhead: the round trip of a no-op task as the executor sends them (at
  most 2 per worker in flight), and the scheduler's throughput with 2,000 queued;
- each worker's first model call (loading the kernels from numba's cache; ``misses`` counts
  kernels compiled there: 0 when the cache is warm) and ``NUMBA_NUM_THREADS`` as seen;
- the client's commit cost per chunk, fitted as ``a + b · scenarios`` from commits of 4 sizes,
  and of batches of 1, 4 and 16 chunks committed together (the runner commits in one
  transaction the chunks it finds finished, and with workers at most once a second,
  ``runner.COMMIT_SECONDS``), fitted as ``transaction + k · chunk``;
- an estimate for a 32-worker cluster on 1,000,000 futures at several chunk sizes, from the
  measured compute time per future, per-task overhead and commit cost (stated as a model,
  not a measurement).

Usage::

    python benchmarks/dask_scaling.py                    # 50,000 futures, 3 repeats
    python benchmarks/dask_scaling.py --quick            # 2,000 futures, 1 repeat
    python benchmarks/dask_scaling.py --scenarios 20000 --repeats 3 --chunk-size 500
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from techbloc.experiments.budget import default_chunk_size
from techbloc.experiments.executors import DaskExecutor
from techbloc.experiments.runner import ChunkEvaluator, ChunkTask, run_study
from techbloc.experiments.store import ResultsStore
from techbloc.experiments.study import Study

POLICIES = [{"preset": "forging_core"}, {"preset": "forging_core+KOR"}]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def _worker_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_warm(study: Study) -> dict[str, Any]:
    """On a worker: one tiny model call, timed, and numba's cache hits and misses."""
    import numba

    began = time.perf_counter()
    ChunkEvaluator(study)(ChunkTask(0, 1, study.sampler().rows(0, 1)))
    seconds = time.perf_counter() - began
    from techbloc.model.jit import flows, margins, toggle, veto

    hits = misses = 0
    for module in (flows, margins, toggle, veto):
        for value in vars(module).values():
            stats = getattr(value, "stats", None)
            if stats is not None and hasattr(stats, "cache_hits"):
                hits += sum(stats.cache_hits.values())
                misses += sum(stats.cache_misses.values())
    return {
        "seconds": seconds,
        "hits": hits,
        "misses": misses,
        "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
        "threads": numba.get_num_threads(),
        "cache": os.environ.get("NUMBA_CACHE_DIR"),
    }


class MeasuredDask(DaskExecutor):
    """A LocalCluster executor that records its start time, its workers' warm-up and CPU."""

    def __init__(self, workers: int, study: Study) -> None:
        super().__init__(workers=workers, processes=True)
        self.study = study
        self.facts: dict[str, Any] = {}

    def __enter__(self) -> MeasuredDask:
        began = time.perf_counter()
        super().__enter__()
        self.facts["start_s"] = time.perf_counter() - began
        self.facts["warm"] = self._client.run(_worker_warm, self.study)
        self.facts["cpu0"] = self._client.run(_worker_cpu)  # the chunks' CPU from here
        self.facts["ready"] = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            cpu1 = self._client.run(_worker_cpu)
            self.facts["worker_cpu"] = {
                w: cpu1[w] - self.facts["cpu0"][w] for w in cpu1 if w in self.facts["cpu0"]
            }
            self.facts["end"] = time.perf_counter()
        super().__exit__(*exc)


class CommitSpy:
    """Times every commit of the client (one or more chunks) and keeps the chunks' compute
    seconds."""

    def __init__(self) -> None:
        self.real = ResultsStore.write_chunks
        self.commits: list[float] = []
        self.commit_cpu: list[float] = []
        self.batches: list[int] = []
        self.computes: list[float] = []
        self.sizes: list[int] = []

    def __enter__(self) -> CommitSpy:
        spy = self

        def write_chunks(store: ResultsStore, results: Any) -> None:
            began, cpu = time.perf_counter(), time.thread_time()
            spy.real(store, results)
            spy.commits.append(time.perf_counter() - began)
            spy.commit_cpu.append(time.thread_time() - cpu)
            spy.batches.append(len(results))
            spy.computes.extend(result.seconds for result in results)
            spy.sizes.extend(result.stop - result.start for result in results)

        ResultsStore.write_chunks = write_chunks  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        ResultsStore.write_chunks = self.real  # type: ignore[method-assign]


def _noop(item: int) -> int:
    return item


def task_overhead(workers: int, n: int) -> tuple[float, float]:
    """ms per no-op task through the executor (round trip), and at 2,000 queued at once."""
    with DaskExecutor(workers=workers, processes=True) as executor:
        list(executor.imap_unordered(_noop, range(20)))  # connections warm
        began = time.perf_counter()
        list(executor.imap_unordered(_noop, range(n)))
        round_trip = (time.perf_counter() - began) / n * 1000
        client = executor._client
        began = time.perf_counter()
        futures = client.map(_noop, range(2000), pure=False)
        client.gather(futures)
        queued = (time.perf_counter() - began) / 2000 * 1000
        del futures
    return round_trip, queued


def run_once(study: Study, workers: int, chunk: int, out: Path) -> dict[str, Any]:
    executor = MeasuredDask(workers, study)
    load_before = _load()
    cpu_before = time.process_time()
    with CommitSpy() as spy:
        began = time.perf_counter()
        summary = run_study(study, out, executor=executor, chunk_size=chunk, fresh=True)
        wall = time.perf_counter() - began
    facts = executor.facts
    return {
        "workers": workers,
        "wall": wall,
        "start": facts["start_s"],
        "loop": facts["end"] - facts["ready"],
        "worker_cpu": sorted(facts["worker_cpu"].values()),
        "client_cpu": time.process_time() - cpu_before,
        "warm": list(facts["warm"].values()),
        "chunks": len(spy.computes),
        "commit_calls": len(spy.commits),
        "largest_batch": max(spy.batches),
        "commit_total": sum(spy.commits),
        "commit_cpu": sum(spy.commit_cpu),
        "commit_first": statistics.median(spy.commits[:10]),
        "commit_last": statistics.median(spy.commits[-10:]),
        "compute_median": statistics.median(spy.computes),
        "compute_total": sum(spy.computes),
        "status": summary.status,
        "load": f"{load_before} -> {_load()}",
    }


class CommitCost(NamedTuple):
    """The client's commit cost, fitted from commits of one chunk and of batches of chunks."""

    a_ms: float  # a commit of one chunk: a_ms + b_ms per future
    b_ms: float
    medians: dict[int, float]  # median ms of a one-chunk commit, by futures
    transaction_ms: float  # a batch of k chunks of n futures: transaction_ms + k * per_chunk
    chunk_ms: float  # per chunk in a batch, less its futures' b_ms each
    batches: dict[int, float]  # median ms of a batch of k chunks of BATCH_FUTURES, by k


BATCH_FUTURES = 500


def commit_cost(study: Study, out: Path) -> CommitCost:
    """The client's commit time: ``a`` ms + ``b`` ms per future for one chunk, fitted from 4
    chunk sizes; and for batches of 1, 4 and 16 chunks of 500 futures committed together,
    ``transaction`` ms + ``k`` times a chunk's part.

    One chunk of 1,000 futures is evaluated here; its rows are committed again and again
    under fresh scenario ids in slices of each size (the files written as a worker would).
    """
    import numpy as np
    import pyarrow.compute as pc

    from techbloc.experiments.chunks import ChunkResult, stage_arrays

    n = 1000
    design = study.design_table()
    base = ChunkEvaluator(study)(ChunkTask(0, n, design.iloc[0:n]))
    offset = 0

    def rows(table: Any, a: int, b: int, shift: int) -> Any:
        """The Arrow rows of scenarios ``[a, b)``, their ids moved by ``shift``."""
        ids = table["scenario"]
        part = table.filter(pc.and_(pc.greater_equal(ids, a), pc.less(ids, b)))
        column = part.schema.get_field_index("scenario")
        shifted = pc.add(part["scenario"], np.int64(shift)).cast(part["scenario"].type)
        return part.set_column(column, "scenario", shifted)

    def chunk(a: int, b: int, staging: Any) -> ChunkResult:
        """Rows ``[a, b)`` of the evaluated chunk, under the next fresh scenario ids, as a
        worker sends them (Arrow tables, its files staged)."""
        nonlocal offset
        shift = offset - a
        result = ChunkResult(
            offset,
            offset + b - a,
            rows(base.scenarios, a, b, shift),
            rows(base.outcomes, a, b, shift),
            {group: rows(table, a, b, shift) for group, table in base.arrays.items()},
            base.array_variables,
        )
        offset += b - a
        return stage_arrays(result, staging)

    sizes = (25, 100, 400, 1000)
    times: dict[int, list[float]] = {s: [] for s in sizes}
    counts = (1, 4, 16)
    batch_times: dict[int, list[float]] = {k: [] for k in counts}
    with ResultsStore.create(out, study, fresh=True) as store:
        staging = store.staging()
        for _ in range(3):
            for size in sizes:
                for first in range(0, n, size) if size < n else [0]:
                    if first >= 100 and size < 400:
                        break  # a few of each small size
                    result = chunk(first, first + size, staging)
                    began = time.perf_counter()
                    store.write_chunks([result])
                    times[size].append(time.perf_counter() - began)
            for k in counts:
                results = [chunk(0, BATCH_FUTURES, staging) for _ in range(k)]
                began = time.perf_counter()
                store.write_chunks(results)
                batch_times[k].append(time.perf_counter() - began)
    medians = {s: statistics.median(v) * 1000 for s, v in times.items()}
    slope, intercept = np.polyfit(list(medians), list(medians.values()), 1)
    batches = {k: statistics.median(v) * 1000 for k, v in batch_times.items()}
    per_chunk, transaction = np.polyfit(list(batches), list(batches.values()), 1)
    return CommitCost(
        float(intercept),
        float(slope),
        medians,
        float(transaction),
        float(per_chunk - slope * BATCH_FUTURES),
        batches,
    )


def estimate(
    compute_per_future: float,
    round_trip_ms: float,
    queued_ms: float,
    cost: CommitCost,
    workers: int = 32,
    futures: int = 1_000_000,
) -> None:
    print(
        f"\nestimate: {workers} workers (1 thread each) on {futures:,} futures; a model of the "
        "measured costs, not a measurement"
    )
    print(
        f"  compute {compute_per_future * 1000:.3f} CPU-ms per future on one worker; Dask "
        f"{queued_ms:.2f} ms per task at the scheduler, {round_trip_ms:.2f} ms round trip; "
        f"commit of one chunk {cost.a_ms:.1f} ms + {cost.b_ms:.4f} ms per future; of a batch "
        f"of k chunks {cost.transaction_ms:.1f} ms + k x ({cost.chunk_ms:.1f} ms + "
        f"{cost.b_ms:.4f} ms per future) (the client's other work, scheduler and nannies, grows "
        "with wall time, not futures: left out)"
    )
    print(
        f"  client s: committing one chunk at a time, and in batches of {workers} (a client "
        f"behind its workers finds about one result a worker waiting; at most {2 * workers} are "
        "in flight)"
    )
    print(
        f"  {'chunk':>6} {'chunks':>7} {'compute s':>10} {'client s 1':>11} "
        f"{'client s batched':>17} {'scheduler s':>12} {'wall s':>7}  limit"
    )
    compute_only = futures * compute_per_future / workers
    per_batch = cost.transaction_ms / workers  # a batch's fixed part, per chunk
    for size in (100, 250, 500, 1000, 2000, 5000):
        chunks = -(-futures // size)
        # each worker also waits one round trip per chunk it runs (2 in flight per worker
        # hide most of it: counted in full, an upper bound)
        compute = compute_only + chunks / workers * round_trip_ms / 1000
        single = chunks * (cost.a_ms + cost.b_ms * size) / 1000
        client = chunks * (per_batch + cost.chunk_ms + cost.b_ms * size) / 1000
        scheduler = chunks * queued_ms / 1000
        wall = max(compute, client, scheduler)
        limit = {compute: "workers", client: "client (commits)", scheduler: "scheduler"}[wall]
        print(
            f"  {size:>6} {chunks:>7,} {compute:>10.1f} {single:>11.1f} {client:>17.1f} "
            f"{scheduler:>12.1f} {wall:>7.1f}  {limit}"
        )
    spare = compute_per_future / workers - cost.b_ms / 1000  # s a future, beyond the commit's
    for label, fixed_ms in (("one at a time", cost.a_ms), ("batched", per_batch + cost.chunk_ms)):
        if spare <= 0:
            print(
                f"  {label}: the client's per-future cost alone exceeds the cluster's compute "
                "time per future: no chunk size keeps the client off the critical path"
            )
        else:
            print(
                f"  {label}: chunks of at least {fixed_ms / 1000 / spare:,.0f} futures keep the "
                "client's commits within the workers' compute time"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 futures, 1 repeat")
    parser.add_argument("--scenarios", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--chunk-size", type=int, default=0)
    args = parser.parse_args()
    n = args.scenarios or (2000 if args.quick else 50_000)
    repeats = args.repeats or (1 if args.quick else 3)
    study = Study.from_dict(
        {"name": "dask-scaling", "policies": POLICIES, "scenarios": n, "seed": 1}
    )
    chunk = args.chunk_size or default_chunk_size(n, len(POLICIES), 2, False)
    import dask
    import numba

    print(
        f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, Python "
        f"{platform.python_version()}, numba {numba.__version__}, dask {dask.__version__}; "
        f"load average (1/5 min) {_load()}"
    )
    print(
        f"study: {n:,} futures x {len(POLICIES)} policies, {study.years.start}-{study.years.end}, "
        f"scalars only; chunks of {chunk} ({-(-n // chunk)} chunks); LocalCluster processes, "
        "1 thread each"
    )
    ChunkEvaluator(study)(ChunkTask(0, 1, study.sampler().rows(0, 1)))  # the cache warm
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for repeat in range(repeats):
            for workers in (1, 2):
                row = run_once(study, workers, chunk, Path(tmp) / "store")
                rows.append(row)
                warm = ", ".join(
                    f"{w['seconds']:.2f} s (hits {w['hits']}, misses {w['misses']}, "
                    f"NUMBA_NUM_THREADS={w['NUMBA_NUM_THREADS']}, threads {w['threads']})"
                    for w in row["warm"]
                )
                print(
                    f"\nrun {repeat + 1}, {workers} worker(s): wall {row['wall']:.1f} s (cluster "
                    f"start {row['start']:.1f} s, chunks loop {row['loop']:.1f} s); worker CPU "
                    f"{' + '.join(f'{c:.1f}' for c in row['worker_cpu'])} s in the chunks loop; "
                    f"client process CPU {row['client_cpu']:.1f} s (scheduler, nannies, design, "
                    f"commits); load {row['load']}"
                )
                print(
                    f"  {row['chunks']} chunks: compute median {row['compute_median']:.2f} s, "
                    f"total {row['compute_total']:.1f} s; {row['commit_calls']} commits (at most "
                    f"{row['largest_batch']} chunks in one), {row['commit_total']:.1f} s "
                    f"wall, {row['commit_cpu']:.1f} s CPU "
                    f"(median first 10 {row['commit_first'] * 1000:.0f} ms, last 10 "
                    f"{row['commit_last'] * 1000:.0f} ms); first model call per worker: {warm}"
                )
        one = [r["wall"] for r in rows if r["workers"] == 1]
        two = [r["wall"] for r in rows if r["workers"] == 2]
        ratios = [a / b for a, b in zip(one, two, strict=True)]
        loops = [a["loop"] / b["loop"] for a, b in zip(rows[::2], rows[1::2], strict=True)]
        speedup = statistics.median(one) / statistics.median(two)
        print(
            f"\n1 worker / 2 workers, wall: median {statistics.median(one):.1f} / "
            f"{statistics.median(two):.1f} s = {speedup:.2f}x "
            f"(per pair min {min(ratios):.2f}, max {max(ratios):.2f}); chunks loop only: "
            f"median {statistics.median(loops):.2f}x"
        )
        per_future = {
            w: statistics.median(sum(r["worker_cpu"]) / n * 1000 for r in rows if r["workers"] == w)
            for w in (1, 2)
        }
        print(
            f"worker CPU per future (all workers, chunks loop): 1 worker {per_future[1]:.3f} ms, "
            f"2 workers {per_future[2]:.3f} ms; 2 workers at full speed would be "
            f"{2 * per_future[1] / per_future[2]:.2f}x one"
        )
        print("measuring Dask's per-task overhead ...")
        round_trip, queued = task_overhead(2, 300)
        print(f"per-task overhead: {round_trip:.2f} ms round trip, {queued:.2f} ms per task queued")
        cost = commit_cost(study, Path(tmp) / "commits")
        print(
            "client commit of one chunk (median ms by futures): "
            + ", ".join(f"{s}: {m:.1f}" for s, m in cost.medians.items())
            + f"; fit {cost.a_ms:.1f} ms + {cost.b_ms:.4f} ms per future"
        )
        print(
            f"client commit of k chunks of {BATCH_FUTURES} together (median ms by k): "
            + ", ".join(f"{k}: {m:.1f}" for k, m in cost.batches.items())
            + f"; fit {cost.transaction_ms:.1f} ms + k x "
            f"{cost.chunk_ms + cost.b_ms * BATCH_FUTURES:.1f} ms"
        )
    single = [r for r in rows if r["workers"] == 1]
    compute_per_future = statistics.median(sum(r["worker_cpu"]) / n for r in single)
    estimate(compute_per_future, round_trip, queued, cost)
    print(f"load average at the end: {_load()}")


if __name__ == "__main__":
    sys.exit(main())
