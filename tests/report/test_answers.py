"""Section 1, "Answers": every number in the sentences is recomputed here from the store."""

from __future__ import annotations

import html as html_lib
import re

import numpy as np
import pytest

from techbloc.report.formatting import format_value, percent

SPAN = re.compile(r'<span class="n" data-key="([^"]+)" data-value="([^"]+)">([^<]*)</span>')
CORE, KOR, WIDEST = "forging_core", "forging_core+KOR", "t12"


def _answers(html: str) -> str:
    """The generated paragraphs at the head of each question's section."""
    return "".join(re.findall(r'<p class="detail">(.*?)</p>', html, flags=re.S))


def _numbers(html: str) -> dict[str, tuple[float, str]]:
    found = {}
    for key, value, text in SPAN.findall(_answers(html)):
        assert key not in found, f"{key} appears twice"
        found[key] = (float(value), html_lib.unescape(text))
    return found


def _series(outcomes, policy, column):
    return outcomes[outcomes["policy"] == policy].set_index("scenario")[column].astype(float)


def _country(arrays, policy, code, column):
    part = arrays[(arrays["policy"] == policy) & (arrays["country"] == code)]
    return part.set_index("scenario")[column].astype(float)


def _q(values, prefix):
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return {f"{prefix}.p10": p10, f"{prefix}.p50": p50, f"{prefix}.p90": p90}


def _expected(results, store) -> dict[str, float]:
    outcomes, scenarios, arrays, paths = results
    exp: dict[str, float] = {}
    # (a) South Korea, future by future
    rd = 100 * (
        _series(outcomes, KOR, "alliance_rd_share") - _series(outcomes, CORE, "alliance_rd_share")
    )
    exp |= _q(rd, "a.kor.rd")
    exp |= _q(
        _series(outcomes, KOR, "cohesion") - _series(outcomes, CORE, "cohesion"), "a.kor.cohesion"
    )
    exp |= _q(
        _series(outcomes, KOR, "leakage_to_china") - _series(outcomes, CORE, "leakage_to_china"),
        "a.kor.leakage",
    )
    name = "china_knowledge_vs_status_quo"
    weaker = _series(outcomes, KOR, name) < _series(outcomes, CORE, name)
    high = scenarios["friction_position"].reindex(weaker.index) >= 1 / 3
    exp["a.kor.weaker"] = weaker.mean()
    exp["a.kor.n_high"] = high.sum()
    exp["a.kor.weaker_high"] = weaker[high].mean()
    exp["a.kor.kor_in"] = _country(arrays, KOR, "KOR", "member").mean()
    core = arrays[
        (arrays["policy"] == CORE) & ~arrays["country"].isin(["USA", "JPN", "GBR", "AUS", "CAN"])
    ]
    accepted = core.groupby("country")["accepted"].mean()
    exp["a.accepted.n_majority"] = (accepted > 0.5).sum()
    exp["a.accepted.n_outsiders"] = len(accepted)
    for code, share in accepted.items():
        exp[f"a.accepted.{code}"] = share
    # (b) capacity building
    falls = {}
    for partner in ("IDN", "POL"):
        off = _country(arrays, f"core+{partner}", partner, "leakage_to_china_by_country")
        on = _country(arrays, f"core+{partner} cb", partner, "leakage_to_china_by_country")
        falls[partner] = (1 - on / off.where(off > 0)) * 100
        exp |= _q(falls[partner], f"b.{partner}.fall")
        exp[f"b.{partner}.will"] = np.median(_country(arrays, f"core+{partner}", partner, "will"))
    exp["b.ratio"] = exp["b.IDN.fall.p50"] / exp["b.POL.fall.p50"]
    exp["b.high_more"] = ((falls["POL"] - falls["IDN"]).dropna() > 0).mean()
    # (c) China stronger than under the status quo
    exp["c.base_rate"] = (_series(outcomes, CORE, name) > 0).mean()
    for s, policy in ((0.2, "core s0.2"), (0.5, CORE), (0.9, "core s0.9")):
        exp[f"c.ladder.{s}"] = (_series(outcomes, policy, name) > 0).mean()
    top = paths[paths["policy"] == "core s0.9"]
    by_year = (top["china_knowledge_vs_status_quo_trajectory"] > 0).groupby(top["year"]).mean()
    exp["c.early"] = by_year.loc[2030]
    exp["c.late"] = by_year.iloc[-1]
    # (d) US reliability: lower and upper third of transactional years, widest coalition
    ty = scenarios["transactional_years"].astype(float)
    lo, hi = np.percentile(ty, [100 / 3, 200 / 3])
    exp["d.lo_cut"], exp["d.hi_cut"] = lo, hi
    groups = {"low": ty[ty <= lo].index, "high": ty[ty >= hi].index}
    n_members = 12
    for g, ids in groups.items():
        exp[f"d.split.{g}"] = (_series(outcomes, WIDEST, "cohesion").reindex(ids) < 1).mean()
        exp[f"d.exit.{g}"] = (
            _series(outcomes, WIDEST, "members_remaining").reindex(ids) < n_members
        ).mean()
        exp[f"d.china.{g}"] = np.median(_series(outcomes, WIDEST, name).reindex(ids))
    return {k: float(v) for k, v in exp.items()}


def test_every_answer_number_equals_the_store(report, results, store):
    _, html = report
    found = _numbers(html)
    expected = _expected(results, store)
    prim_keys = {"c.density", "c.coverage", "c.same_inputs"}
    unchecked = set(found) - set(expected) - prim_keys
    assert not unchecked, f"numbers in the answers not recomputed by the test: {unchecked}"
    checked = 0
    for key, (value, _) in found.items():
        if key in expected:
            assert value == pytest.approx(expected[key], rel=1e-9, abs=1e-12), key
            checked += 1
    assert checked >= 30


def test_prim_numbers_in_the_answers_equal_a_fresh_prim_run(report, store):
    from techbloc.analysis.discovery import discover
    from techbloc.experiments.store import ResultsStore

    _, html = report
    found = _numbers(html)
    with ResultsStore.open(store) as s:
        scenarios, outcomes, varied = s.scenarios(), s.outcomes(), s.study.varied()
    inputs = [p for p in varied if p in scenarios.columns] + ["transactional_years"]
    prim = discover(
        scenarios[inputs],
        outcomes,
        "china_knowledge_vs_status_quo > 0",
        policy=CORE,
        method="prim",
    )
    box = prim.box()
    assert found["c.density"][0] == pytest.approx(box.density)
    assert found["c.coverage"][0] == pytest.approx(box.coverage)
    if "c.same_inputs" in found:  # the statistic the scenario-discovery section shows too
        same = prim.resample(30).boxes.loc[prim.chosen, "same_inputs_by_coverage"]
        assert found["c.same_inputs"][0] == pytest.approx(same)


def test_shown_text_is_the_formatted_value(report):
    _, html = report
    for key, (value, text) in _numbers(html).items():
        if key.startswith("d.china."):  # a log ratio shown as % change
            change = 100 * np.expm1(value)
            assert text == ("+" if change > 0 else "") + format_value(change) + "%", key
        elif text.endswith("%"):
            assert text == percent(value), key
        elif key.endswith(("n_high", "n_majority", "n_outsiders")):
            assert text == str(int(value)), key
        else:
            assert text == format_value(value), key


def test_four_paragraphs_with_weak_findings_flagged(report):
    _, html = report
    section = _answers(html)
    assert len(re.findall(r'<p class="detail">', html)) == 4  # one per question
    found = _numbers(html)
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", section))
    # a range straddling 0 is called weak in the same sentence
    for prefix in ("a.kor.rd", "a.kor.leakage"):
        p10, p90 = found[f"{prefix}.p10"][0], found[f"{prefix}.p90"][0]
        if p10 < 0 < p90:
            assert "weak: the sign varies across futures" in text
    weaker = found["a.kor.weaker"][0]
    if 0.4 <= weaker <= 0.6:
        assert "a toss-up" in text


@pytest.mark.parametrize(
    "share, text",
    [
        (0.42, "42%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (0.0048, "0.48%"),  # not "0%": some futures do
        (0.000123, "0.012%"),
        (0.00996, "1%"),
        (-0.003, "\u22120.30%"),
        (float("nan"), "–"),
    ],
)
def test_a_small_share_is_not_shown_as_none(share, text):
    assert percent(share) == text
