"""Numbers that hold: the summary's quoted answers agree between two seeds within their
stated (bootstrap) intervals.

Two stores of the same study differ only in the root seed, so in the futures drawn. Every
interval the summary quotes must overlap its counterpart, and a comparison called resolved
under one seed must not name another winner under the other. The default suite runs the
default study's policies over fewer futures and years; the full default study (1,000
futures, 2024-2050) is marked slow.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from techbloc.report.data import read_store
from techbloc.report.findings import findings, quoted

SEEDS = (20240101, 7)


def _default_spec(**changes):
    from techbloc.experiments.study import Study

    study = Study.from_yaml(Path(str(files("techbloc") / "default_study.yaml")))
    return {**study.to_dict(), **changes}


def _quoted(run_into, directory, spec):
    run_into(directory, spec)
    data = read_store(directory)
    return quoted(findings(data, seed=int(spec["seed"])))


def _check(first, second):
    (est_a, lead_a), (est_b, lead_b) = first, second
    assert est_a.keys() == est_b.keys()
    apart = {
        key: (est_a[key].to_dict(), est_b[key].to_dict())
        for key in est_a
        if not est_a[key].overlaps(est_b[key])
    }
    assert not apart, f"intervals that do not overlap between seeds: {apart}"
    for key in lead_a.keys() & lead_b.keys():
        a, b = lead_a[key], lead_b[key]
        if a.resolved and b.resolved:
            assert a.best == b.best, f"{key}: {a.best} vs {b.best}, both called resolved"


def test_quoted_answers_agree_between_two_seeds_reduced(tmp_path, run_into):
    runs = [
        _quoted(
            run_into,
            tmp_path / str(seed),
            _default_spec(seed=seed, scenarios=150, years={"start": 2024, "end": 2034}),
        )
        for seed in SEEDS
    ]
    _check(*runs)


@pytest.mark.slow
def test_quoted_answers_agree_between_two_seeds_default_study(tmp_path, run_into):
    runs = [_quoted(run_into, tmp_path / str(seed), _default_spec(seed=seed)) for seed in SEEDS]
    _check(*runs)
