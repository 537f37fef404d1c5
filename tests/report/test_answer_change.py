"""Whether an answer changes under history matching, checked at more root seeds
(techbloc.report.answer_change)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from techbloc.experiments.runner import run_study
from techbloc.experiments.store import ResultsStore
from techbloc.experiments.study import Study
from techbloc.report.answer_change import Answer, four_answers, pool, pooled_answer, verdict
from techbloc.report.history import history_html

POLICIES = [{"preset": "forging_core"}, {"preset": "forging_core+KOR"}, {"preset": "aukus"}]
COMMON = {"policies": POLICIES, "scenarios": 8, "years": {"start": 2024, "end": 2030}}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """A history-consistent store and its wide-prior sibling, small."""
    root = tmp_path_factory.mktemp("answer-change")
    calibrated = {**COMMON, "design": {"method": "calibrated", "set": "history"}, "seed": 3}
    run_study(Study.from_dict(calibrated), root / "study")
    run_study(Study.from_dict({**COMMON, "design": "lhs", "seed": 3}), root / "study-wide-prior")
    return root


def _a(answers):
    return next(a for a in answers if a.question.startswith("(a)"))


@pytest.fixture
def moved(monkeypatch):
    """The wide prior's answer (a) moved by +10, far from history's: a change at this seed.
    Returns the patched function (its ``real`` attribute the unpatched one)."""
    import techbloc.report.history as history

    real = history.four_answers

    def far_apart(store_dir, *, seed=0):
        answers = real(store_dir, seed=seed)
        if store_dir.name.endswith("-wide-prior"):
            answers = [
                Answer(a.question, a.measure, a.kind, a.value + 10, a.draws + 10)
                if a.question.startswith("(a)")
                else a
                for a in answers
            ]
        return answers

    far_apart.real = real
    monkeypatch.setattr(history, "four_answers", far_apart)
    return far_apart


def test_pool_averages_the_values_and_the_draws():
    one = Answer("(d) q", "m", "value", 1.0, np.array([0.0, 2.0]))
    two = Answer("(d) q", "m", "value", 3.0, np.array([2.0, 6.0]))
    pooled = pool([one, two])
    assert (pooled.question, pooled.kind, pooled.value) == ("(d) q", "value", 2.0)
    np.testing.assert_array_equal(pooled.draws, [1.0, 4.0])
    assert pool([one, Answer("(d) q", "m", "value", 5.0)]).draws is None


def test_the_pooled_answer_is_the_mean_over_root_seeds(stores, tmp_path):
    wide = stores / "study-wide-prior"
    own = _a(four_answers(wide, seed=1))
    pooled = pooled_answer(wide, own, seeds=3, resample_seed=1)
    # the same study at seeds 4 and 5, its answer (a)'s policies only, run here on its own
    spec = {**COMMON, "design": "lhs", "policies": POLICIES[:2]}
    values, draws = [own.value], [own.draws]
    for seed in (4, 5):
        run_study(Study.from_dict({**spec, "seed": seed}), tmp_path / str(seed))
        again = _a(four_answers(tmp_path / str(seed), seed=1))
        values.append(again.value)
        draws.append(again.draws)
    assert len(set(values)) == 3  # each seed draws other futures from the wide prior
    assert pooled is not None
    assert pooled.value == pytest.approx(np.mean(values), rel=1e-12)
    np.testing.assert_allclose(pooled.draws, np.mean(draws, axis=0), rtol=1e-12)


def test_on_a_calibrated_set_the_seeds_share_the_futures(stores, tmp_path):
    """A calibrated design takes the set's first futures whatever the seed: another seed
    draws only each future's US elections and exits, so pooling averages those."""
    own = _a(four_answers(stores / "study", seed=0))
    pooled = pooled_answer(stores / "study", own, seeds=2)
    spec = {**COMMON, "design": {"method": "calibrated", "set": "history"}, "seed": 4}
    run_study(Study.from_dict({**spec, "policies": POLICIES[:2]}), tmp_path / "again")
    again = _a(four_answers(tmp_path / "again", seed=0))
    assert pooled is not None and pooled.value == pytest.approx((own.value + again.value) / 2)
    with ResultsStore.open(stores / "study") as first:
        a, varied = first.scenarios(), first.study.varied()
    with ResultsStore.open(tmp_path / "again") as other:
        b = other.scenarios()
    pd.testing.assert_frame_equal(a[varied], b[varied])
    assert not a["transactional_years"].equals(b["transactional_years"])


def test_a_change_at_the_study_seed_is_checked_at_more_seeds(stores, moved):
    html = history_html(stores / "study")
    row = next(r for r in html.split("<tr>") if "(a) Who is in?" in r)
    assert "Over 5 root seeds, the answer changes:" in row
    assert "At this study&#39;s seed alone, the answer changes:" in row
    # the pooled values average this seed's (moved by 10) with four seeds' own
    wide = _a(moved(stores / "study-wide-prior"))
    pooled = pooled_answer(stores / "study-wide-prior", wide, resample_seed=1)
    assert pooled is not None and wide.value - 10 < pooled.value < wide.value
    assert verdict(wide, _a(moved.real(stores / "study"))) == "changes"


def test_a_large_study_is_not_run_again(stores, moved, monkeypatch):
    import techbloc.report.history as history

    monkeypatch.setattr(history, "SEED_CHECK_FUTURES", 7)  # the stores hold 8 futures
    monkeypatch.setattr(
        history, "pooled_answer", lambda *a, **k: pytest.fail("ran the study again")
    )
    row = next(r for r in history_html(stores / "study").split("<tr>") if "(a) Who is" in r)
    assert row.count("The answer changes:") == 1
    assert (
        "Not checked at other root seeds: the report runs an answer again for studies of "
        "up to 7 futures, and this one has 8" in row
    )


def test_a_study_that_cannot_run_again_keeps_its_own_verdict(stores, tmp_path):
    overrides = tmp_path / "overrides.yaml"
    shutil.copy("examples/overrides.yaml", overrides)
    spec = {**COMMON, "policies": POLICIES[:2], "world": {"overrides": [str(overrides)]}}
    run_study(Study.from_dict({**spec, "design": "lhs"}), tmp_path / "mine")
    overrides.unlink()
    own = _a(four_answers(tmp_path / "mine"))
    assert pooled_answer(tmp_path / "mine", own, seeds=2) is None


def test_answer_b_is_section_2s_ratio(store):
    """(b) reads the leakage through the partner, as section 2 and the summary do (it read
    all the leakage to China, which gave 0.217 against section 2's 0.141 on the default
    study)."""
    from techbloc.report.data import read_store

    data = read_store(store)

    def median_cut(partner, off, on):
        before = data.country(off, partner, "leakage_to_china_by_country")
        after = data.country(on, partner, "leakage_to_china_by_country")
        return float(np.nanmedian(1 - after / before.where(before > 0)))

    expected = median_cut("IDN", "core+IDN", "core+IDN cb") / median_cut(
        "POL", "core+POL", "core+POL cb"
    )
    (b,) = [a for a in four_answers(store) if a.question.startswith("(b)")]
    assert b.value == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(b.draws).all()
