"""Calibrated sets: the shipped one, studies and sample_futures drawing from it."""

import json

import pandas as pd
import pytest

from techbloc import sample_futures
from techbloc.calibration.calibrated import BUNDLED_SET, load_calibrated, sample_calibrated
from techbloc.errors import InputError
from techbloc.experiments.study import Study
from techbloc.params import get_parameter


def test_the_shipped_set_is_history_consistent_and_documented():
    cal = load_calibrated(BUNDLED_SET)
    assert len(cal.futures) >= 1000
    for name in cal.futures.columns:
        p = get_parameter(name)
        assert cal.futures[name].between(p.low, p.high).all()
    prov = cal.provenance
    assert prov["cutoff"] == 3.0 and prov["rule"] in ("max", "second")
    assert prov["waves"] and prov["seed"] == 20100101
    assert set(prov["matching_targets"]).isdisjoint(prov["holdout_targets"])
    # every kept future is non-implausible on every matching target: the calibrated
    # implausibility of the median is below the cutoff too
    matched = cal.fit[~cal.fit["holdout"]]
    assert (matched["calibrated_implausibility"] < prov["cutoff"]).all()
    assert set(cal.constraints.index) == set(cal.futures.columns)


def test_a_study_draws_from_a_calibrated_set(tmp_path):
    spec = {
        "policies": [{"preset": "forging_core"}],
        "design": {"method": "calibrated", "set": "history"},
        "scenarios": 5,
    }
    study = Study.from_dict(spec)
    table = study.design_table()
    pd.testing.assert_frame_equal(table, sample_calibrated("history", 5))
    assert study.n_scenarios == 5
    # a copy of the set on disk, named by path relative to the study file
    cal = load_calibrated("history")
    copy = tmp_path / "myset"
    copy.mkdir()
    for name in ("futures.csv", "provenance.json", "constraints.csv", "fit.csv"):
        (copy / name).write_bytes((cal.path / name).read_bytes())
    path_study = Study.from_dict(
        {**spec, "design": {"method": "calibrated", "set": "myset"}}, base_dir=tmp_path
    )
    pd.testing.assert_frame_equal(path_study.design_table(), table)
    # the set's contents are part of the study's fingerprint
    before = path_study.fingerprint()
    futures = pd.read_csv(copy / "futures.csv", index_col="scenario")
    futures.iloc[0, 0] = futures.iloc[1, 0]
    futures.to_csv(copy / "futures.csv")
    assert path_study.fingerprint() != before


def test_bad_calibrated_designs_are_refused(tmp_path):
    base = {"policies": [{"preset": "forging_core"}]}
    with pytest.raises(InputError, match=r"design\.set"):
        Study.from_dict({**base, "design": {"method": "calibrated", "set": str(tmp_path)}})
    with pytest.raises(InputError, match="needed with, and only with"):
        Study.from_dict({**base, "design": {"method": "calibrated"}})
    with pytest.raises(InputError, match="calibrated set has"):
        Study.from_dict(
            {**base, "design": {"method": "calibrated", "set": "history"}, "scenarios": 10**6}
        )
    with pytest.raises(InputError, match="remove 'vary'"):
        Study.from_dict(
            {**base, "design": {"method": "calibrated", "set": "history"}, "vary": ["denial"]}
        )


def test_sample_futures_from_the_calibrated_set():
    futures = sample_futures(7, design="calibrated")
    pd.testing.assert_frame_equal(futures, sample_calibrated("history", 7))
    fixed = sample_futures(3, design="calibrated", fixed={"denial": 0.4})
    assert (fixed["denial"] == 0.4).all()
    with pytest.raises(InputError, match="has"):
        sample_futures(10**6, design="calibrated")


def test_provenance_is_json_with_the_targets_digest():
    import hashlib

    from techbloc.calibration.targets import bundled_targets_path

    prov = json.loads((load_calibrated().path / "provenance.json").read_text())
    digest = hashlib.sha256(bundled_targets_path().read_bytes()).hexdigest()
    assert prov["targets"]["sha256"] == digest, "targets changed: rebuild the calibrated set"
