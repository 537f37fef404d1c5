"""The version is written once (``techbloc.__version__``) and packaging reads it from there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import techbloc

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_reads_the_version_from_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "techbloc.__version__"}


def test_version_is_pep440_and_in_the_changelog():
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?", techbloc.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{techbloc.__version__}]" in changelog
