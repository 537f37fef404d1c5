"""Per-future tables and parameter importance (``service.futures``, ``compute.futures_table``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from techbloc.errors import InputError
from techbloc.params import get_parameter
from techbloc.service.compute import HEADLINE
from techbloc.service.futures import MIN_FUTURES, importance
from techbloc.service.schemas import Futures


def _wait_run(client: Any, run_id: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"/api/evaluations/{run_id}").json()
        if state["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def test_importance_ranks_the_parameter_that_drives_the_outcome_first() -> None:
    rng = np.random.default_rng(0)
    n = 400
    u = {name: rng.random(n) for name in ("denial", "base_leak_rate", "synergy", "diffusion")}
    x = {name: get_parameter(name).from_unit(v) for name, v in u.items()}
    y = np.sin(3 * u["synergy"]) + 0.05 * rng.normal(size=n)
    futures = Futures(
        scenario=list(range(n)),
        parameters={k: v.tolist() for k, v in x.items()},
        outcomes={"p": {"cohesion": y.tolist()}},
    )
    answer = importance(futures, "p", "cohesion")
    names = [r.parameter for r in answer.parameters]
    assert names[0] == "synergy" and sorted(names) == sorted(x)
    values = [r.S1 for r in answer.parameters]
    assert values == sorted(values, reverse=True) and values[0] > 0.5 > values[1]
    assert answer.futures == n and "S1" in answer.method


def test_importance_refuses_what_it_cannot_estimate() -> None:
    few = Futures(
        scenario=list(range(MIN_FUTURES - 1)),
        parameters={"denial": [0.1 * i for i in range(MIN_FUTURES - 1)]},
        outcomes={"p": {"cohesion": [float(i) for i in range(MIN_FUTURES - 1)]}},
    )
    with pytest.raises(InputError, match=f"at least {MIN_FUTURES}"):
        importance(few, "p", "cohesion")
    flat = Futures(
        scenario=list(range(40)),
        parameters={"denial": [0.01 * i for i in range(40)]},
        outcomes={"p": {"external_stability": [0.0] * 40}},
    )
    with pytest.raises(InputError, match="same in every future"):
        importance(flat, "p", "external_stability")
    with pytest.raises(InputError, match="known: p"):
        importance(flat, "q", "external_stability")


def test_an_evaluations_futures_and_importance(client) -> None:
    request = {
        "presets": ["forging_core"],
        "coalitions": [["USA", "JPN", "KOR"]],
        "scenarios": 30,
        "end_year": 2028,
        "set": {"denial": 0.8},
    }
    run = client.post("/api/evaluations", json=request).json()
    state = _wait_run(client, run["id"])
    assert state["status"] == "done", state
    result = client.get(state["result_url"]).json()
    futures = result["futures"]
    assert len(futures["scenario"]) == 30
    assert "denial" not in futures["parameters"]  # held, not sampled
    assert all(len(v) == 30 for v in futures["parameters"].values())
    for policy in ("forging_core", "USA+JPN+KOR"):
        assert list(futures["outcomes"][policy]) == list(HEADLINE)
        leakage = futures["outcomes"][policy]["leakage_to_china"]
        median = result["outcomes"][policy]["leakage_to_china"]["median"]
        assert np.median(leakage) == pytest.approx(median)  # the same futures as the summary
        # a 0/1 flag is summarised by the share of futures in which it holds
        stable = futures["outcomes"][policy]["external_stability"]
        share = result["outcomes"][policy]["external_stability"]["share_positive"]
        assert share == pytest.approx(np.mean(stable))
    url = f"/api/evaluations/{run['id']}/importance"
    answer = client.get(url, params={"policy": "USA+JPN+KOR", "outcome": "leakage_to_china"})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["parameters"]
    assert {r["parameter"] for r in rows} == set(futures["parameters"])
    assert all(r["description"] for r in rows)
    bad = client.get(url, params={"policy": "USA+JPN+KOR", "outcome": "no_such_outcome"})
    assert bad.status_code == 422 and "unknown 'no_such_outcome'" in bad.json()["detail"]
    missing = client.get(
        "/api/evaluations/000000000000/importance", params={"policy": "x", "outcome": "y"}
    )
    assert missing.status_code == 404


def test_a_studys_futures_headline_and_importance(client, small_study, wait_for) -> None:
    job = client.post("/api/studies", json=small_study).json()
    assert wait_for(client, job["id"])["status"] == "done"
    results = client.get(f"/api/studies/{job['id']}/results").json()
    assert results["headline"] == [h for h in HEADLINE if h in results["metrics"]]
    assert results["directions"]["leakage_to_china"] == -1
    futures = client.get(f"/api/studies/{job['id']}/futures").json()
    assert len(futures["scenario"]) == small_study["scenarios"]
    assert list(futures["outcomes"]) == results["policies"]
    few = client.get(
        f"/api/studies/{job['id']}/importance",
        params={"policy": "forging_core", "outcome": "leakage_to_china"},
    )
    assert few.status_code == 422 and f"at least {MIN_FUTURES}" in few.json()["detail"]
