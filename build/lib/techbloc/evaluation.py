"""Quick evaluation: coalitions across freshly sampled futures, without a results store.

``techbloc evaluate``, the service's ``POST /api/evaluate`` and notebooks ask the same
question: how do these coalitions fare across N futures? :func:`evaluate_coalitions`
answers it in memory-bounded batches; for studies that must be kept, resumed or scaled
out, use :func:`techbloc.experiments.run_study`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from techbloc.errors import InputError
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.coalitions import Coalition
    from techbloc.policies import Policy
    from techbloc.world import World

__all__ = ["evaluate_coalitions"]

#: Scenario x policy pairs per model call (bounds memory whatever the number of futures).
PAIRS_PER_CALL = 1000


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
    world: World | None = None,
) -> tuple[list[Policy], pd.DataFrame]:
    """Evaluate coalitions at common levers across Latin-hypercube futures.

    Parameters
    ----------
    coalitions : sequence of Coalition
    scenarios : int
        Futures to sample over every parameter designs vary by default (minus ``fixed``).
    seed : int
        Root seed of the design and of each scenario's random stream.
    fixed : mapping, optional
        Parameters held at one value (checked against the registry).
    pool_share, stringency : float, optional
        Levers applied to every coalition (default: the registry's lever defaults).
    start_year, end_year : int
    world : World, optional
        Default: the bundled world.

    Returns
    -------
    policies : list of Policy
    outcomes : pandas.DataFrame
        Scalar outcomes indexed by ``(scenario, policy)``.

    Raises
    ------
    InputError
        No coalition, a coalition given twice, an impossible number of futures, or an
        invalid parameter or lever value.
    """
    import pandas as pd

    from techbloc.analysis.outcomes import outcome_table
    from techbloc.experiments.design import sample_futures
    from techbloc.model import simulate
    from techbloc.params import LEVERS, parameter_names, validate_values
    from techbloc.policies import Policy
    from techbloc.world import load_world

    if not 1 <= scenarios <= 1_000_000:
        raise InputError(f"scenarios must be between 1 and 1,000,000, got {scenarios}")
    if not coalitions:
        raise InputError("name at least one coalition")
    fixed = validate_values(dict(fixed or {}), where="set")
    default = {lever.name: lever.default for lever in LEVERS}
    policies = [
        Policy(
            c,
            pool_share=default["pool_share"] if pool_share is None else pool_share,
            control_stringency=default["control_stringency"] if stringency is None else stringency,
        )
        for c in coalitions
    ]
    labels = [p.label for p in policies]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise InputError(f"coalition(s) given more than once: {', '.join(twice)}")
    world = world if world is not None else load_world()
    if all(n in fixed for n in parameter_names(uncertain_only=True)):
        raise InputError(
            "set: every parameter the futures vary is fixed, so nothing is left "
            "to sample; leave at least one uncertain parameter out of set"
        )
    design = sample_futures(scenarios, seed=seed, fixed=fixed)
    step = max(1, PAIRS_PER_CALL // len(policies))
    parts = [
        outcome_table(
            simulate(
                world,
                design.iloc[first : first + step],
                policies,
                start_year=start_year,
                end_year=end_year,
                seed=seed,
                trajectories=False,
            )
        )
        for first in range(0, len(design), step)
    ]
    return policies, pd.concat(parts)
