"""Global sensitivity analysis of a scalar outcome to the uncertain parameters (SALib).

- :func:`sobol_indices`: first- and total-order Sobol indices with bootstrap confidence
  intervals. Needs a Saltelli/Sobol design (``SALib.sample.sobol.sample``): rows in
  blocks of ``D + 2`` (or ``2D + 2`` with second-order terms); the design itself is
  passed too, so that its layout can be checked.
- :func:`morris_indices`: Morris elementary-effects screening (``mu_star``, ``sigma``).
  Needs a Morris design (trajectories of ``D + 1`` rows).
- :func:`given_data_indices`: first-order indices from *any* design (Latin hypercube,
  random, ...), with the given-data estimator of SALib's delta module (Plischke, Borgonovo
  & Smith 2013: conditional variances from a partition of each input's sorted sample),
  computed in one pass a bootstrap draw (:mod:`~techbloc.analysis.given_data`; SALib's
  indices to rounding). Use it when the study was not run on a Saltelli design; it gives no
  total-order indices.

:func:`problem` builds SALib's problem dict from the parameter registry, so names, bounds
and distributions (uniform or log-uniform) are never typed twice. Every function also
works on a sample and outcome of your own, given a SALib problem dict.

Randomness (the bootstrap of the confidence intervals) comes from one ``rng`` argument: an
int seed (default 0), a :class:`numpy.random.Generator` or ``None`` (a fresh stream).
Identical calls give identical results, the default included (SALib treats a seed of 0
as no seed, so a positive seed drawn from ``rng`` is passed on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from techbloc.analysis._random import RandomState, library_seed
from techbloc.analysis.outcomes import outcome_table, select_policy
from techbloc.errors import InputError

__all__ = [
    "given_data_indices",
    "method_for",
    "morris_indices",
    "problem",
    "saltelli_layout",
    "sensitivity",
    "sobol_indices",
]


def problem(names: Sequence[str] | None = None) -> dict[str, Any]:
    """SALib problem dict from the registry.

    Parameters
    ----------
    names : sequence of str, optional
        Parameters to include (default: every uncertain parameter, in registry order).

    Returns
    -------
    dict
        ``num_vars``, ``names``, ``bounds`` ([low, high] per parameter) and ``dists``
        (``"unif"`` or ``"logunif"``).

    Raises
    ------
    InputError
        For a name not in the registry.
    """
    from techbloc.params import get_parameter, parameter_names

    chosen = list(names) if names is not None else parameter_names(uncertain_only=True)
    params = [get_parameter(n) for n in chosen]
    return {
        "num_vars": len(params),
        "names": [p.name for p in params],
        "bounds": [[p.low, p.high] for p in params],
        "dists": ["logunif" if p.distribution == "loguniform" else "unif" for p in params],
    }


def _problem_for(x: pd.DataFrame | np.ndarray, spec: dict[str, Any] | None) -> dict[str, Any]:
    if spec is not None:
        return spec
    if isinstance(x, pd.DataFrame):
        varying = [c for c in x.columns if x[c].nunique() > 1]
        return problem(varying)
    raise InputError("pass a problem dict (or scenario inputs as a DataFrame)")


def _values(x: pd.DataFrame | np.ndarray, spec: dict[str, Any]) -> NDArray[np.float64]:
    if isinstance(x, pd.DataFrame):
        missing = [n for n in spec["names"] if n not in x.columns]
        if missing:
            raise InputError(f"scenario inputs lack parameter(s): {', '.join(missing)}")
        chosen: NDArray[np.float64] = x[spec["names"]].to_numpy(np.float64)
        return chosen
    x = np.asarray(x, float)
    if x.ndim != 2 or x.shape[1] != spec["num_vars"]:
        raise InputError(f"inputs must have shape (n, {spec['num_vars']}), got {x.shape}")
    return x


def _outputs(outcome: Any, n: int | None = None) -> NDArray[np.float64]:
    y = np.asarray(outcome, dtype=np.float64).ravel()
    if n is not None and len(y) != n:
        raise InputError(f"{n} scenarios but {len(y)} outcome values")
    if not np.isfinite(y).all():
        raise InputError(
            f"the outcome has {int((~np.isfinite(y)).sum())} missing or infinite values; "
            "sensitivity indices need every run"
        )
    if np.ptp(y) == 0:
        raise InputError("the outcome is constant across scenarios: no sensitivity to measure")
    return y


def _column_order(x: np.ndarray, d: int) -> list[int] | None:
    """The column order under which ``x`` would be a Saltelli design, if another one.

    In the first block, ``AB_k`` differs from ``A`` in one column: the design's ``k``-th
    parameter. None when that does not give a permutation other than the identity.
    """
    if len(x) < d + 2:
        return None
    a, ab = x[0], x[1 : d + 1]
    differs = ab != a
    if not (differs.sum(axis=1) == 1).all():
        return None
    order = [int(np.flatnonzero(row)[0]) for row in differs]
    if sorted(order) != list(range(d)) or order == list(range(d)):
        return None
    for second in (False, True):  # the whole design must hold in that order
        size = 2 * d + 2 if second else d + 2
        if len(x) % size == 0:
            blocks = x[:, order].reshape(-1, size, d)
            if ((blocks[:, 1 : d + 1, :] != blocks[:, :1, :]).sum(axis=2) <= 1).all():
                return order
    return None


def saltelli_layout(
    x: pd.DataFrame | np.ndarray, num_vars: int, names: Sequence[str] | None = None
) -> bool:
    """Check that rows follow a Saltelli design and say whether it has second-order rows.

    In a Saltelli design, row blocks are ``A, AB_1, ..., AB_D, [BA_1, ..., BA_D,] B`` where
    ``AB_i`` is ``A`` with column ``i`` taken from ``B``.

    Returns
    -------
    bool
        ``calc_second_order`` of the design.

    Raises
    ------
    InputError
        If the rows do not follow either layout; when they would with the columns in
        another order, the message gives that order (with ``names``, by name).
    """
    x = np.asarray(x, float)
    d = num_vars
    for second, size in ((False, d + 2), (True, 2 * d + 2)):
        if len(x) == 0 or len(x) % size:
            continue
        blocks = x.reshape(-1, size, d)
        a, ab = blocks[:, :1, :], blocks[:, 1 : d + 1, :]
        b = blocks[:, -1:, :]
        differs = ab != a  # (n, D, D): AB_i differs from A in column i only
        eye = np.eye(d, dtype=bool)
        if (differs & ~eye).any():
            continue
        if not np.array_equal(ab[:, eye], np.broadcast_to(b[:, 0, :], ab[:, eye].shape)):
            continue
        return second
    order = _column_order(x, d)
    if order is not None:
        listed = [names[i] for i in order] if names is not None else [str(i) for i in order]
        raise InputError(
            "the scenarios are a Saltelli design with the parameters in another order: "
            f"pass them in the design's order ({', '.join(listed)})"
        )
    raise InputError(
        f"the scenarios ({len(x)} rows, {d} varying parameters) are not a Saltelli design; "
        "run the study with a Sobol/Saltelli design for Sobol indices, or use the "
        "given-data method (first-order indices from any design)"
    )


def sobol_indices(
    y: Any,
    spec: dict[str, Any],
    *,
    x: pd.DataFrame | np.ndarray | None = None,
    calc_second_order: bool | None = None,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    rng: RandomState = 0,
) -> pd.DataFrame:
    """First- and total-order Sobol indices with bootstrap confidence intervals.

    Parameters
    ----------
    y : array_like, shape (n,)
        Outcome per row of the Saltelli design, in design order.
    spec : dict
        SALib problem (see :func:`problem`).
    x : DataFrame or ndarray
        The design, rows in the order of ``y`` (required): its Saltelli layout is checked
        (:func:`saltelli_layout`) and ``calc_second_order`` inferred from it. Without it,
        shuffled or non-Saltelli rows would give wrong indices silently.
    calc_second_order : bool, optional
        If given, must match the design's layout.
    num_resamples, conf_level : int, float
        Bootstrap settings.
    rng : int, numpy.random.Generator or None
        Random state of the bootstrap (default 0: the same intervals on every call).

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of the
        ``conf_level`` interval), sorted by ``ST`` descending.

    Raises
    ------
    InputError
        Without ``x``, or when ``x`` is not a Saltelli design in the order of ``y``.
    """
    from SALib.analyze import sobol

    d = spec["num_vars"]
    if x is None:
        raise InputError(
            "sobol_indices needs the design x (rows in the order of y) to check that it is a "
            "Saltelli design; for a sample that is not one, use given_data_indices"
        )
    layout = saltelli_layout(_values(x, spec), d, spec["names"])
    if calc_second_order is not None and calc_second_order != layout:
        raise InputError("calc_second_order does not match the design's layout")
    calc_second_order = layout
    size = 2 * d + 2 if calc_second_order else d + 2
    y = _outputs(y, len(_values(x, spec)))
    if len(y) % size:
        raise InputError(
            f"{len(y)} outcome values are not a multiple of {size}: not a Saltelli design "
            f"over {d} parameters"
        )
    res = sobol.analyze(
        spec,
        y,
        calc_second_order=calc_second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=library_seed(rng),
    )
    table = pd.DataFrame(
        {k: np.asarray(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(spec["names"], name="parameter"),
    )
    return table.sort_values("ST", ascending=False)


def morris_indices(
    x: pd.DataFrame | np.ndarray,
    y: Any,
    spec: dict[str, Any] | None = None,
    *,
    num_levels: int = 4,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    rng: RandomState = 0,
) -> pd.DataFrame:
    """Morris screening: mean absolute elementary effect and its spread.

    Parameters
    ----------
    x : DataFrame or ndarray
        A Morris design (``SALib.sample.morris.sample``): trajectories of ``D + 1`` rows.
    y : array_like
        Outcome per row.
    spec : dict, optional
        SALib problem (default: from the registry for the DataFrame's varying columns).
    num_levels : int
        Grid levels of the design.
    num_resamples, conf_level : int, float
        Bootstrap settings of ``mu_star_conf``.
    rng : int, numpy.random.Generator or None
        Random state of the bootstrap (default 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter: ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``, sorted by
        ``mu_star`` descending.
    """
    from SALib.analyze import morris

    spec = _problem_for(x, spec)
    values = _values(x, spec)
    y = _outputs(y, len(values))
    d = spec["num_vars"]
    if len(values) % (d + 1):
        raise InputError(
            f"{len(values)} rows are not a Morris design over {d} parameters "
            f"(trajectories of {d + 1} rows)"
        )
    traj = values.reshape(-1, d + 1, d)
    steps = (np.diff(traj, axis=1) != 0).sum(axis=2)
    if not (steps == 1).all():
        raise InputError(
            "the scenarios are not a Morris design (each step of a trajectory must change "
            "exactly one parameter); run the study with a Morris design"
        )
    res = morris.analyze(
        spec,
        values,
        y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        num_levels=num_levels,
        seed=library_seed(rng),
    )
    table = pd.DataFrame(
        {k: np.asarray(res[k], float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=pd.Index(spec["names"], name="parameter"),
    )
    return table.sort_values("mu_star", ascending=False)


def given_data_indices(
    x: pd.DataFrame | np.ndarray,
    y: Any,
    spec: dict[str, Any] | None = None,
    *,
    num_resamples: int = 50,
    conf_level: float = 0.95,
    rng: RandomState = 0,
) -> pd.DataFrame:
    """First-order Sobol indices from any design (given-data estimator).

    SALib's delta module's estimator with ``method="sobol"``: for each input, the sample is
    sorted and partitioned into classes, and ``S1`` is the share of the outcome's variance
    explained by the class means (Plischke, Borgonovo & Smith 2013). Confidence intervals
    are bootstrapped. Total-order indices cannot be estimated this way. The indices are
    SALib's to rounding, computed in one pass a draw
    (:func:`~techbloc.analysis.given_data.first_order_indices`).

    Parameters
    ----------
    x : DataFrame or ndarray
        Any sample of the inputs.
    y : array_like
        Outcome per row.
    spec : dict, optional
        SALib problem (default: from the registry for the DataFrame's varying columns).
    num_resamples, conf_level : int, float
        Bootstrap settings.
    rng : int, numpy.random.Generator or None
        Random state of the bootstrap (default 0). The estimator draws from numpy's global
        random state, as SALib's delta module does; it is seeded for the call and restored
        afterwards.

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter: ``S1``, ``S1_conf``, sorted by ``S1`` descending.
    """
    from techbloc.analysis.given_data import first_order_indices

    spec = _problem_for(x, spec)
    values = _values(x, spec)
    y = _outputs(y, len(values))
    seed = library_seed(rng)
    state = np.random.get_state()
    try:
        s1, s1_conf = first_order_indices(
            values, y, num_resamples=num_resamples, conf_level=conf_level, seed=seed
        )
    finally:
        np.random.set_state(state)
    table = pd.DataFrame(
        {"S1": s1, "S1_conf": s1_conf}, index=pd.Index(spec["names"], name="parameter")
    )
    return table.sort_values("S1", ascending=False)


Method = Literal["auto", "sobol", "morris", "given_data"]


def method_for(design: str | None) -> Method:
    """The sensitivity method a design supports: ``sobol`` for a Saltelli/Sobol design,
    ``morris`` for a Morris design, ``given_data`` for any other (or an unknown) one."""
    kind = (design or "").lower()
    if kind in ("saltelli", "sobol"):
        return "sobol"
    return "morris" if kind == "morris" else "given_data"


def sensitivity(
    scenarios: pd.DataFrame,
    outcomes: Any,
    outcome: str,
    *,
    policy: str | None = None,
    method: Method = "sobol",
    design: str | None = None,
    parameters: Sequence[str] | None = None,
    spec: dict[str, Any] | None = None,
    rng: RandomState = 0,
    levels: int = 4,
) -> pd.DataFrame:
    """Sensitivity of one scalar outcome of one policy to the varied parameters.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        Scenario inputs indexed by scenario id, in design order.
    outcomes : DataFrame or Dataset
        Outcomes per ``(scenario, policy)``.
    outcome : str
        Outcome column, e.g. ``"alliance_rd_share"``.
    policy : str, optional
        Needed when the outcomes hold several policies.
    method : {"sobol", "morris", "given_data", "auto"}
        ``auto``: the method ``design`` supports (:func:`method_for`).
    design : str, optional
        Design type recorded by the store (``"saltelli"``, ``"sobol"``, ``"morris"``,
        ``"lhs"``, ...); when given, a mismatch with ``method`` raises a clear error
        before any computing. The row layout is always checked.
    parameters : sequence of str, optional
        Parameters the design varied (e.g. ``store.study.varied()``); default: the
        columns of ``scenarios`` that are registry parameters and vary (scenario
        descriptors such as ``transactional_years`` are left out).
    spec : dict, optional
        A SALib problem (``names``, ``bounds``, ``num_vars``) for inputs of your own that
        are not registry parameters; replaces ``parameters``. Names are then given no
        unit or description.
    rng : int, numpy.random.Generator or None
        Random state of the bootstrap (default 0).
    levels : int
        Grid levels of a Morris design (the study's ``design.levels``).

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter, with each parameter's ``unit`` and ``description`` appended.
    """
    table = select_policy(outcome_table(outcomes), policy)
    if outcome not in table.columns:
        raise InputError(
            f"unknown outcome '{outcome}'; known: {', '.join(map(str, table.columns))}"
        )
    scenarios = scenarios.sort_index()
    y = table[outcome].reindex(scenarios.index)
    if y.isna().any():
        raise InputError(
            f"{int(y.isna().sum())} scenarios lack '{outcome}' for this policy; "
            "finish the study first"
        )
    from techbloc.params import get_parameter, parameter_names

    known = set(parameter_names())
    if spec is None:
        if parameters is None:
            parameters = [c for c in scenarios.columns if c in known and scenarios[c].nunique() > 1]
        if not parameters:
            raise InputError(
                "no registry parameter varies across these scenarios; for inputs of your "
                "own, pass spec= (a SALib problem dict)"
            )
        spec = problem(parameters)
    elif parameters is not None:
        raise InputError("give the inputs by parameters or by spec, not both")
    kind = (design or "").lower()
    if method == "auto":
        method = method_for(design)
    if method == "sobol":
        if design is not None and kind not in ("saltelli", "sobol"):
            raise InputError(
                f"Sobol indices need a Saltelli/Sobol design, but this study used '{design}'; "
                "re-run it with a Sobol design, or use --method given_data (first-order "
                "indices from any design)"
            )
        result = sobol_indices(y.to_numpy(), spec, x=scenarios, rng=rng)
    elif method == "morris":
        if design is not None and kind != "morris":
            raise InputError(
                f"Morris screening needs a Morris design, but this study used '{design}'"
            )
        result = morris_indices(scenarios, y.to_numpy(), spec, num_levels=levels, rng=rng)
    elif method == "given_data":
        result = given_data_indices(scenarios, y.to_numpy(), spec, rng=rng)
    else:
        raise InputError(f"unknown method {method!r}; use sobol, morris, given_data or auto")
    result["unit"] = [get_parameter(n).unit if n in known else "" for n in result.index]
    result["description"] = [
        get_parameter(n).description if n in known else "" for n in result.index
    ]
    return result
