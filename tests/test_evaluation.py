import numpy as np
import pytest

from techbloc.coalitions import Coalition
from techbloc.errors import InputError
from techbloc.evaluation import evaluate_coalitions


def test_batches_do_not_change_results(monkeypatch):
    import techbloc.evaluation as evaluation

    coalitions = [Coalition.from_preset("quad"), Coalition.from_preset("chip4")]
    kwargs = {"scenarios": 9, "seed": 4, "end_year": 2030, "fixed": {"denial": 0.7}}
    _, whole = evaluate_coalitions(coalitions, **kwargs)
    monkeypatch.setattr(evaluation, "PAIRS_PER_CALL", 4)  # 2 scenarios per model call
    policies, batched = evaluate_coalitions(coalitions, **kwargs)
    assert [p.label for p in policies] == ["quad", "chip4"]
    assert len(batched) == 18
    np.testing.assert_array_equal(whole.to_numpy(), batched.to_numpy())


@pytest.mark.parametrize(
    "coalitions, kwargs, fragment",
    [
        (
            [Coalition.from_preset("quad")] * 2,
            {},
            r"coalitions\[1\]: policy label .quad. is used twice",
        ),
        ([], {}, "at least one coalition"),
        ([Coalition.from_preset("quad")], {"scenarios": 0}, "between 1 and"),
        ([Coalition.from_preset("quad")], {"fixed": {"denial": 5}}, "outside its range"),
        ([Coalition.from_preset("quad")], {"pool_share": 2.0}, "pool_share"),
    ],
)
def test_bad_requests_are_rejected_before_running(coalitions, kwargs, fragment):
    with pytest.raises(InputError, match=fragment):
        evaluate_coalitions(coalitions, **kwargs)


def test_numpy_numbers_are_accepted_as_python_ones():
    import numpy as np

    coalitions = [Coalition.from_preset("quad")]
    kwargs = {"scenarios": 3, "seed": 2, "end_year": 2027, "fixed": {"denial": 0.5}}
    _, plain = evaluate_coalitions(coalitions, pool_share=0.25, **kwargs)
    _, numpy = evaluate_coalitions(
        coalitions,
        scenarios=np.int64(3),
        seed=np.int64(2),
        end_year=np.int64(2027),
        fixed={"denial": np.float32(0.5)},
        pool_share=np.float32(0.25),
    )
    np.testing.assert_array_equal(plain.to_numpy(), numpy.to_numpy())


def test_problems_name_the_arguments():
    with pytest.raises(InputError, match=r"^2 problems:\nfixed\.denial: .*\nstringency: 2\.0"):
        evaluate_coalitions(
            [Coalition.from_preset("quad"), Coalition.parse("USA,JPN")],
            fixed={"denial": 5},
            stringency=2.0,
        )


def test_history_prior_runs_the_calibrated_sets_first_futures():
    """On history the futures are the shipped set's first ``scenarios``, each run as
    `simulate` runs it alone; the wide prior samples other parameter values."""
    from techbloc import simulate
    from techbloc.experiments.calibrated_sets import sample_calibrated
    from techbloc.world import load_world

    quad = Coalition.from_preset("quad")
    kwargs = {"scenarios": 4, "seed": 3, "end_year": 2028}
    policies, history = evaluate_coalitions([quad], prior="history", **kwargs)
    _, wide = evaluate_coalitions([quad], prior="wide", **kwargs)
    futures = sample_calibrated("history", 4)
    direct = simulate(load_world(), futures, policies, seed=3, end_year=2028, trajectories=False)
    name = "china_capability_vs_status_quo"
    np.testing.assert_allclose(
        history[name].to_numpy(), direct[name].sel(policy="quad").to_numpy(), rtol=1e-12
    )
    assert not np.allclose(history[name].to_numpy(), wide[name].to_numpy())


def test_history_prior_holds_at_most_the_calibrated_set():
    with pytest.raises(InputError, match="scenarios: 1001 scenarios asked for, but the calibrated"):
        evaluate_coalitions([Coalition.from_preset("quad")], scenarios=1001, prior="history")
    with pytest.raises(InputError, match="prior: expected one of history, wide, got 'past'"):
        evaluate_coalitions([Coalition.from_preset("quad")], scenarios=2, prior="past")  # type: ignore[arg-type]
