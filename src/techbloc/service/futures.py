"""Per-future tables and parameter importance: the dashboard's Optuna-style views.

:func:`techbloc.service.compute.futures_table` lays out, future by future, the sampled
parameters and the headline outcomes of each policy (the sortable, filterable table of a
study's page; kept with an evaluation's result too). :func:`importance` ranks the sampled
parameters by how much of one outcome's variance each explains on its own, with the
given-data first-order index of :func:`techbloc.analysis.sensitivity.given_data_indices`
(it works on any design, an evaluation's Latin hypercube included).
:func:`add_futures_routes` serves both for evaluations (``/api/evaluations/{id}/importance``)
and studies (``/api/studies/{id}/futures``, ``/api/studies/{id}/importance``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from techbloc.errors import InputError
from techbloc.service.compute import futures_table, number
from techbloc.service.schemas import Futures, Importance, ParameterImportance

__all__ = ["MIN_FUTURES", "add_futures_routes", "importance"]

#: Fewest futures the importance estimate is given for (it partitions each parameter's
#: sample into classes; with fewer futures the classes are too small to mean anything).
MIN_FUTURES = 20
#: Bootstrap resamples of the confidence intervals (SALib's default is 100; 30 keeps a
#: request under a second for 40 parameters and 1,000 futures).
_RESAMPLES = 30


def importance(futures: Futures, policy: str, outcome: str) -> Importance:
    """Rank the sampled parameters by their first-order index for one outcome of a policy.

    Raises
    ------
    techbloc.errors.InputError
        Unknown policy or outcome, fewer than :data:`MIN_FUTURES` futures with a value, no
        sampled parameter, or an outcome that does not vary.
    """
    import pandas as pd

    from techbloc.analysis.sensitivity import given_data_indices
    from techbloc.params import get_parameter

    if policy not in futures.outcomes:
        raise InputError(f"policy: unknown {policy!r}; known: {', '.join(futures.outcomes)}")
    known = futures.outcomes[policy]
    if outcome not in known:
        raise InputError(f"outcome: unknown {outcome!r}; known: {', '.join(known)}")
    if not futures.parameters:
        raise InputError("no parameter was sampled: every one was held")
    x = pd.DataFrame(futures.parameters, dtype=float)
    y = np.array([np.nan if v is None else v for v in known[outcome]], dtype=float)
    keep = np.isfinite(y)
    if keep.sum() < MIN_FUTURES:
        raise InputError(
            f"{outcome} has a value in {int(keep.sum())} futures; parameter importance "
            f"needs at least {MIN_FUTURES}"
        )
    if np.ptp(y[keep]) == 0:
        raise InputError(f"{outcome} is the same in every future: no parameter explains it")
    table = given_data_indices(x[keep], y[keep], num_resamples=_RESAMPLES, rng=0)
    return Importance(
        policy=policy,
        outcome=outcome,
        futures=int(keep.sum()),
        method="first-order index S1 (share of the outcome's variance a parameter explains "
        "on its own; given-data estimator of SALib's delta module), 95% bootstrap interval",
        parameters=[
            ParameterImportance(
                parameter=str(name),
                description=get_parameter(str(name)).description,
                S1=number(row["S1"]),
                S1_conf=number(row["S1_conf"]),
            )
            for name, row in table.iterrows()
        ],
    )


def add_futures_routes(app: Any, jobs: Any, studies: Any) -> None:
    """Register the per-future and importance routes on ``app`` (``jobs``: the service's
    :class:`~techbloc.service.jobs.JobManager`, ``studies``: its study kind)."""
    from fastapi import HTTPException, status

    from techbloc.service.responses import NOT_READY

    def run_futures(run_id: str) -> Futures:
        run = jobs.get("evaluation", run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evaluation {run_id!r}")
        if run.status != "done" or run.result is None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"evaluation {run_id} is {run.status}")
        return Futures.model_validate(run.result["futures"])

    def study_futures(job_id: str) -> Futures:
        from techbloc.experiments.store import ResultsStore

        job = jobs.get(studies.name, job_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        if job.status != "done":
            raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} is {job.status}")
        with ResultsStore.open(studies.directory(job_id)) as store:
            return futures_table(store.scenarios(), store.outcomes(), store.policies)

    @app.get(
        "/api/evaluations/{run_id}/importance",
        response_model=Importance,
        responses=NOT_READY,
        tags=["model"],
    )
    def evaluation_importance(run_id: str, policy: str, outcome: str) -> Importance:
        """Parameter importance for one outcome of one coalition of a finished evaluation."""
        return importance(run_futures(run_id), policy, outcome)

    @app.get(
        "/api/studies/{job_id}/futures",
        response_model=Futures,
        responses=NOT_READY,
        tags=["studies"],
    )
    def study_futures_route(job_id: str) -> Futures:
        """Every future of a finished study: sampled parameters and headline outcomes."""
        return study_futures(job_id)

    @app.get(
        "/api/studies/{job_id}/importance",
        response_model=Importance,
        responses=NOT_READY,
        tags=["studies"],
    )
    def study_importance(job_id: str, policy: str, outcome: str) -> Importance:
        """Parameter importance for one outcome of one policy of a finished study."""
        return importance(study_futures(job_id), policy, outcome)
