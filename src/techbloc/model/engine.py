"""The batch engine: a state, a pure year step and an observer, over ``[S, P, D, N]`` arrays.

:func:`run_model` runs a whole batch of scenarios × policies, in cache-sized blocks of
scenarios: for each block it builds the run's fixed
:class:`~techbloc.model.context.Context` (the baseline paths of
:mod:`~techbloc.model.baseline`, parameters, the observed history of
:mod:`~techbloc.model.history` and the start-year status quo), the initial
:class:`~techbloc.model.state.EngineState`, and then, for each year, computes the year's flows
(:func:`~techbloc.model.year.year_flows`), lets the recorder observe them
(:mod:`~techbloc.model.observe`) and advances the state (:func:`advance`). The only Python
loops are over blocks and years.

Every batch also runs the **status-quo policy** (US-only controls at each year's
status-quo stringency, no pool, no capacity building) as one extra policy, with common random
numbers, so that each policy's effect on China is measured against it in the same future
(MODEL.md §9.5); and every China (the main run, the status quo and the twin without
exclusion behind ``backlash_exclusion``) advances through one function,
:func:`~techbloc.model.china.china_step`.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from techbloc.model import allocator, kernels
from techbloc.model import china as china_model
from techbloc.model.china import china_step
from techbloc.model.context import Context, PolicyBatch
from techbloc.model.flows import FlowWorkspace
from techbloc.model.history import STATUS_QUO_STRINGENCY
from techbloc.model.inputs import ModelInputs
from techbloc.model.observe import accumulate, observe, outsiders
from techbloc.model.outputs import Recorder
from techbloc.model.partners import capability_step
from techbloc.model.scenarios import ScenarioArrays
from techbloc.model.state import Cumulative, EngineState, Year
from techbloc.model.year import friction_sum, year_flows
from techbloc.model.year_view import YearView
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

__all__ = [
    "DEFAULT_END_YEAR",
    "DEFAULT_START_YEAR",
    "SPLIT_SCENARIOS",
    "STATUS_QUO_STRINGENCY",
    "Context",
    "EngineState",
    "PolicyBatch",
    "Year",
    "advance",
    "run_model",
    "year_flows",
]

#: The name ``model/static.py`` imports (``friction_sum`` of :mod:`techbloc.model.year`).
_friction_sum = friction_sum


def advance(state: EngineState, year: Year, ctx: Context, cumulative: Cumulative) -> EngineState:
    """The state of the next year (pure), holding ``cumulative``, the running sums through
    this year (:func:`~techbloc.model.observe.accumulate`)."""
    v, p, inputs = ctx.values, ctx.params, ctx.inputs
    c, u = inputs.china, inputs.usa
    t, m, flows = year.t, year.members, year.flows
    th = ctx.theta[:, t]
    delta3 = ctx.depreciation[:, None, :]
    complexity3 = ctx.complexity[:, None, :]
    common: dict[str, Any] = dict(
        theta=th,
        depreciation=delta3,
        complexity=complexity3,
        frontier=flows.frontier,
        relative0=ctx.relative0,
        exclusion0=ctx.exclusion0,
        ss_drift=ctx.ss_drift[:, None, :],
        rd_initial=ctx.intensity[:, 0, c][:, None],  # (S, 1): each future's start intensity
        values=v,
    )
    china_rd = year.national_rd[..., c, None] * ctx.mix[:, None, :, c]
    china = china_step(
        state.china, rd=china_rd, exclusion=1.0 - flows.access, imitated=year.imitated, **common
    )
    # the same China without exclusion (access 1, no denial), partners held as in the main run
    twin_imitated, _ = china_model.imitation(
        knowledge=state.twin.knowledge,
        know_how=state.twin.know_how,
        frontier=flows.frontier,
        leader=flows.leader,
        access=np.ones_like(flows.access),
        exposed=year.exposed,
        complexity=complexity3,
        max_conversion=p.max_conversion,
        absorption_exponent=p.absorption_exponent,
        catch_up_rate=p.catch_up_rate,
    )
    twin_rd = (ctx.china_intensity(t, state.twin.rd_extra) * ctx.output[t, c])[..., None] * ctx.mix[
        :, None, :, c
    ]
    twin = china_step(
        state.twin,
        rd=twin_rd,
        exclusion=np.zeros_like(flows.access),
        imitated=twin_imitated,
        **common,
    )
    knowledge, know_how = flows.knowledge, flows.know_how
    assert knowledge is not None and know_how is not None  # computed but in the final year
    knowledge[..., c] = china.knowledge
    know_how[..., c] = china.know_how
    capability = state.capability
    if year.building.any():  # capability moves only with capacity building
        capability = capability_step(capability, p.capacity_gain, year.building[None])
    # E12 exits at four-year reviews after the regime starts (never the USA)
    leaving = (
        m
        & (year.margin < 0)
        & year.review[None, :, None]
        & (ctx.exit_draws[:, t, None, :] < p.exit_probability[:, None, None])
    )
    leaving[..., u] = False
    return EngineState(
        knowledge=knowledge,
        know_how=know_how,
        capability=capability,
        members=state.members & ~leaving,
        margin=np.where(m, year.margin, 0.0),
        relative=year.relative,
        shared=(1.0 - delta3) * state.shared + th[:, None, None] * flows.pool,
        china=china,
        twin=twin,
        cumulative=cumulative,
    )


#: Scenarios each thread takes at least when :func:`run_model` splits a batch over threads.
SPLIT_SCENARIOS = 32
#: Scenario · policy pairs (the status quo counted) that :func:`run_model` runs through the
#: years at a time, so that a block's yearly ``(S, P, N)`` arrays stay in a core's cache:
#: 2,000 futures x 11 policies in one call took 6.7-6.8 CPU-s in blocks against 10.3-10.5
#: unblocked, and 700-1,400 pairs ran alike (benchmarks/README.md).
BLOCK_PAIRS = 1000


def run_model(
    inputs: ModelInputs,
    scenarios: ScenarioArrays,
    policies: PolicyBatch,
    years: np.ndarray,
    *,
    trajectories: bool = True,
    external_stability: bool = True,
) -> dict[str, np.ndarray]:
    """Run the model on arrays (pure; no I/O). The first call in a process keeps freed
    memory for reuse (:func:`~techbloc.model.allocator.keep_freed_memory`).

    The scenarios run in blocks of about :data:`BLOCK_PAIRS` scenario · policy pairs, each
    through every year, and the blocks' outputs are joined. With the compiled kernels and
    several numba threads (``NUMBA_NUM_THREADS``), a batch of at least ``2 ×``
    :data:`SPLIT_SCENARIOS` scenarios is first split into one slice of scenarios per
    thread (numpy's array passes release the GIL, so the year's glue runs on every thread
    too, not only the kernels). Each scenario's arithmetic is the same whatever the split.

    Parameters
    ----------
    inputs : ModelInputs
    scenarios : ScenarioArrays
    policies : PolicyBatch
    years : ndarray of int, shape (T,)
        Consecutive calendar years, the first being the start year.
    trajectories : bool
        Keep yearly values (``[S, P, T, ...]``) as well as end-of-horizon values.
    external_stability : bool
        Compute outsiders' joining gains and acceptance in the final year (switch off when
        only members' outcomes are needed).

    Returns
    -------
    dict of str to ndarray
        The outputs of :data:`techbloc.model.outputs.OUTPUTS` at the final year (scalars
        (S, P), per-domain (S, P, D), per-country (S, P, N), scenario descriptors (S,)),
        and, with ``trajectories``, ``traj_<name>`` arrays. The status-quo reference
        policy is not among the policies returned.
    """
    allocator.keep_freed_memory()  # once per process: reuse freed arrays, do not re-fault them
    n_scenarios = len(scenarios.ids)
    n_threads = max(1, min(kernels.threads(), n_scenarios // SPLIT_SCENARIOS))
    block = max(1, BLOCK_PAIRS // (policies.members.shape[0] + 1))
    bounds = np.linspace(0, n_scenarios, n_threads + 1).astype(np.int64)

    def run_slice(i: int) -> Iterator[dict[str, np.ndarray]]:
        first, stop = int(bounds[i]), int(bounds[i + 1])
        for a in range(first, stop, block) or [first]:
            part = scenarios.rows(a, min(a + block, stop))
            yield _run_batch(inputs, part, policies, years, trajectories, external_stability)

    if n_threads == 1:
        return _join(run_slice(0), n_scenarios)  # each block copied in as it is done

    def run_threaded(i: int) -> list[dict[str, np.ndarray]]:
        with kernels.serial():  # this thread's slice: its kernels do not split it again
            return list(run_slice(i))

    pool = _pool(n_threads, os.getpid())  # a forked child makes its own threads
    others = [pool.submit(run_threaded, i) for i in range(1, n_threads)]
    first = run_threaded(0)
    return _join(itertools.chain(first, *(future.result() for future in others)), n_scenarios)


def _join(parts: Iterable[dict[str, np.ndarray]], n_scenarios: int) -> dict[str, np.ndarray]:
    """The outputs of consecutive blocks of scenarios as one batch's (every output's first
    axis is the scenarios); a single block is returned as it is."""
    joined: dict[str, np.ndarray] = {}
    row = 0
    for part in parts:
        size = len(next(iter(part.values())))
        if size == n_scenarios:
            return part
        if not joined:
            joined = {k: np.empty((n_scenarios, *v.shape[1:]), v.dtype) for k, v in part.items()}
        for name, value in part.items():
            joined[name][row : row + size] = value
        row += size
    return joined


@functools.cache
def _pool(n_threads: int, pid: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=n_threads - 1, thread_name_prefix="techbloc-engine")


def _run_batch(
    inputs: ModelInputs,
    scenarios: ScenarioArrays,
    policies: PolicyBatch,
    years: np.ndarray,
    trajectories: bool,
    external_stability: bool,
) -> dict[str, np.ndarray]:
    """:func:`run_model` on one thread."""
    ctx = Context.build(inputs, scenarios, policies.with_status_quo(inputs.usa), years)
    S, P, D, N = ctx.shape
    T = len(years)
    state = EngineState.initial(ctx)
    workspace = FlowWorkspace((S, P, D, N)) if _compiled() else None
    recorder = Recorder(T, trajectories)
    friction_members: np.ndarray | None = None
    frictions = np.empty((S, P, N))
    for t in range(T):
        last = t == T - 1
        m = np.where((t >= ctx.policies.start_offset)[None, :, None], state.members, ctx.us_only)
        if friction_members is None or not np.array_equal(m, friction_members):
            frictions = friction_sum(m, inputs, ctx.params.friction_position)
            friction_members = m
        year = year_flows(
            state,
            ctx,
            t,
            workspace,
            frictions,
            last_year=last,
            keep=recorder.wants(t) or t == 0,  # year 0's sums set TFP's base (accumulate)
            outsiders=last and external_stability,
        )
        cumulative = accumulate(state, year, ctx)
        if recorder.wants(t):
            recorder.record(t, observe(YearView(state, year, ctx, cumulative)))
        if last:
            break
        if workspace is not None:
            workspace.recycle(state.knowledge, state.know_how)
        state = advance(state, year, ctx, cumulative)

    result = recorder.result()
    final = YearView(state, year, ctx, cumulative)
    result.update(observe(final, "final"))
    if external_stability:
        result.update(outsiders(year, ctx, frictions))
        if trajectories:
            result["traj_external_stability"] = np.full((S, P, T), np.nan)
            result["traj_external_stability"][:, :, -1] = result["external_stability"]
    # drop the status-quo reference policy (the last)
    for name, value in list(result.items()):
        if value.ndim >= 2 and value.shape[1] == P:
            result[name] = value[:, :-1]
    # scenario outputs: one value per future, or one per future and year (a trajectory)
    for name, value in observe(final, "scenario").items():
        result[f"traj_{name}" if value.ndim == 2 else name] = value
    return result


def _compiled() -> bool:
    return kernels.compiled()
