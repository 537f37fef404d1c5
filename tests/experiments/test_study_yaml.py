"""Study files: validation before anything runs, with file, key, line and reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.experiments.study import Study
from techbloc.params import PARAMETERS, parameter_names

GOOD = """\
name: demo
policies:
  - preset: forging_core
  - preset: forging_core+KOR
    pool_share: 0.1
  - name: chips
    members: [JPN, KOR, TWN]
    control_stringency: {semiconductors: 0.9}
    capacity_building: {KOR: 0.5}
    start_year: 2026
design: lhs
scenarios: 20
vary: [denial, indigenization]
set: {exit_probability: 0.1}
years: {start: 2024, end: 2035}
seed: 3
outputs: {trajectories: true}
"""


def write(tmp_path: Path, text: str, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        Study.from_yaml(path)
    message = str(info.value)
    assert str(path) in message
    return message


def edit(line_from: str, line_to: str) -> str:
    assert line_from in GOOD
    return GOOD.replace(line_from, line_to)


def test_good_file_loads(tmp_path):
    study = Study.from_yaml(write(tmp_path, GOOD))
    assert [p.label for p in study.policies] == ["forging_core", "forging_core+KOR", "chips"]
    assert study.varied() == ["denial", "indigenization"]
    assert study.fixed == {"exit_probability": 0.1}
    assert study.n_scenarios == 20
    table = study.design_table()
    assert list(table.columns) == ["denial", "indigenization", "exit_probability"]
    assert (table["exit_probability"] == 0.1).all()
    policies = study.build_policies()
    assert policies[2].coalition.members == ("USA", "JPN", "KOR", "TWN")
    assert policies[1].pool_share == 0.1


def test_defaults_vary_every_uncertain_parameter():
    study = Study(policies=[{"preset": "quad"}], scenarios=4, set={"denial": 0.2})
    assert study.varied() == [n for n in parameter_names(uncertain_only=True) if n != "denial"]
    assert (study.years.start, study.years.end, study.seed) == (2024, 2050, 0)
    assert study.outputs.trajectories is False


def test_paths_are_resolved_against_the_study_file(tmp_path):
    (tmp_path / "draws.csv").write_text("denial\n0.1\n0.2\n")
    path = write(
        tmp_path,
        """\
        policies: [{preset: quad}]
        design: {method: table, table: draws.csv}
    """,
    )
    study = Study.from_yaml(path)
    assert study.design.table == str((tmp_path / "draws.csv").resolve())
    assert study.n_scenarios == 2


def test_unknown_top_level_key_names_line(tmp_path):
    message = error_of(tmp_path, GOOD + "colour: blue\n")
    assert ":18: colour: unknown key 'colour'" in message


def test_unknown_nested_key_names_line(tmp_path):
    message = error_of(tmp_path, edit("    pool_share: 0.1\n", "    pool_shar: 0.1\n"))
    assert ":5: policies.1.pool_shar: unknown key" in message


def test_bad_type_names_key_and_line(tmp_path):
    message = error_of(tmp_path, edit("scenarios: 20", "scenarios: twenty"))
    assert ":12: scenarios:" in message and "'twenty'" in message


def test_float_seed_is_rejected(tmp_path):
    message = error_of(tmp_path, edit("seed: 3", "seed: 3.5"))
    assert ":16: seed:" in message


def test_unknown_parameter_in_vary(tmp_path):
    message = error_of(tmp_path, edit("vary: [denial, indigenization]", "vary: [denial, denail]"))
    assert "vary.1" in message and "unknown parameter 'denail'" in message
    assert "did you mean denial" in message


def test_unknown_parameter_in_set(tmp_path):
    message = error_of(tmp_path, edit("set: {exit_probability: 0.1}", "set: {exit_prob: 0.1}"))
    assert ":14: set.exit_prob: unknown parameter 'exit_prob'" in message


def test_out_of_range_set_value(tmp_path):
    message = error_of(tmp_path, edit("set: {exit_probability: 0.1}", "set: {exit_probability: 2}"))
    assert "set.exit_probability" in message and "outside its range" in message


def test_varied_and_set_at_once(tmp_path):
    message = error_of(tmp_path, edit("set: {exit_probability: 0.1}", "set: {denial: 0.1}"))
    assert "'denial' is both varied and set" in message


def test_out_of_range_lever(tmp_path):
    message = error_of(tmp_path, edit("    pool_share: 0.1\n", "    pool_share: 0.9\n"))
    assert ":5: policies.1.pool_share: 0.9 is outside [0.0, 0.5]" in message


def test_unknown_domain_in_stringency(tmp_path):
    message = error_of(tmp_path, edit("{semiconductors: 0.9}", "{chips: 0.9}"))
    assert "policies.2.control_stringency.chips: unknown domain 'chips'" in message


def test_unknown_preset(tmp_path):
    message = error_of(tmp_path, edit("  - preset: forging_core\n", "  - preset: forging_cor\n"))
    assert ":3: policies.0.preset:" in message and "did you mean forging_core" in message


def test_unknown_country(tmp_path):
    message = error_of(tmp_path, edit("[JPN, KOR, TWN]", "[JPN, KOR, XYZ]"))
    assert ":7: policies.2.members:" in message and "'XYZ'" in message


def test_capacity_building_for_a_non_member(tmp_path):
    message = error_of(tmp_path, edit("{KOR: 0.5}", "{DEU: 0.5}"))
    assert "policies.2" in message and "DEU" in message


def test_preset_and_members_together(tmp_path):
    message = error_of(
        tmp_path,
        edit("  - preset: forging_core\n", "  - preset: forging_core\n    members: [JPN]\n"),
    )
    assert "policies.0" in message and "exactly one of 'preset' or 'members'" in message


def test_duplicate_policy_labels(tmp_path):
    message = error_of(tmp_path, edit("  - name: chips\n", "  - name: forging_core\n"))
    assert "used twice" in message


def test_start_year_outside_years(tmp_path):
    message = error_of(tmp_path, edit("start_year: 2026", "start_year: 2070"))
    assert "policies.2.start_year: 2070 is outside the study's years" in message


def test_impossible_factorial_size(tmp_path):
    message = error_of(
        tmp_path,
        """\
        policies: [{preset: quad}]
        design: {method: factorial, levels: 5}
    """,
    )
    assert "design:" in message and "limit" in message


def test_factorial_size_mismatch(tmp_path):
    message = error_of(
        tmp_path,
        """\
        policies: [{preset: quad}]
        design: {method: factorial, levels: 2}
        vary: [denial, indigenization]
        scenarios: 5
    """,
    )
    assert ":4: scenarios:" in message and "has 4 scenarios" in message


def test_sobol_needs_power_of_two(tmp_path):
    message = error_of(tmp_path, edit("design: lhs", "design: sobol"))
    assert "power of two" in message


def test_lhs_needs_scenarios(tmp_path):
    message = error_of(tmp_path, edit("scenarios: 20\n", ""))
    assert "a lhs design needs 'scenarios'" in message


def test_zero_scenarios(tmp_path):
    message = error_of(tmp_path, edit("scenarios: 20", "scenarios: 0"))
    assert ":12: scenarios:" in message and "greater than or equal to 1" in message


def test_years_in_wrong_order(tmp_path):
    message = error_of(tmp_path, edit("{start: 2024, end: 2035}", "{start: 2035, end: 2024}"))
    assert ":15: years:" in message and "must be after start" in message


def test_unknown_design_method(tmp_path):
    message = error_of(tmp_path, edit("design: lhs", "design: monte_carlo"))
    assert ":11: design.method:" in message and "'lhs'" in message


def test_table_design_checks_its_file(tmp_path):
    (tmp_path / "draws.csv").write_text("denial,bogus\n0.1,1\n")
    message = error_of(
        tmp_path,
        """\
        policies: [{preset: quad}]
        design: {method: table, table: draws.csv}
    """,
    )
    assert ":2: design.table:" in message and "column 'bogus'" in message
    (tmp_path / "draws.csv").write_text("denial\n0.1\n7\n")
    message = error_of(
        tmp_path,
        """\
        policies: [{preset: quad}]
        design: {method: table, table: draws.csv}
    """,
    )
    assert "row 3, column 'denial': 7.0 is outside" in message


def test_missing_table_file(tmp_path):
    message = error_of(
        tmp_path,
        """\
        policies: [{preset: quad}]
        design: {method: table, table: nowhere.csv}
    """,
    )
    assert "does not exist" in message


def test_missing_policies(tmp_path):
    message = error_of(tmp_path, "scenarios: 3\n")
    assert "missing required key 'policies'" in message


def test_invalid_yaml_names_line(tmp_path):
    message = error_of(tmp_path, "policies: [{preset: quad}\nscenarios: 3\n")
    assert "not valid YAML" in message


def test_not_a_mapping(tmp_path):
    message = error_of(tmp_path, "- just\n- a list\n")
    assert "must be a mapping" in message


def test_several_problems_are_all_reported(tmp_path):
    text = edit("vary: [denial, indigenization]", "vary: [denial, denail]")
    text = text.replace("set: {exit_probability: 0.1}", "set: {exit_probability: 9}")
    message = error_of(tmp_path, text)
    assert message.startswith("2 problems")


def test_python_constructor_raises_input_error():
    with pytest.raises(InputError, match=r"Study: vary\.0: unknown parameter"):
        Study(policies=[{"preset": "quad"}], scenarios=3, vary=["nope"])
    with pytest.raises(InputError, match="unknown key 'colour'"):
        Study(policies=[{"preset": "quad"}], scenarios=3, colour="blue")


def test_fingerprint_ignores_name_but_not_seed():
    a = Study(policies=[{"preset": "quad"}], scenarios=3, name="a")
    b = Study(policies=[{"preset": "quad"}], scenarios=3, name="b")
    c = Study(policies=[{"preset": "quad"}], scenarios=3, seed=1)
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


# -- property tests of the parser ------------------------------------------------------

_UNCERTAIN = [p for p in PARAMETERS if p.is_uncertain]
_PRESETS = ["forging_core", "forging_core+KOR", "quad", "aukus", "g7", "chip4"]


@st.composite
def valid_studies(draw):
    chosen = draw(st.lists(st.sampled_from(_UNCERTAIN), min_size=1, max_size=4, unique=True))
    fixed = draw(
        st.lists(
            st.sampled_from([p for p in _UNCERTAIN if p not in chosen]), max_size=2, unique=True
        )
    )
    policies = [
        {
            "preset": name,
            "pool_share": draw(st.floats(0, 0.5)),
            "control_stringency": draw(st.floats(0, 1)),
        }
        for name in draw(st.lists(st.sampled_from(_PRESETS), min_size=1, max_size=3, unique=True))
    ]
    start = draw(st.integers(2024, 2030))
    data = {
        "name": draw(st.text(max_size=10)),
        "policies": policies,
        "design": draw(st.sampled_from(["lhs", "sobol", "factorial"])),
        "vary": [p.name for p in chosen],
        "set": {p.name: draw(st.floats(p.low, p.high)) for p in fixed},
        "years": {"start": start, "end": start + draw(st.integers(1, 20))},
        "seed": draw(st.integers(0, 2**40)),
    }
    if data["design"] == "lhs":
        data["scenarios"] = draw(st.integers(1, 50))
    elif data["design"] == "sobol":
        data["scenarios"] = 2 ** draw(st.integers(0, 4))
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_studies())
def test_valid_studies_round_trip_through_yaml(data):
    study = Study.from_dict(yaml.safe_load(yaml.safe_dump(data)))
    again = Study.from_dict(yaml.safe_load(study.to_yaml()))
    assert again == study
    assert again.fingerprint() == study.fingerprint()
    table = study.design_table()
    assert len(table) == study.n_scenarios
    for name in study.varied():
        parameter = next(p for p in PARAMETERS if p.name == name)
        assert table[name].between(parameter.low, parameter.high).all()


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2**70), st.floats(allow_nan=True), st.text(max_size=8)
)
_keys = st.sampled_from(
    [
        "policies",
        "preset",
        "members",
        "scenarios",
        "design",
        "method",
        "vary",
        "set",
        "years",
        "start",
        "end",
        "seed",
        "outputs",
        "world",
        "denial",
        "pool_share",
        "control_stringency",
        "x",
    ]
)
_yamlish = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yamlish)
def test_any_input_gives_a_study_or_an_input_error(data):
    try:
        study = Study.from_dict(data, source="fuzz.yaml")
    except InputError as exc:
        assert str(exc).startswith(("fuzz.yaml", "2 problems", "3 problems")) or "problems" in str(
            exc
        )
    else:
        assert isinstance(study, Study)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid_studies(), st.sampled_from(["scenarios", "seed", "years", "design", "policies"]), _scalars
)
def test_corrupting_one_key_gives_an_input_error_naming_it(data, key, value):
    bad = {**data, key: value}
    try:
        Study.from_dict(bad, source="fuzz.yaml")
    except InputError as exc:
        assert key in str(exc)
