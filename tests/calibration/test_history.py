"""2010–2023 runs: in-process and study runner agree, determinism, resume."""

import pandas as pd
import pytest

from techbloc import load_world, sample_futures
from techbloc.calibration.history import InProcessHistory, StudyHistory
from techbloc.calibration.targets import load_targets


@pytest.fixture(scope="module")
def targets():
    return load_targets()


@pytest.fixture(scope="module")
def futures():
    return sample_futures(24, seed=3)


def test_study_runner_matches_in_process(tmp_path, targets, futures):
    direct = InProcessHistory(load_world(), targets, seed=7)(futures, 1)
    on_runner = StudyHistory(tmp_path, targets, seed=7, chunk_size=10)(futures, 1)
    pd.testing.assert_frame_equal(direct, on_runner, check_dtype=False)
    assert list(direct.columns) == list(targets.index)
    assert direct.notna().all().all()


def test_resume_gives_what_one_run_gives(tmp_path, targets, futures):
    from techbloc.experiments.runner import run_study

    whole = StudyHistory(tmp_path / "a", targets, seed=2, chunk_size=8)(futures, 1)
    partial = StudyHistory(tmp_path / "b", targets, seed=2, chunk_size=8)
    study = partial.study(futures, 1)
    summary = run_study(
        study, tmp_path / "b" / "wave-1" / "store", chunk_size=8, max_chunks=1, echo=lambda _: None
    )
    assert summary.scenarios_run < len(futures)  # interrupted after one chunk
    resumed = partial(futures, 1)
    pd.testing.assert_frame_equal(whole, resumed)


def test_the_same_wave_gives_the_same_values(tmp_path, targets, futures):
    run = InProcessHistory(load_world(), targets, seed=0)
    assert run(futures, 1).equals(run(futures, 1))
