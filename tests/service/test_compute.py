"""The service's evaluations: a request is a study, run by the one runner (issue 22 item 1)."""

from __future__ import annotations

import numpy as np
import pytest

from techbloc.errors import InputError
from techbloc.service.compute import evaluate_request, summarise, validate_request
from techbloc.service.schemas import EvaluateRequest

REQUEST = {
    "presets": ["forging_core", "quad+KOR"],
    "coalitions": [["jpn", "USA", "KOR"]],
    "scenarios": 6,
    "seed": 3,
    "end_year": 2030,
    "pool_share": 0.1,
    "stringency": {"semiconductors": 0.9},
    "capacity_building": {"KOR": 0.5, "SAU": 0.2},
    "vary": ["exit_probability"],
    "set": {"indigenization": 0.5},
}


def _direct(request: EvaluateRequest):
    """What the service computed before it ran through the runner: the design drawn by
    sample_futures, every policy built by hand, the model called once on all futures."""
    from techbloc.analysis.outcomes import outcome_table
    from techbloc.coalitions import Coalition
    from techbloc.experiments.design import sample_futures
    from techbloc.model import simulate
    from techbloc.params import parameter_names
    from techbloc.policies import Policy
    from techbloc.world import load_world

    coalitions = [Coalition.parse(text) for text in request.presets]
    coalitions += [Coalition(tuple(codes)) for codes in request.coalitions]
    policies = [
        Policy(
            c,
            pool_share=request.pool_share,
            control_stringency=request.stringency,
            capacity_building={
                k: v for k, v in request.capacity_building.items() if k in c.members
            },
        )
        for c in coalitions
    ]
    vary = [n for n in parameter_names(uncertain_only=True) if n not in request.fixed]
    design = sample_futures(
        request.scenarios,
        seed=request.seed,
        fixed=request.fixed,
        vary=[*vary, *(n for n in request.vary if n not in vary)],
    )
    ds = simulate(
        load_world(),
        design,
        policies,
        start_year=request.start_year,
        end_year=request.end_year,
        seed=request.seed,
    )
    return policies, outcome_table(ds)


def test_a_request_gives_the_outcomes_of_a_direct_model_call(monkeypatch) -> None:
    import techbloc.evaluation as evaluation

    request = EvaluateRequest.model_validate(REQUEST)
    policies, table = _direct(request)
    labels = [p.label for p in policies]
    assert labels == ["forging_core", "quad+KOR", "USA+JPN+KOR"]
    monkeypatch.setattr(evaluation, "PAIRS_PER_CALL", 6)  # 2 futures per chunk: 3 chunks
    calls: list[tuple[int, int]] = []
    result = evaluate_request(
        request, budget=None, detail=True, progress=lambda *a: calls.append(a)
    )
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [p.name for p in result.policies] == labels
    _, expected, _ = summarise(table, labels)
    assert result.outcomes == expected
    for label in labels:
        rows = table.xs(label, level="policy")
        for name, values in result.futures.outcomes[label].items():
            np.testing.assert_array_equal(
                np.array(values, dtype=float), rows[name].to_numpy(float), err_msg=name
            )
    assert "exit_probability" in result.futures.parameters
    plain = evaluate_request(request, budget=None)
    assert plain.outcomes == result.outcomes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # one lever applied to every coalition: named as the request names it, once
        ({"pool_share": 0.9}, "pool_share: 0.9 is outside [0.0, 0.5]"),
        ({"stringency": {"nowhere": 0.5}}, "stringency.nowhere: unknown domain 'nowhere'"),
        ({"stringency": -0.1}, "stringency: -0.1 is outside [0.0, 1.0]"),
        ({"presets": ["forging_core", "forging_cor"]}, "presets[1]: unknown coalition preset"),
        ({"presets": ["quad+JPN"]}, "presets[0]: 'quad+JPN': JPN already in preset quad"),
        ({"presets": ["USA,JPN"]}, "presets[0]: unknown coalition preset 'USA,JPN'"),
        ({"coalitions": [["USA"], ["USA", "XKZ"]]}, "coalitions[1]: unknown country code 'XKZ'"),
        (
            {"presets": ["quad"], "coalitions": [["USA", "JPN"], ["JPN"]]},
            "coalitions[1]: policy label 'USA+JPN' is used twice",
        ),
        ({"vary": ["exit_probability", "no_such"]}, "vary[1]: unknown parameter 'no_such'"),
        ({"vary": ["denial", "denial"]}, "vary[1]: 'denial' is listed twice"),
        (
            {"vary": ["exit_probability"], "set": {"exit_probability": 0.1}},
            "vary[0]: 'exit_probability' is both varied and set",
        ),
        ({"set": {"denial": 3.0}}, "set.denial: parameter 'denial': 3.0 is outside its range"),
    ],
)
def test_problems_are_named_as_the_request_names_them(change, message) -> None:
    request = EvaluateRequest.model_validate({"presets": ["quad"], "scenarios": 2, **change})
    with pytest.raises(InputError) as raised:
        validate_request(request, budget=None)
    assert str(raised.value).startswith(message), str(raised.value)
    with pytest.raises(InputError) as again:
        evaluate_request(request, budget=None)
    assert str(again.value) == str(raised.value)


def test_every_fixed_parameter_leaves_nothing_to_vary() -> None:
    from techbloc.params import parameter_names

    fixed = {}
    for name in parameter_names(uncertain_only=True):
        from techbloc.params import get_parameter

        fixed[name] = float(get_parameter(name).default)
    request = EvaluateRequest.model_validate({"scenarios": 2, "set": fixed})
    with pytest.raises(InputError, match=r"^set: no parameter left to vary"):
        validate_request(request, budget=None)
