"""The one runner with its sinks: memory for evaluations, the store for studies."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from techbloc.experiments.executors import Executor
from techbloc.experiments.resolve import resolve
from techbloc.experiments.runner import evaluate_in_memory, plan_chunks, run_chunks
from techbloc.experiments.sinks import MemorySink
from techbloc.experiments.study import Study

from .conftest import SMALL


class Backwards(Executor):
    """Finishes chunks last first: a sink must not depend on the order results arrive in."""

    def imap_batches(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[list[Any]]:
        return iter([[fn(item)] for item in items][::-1])


def test_memory_sink_puts_chunks_back_in_scenario_order() -> None:
    resolved = resolve(Study.from_dict({**SMALL, "scenarios": 6}))
    whole = evaluate_in_memory(resolved, MemorySink(["china_capability_trajectory"]), chunk_size=6)
    sink = MemorySink(["china_capability_trajectory"])
    calls: list[tuple[int, int]] = []
    chunks = plan_chunks(6, [], 2)
    done = run_chunks(
        sink.evaluator(resolved),
        resolved.design,
        chunks,
        sink,
        executor=Backwards(),
        progress=lambda *a: calls.append(a),
    )
    assert done == (3, 6)
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    pd.testing.assert_frame_equal(sink.outcomes(), whole.outcomes())
    kept = sink.array("china_capability_trajectory")
    assert kept is not None and kept.shape[:2] == (6, 2) and kept.dtype == np.float32
    np.testing.assert_array_equal(kept, whole.array("china_capability_trajectory"))
    assert sink.array("no_such_variable") is None
    assert sink.coords["year"] == list(range(2024, 2031))


def test_an_evaluation_and_a_study_store_the_same_outcomes(tmp_path) -> None:
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.store import ResultsStore

    study = Study.from_dict(SMALL)
    memory = evaluate_in_memory(resolve(study), MemorySink(), chunk_size=5).outcomes()
    run_study(study, tmp_path / "store", chunk_size=4)
    with ResultsStore.open(tmp_path / "store") as store:
        stored = store.outcomes().set_index(["scenario", "policy"]).sort_index()
    stored = stored[memory.columns]
    np.testing.assert_array_equal(stored.to_numpy(float), memory.sort_index().to_numpy(float))


def test_run_study_reports_progress_to_a_callback(tmp_path) -> None:
    from techbloc.experiments.runner import run_study

    calls: list[tuple[int, int]] = []
    summary = run_study(
        Study.from_dict(SMALL),
        tmp_path / "store",
        chunk_size=5,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert (summary.chunks_run, summary.scenarios_run, summary.status) == (3, 12, "complete")


def test_kept_arrays_and_outcomes_are_those_of_the_dataset() -> None:
    """The memory sink's evaluator builds no Dataset, and keeps what simulate's Dataset holds."""
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.model import simulate

    resolved = resolve(Study.from_dict({**SMALL, "scenarios": 4}))
    names = ["china_capability_trajectory", "margin", "gap_knowledge_by_domain"]
    sink = evaluate_in_memory(resolved, MemorySink(names), chunk_size=4)
    study = resolved.study
    ds = simulate(
        resolved.world,
        resolved.design.rows(0, 4),
        resolved.policies,
        start_year=study.years.start,
        end_year=study.years.end,
        seed=study.seed,
        trajectories=True,
    )
    pd.testing.assert_frame_equal(sink.outcomes(), outcome_table(ds))
    for name in names:
        expected = ds[name].transpose("scenario", "policy", ...).values.astype(np.float32)
        np.testing.assert_array_equal(sink.array(name), expected)
    assert sink.coords == {
        "year": [int(v) for v in ds.year.values],
        "country": [str(v) for v in ds.country.values],
        "domain": [str(v) for v in ds.domain.values],
    }


class Recording:
    """A sink that keeps each batch it is handed."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []

    def write_batch(self, results) -> None:
        self.batches.append([r.start for r in results])


class OneByOne(Executor):
    """Finishes chunks one at a time; fails at chunk ``fail_at`` (after handing over the
    chunks before it), as the worker executors do."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at

    def imap_batches(self, fn, items):
        for item in items:
            if item.start == self.fail_at:
                raise RuntimeError("a chunk failed")
            yield [fn(item)]


def _part(task):
    from techbloc.experiments.sinks import MemoryPart

    return MemoryPart(task.start, pd.DataFrame())


def _held(task):
    """A chunk whose arrays came back in memory (its worker could not write its files)."""
    from techbloc.experiments.sinks import MemoryPart

    return MemoryPart(task.start, pd.DataFrame(), {"x": np.zeros(1)} if task.start == 4 else {})


def test_results_wait_to_be_handed_over_together():
    resolved = resolve(Study.from_dict({**SMALL, "scenarios": 8}))
    chunks = plan_chunks(8, [], 2)  # 4 chunks
    sink, calls = Recording(), []
    done = run_chunks(
        _part,
        resolved.design,
        chunks,
        sink,
        executor=OneByOne(),
        progress=lambda *a: calls.append(a),
        every=3600,
    )
    assert done == (4, 8)
    assert sink.batches == [[0, 2, 4, 6]]  # one batch at the end
    assert calls == [(0, 4), (4, 4)]
    # every=0 (the default): each as it finishes
    sink = Recording()
    run_chunks(_part, resolved.design, chunks, sink, executor=OneByOne())
    assert sink.batches == [[0], [2], [4], [6]]
    # a result holding arrays in memory goes at once, with those waiting
    sink = Recording()
    run_chunks(_held, resolved.design, chunks, sink, executor=OneByOne(), every=3600)
    assert sink.batches == [[0, 2, 4], [6]]


def test_waiting_results_are_handed_over_before_a_failure_is_raised():
    resolved = resolve(Study.from_dict({**SMALL, "scenarios": 8}))
    sink = Recording()
    chunks = plan_chunks(8, [], 2)
    with pytest.raises(RuntimeError, match="a chunk failed"):
        run_chunks(_part, resolved.design, chunks, sink, executor=OneByOne(fail_at=4), every=3600)
    assert sink.batches == [[0, 2]]


def test_studies_on_workers_commit_at_most_once_a_second(tmp_path, monkeypatch):
    """In process each chunk commits as it ends; on workers chunks wait up to
    COMMIT_SECONDS to share a commit."""
    from techbloc.experiments import runner
    from techbloc.experiments.executors import InProcessExecutor, ProcessExecutor

    seen = []
    real = runner.run_chunks

    def spy(*args, **kwargs):
        seen.append(kwargs["every"])
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "run_chunks", spy)
    study = Study.from_dict({**SMALL, "scenarios": 4})
    runner.run_study(study, tmp_path / "here", executor=InProcessExecutor(), chunk_size=2)
    runner.run_study(study, tmp_path / "workers", executor=ProcessExecutor(1), chunk_size=2)
    assert seen == [0.0, runner.COMMIT_SECONDS]
