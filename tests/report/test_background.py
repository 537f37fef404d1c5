"""Discovery and sensitivity computed in a worker process equal those computed in place."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from techbloc.report import background
from techbloc.report.assets import Assets
from techbloc.report.background import BackgroundSections, compute_sections
from techbloc.report.data import read_store


@pytest.fixture(scope="module")
def data(store):
    return read_store(store)


@pytest.fixture(scope="module")
def in_place(data):
    return compute_sections(data)


def _same(got: tuple[dict, Assets], want: tuple[dict, Assets]) -> None:
    (sections, assets), (expected, expected_assets) = got, want
    assert repr(sections) == repr(expected)
    assert sorted(assets.figures) == sorted(expected_assets.figures)
    for key, (png, _) in assets.figures.items():
        assert png == expected_assets.figures[key][0], key
    assert sorted(assets.tables) == sorted(expected_assets.tables)
    for key, frame in assets.tables.items():
        assert frame.equals(expected_assets.tables[key]), key


def test_a_worker_computes_what_is_computed_in_place(data, in_place, monkeypatch):
    monkeypatch.setattr(background, "_spare_core", lambda: True)
    assets = Assets()
    with BackgroundSections(data) as sections:
        assert sections.in_background
        got = sections.result(assets)
    assert set(got) == {"discovery", "sensitivity", "findings"}
    _same((got, assets), in_place)


def _computed_here(monkeypatch) -> tuple[dict, Assets]:
    """Make computing in place cheap and recognisable (the worker cannot see the patch)."""
    made = Assets()
    made.tables["here"] = None
    computed = ({"discovery": {}, "sensitivity": {}, "findings": "computed here"}, made)
    monkeypatch.setattr(background, "compute_sections", lambda data, sample=0: computed)
    return computed


def test_without_a_spare_core_they_are_computed_in_place(data, monkeypatch):
    monkeypatch.setattr(background, "_spare_core", lambda: False)
    computed = _computed_here(monkeypatch)
    assets = Assets()
    sections = BackgroundSections(data)
    assert not sections.in_background
    assert sections.result(assets) is computed[0]
    assert "here" in assets.tables


def test_a_failed_worker_is_replaced_by_computing_in_place(data, monkeypatch):
    """A worker that exits with an error (here: an interpreter that cannot start) leaves
    the sections to be computed in place; its files are removed."""
    monkeypatch.setattr(background, "_spare_core", lambda: True)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    computed = _computed_here(monkeypatch)
    assets = Assets()
    sections = BackgroundSections(data)
    assert sections.in_background
    folder = sections._dir.name
    assert sections.result(assets) is computed[0]
    assert "here" in assets.tables
    assert not os.path.exists(folder)


def test_an_error_in_a_section_is_raised_in_place(data, monkeypatch):
    """A section that fails makes the worker fail (here: it cannot start); computed again in
    place, the section raises its own error."""
    monkeypatch.setattr(background, "_spare_core", lambda: True)
    monkeypatch.setattr(sys, "executable", "/bin/false")

    def broken(data, assets):
        raise ValueError("a section's own error")

    monkeypatch.setattr("techbloc.report.robust.sensitivity_section", broken)
    with BackgroundSections(data) as sections, pytest.raises(ValueError, match="own error"):
        sections.result(Assets())


def test_closing_stops_a_running_worker(data, monkeypatch):
    monkeypatch.setattr(background, "_spare_core", lambda: True)
    sections = BackgroundSections(data)
    worker = sections._worker
    sections.close()
    assert worker.poll() is not None
    assert not sections.in_background


def test_the_worker_does_not_run_the_callers_script(tmp_path, store):
    """A script without a ``__main__`` guard writes its report once (a multiprocessing
    worker would import the script again)."""
    script = tmp_path / "script.py"
    count = tmp_path / "count.txt"
    script.write_text(
        "from techbloc.report import background\n"
        "from techbloc.report.assets import Assets\n"
        "from techbloc.report.data import read_store\n"
        f"with open({str(count)!r}, 'a') as f: f.write('x')\n"
        "background._spare_core = lambda: True\n"
        f"sections = background.BackgroundSections(read_store({str(store)!r}))\n"
        "assert sections.in_background\n"
        "sections.result(Assets())\n",
        encoding="utf-8",
    )
    subprocess.run([sys.executable, str(script)], check=True, timeout=600)
    assert count.read_text() == "x"


def test_the_worker_imports_from_where_this_process_does(data, monkeypatch, tmp_path):
    """A caller that put its own directory on ``sys.path`` gets a worker that sees it."""
    seen = {}

    class Recorded:
        def __init__(self, args, env, **kwargs):
            seen.update(args=args, env=env)

        def poll(self):
            return 0

        def wait(self):
            return 1  # failed: the sections are computed in place

    monkeypatch.setattr(background, "_spare_core", lambda: True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])
    monkeypatch.setattr(subprocess, "Popen", Recorded)
    BackgroundSections(data).close()
    assert seen["args"][1:3] == ["-m", "techbloc.report.background"]
    assert str(tmp_path) in seen["env"]["PYTHONPATH"].split(os.pathsep)
