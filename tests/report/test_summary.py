"""The summary: four findings with intervals, verdicts from the intervals, plain names,
how to cite, and the slot for a history section."""

from __future__ import annotations

import html as html_lib
import importlib.machinery
import re
import sys
import types

import numpy as np
import pytest

from techbloc.analysis.uncertainty import Estimate, Lead
from techbloc.report.summary import _title, _who

SPAN = re.compile(
    r'<span class="n" data-key="([^"]+)" data-value="([^"]+)" data-low="([^"]+)" '
    r'data-high="([^"]+)">'
)


def _summary(html: str) -> str:
    return html.split('id="summary"')[1].split("</section>")[0]


def _text(markup: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", markup)))


def test_four_findings_each_with_a_bootstrap_interval(report):
    _, html = report
    items = re.findall(r"<li><b class=\"q\">(.*?)</li>", _summary(html), re.S)
    assert len(items) == 4
    for item in items:
        spans = SPAN.findall(item)
        assert spans, item
        for _, _value, low, high in spans:
            assert float(low) <= float(high)
        assert "95% interval" in item


def test_summary_uses_plain_names_only(report):
    from techbloc.world import load_world

    _, html = report
    text = _text(_summary(html))
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text), "code names in the summary"
    codes = set(load_world().codes) - {"USA"}
    assert not codes & set(re.findall(r"\b[A-Z]{3}\b", text)), "ISO codes in the summary"
    assert "What would change this answer." in text and "Limitations." in text


def test_how_to_cite_names_version_and_study_hash(report, store):
    from techbloc.experiments.store import ResultsStore

    _, html = report
    with ResultsStore.open(store) as s:
        manifest = s.manifest
    cite = _text(html.split('class="cite">')[1].split("</p>")[0])
    assert f"techbloc {manifest['version']}" in cite
    assert str(manifest["study_hash"])[:12] in cite and str(manifest["seed"]) in cite


def test_citation_counts_futures_with_separators():
    from techbloc.report.summary import cite

    header = {
        "title": "T",
        "report_version": "0.3.0",
        "study": "s",
        "study_hash": "abc",
        "seed": 1,
        "n_scenarios": 1000,
        "years": "2024-2050",
        "report_date": "2026-12-07T22:00",
    }
    assert "1,000 futures, 2024-2050" in cite(header)


def _estimate(value, low, high):
    return Estimate(value, low, high, 0.95, 100)


def _findings(resolved: bool) -> dict:
    low = 0.001 if resolved else -0.001
    lead = Lead("a_one", "b_two", _estimate(0.002, low, 0.004), 0.9, {}, 0.9)
    return {
        "headline": "china_capability_vs_status_quo",
        "end_year": 2050,
        "who": {
            "outcome": "china_capability_vs_status_quo",
            "lower_is_better": True,
            "policies": {"a_one": _estimate(-0.01, -0.02, -0.005), "b_two": _estimate(0, -1, 1)},
            "n": 2,
            "n_below": 1,
            "n_above": 0,
            "lead": lead,
            "kor": None,
        },
    }


def test_verdicts_come_from_the_intervals():
    clear, tie = _findings(True), _findings(False)
    assert "ahead of b two by more than the sampling error" in _text(_who(clear))
    assert "no clear winner: a one and b two differ by less than the sampling error" in _text(
        _who(tie)
    )
    assert _title(clear).endswith("a one does best")
    assert _title(tie).endswith("no coalition is clearly best")
    assert _title(tie).startswith("No coalition leaves China's capability clearly higher")


def test_titles_of_one_and_of_two_coalitions_read_as_sentences():
    two = _findings(True)
    two["who"].update(n_below=2, lead=None)
    assert _title(two) == (
        "Both coalitions leave China's capability lower than US-only controls by 2050"
    )
    one = _findings(True)
    one["who"].update(policies={"a_one": _estimate(-0.001, -0.003, 0.001)}, n=1, n_below=0)
    assert _title(one) == (
        "a one leaves China's capability within the sampling error of US-only controls by "
        "2050, less than 1% apart"
    )
    one["who"].update(policies={"a_one": _estimate(0.02, 0.01, 0.03)}, n_above=1)
    assert _title(one) == "a one leaves China's capability higher than US-only controls by 2050"


def test_log_ratios_are_shown_as_percent_change():
    text = _text(_who(_findings(True)))
    assert f"−{100 * -np.expm1(-0.01):.2f}%" in text  # ln ratio -0.01 is a 1.0% fall


@pytest.fixture
def history_module(monkeypatch):
    """A stand-in for techbloc.report.history (written by the history-matching work)."""
    module = types.ModuleType("techbloc.report.history")
    module.__spec__ = importlib.machinery.ModuleSpec("techbloc.report.history", None)

    def history_section(data, assets):
        return {
            "summary": "History check: stand-in sentence.",
            "paragraphs": ["Stand-in paragraph."],
            "figures": [],
        }

    module.history_section = history_section  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "techbloc.report.history", module)
    return module


def test_a_history_section_fills_its_slot(store, tmp_path, history_module):
    from techbloc.report import write_report

    html = write_report(store, tmp_path / "r.html").read_text()
    assert "History check: stand-in sentence." in _text(_summary(html))
    section = html.split('id="history"')[1].split("</section>")[0]
    assert "5. How well does the model fit 2010–2023?" in section and "Stand-in" in section
    assert '<a href="#history">' in html
    order = [html.index(f'id="{s}"') for s in ("trust", "history", "appendix")]
    assert order == sorted(order)


def test_the_limitations_quote_how_well_the_model_fits_history(report):
    _, html = report
    assert "Run from 2010 on observed history" in _text(_summary(html))
    assert 'id="history"' in html


def test_without_history_the_limitations_say_so(store, tmp_path, history_module, monkeypatch):
    from techbloc.report import write_report

    monkeypatch.setattr(history_module, "history_section", lambda data, assets: None)
    html = write_report(store, tmp_path / "r.html").read_text()
    assert "no history match was run" in _text(_summary(html))
    assert 'id="history"' not in html
