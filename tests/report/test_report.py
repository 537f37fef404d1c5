"""The HTML study report: built end to end from a small study on the real model."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from techbloc.errors import StoreError
from techbloc.report import write_report
from techbloc.report.formatting import format_value
from techbloc.report.sections import _SHARE_POSITIVE, HEADLINE_OUTCOMES

HEADINGS = [
    "Summary",
    "What would change this answer.",
    "Limitations.",
    "Contents",
    "The coalitions on a map",
    "1. Who should be in?",
    "Who would be accepted among outsiders",
    "2. Capability or will?",
    "3. Does technology become power?",
    "4. Will partners trust the US?",
    "Appendix",
    "A. Key assumptions",
    "B. The study and headline outcomes",
    "Headline outcomes",
    "C. Scenario discovery: when is China stronger than under the status quo?",
    "D. Robustness",
    "Satisficing",
    "E. Sensitivity",
    "F. Parameters and data",
    "G. History match: every target, and what the record constrains",
    "H. Run manifest and how to cite",
    "How to cite",
]


class _Cells(HTMLParser):
    """Collect headline cells: data attributes and their visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self._open: dict | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td" and "data-outcome" in attrs:
            self._open = {**attrs, "bold": "", "range": ""}
            self._part = None
        elif self._open is not None:
            self._part = {"b": "bold", "span": "range"}.get(tag, self._part)

    def handle_endtag(self, tag):
        if tag == "td" and self._open is not None:
            self.cells.append(self._open)
            self._open = None
        elif self._open is not None and tag in ("b", "span"):
            self._part = None

    def handle_data(self, data):
        if self._open is not None and self._part:
            self._open[self._part] += data


def _cells(html: str) -> list[dict]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def _outcomes(store):
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store) as results:
        return results.outcomes()


def test_writes_one_self_contained_file(report, report_figures):
    path, html = report
    assert path.is_file() and path.suffix == ".html"
    assert path.stat().st_size < 3_000_000
    # no asset fetched from anywhere: no remote or relative src/href, no external CSS/JS
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc=", html, re.I)
    assert not re.search(r"url\(", html, re.I)  # no CSS fetch either
    for match in re.finditer(r"""\b(?:src|href)\s*=\s*["']([^"']*)""", html, re.I):
        target = match.group(1)
        assert target.startswith("data:") or re.fullmatch(r"#[\w.+-]+", target), target[:60]
        if target.startswith("#"):
            assert f'id="{target[1:]}"' in html, f"dangling link {target}"
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(report_figures)
    for encoded in images:
        assert base64.b64decode(encoded)[:8] == b"\x89PNG\r\n\x1a\n"


def test_names_every_policy_and_section(report, policy_labels):
    _, html = report
    for policy in policy_labels:
        assert f'data-policy="{policy}"' in html
        assert f'<td class="policy">{policy}</td>' in html
    for heading in HEADINGS:
        assert heading in html, heading
    assert "PROVENANCE.md" in html


def test_the_body_names_policies_plainly(report):
    """Code names belong to the appendix ("Code names ... appear here"), not the body."""
    _, html = report
    body = html.split('id="appendix"')[0]
    body = re.sub(r'<span class="files">.*?</span>', "", body, flags=re.S)  # file names
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    assert "forging_core" not in text and "five_eyes" not in text
    # and countries: the outsiders' table names them (the CSV beside it keeps the codes)
    table = re.search(r'<table id="outsiders">.*?</table>', body, flags=re.S)
    assert table is not None
    cells = re.findall(r"<tr><td>([^<]+)</td>", table.group(0))
    assert cells and not any(re.fullmatch(r"[A-Z]{3}", cell) for cell in cells), cells


def test_header_facts_come_from_the_store(report, store, policy_labels):
    from techbloc.experiments.store import ResultsStore

    _, html = report
    with ResultsStore.open(store) as results:
        manifest = results.manifest
    assert "report-small" in html
    assert f"techbloc {manifest['version']}" in html
    assert f"<b>Root seed</b>{manifest['seed']}" in html
    assert re.search(rf"60 futures × {len(policy_labels)} policies\s+× 11 years", html)
    assert "<b>Model time (sum over chunks)</b>" in html and "<b>Report analyses</b>" in html
    assert "Latin hypercube" in html
    # without --title, the title states the main finding (the summary's, as generated)
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert f"<h1>{title}</h1>" in html and "coalitions" in title


def test_headline_numbers_equal_store_medians(report, store, policy_labels):
    _, html = report
    outcomes = _outcomes(store)
    cells = _cells(html)
    assert len(cells) == len(policy_labels) * len(HEADLINE_OUTCOMES)
    seen = set()
    for cell in cells:
        policy, name = cell["data-policy"], cell["data-outcome"]
        seen.add((policy, name))
        values = outcomes.loc[outcomes["policy"] == policy, name].to_numpy(float)
        median = float(np.median(values))
        assert float(cell["data-median"]) == pytest.approx(median, rel=1e-12, abs=1e-15)
        if name in _SHARE_POSITIVE:
            share = float((values > 0).mean())
            assert float(cell["data-share-positive"]) == pytest.approx(share)
            assert cell["bold"].strip() == f"{100 * share:.0f}%"
            assert cell["range"].strip() == f"median {format_value(median)}"
        else:
            shown = float(cell["bold"].replace(",", ""))
            assert shown == pytest.approx(median, rel=5e-3, abs=1e-12)
            assert cell["bold"] == format_value(median)
            p10, p90 = np.quantile(values, [0.1, 0.9])
            assert cell["range"] == f"{format_value(p10)} – {format_value(p90)}"
    assert seen == {(p, n) for p in policy_labels for n in HEADLINE_OUTCOMES}


def test_regret_table_matches_the_robustness_module(report, store):
    from techbloc.analysis.robustness import regret

    _, html = report
    outcomes = _outcomes(store)
    presets = ["forging_core", "forging_core+KOR", "t12"]  # regret compares the presets
    table = regret(outcomes[outcomes["policy"].isin(presets)], ["alliance_rd_share:max"])
    largest = table.groupby("policy")["regret"].max()
    section = html.split('id="robustness"')[1].split('id="sensitivity"')[0]
    for policy, value in largest.items():
        assert re.search(
            rf'<td class="policy">{re.escape(policy)}</td>.*?'
            r'<td data-label="largest regret" class="num">'
            rf"{re.escape(format_value(value))}</td></tr>",
            section,
            re.S,
        ), policy


def test_discovery_shows_box_or_note(report):
    _, html = report
    section = html.split('id="discovery"')[1].split('id="robustness"')[0]
    assert "china_knowledge_vs_status_quo &gt; 0" in section and "forging_core" in section
    assert ("coverage" in section.lower() and "<img" in section) or (
        "Scenario discovery was not possible" in section
    )


def test_discovery_shows_prim_resampling(report):
    _, html = report
    section = html.split('id="discovery"')[1].split('id="robustness"')[0]
    assert "Scenario discovery was not possible" not in section
    box = section.split('id="prim-box"')[1].split("</table>")[0]
    limits = set(re.findall(r"<code>([\w_]+)</code>", box))
    resampled = section.split('id="prim-resampling"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr><td><code>([\w_]+)</code></td><td data-label="in the box">(yes)?</td>', resampled
    )
    assert rows and {name for name, yes in rows if yes} == limits
    assert "PRIM rerun on 30 bootstrap" in section


def test_discovery_failure_becomes_a_note(store, tmp_path, monkeypatch):
    import techbloc.analysis.discovery as discovery
    from techbloc.errors import InputError

    def fails(*args, **kwargs):
        raise InputError("the case of interest never happens in these scenarios")

    monkeypatch.setattr(discovery, "discover", fails)
    # computed in this process, where the failure is patched in (not in a worker)
    monkeypatch.setattr("techbloc.report.background._spare_core", lambda: False)
    html = write_report(store, tmp_path / "r.html", title="No PRIM").read_text()
    section = html.split('id="discovery"')[1].split('id="robustness"')[0]
    assert "Scenario discovery was not possible" in section
    assert "never happens" in section
    assert "<img" not in section
    assert "<h1>No PRIM</h1>" in html


def test_parameters_table_lists_the_varied_parameters(report, store):
    from techbloc.experiments.store import ResultsStore
    from techbloc.params import get_parameter

    _, html = report
    with ResultsStore.open(store) as results:
        varied = results.study.varied()
    section = html.split('id="parameters"')[1]
    for name in varied:
        assert f"<code>{name}</code>" in section
    p = get_parameter(varied[0])
    assert f"{format_value(p.low)} – {format_value(p.high)}" in section


def test_without_trajectories_and_with_fixed_values(tmp_path, small_spec, run_into):
    spec = {
        **small_spec,
        "name": "no-traj <b>",
        "policies": [{"preset": "forging_core"}],
        "scenarios": 12,
        "vary": ["denial", "indigenization", "p_engaged_to_transactional"],
        "set": {"exit_probability": 0.1},
        "outputs": {"trajectories": False},
    }
    store = run_into(tmp_path / "store", spec)
    html = write_report(store, tmp_path / "r.html").read_text()
    assert "no-traj &lt;b&gt;" in html and "no-traj <b>" not in html  # autoescaped
    assert "Credibility paths are not shown" in html
    assert "The study has no capacity-building experiment" in html
    assert "<code>exit_probability</code> = 0.1" in html
    assert "<code>denial</code>" in html
    # one coalition: the title and the captions name it, not a count of coalitions
    title = html.split("<h1", 1)[1].split(">", 1)[1].split("</h1>", 1)[0]
    assert title.startswith("Forging core leaves China&#39;s capability "), title
    assert (
        "(the ratio of the two, ×, on a log scale; median over futures), under Forging core."
        in (html)
    )
    assert "of 1 leave" not in html and "three coalitions" not in html


def test_missing_or_empty_store_raises(tmp_path):
    with pytest.raises(StoreError, match="no results store"):
        write_report(tmp_path, tmp_path / "r.html")


def _cli_app():
    """A Typer app with ``report`` as its subcommand."""
    import typer

    from techbloc.cli.report import register

    app = typer.Typer()
    register(app)

    @app.callback()
    def _group() -> None:
        """Make ``report`` a subcommand."""

    return app


def test_analysis_sample_says_what_it_sampled(store, tmp_path):
    from typer.testing import CliRunner

    app = _cli_app()
    out = tmp_path / "sampled.html"
    args = ["report", str(store), "--out", str(out), "--no-pdf", "--analysis-sample", "30"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    discovery = html.split('id="discovery"')[1].split('id="robustness"')[0]
    assert "PRIM ran on 30 of the study&#39;s 60 futures" in discovery
    assert re.search(r"<b>Cases</b>\d+ of 30 futures", discovery)
    sensitivity = html.split('id="sensitivity"')[1]
    assert "The indices were estimated on 30 of the study&#39;s 60 futures" in sensitivity
    refused = CliRunner().invoke(app, [*args[:-1], "-1"])
    assert refused.exit_code == 2 and "--analysis-sample" in refused.output


def test_cli_report(store, tmp_path):
    from typer.testing import CliRunner

    app = _cli_app()
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(
        app, ["report", str(store), "--out", str(out), "--title", "Brief: alliances"]
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert "<h1>Brief: alliances</h1>" in out.read_text()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.51234, "0.512"),
        (0.00123456, "0.00123"),
        (5.3, "5.3"),
        (5.0, "5"),
        (12345.6, "12,346"),
        (-0.0413, "\u22120.0413"),  # a true minus sign
        (0.0, "0"),
        (float("nan"), "–"),
        (None, "–"),
        (1.0, "1"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_discovery_counts_the_parameters_varied_as_the_header_does(report, store):
    """One wording: "N parameters varied" in the header and in scenario discovery."""
    from techbloc.experiments.store import ResultsStore

    _, html = report
    with ResultsStore.open(store) as results:
        n_varied = len(results.study.varied())
    header = html.split('id="discovery"')[0]
    section = html.split('id="discovery"')[1].split('id="parameters"')[0]
    assert f"{n_varied} parameters varied" in header
    assert re.search(rf"the\s+{n_varied} parameters varied", section), section[:600]
    assert "scenario inputs" not in section
