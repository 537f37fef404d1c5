"""One place turns a study into what runs; front doors name problems by their own keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techbloc.errors import InputError
from techbloc.experiments.resolve import make_study, resolve, resolve_data
from techbloc.experiments.study import Study

from .conftest import SMALL


def test_resolve_gives_the_world_policies_and_design_of_the_study() -> None:
    study = Study.from_dict(SMALL)
    resolved = resolve(study)
    assert resolved.study is study
    assert resolved.labels == ["forging_core", "forging_core+KOR"]
    assert resolved.policies[1].pool_share == 0.1
    assert resolved.design.size == study.n_scenarios == 12
    assert resolved.design.table().equals(study.design_table())
    assert resolved.design.rows(5, 9).equals(study.design_table().iloc[5:9])
    assert "USA" in resolved.world.codes


KEYS = {
    "policies.0": "--preset quad",
    "policies.1": "--coalition USA,JPN",
    "policies.0.pool_share": "--pool-share",
    "policies.1.pool_share": "--pool-share",
    "set": "--set",
    "years": "--end",
}


def test_keys_are_renamed_and_repeated_problems_reported_once() -> None:
    data = {
        "policies": [
            {"preset": "quad", "pool_share": 0.9},
            {"name": "USA+JPN", "members": ["USA", "JPN"], "pool_share": 0.9},
        ],
        "scenarios": 2,
        "set": {"denial": 3.0},
    }
    with pytest.raises(InputError) as raised:
        make_study(data, KEYS)
    assert str(raised.value).splitlines() == [
        "2 problems:",
        "--set denial: parameter 'denial': 3.0 is outside its range [0.0, 1.0] (share); "
        "see `techbloc params`",
        "--pool-share: 0.9 is outside [0.0, 0.5]",
    ]


def test_a_problem_resolving_is_named_the_same_way() -> None:
    data = {"policies": [{"preset": "quad"}], "scenarios": 2, "world": {"overrides": ["x.csv"]}}
    with pytest.raises(InputError) as raised:
        resolve_data(data, {"world.overrides.0": "--world x.csv"})
    assert str(raised.value).startswith("--world x.csv: ")


def test_problems_without_a_listed_key_keep_the_study_key() -> None:
    with pytest.raises(InputError, match=r"^scenarios: "):
        make_study({"policies": [{"preset": "quad"}], "scenarios": 0}, KEYS)


def test_a_study_file_keeps_its_own_messages() -> None:
    with pytest.raises(InputError, match=r"^study: set\.denial: "):
        Study.from_dict({"policies": [{"preset": "quad"}], "scenarios": 2, "set": {"denial": 3.0}})


@given(st.floats(min_value=0.0, max_value=0.5), st.integers(min_value=0, max_value=2**31))
def test_a_valid_front_door_study_is_the_same_study(pool_share: float, seed: int) -> None:
    data = {
        "policies": [{"preset": "quad", "pool_share": pool_share}],
        "scenarios": 3,
        "seed": seed,
    }
    assert make_study(data, KEYS) == Study.from_dict(data)
