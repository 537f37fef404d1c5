"""The report section on the fit to 2010–2023 (techbloc.report.history)."""

import pytest

from techbloc.report.history import Answer, change_sentence, history_html, history_tables_html


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
    answer = Answer("q", "m", kind, calibrated)
    assert f"The answer {verdict}" in change_sentence(answer, wide, calibrated)


def test_the_report_renders_the_section_in_its_slot_and_quotes_it(stores, tmp_path):
    from techbloc.report import write_report

    html = write_report(stores / "default", tmp_path / "report.html").read_text()
    assert html.count('id="history"') == 1
    assert html.index('id="history"') < html.index('id="parameters"')
    assert "5. How well does the model fit 2010–2023?" in html
    assert "Run from 2010 on observed history, the model's 10–90% band holds" in html
    assert html.index('id="appendix"') < html.index('id="history-detail"')
