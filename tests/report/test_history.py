"""The report section on the fit to 2010–2023 (techbloc.report.history)."""

import numpy as np
import pytest

from techbloc.report.answer_change import Answer, change_sentence, four_answers
from techbloc.report.history import history_html, history_tables_html


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Two small stores of the same study: history-consistent and its wide-prior sibling."""
    from techbloc.experiments.runner import run_study
    from techbloc.experiments.study import Study

    root = tmp_path_factory.mktemp("history")
    policies = [
        {"preset": "forging_core"},
        {"preset": "forging_core+KOR"},
    ]
    common = {"policies": policies, "scenarios": 6, "years": {"start": 2024, "end": 2030}}
    calibrated = Study.from_dict({**common, "design": {"method": "calibrated", "set": "history"}})
    wide = Study.from_dict({**common, "design": "lhs"})
    run_study(calibrated, root / "default", echo=lambda _: None)
    run_study(wide, root / "default-wide-prior", echo=lambda _: None)
    return root


def test_the_section_compares_fit_constraints_and_answers(stores):
    html = history_html(stores / "default")
    assert "The model was run from 2010 to 2023" in html
    # the parameter history constrains most (first row of the shipped set's table) is named
    from techbloc.calibration import load_calibrated

    most = load_calibrated().constraints.sort_values("share_ruled_out").index[-1]
    tables = history_tables_html(stores / "default")
    assert "(hold-out)" in tables and most in tables
    assert "(a) Who is in?" in html and "wide prior" in html
    # the study lacks the capacity-building policies: that answer is left out
    assert "(b) Capability or will?" not in html


def test_without_the_wide_prior_store_it_says_how_to_make_it(stores, tmp_path):
    import shutil

    shutil.copytree(stores / "default", tmp_path / "mine")
    html = history_html(tmp_path / "mine")
    # any study: the same study over the full ranges, into the sibling the section reads
    assert f"(<code>design: lhs</code>) into <code>{tmp_path / 'mine-wide-prior'}</code>" in html
    assert "(for the default study, <code>techbloc run --prior wide</code> does that)" in html


@pytest.mark.parametrize(
    "kind, wide, calibrated, verdict",
    [
        ("value", 1.0, 1.2, "holds"),
        ("value", 1.0, 1.3, "changes"),
        ("value", 0.5, -0.5, "changes"),
        ("share", 0.40, 0.48, "holds"),
        ("share", 0.40, 0.55, "changes"),
    ],
)
def test_change_sentences(kind, wide, calibrated, verdict):
    spread = np.random.default_rng(0).normal(0, 0.01, 1000)  # a small sampling error
    w = Answer("q", "m", kind, wide, wide + spread)
    c = Answer("q", "m", kind, calibrated, calibrated + spread[::-1])
    assert f"The answer {verdict}" in change_sentence(w, c)
    # without draws, the thresholds alone decide
    assert f"The answer {verdict}" in change_sentence(w, Answer("q", "m", kind, calibrated))


@pytest.mark.parametrize("kind", ["value", "share"])
def test_a_move_within_the_sampling_error_is_not_a_change(kind):
    """At 1,000 futures (d) moved from -0.0385 to -0.0222, 42% of its wide-prior value, by
    the thresholds a change; its difference's interval included 0."""
    rng = np.random.default_rng(1)
    wide, calibrated = (-0.0385, -0.0222) if kind == "value" else (0.40, 0.55)
    scale = 0.012 if kind == "value" else 0.1
    w = Answer("q", "m", kind, wide, wide + rng.normal(0, scale, 1000))
    c = Answer("q", "m", kind, calibrated, calibrated + rng.normal(0, scale, 1000))
    sentence = change_sentence(w, c)
    assert sentence.startswith("Within the sampling error: "), sentence
    assert "95% interval" in sentence and "includes 0" in sentence


def test_four_answers_carry_their_sampling_error(stores):
    answers = four_answers(stores / "default", seed=0)
    assert [a.question[:3] for a in answers] == ["(a)", "(c)", "(d)"]
    for answer in answers:
        assert answer.draws is not None and len(answer.draws) == 1000
        if not np.isfinite(answer.value):  # (d) here: no future with 16 transactional years
            assert answer.question.startswith("(d)") and not np.isfinite(answer.draws).any()
            continue
        finite = answer.draws[np.isfinite(answer.draws)]
        assert len(finite) == 1000
        low, high = np.percentile(finite, [2.5, 97.5])
        assert low <= answer.value <= high, answer
    again = four_answers(stores / "default", seed=0)
    pairs = zip(answers, again, strict=True)
    assert all(np.array_equal(a.draws, b.draws, equal_nan=True) for a, b in pairs)


def test_the_report_renders_the_section_in_its_slot_and_quotes_it(stores, tmp_path):
    from techbloc.report import write_report

    html = write_report(stores / "default", tmp_path / "report.html").read_text()
    assert html.count('id="history"') == 1
    assert html.index('id="history"') < html.index('id="parameters"')
    assert "5. How well does the model fit 2010–2023?" in html
    assert "Run from 2010 on observed history, the model's 10–90% band holds" in html
    assert html.index('id="appendix"') < html.index('id="history-detail"')
