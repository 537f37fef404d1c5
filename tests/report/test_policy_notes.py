"""The report's policy table: a techbloc error becomes a note, any other error propagates."""

from __future__ import annotations

import pytest

from techbloc.errors import InputError
from techbloc.experiments.study import PolicySpec
from techbloc.report import sections
from techbloc.report.data import read_store


def test_a_techbloc_error_becomes_a_note(store, monkeypatch):
    study = read_store(store).study

    def missing(self, presets=None):
        raise InputError("presets.yaml: file not found")

    monkeypatch.setattr(PolicySpec, "to_policy", missing)
    rows = sections._policies(study)
    assert rows and all(
        r["note"] == "members not resolved: presets.yaml: file not found" for r in rows
    )


def test_a_bug_is_not_hidden(store, monkeypatch):
    study = read_store(store).study

    def broken(self, presets=None):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(PolicySpec, "to_policy", broken)
    with pytest.raises(ZeroDivisionError):
        sections._policies(study)
