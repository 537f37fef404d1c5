"""Chunks that finished together are committed in one transaction: the same store as one
commit each, all of them or none."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from techbloc.errors import StoreError
from techbloc.experiments.executors import Executor, InProcessExecutor, ProcessExecutor
from techbloc.experiments.integrity import chunk_records, manifest_entries
from techbloc.experiments.runner import ChunkEvaluator, ChunkTask, run_study
from techbloc.experiments.seal import SEAL_KEY, make_seal, seal_key
from techbloc.experiments.store import ResultsStore, verify_store


class Together(Executor):
    """Finishes every chunk at once, last first: the runner gets one batch of all."""

    def imap_batches(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[list[Any]]:
        yield [fn(item) for item in items][::-1]


def _chunks(study, ranges, staging=None):
    evaluator = ChunkEvaluator(study)
    evaluator.staging = staging
    design = study.design_table()
    return [evaluator(ChunkTask(a, b, design.iloc[a:b])) for a, b in ranges]


def _seal_text(store: ResultsStore) -> str:
    query = "SELECT value FROM manifest WHERE key = ?"
    (stored,) = store._con.execute(query, [SEAL_KEY]).fetchone()
    return stored


@pytest.mark.parametrize("resumed", [False, True])
def test_a_study_committed_in_batches_is_the_one_committed_chunk_by_chunk(
    tmp_path, traj_study, read_all, assert_same, resumed
) -> None:
    run_study(traj_study, tmp_path / "one", chunk_size=4)
    if resumed:  # one chunk first, then the other two in one batch
        run_study(traj_study, tmp_path / "batched", chunk_size=4, max_chunks=1)
    calls: list[tuple[int, int]] = []
    run_study(
        traj_study,
        tmp_path / "batched",
        chunk_size=4,
        executor=Together(),
        progress=lambda *a: calls.append(a),
    )
    left = 2 if resumed else 3
    assert calls == [(0, left), (left, left)]  # before, then after the one batch
    assert verify_store(tmp_path / "batched") == []
    assert_same(read_all(tmp_path / "batched"), read_all(tmp_path / "one"))
    with ResultsStore.open(tmp_path / "batched") as store:
        assert store.done_ranges() == [(0, 4), (4, 8), (8, 12)]


def test_the_seal_after_a_batch_is_the_one_computed_from_every_record(tmp_path, traj_study) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        staged = _chunks(traj_study, [(5, 9)], store.staging())  # a worker wrote its files
        shipped = _chunks(traj_study, [(9, 12), (0, 5)])  # these ship their arrays
        store.write_chunks([*shipped, *staged])
        fresh = make_seal(manifest_entries(store), chunk_records(store), seal_key())
        assert _seal_text(store) == json.dumps(fresh)
        assert store.done_ranges() == [(0, 5), (5, 9), (9, 12)]
        for file in staged[0].staged.values():
            assert (store.directory / file.name).is_file()
            assert not (store.directory / file.staged).exists()
    assert verify_store(tmp_path / "out") == []


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([(4, 8), (6, 10)], r"chunks \[4, 8\) and \[6, 10\) overlap"),
        ([(10, 12), (5, 8), (6, 7)], r"chunks \[5, 8\) and \[6, 7\) overlap"),
        ([(6, 8), (1, 3)], r"chunk \[1, 3\) overlaps stored chunk \[0, 4\)"),
    ],
)
def test_a_batch_with_an_overlap_is_refused_whole(tmp_path, traj_study, ranges, message) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        store.write_chunks(_chunks(traj_study, [(0, 4)]))
        before = _seal_text(store)
        results = _chunks(traj_study, ranges, store.staging())
        with pytest.raises(StoreError, match=message):
            store.write_chunks(results)
        assert store.done_ranges() == [(0, 4)]
        assert _seal_text(store) == before
        for result in results:  # no worker's file is left behind
            for file in result.staged.values():
                assert not (store.directory / file.staged).exists()
                assert not (store.directory / file.name).exists()
    assert verify_store(tmp_path / "out") == []


def test_a_batch_with_a_missing_file_commits_none_of_its_chunks(tmp_path, traj_study) -> None:
    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        results = _chunks(traj_study, [(0, 4), (4, 8)], store.staging())
        first = next(iter(results[1].staged.values()))
        (store.directory / first.staged).unlink()
        with pytest.raises(StoreError, match=r"missing .*run the study again"):
            store.write_chunks(results)
        assert store.done_ranges() == []
        for file in results[0].staged.values():
            assert not (store.directory / file.staged).exists()
    assert verify_store(tmp_path / "out") == []
    # the run resumes from nothing and completes
    run_study(traj_study, tmp_path / "out", chunk_size=4)
    assert verify_store(tmp_path / "out") == []


def test_a_failed_insert_rolls_the_whole_batch_back(tmp_path, traj_study) -> None:
    import pyarrow as pa

    with ResultsStore.create(tmp_path / "out", traj_study) as store:
        store.write_chunks(_chunks(traj_study, [(0, 4)]))
        good, bad = _chunks(traj_study, [(4, 8), (8, 12)])
        extra = pa.array([1.0] * bad.outcomes.num_rows)  # a column the table does not have
        bad = replace(bad, outcomes=bad.outcomes.append_column("no_such_outcome", extra))
        with pytest.raises(StoreError, match=r"cannot write chunks \[4, 8\), \[8, 12\)"):
            store.write_chunks([bad, good])
        assert store.done_ranges() == [(0, 4)]
        assert store._con.execute("SELECT count(*) FROM scenarios").fetchone() == (4,)
    assert verify_store(tmp_path / "out") == []


@pytest.mark.parametrize("executor", [InProcessExecutor, lambda: ProcessExecutor(2)])
def test_every_result_comes_in_exactly_one_batch(executor) -> None:
    with executor() as running:
        batches = list(running.imap_batches(abs, range(-7, 0)))
    assert all(batches)
    assert sorted(x for batch in batches for x in batch) == list(range(1, 8))


def test_the_digests_of_several_ranges_are_those_of_each(tmp_path, traj_study) -> None:
    from techbloc.experiments.chunks import range_digest, range_digests

    run_study(traj_study, tmp_path / "out", chunk_size=4)
    ranges = [(4, 8), (0, 4), (20, 30), (2, 9)]  # any order, an empty one, one across chunks
    with ResultsStore.open(tmp_path / "out") as store:
        got = range_digests(store._con, ("scenarios", "outcomes"), ranges)
        want = [
            {t: range_digest(store._con, t, a, b) for t in ("scenarios", "outcomes")}
            for a, b in ranges
        ]
        records = {(r["start"], r["stop"]): r for r in chunk_records(store)}
    assert got == want
    assert got[2] == {"scenarios": (0, "0"), "outcomes": (0, "0")}
    assert got[0]["outcomes"] == (8, records[(4, 8)]["outcomes_hash"])


def test_dask_gives_the_results_that_wait_in_one_batch() -> None:
    import time

    from techbloc.experiments.executors import DaskExecutor

    batches: list[list[int]] = []
    with DaskExecutor(workers=2, processes=False) as executor:
        for batch in executor.imap_batches(abs, range(-12, 0)):
            batches.append(batch)
            time.sleep(0.3)  # a slow commit: the next results finish meanwhile
    assert sorted(x for batch in batches for x in batch) == list(range(1, 13))
    assert max(len(batch) for batch in batches) > 1
    assert max(len(batch) for batch in batches) <= 4  # at most 2 a worker in flight


def _fails_on_one(x: int) -> int:
    import time

    time.sleep(0.05)
    if x == 1:
        raise ValueError("chunk 1 failed")
    return x


@pytest.mark.parametrize("kind", ["in-process", "processes", "dask"])
def test_results_that_finished_beside_a_failure_are_handed_over_first(kind) -> None:
    from techbloc.experiments.executors import DaskExecutor

    executor = {
        "in-process": InProcessExecutor,
        "processes": lambda: ProcessExecutor(2),
        "dask": lambda: DaskExecutor(workers=2, processes=False),
    }[kind]()
    got: list[int] = []
    with pytest.raises(ValueError, match="chunk 1 failed"), executor as running:
        for batch in running.imap_batches(_fails_on_one, [0, 1, 2, 3]):
            got.extend(batch)
    # all four are sent at once (2 a worker): after the failure the three others still run
    # and are handed over; in process the items after the failure are never run
    assert sorted(got) == ([0] if kind == "in-process" else [0, 2, 3])
