"""Running a batch and labelling its arrays (:mod:`techbloc.model.dataset`).

The engine runs on its numpy path here (``TECHBLOC_NUMBA=0``): these tests are about the
labels, the checks and the batch's invariants, not the compiled kernels.
"""

import numpy as np
import pandas as pd
import pytest

from techbloc.coalitions import Coalition
from techbloc.errors import InputError
from techbloc.model.dataset import (
    labelled_variables,
    scalar_frame,
    simulate,
    simulate_arrays,
    simulate_scalars,
    to_dataset,
)
from techbloc.model.outputs import DEPRECATED_ALIASES, output
from techbloc.params import DOMAINS
from techbloc.policies import Policy

END = 2027


@pytest.fixture(autouse=True)
def numpy_path(monkeypatch):
    monkeypatch.setenv("TECHBLOC_NUMBA", "0")


@pytest.fixture(scope="module")
def policies():
    return [
        Policy(Coalition.from_preset("forging_core")),
        Policy(Coalition.from_preset("forging_core"), pool_share=0.2, name="core_pool_0.2"),
    ]


def _run(world, policies, ids=(3, 5), **kw):
    return simulate(world, pd.DataFrame(index=list(ids)), policies, end_year=END, seed=11, **kw)


def test_dimensions_coordinates_and_attributes(world, policies):
    ds = _run(world, policies)
    assert ds.sizes["scenario"] == 2 and ds.sizes["policy"] == 2
    assert ds.scenario.values.tolist() == [3, 5]
    assert ds.policy.values.tolist() == [p.label for p in policies]
    assert ds.year.values.tolist() == list(range(ds.attrs["start_year"], END + 1))
    assert ds.domain.values.tolist() == [d.name for d in DOMAINS]
    assert ds.attrs["seed"] == 11 and ds.attrs["end_year"] == END
    for name in ds.data_vars:
        base = str(name).removesuffix("_trajectory")
        assert ds[name].attrs["units"] == output(base).unit or name in DEPRECATED_ALIASES
        if name.endswith("_trajectory"):
            assert "year" in ds[name].dims and ds[name].attrs["description"].endswith("(each year)")


def test_aliases_repeat_their_target(world, policies):
    ds = _run(world, policies)
    for alias, target in DEPRECATED_ALIASES.items():
        if target in ds:
            np.testing.assert_array_equal(ds[alias], ds[target])
            assert ds[alias].attrs["description"].startswith(f"Deprecated alias of {target}")


def test_a_scenario_does_not_depend_on_its_batch(world, policies):
    """Scenario 5 alone gives what it gives next to scenario 3 (its own random stream)."""
    both = _run(world, policies, ids=(3, 5), trajectories=False)
    alone = _run(world, policies, ids=(5,), trajectories=False)
    for name in alone.data_vars:
        np.testing.assert_array_equal(alone[name].values[0], both[name].sel(scenario=5).values)


def test_policies_order_only_orders_the_result(world, policies):
    forward = _run(world, policies, trajectories=False)
    backward = _run(world, policies[::-1], trajectories=False)
    np.testing.assert_allclose(
        forward.alliance_rd_share.values,
        backward.alliance_rd_share.sel(policy=forward.policy.values).values,
        rtol=1e-12,
    )


def test_trajectories_can_be_left_out(world, policies):
    ds = _run(world, policies, trajectories=False)
    assert not [n for n in ds.data_vars if str(n).endswith("_trajectory")]


def test_simulate_scalars_is_the_datasets_scalar_table(world, policies):
    ds = _run(world, policies, trajectories=False)
    table = simulate_scalars(world, pd.DataFrame(index=[3, 5]), policies, end_year=END, seed=11)
    assert table.index.names == ["scenario", "policy"]
    assert table.index.is_monotonic_increasing
    for name in table.columns:
        expected = ds[name].transpose("scenario", "policy").to_series().sort_index()
        np.testing.assert_array_equal(table[name].to_numpy(), expected.to_numpy())


def test_scalar_frame_keeps_two_dimensional_arrays_only():
    result = {
        "alliance_rd_share": np.array([[0.5, 0.6]]),
        "china_capability_by_domain": np.ones((1, 2, 3)),
        "traj_alliance_rd_share": np.ones((1, 2, 4)),
    }
    frame = scalar_frame(result, np.array([7]), ["b", "a"])
    assert list(frame.columns) == ["alliance_rd_share"]
    assert frame.index.tolist() == [(7, "a"), (7, "b")]  # sorted
    assert frame.loc[(7, "a"), "alliance_rd_share"] == 0.6


def test_to_dataset_names_dimensions_by_shape():
    S, P, T, D, N = 1, 2, 3, len(DOMAINS), 2
    result = {
        "alliance_rd_share": np.zeros((S, P)),
        "traj_alliance_rd_share": np.zeros((S, P, T)),
        "traj_credibility": np.zeros((S, T)),
    }
    ds = to_dataset(
        result, np.array([0]), ["a", "b"], np.arange(2024, 2024 + T), ["USA", "CHN"], seed=None
    )
    assert ds.alliance_rd_share.dims == ("scenario", "policy")
    assert ds.alliance_rd_share_trajectory.dims == ("scenario", "policy", "year")
    assert ds.credibility.dims == ("scenario", "year")
    assert ds.attrs["seed"] == -1 and ds.sizes["country"] == N and ds.sizes["domain"] == D


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"policies": []}, "at least one policy"),
        ({"end_year": 2020}, "2020 is before start"),
    ],
)
def test_bad_runs_are_refused(world, policies, kw, message):
    args = {"policies": policies, **kw}
    with pytest.raises(InputError, match=message):
        simulate(world, pd.DataFrame(index=[0]), args.pop("policies"), **args)


def test_repeated_policy_labels_are_refused(world, policies):
    with pytest.raises(InputError, match="repeated"):
        simulate(world, pd.DataFrame(index=[0]), [policies[0], policies[0]], end_year=END)


def test_the_arrays_are_what_simulate_labels(world, policies):
    """simulate is to_dataset of simulate_arrays: the same variables, dims and values."""
    ds = _run(world, policies)
    run = simulate_arrays(world, pd.DataFrame(index=[3, 5]), policies, end_year=END, seed=11)
    assert to_dataset(*run, seed=11).identical(ds)
    variables = run.variables()
    assert list(variables) == [str(n) for n in ds.data_vars]
    for name, (dims, values) in variables.items():
        assert ds[name].dims == dims
        np.testing.assert_array_equal(ds[name].values, values)
    for dim, labels in run.coords.items():
        assert ds[dim].values.tolist() == list(np.asarray(labels).tolist())


def test_labelled_variables_put_the_aliases_last_with_their_targets_values():
    result = {
        "backlash_exclusion": np.zeros((1, 2)),
        "transactional_years": np.zeros(1),
        "traj_credibility": np.zeros((1, 3)),
    }
    variables = labelled_variables(result)
    assert list(variables) == [
        "backlash_exclusion",
        "transactional_years",
        "credibility",
        *[a for a, t in DEPRECATED_ALIASES.items() if t == "backlash_exclusion"],
    ]
    assert variables["transactional_years"][0] == ("scenario",)
    assert variables["credibility"][0] == ("scenario", "year")
    assert variables["backlash"][1] is result["backlash_exclusion"]
