"""Every bad input of the corpus in benchmarks/bad_inputs.py gets a clear error, no traceback.

Also: mutated study files never raise anything but InputError, a store that cannot be
written (an unreachable scheduler) is not left behind.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError

_PATH = Path(__file__).parents[1] / "benchmarks" / "bad_inputs.py"
_spec = importlib.util.spec_from_file_location("bad_inputs", _PATH)
assert _spec is not None and _spec.loader is not None
bad_inputs = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bad_inputs", bad_inputs)
_spec.loader.exec_module(bad_inputs)

EXAMPLE = (Path(__file__).parents[1] / "examples" / "study.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, object]:
    return {c.label: c for c in bad_inputs.cases(tmp_path_factory.mktemp("bad"))}


def _labels() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [c.label for c in bad_inputs.cases(Path(tmp))]


@pytest.mark.parametrize("label", _labels())
def test_bad_input_is_refused_clearly(corpus, label) -> None:
    outcome = bad_inputs.run_case(corpus[label])
    assert outcome.traceback is None, outcome.traceback
    assert outcome.exit_code != 0, outcome.output
    assert outcome.clear, (
        f"{label}: message does not match {outcome.case.expect!r}:\n{outcome.output}"
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_study_files_give_input_errors_only(tmp_path_factory, data) -> None:
    """Byte-level mutations of the example study: a Study or an InputError, nothing else."""
    raw = bytearray(EXAMPLE.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["replace", "delete", "insert"]))
        at = data.draw(st.integers(0, len(raw) - 1))
        byte = data.draw(st.sampled_from(b":-[]{}&*!|>'\"#\n\t 0x\xff\x00,?%@`"))
        if kind == "replace":
            raw[at] = byte
        elif kind == "delete":
            del raw[at]
        else:
            raw.insert(at, byte)
    path = tmp_path_factory.mktemp("mutated") / "study.yaml"
    path.write_bytes(bytes(raw))
    from techbloc.experiments.study import Study

    try:
        Study.from_yaml(path)
    except InputError as exc:
        assert str(path) in str(exc)


def test_unreachable_scheduler_leaves_no_store(tmp_path) -> None:
    from techbloc.experiments.executors import InProcessExecutor
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.store import ResultsStore
    from techbloc.experiments.study import Study

    class Unreachable(InProcessExecutor):
        def __enter__(self):
            raise InputError("cannot reach the Dask scheduler at tcp://127.0.0.1:1")

    study = Study.from_dict(
        {"policies": [{"preset": "quad"}], "scenarios": 4, "years": {"start": 2024, "end": 2026}}
    )
    with pytest.raises(InputError, match="cannot reach"):
        run_study(study, tmp_path / "out", executor=Unreachable())
    assert not ResultsStore.exists(tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # an existing store with finished chunks is kept
    run_study(study, tmp_path / "kept", max_chunks=1, chunk_size=2)
    with pytest.raises(InputError):
        run_study(study, tmp_path / "kept", executor=Unreachable())
    with ResultsStore.open(tmp_path / "kept") as store:
        assert store.done_ranges() == [(0, 2)]
