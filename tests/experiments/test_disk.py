"""A full disk and a read-only filesystem: clear errors, finished chunks kept, resumable.

Uses a small tmpfs mounted for the test (needs root and a kernel that allows it; skipped with
the reason otherwise).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from techbloc.errors import StoreError
from techbloc.experiments.runner import run_study
from techbloc.experiments.store import ResultsStore, verify_store
from techbloc.experiments.study import Study

SPEC = {
    "name": "disk",
    "policies": [{"preset": "forging_core"}, {"preset": "quad"}],
    "scenarios": 40,
    "years": {"start": 2024, "end": 2040},
    "outputs": {"trajectories": True},
}


def _mount(point: Path, options: str) -> str | None:
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if proc.returncode == 0 else (proc.stderr.strip() or "mount failed")


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    point = tmp_path / "disk"
    point.mkdir()
    try:
        problem = _mount(point, "size=400k")
    except OSError as exc:
        problem = str(exc)
    if problem:
        pytest.skip(f"cannot mount a small tmpfs here ({problem})")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _remount(point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(point)], check=True)


def test_disk_full_is_a_clear_error_and_the_run_resumes(
    small_disk, tmp_path, read_all, assert_same
) -> None:
    study = Study.from_dict(SPEC)
    out = small_disk / "store"
    with pytest.raises(
        StoreError,
        match=r"cannot write chunk .*No space left on device.*"
        r"run the study again to resume",
    ):
        run_study(study, out, chunk_size=4)
    assert verify_store(out) == []  # what was committed is intact
    with ResultsStore.open(out) as store:
        kept = store.done_ranges()
    assert kept and sum(b - a for a, b in kept) < 40
    _remount(small_disk, "size=16m")
    summary = run_study(study, out, chunk_size=4)
    assert summary.status == "complete" and summary.chunks_skipped == len(kept)
    reference = tmp_path / "reference"
    run_study(study, reference, chunk_size=8)
    assert_same(read_all(out), read_all(reference))


def test_read_only_store_is_not_called_a_concurrent_run(small_disk) -> None:
    _remount(small_disk, "size=16m")
    study = Study.from_dict({**SPEC, "scenarios": 4, "outputs": {"trajectories": False}})
    run_study(study, small_disk / "store", max_chunks=1, chunk_size=2)
    _remount(small_disk, "ro")
    with pytest.raises(StoreError, match="read-only") as info:
        run_study(study, small_disk / "store", chunk_size=2)
    assert "another run" not in str(info.value)
    with ResultsStore.open(small_disk / "store") as store:  # reading still works
        assert store.done_ranges() == [(0, 2)]
