"""Every section, figure, caption and side file of the report; the palette; the default study."""

from __future__ import annotations

import csv
import re
from importlib.resources import files
from pathlib import Path

import pytest

from techbloc.report.html import asset_dir

TABLES = [
    "table_headline",
    "table_a_shapley",
    "table_a_korea",
    "table_a_outsiders",
    "table_b_capability_will",
    "table_b_capacity_building",
    "table_c_ladder_by_year",
    "table_c_domain_gap",
    "table_c_gain_sources",
    "table_c_prim_box",
    "table_d_cohesion_exits",
    "table_r_regret",
    "table_r_satisficing",
    "table_s_sobol",
]
SECTIONS = [
    "summary",
    "contents",
    "map",
    "who",
    "will",
    "power",
    "trust",
    "assumptions",
    "study",
    "discovery",
    "robustness",
    "sensitivity",
    "parameters",
    "manifest",
]


def test_every_section_and_figure_with_a_caption(report, report_figures):
    _, html = report
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    for key in report_figures:
        match = re.search(
            rf'<figure id="{key}"><img src="data:image/png;base64,[^"]+" alt="[^"]+">\s*'
            r"<figcaption>(.*?)</figcaption>",
            html,
            re.S,
        )
        assert match, key
        caption = re.sub(r"<[^>]+>", "", match.group(1))
        assert len(caption) > 120, (key, caption)  # says what it shows and how to read it
        assert f"{key}.png" in caption and f"{key}.svg" in caption
    order = [html.index(f'id="{s}"') for s in SECTIONS]
    assert order == sorted(order)


def test_figures_as_png_and_svg_and_tables_as_csv(report, report_figures):
    path, _ = report
    directory = asset_dir(path)
    assert directory == path.parent / "report_files"
    for key in report_figures:
        assert (directory / f"{key}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (directory / f"{key}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "</svg>" in svg
    for key in TABLES:
        with (directory / f"{key}.csv").open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert len(rows) >= 2 and len(rows[0]) >= 2, key


def test_shapley_values_carry_standard_errors(report):
    import pandas as pd

    path, _ = report
    shap = pd.read_csv(asset_dir(path) / "table_a_shapley.csv")
    assert set(shap["country"]) == {"JPN", "GBR", "AUS", "CAN", "KOR"}
    assert set(shap["outcome"]) == {"alliance_rd_share", "leakage_to_china", "cohesion"}
    assert (shap["se"] >= 0).all() and pd.notna(shap["se"]).all()
    assert (shap.loc[shap["outcome"] == "alliance_rd_share", "value"] > 0).all()


def test_key_assumptions_state_exits_capacity_building_and_sources(report):
    _, html = report
    section = html.split('id="assumptions"')[1].split('id="study"')[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section))
    assert "Exits are on" in text and "sampled 0-0.5" in text
    assert "Capacity building is on only in core+IDN cb (IDN at full strength)" in text
    # every judgement named links to its row in the appendix, which gives its source
    for name in re.findall(r'href="#param-([\w_]+)"', section):
        row = html.split(f'<tr id="param-{name}">')[1].split("</tr>")[0]
        assert "judgement" in row


def test_sensitivity_method_is_said_plainly(report):
    _, html = report
    section = html.split('id="sensitivity"')[1].split('id="parameters"')[0]
    assert "given-data estimator" in section and "total-order indices cannot" in section


def _default_study():
    from techbloc.experiments.study import Study

    return Study.from_yaml(Path(str(files("techbloc") / "default_study.yaml")))


def test_palette_has_no_repeated_colour_for_the_default_study():
    from techbloc.report.palette import BASE_COLOURS, policy_colours

    labels = [p.label for p in _default_study().policies]
    colours = policy_colours(labels)
    assert list(colours) == labels
    assert len(set(colours.values())) == len(labels)
    assert len({c.lower() for c in BASE_COLOURS}) == len(BASE_COLOURS)
    many = policy_colours([f"p{i}" for i in range(300)])
    assert len(set(many.values())) == 300


def test_default_study_holds_every_experiment_with_exits_on():
    from techbloc.report.data import policy_roles

    study = _default_study()
    labels = [p.label for p in study.policies]
    roles = policy_roles(study, labels)
    assert roles.core == "forging_core" and roles.kor == "forging_core+KOR"
    partners = {partner for partner, _, _ in roles.capacity}
    assert partners == {"IDN", "POL"}
    assert [s for s, _ in roles.ladder] == [0.2, 0.5, 0.9]
    assert "friction_position" in study.varied() and "exit_probability" in study.varied()
    assert "exit_probability" not in study.fixed
    assert study.n_scenarios >= 1000 and study.outputs.trajectories
    assert len(roles.presets) == 13


@pytest.mark.parametrize("missing", ["kor", "capacity", "ladder"])
def test_roles_are_absent_when_the_study_lacks_them(missing, small_spec):
    from techbloc.experiments.study import Study
    from techbloc.report.data import policy_roles

    drop = {
        "kor": {"forging_core+KOR"},
        "capacity": {"core+IDN cb", "core+POL cb"},
        "ladder": {"core s0.2", "core s0.9"},
    }[missing]
    spec = {
        **small_spec,
        "policies": [
            p for p in small_spec["policies"] if (p.get("name") or p.get("preset")) not in drop
        ],
    }
    study = Study.from_dict(spec)
    roles = policy_roles(study, [p.label for p in study.policies])
    assert {
        "kor": roles.kor is None,
        "capacity": roles.capacity == [],
        "ladder": roles.ladder == [],
    }[missing]
