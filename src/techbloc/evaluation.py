"""Quick evaluation: coalitions across freshly sampled futures, without a results store.

``techbloc evaluate``, the service's ``POST /api/evaluate`` and notebooks ask the same
question: how do these coalitions fare across N futures? :func:`evaluate_coalitions`
answers it: the question becomes a :class:`~techbloc.experiments.study.Study` (which checks
levers, labels and parameters, once for every front door), run by the one runner in
memory-bounded chunks into memory. For studies that must be kept, resumed or scaled out,
use :func:`techbloc.experiments.run_study`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from techbloc.errors import InputError
from techbloc.experiments.budget import EVALUATION_PAIRS
from techbloc.experiments.progress import Progress
from techbloc.experiments.resolve import Resolved, resolve_data
from techbloc.experiments.runner import evaluate_in_memory
from techbloc.experiments.sinks import MemorySink
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.coalitions import Coalition
    from techbloc.experiments.calibrated_sets import Prior
    from techbloc.policies import Policy
    from techbloc.world import World

__all__ = ["PAIRS_PER_CALL", "chunk_size", "evaluate", "evaluate_coalitions", "policy_spec"]

#: Scenario x policy pairs per model call (bounds memory whatever the number of futures):
#: the budget's :data:`~techbloc.experiments.budget.EVALUATION_PAIRS`, which estimates it.
PAIRS_PER_CALL = EVALUATION_PAIRS
#: Most futures one evaluation samples.
MAX_SCENARIOS = 1_000_000


def chunk_size(n_policies: int) -> int:
    """Scenarios per model call of an evaluation: :data:`PAIRS_PER_CALL` pairs at most."""
    return max(1, PAIRS_PER_CALL // max(1, n_policies))


def policy_spec(coalition: Coalition, **levers: Any) -> dict[str, Any]:
    """A study's policy entry for ``coalition`` (a preset by name, else its members).

    Parameters
    ----------
    coalition : Coalition
    **levers
        ``pool_share``, ``control_stringency``, ``capacity_building`` (None: left out,
        so the registry's lever default applies).
    """
    from techbloc.coalitions import presets

    label = coalition.name or "+".join(coalition.members)
    known = presets().get(label)
    spec: dict[str, Any] = (
        {"preset": label}
        if known is not None and known == coalition
        else {"name": label, "members": list(coalition.members)}
    )
    spec.update({k: v for k, v in levers.items() if v is not None})
    return spec


def evaluate_coalitions(
    coalitions: Sequence[Coalition],
    *,
    scenarios: int = 200,
    seed: int = 0,
    fixed: Mapping[str, float] | None = None,
    pool_share: float | None = None,
    stringency: float | None = None,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
    prior: Prior = "wide",
    world: World | None = None,
    progress: Progress | None = None,
    keys: Mapping[str, str] | None = None,
) -> tuple[list[Policy], pd.DataFrame]:
    """Evaluate coalitions at common levers across sampled futures.

    Parameters
    ----------
    coalitions : sequence of Coalition
    scenarios : int
        Futures: drawn over every parameter designs vary by default (minus ``fixed``)
        under the wide prior; the first ``scenarios`` of the shipped calibrated set on
        history.
    seed : int
        Root seed of the design and of each scenario's random stream (on history, the
        futures' parameters are the set's whatever the seed; the seed draws their US
        elections and exits).
    fixed : mapping, optional
        Parameters held at one value (checked against the registry).
    pool_share, stringency : float, optional
        Levers applied to every coalition (default: the registry's lever defaults).
    start_year, end_year : int
    prior : {"wide", "history"}
        ``wide``: a Latin hypercube over the registry's full ranges; ``history``: the
        history-consistent futures the default study runs (the calibrated set ``history``,
        :func:`~techbloc.experiments.calibrated_sets.prior_design`).
    world : World, optional
        Default: the bundled world.
    progress : callable, optional
        ``progress(chunks_done, chunks_total)``, before the first chunk and after each.
    keys : mapping, optional
        How problems name the inputs (:func:`techbloc.experiments.resolve.make_study`),
        over the default: this function's arguments (``coalitions[1]``, ``fixed``).

    Returns
    -------
    policies : list of Policy
    outcomes : pandas.DataFrame
        Scalar outcomes indexed by ``(scenario, policy)``.

    Raises
    ------
    InputError
        No coalition, a coalition given twice, an impossible number of futures (more than
        the calibrated set holds, on history), or an invalid parameter or lever value.
    """
    from techbloc.experiments.calibrated_sets import prior_design

    if not 1 <= scenarios <= MAX_SCENARIOS:
        raise InputError(f"scenarios must be between 1 and {MAX_SCENARIOS:,}, got {scenarios}")
    if not coalitions:
        raise InputError("name at least one coalition")
    data = {
        "name": "evaluation",
        "policies": [
            policy_spec(c, pool_share=pool_share, control_stringency=stringency) for c in coalitions
        ],
        "scenarios": _whole(scenarios),
        "set": {name: _number(value) for name, value in (fixed or {}).items()},
        "years": {"start": _whole(start_year), "end": _whole(end_year)},
        "seed": _whole(seed),
        "design": prior_design(prior),
    }
    names = {
        **{f"policies.{i}": f"coalitions[{i}]" for i in range(len(coalitions))},
        **{f"policies.{i}.pool_share": "pool_share" for i in range(len(coalitions))},
        **{f"policies.{i}.control_stringency": "stringency" for i in range(len(coalitions))},
        "set": "fixed",
        "vary": "fixed",  # nothing left to vary: every parameter is fixed
        "years.start": "start_year",
        "years.end": "end_year",
        "years": "end_year",
        **(keys or {}),
    }
    resolved = resolve_data(data, names, world=world)
    return resolved.policies, evaluate(resolved, progress=progress).outcomes()


def evaluate(
    resolved: Resolved,
    *,
    arrays: Sequence[str] = (),
    size: int | None = None,
    progress: Progress | None = None,
) -> MemorySink:
    """Run an evaluation's resolved study in this process, into memory.

    Parameters
    ----------
    resolved : Resolved
    arrays : sequence of str
        Variables to keep besides the scalar outcomes (:class:`MemorySink`).
    size : int, optional
        Scenarios per model call (default :func:`chunk_size`); does not affect results.
    progress : callable, optional
        ``progress(chunks_done, chunks_total)``.
    """
    return evaluate_in_memory(
        resolved,
        MemorySink(arrays),
        chunk_size=size or chunk_size(len(resolved.policies)),
        progress=progress,
    )


def _number(value: Any) -> Any:
    """A real number (numpy's too, or text such as ``"0.3"``) as a float; else as given."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _whole(value: Any) -> Any:
    """A whole number (numpy's too) as an int; anything else as given (the study refuses it)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value
