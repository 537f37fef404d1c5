"""The labelled front door of the model: :func:`simulate` returns an :class:`xarray.Dataset`.

It reads a :class:`~techbloc.world.World`, a table of scenarios and a list of
:class:`~techbloc.policies.Policy` objects, runs the batch engine
(:func:`~techbloc.model.engine.run_model`) once and labels its arrays.
:func:`simulate_arrays` runs the same and returns the engine's arrays with their
coordinates (:class:`ModelArrays`), named and dimensioned as the Dataset's variables
(:func:`labelled_variables`) but without building it: the runner stores a study's chunks
from them. :func:`simulate_scalars` returns only the scalar outcomes, as a pandas table.
Neither imports xarray (which imports dask when it is installed): a quick evaluation from
the command line starts about half a second sooner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from techbloc.errors import InputError
from techbloc.model.engine import DEFAULT_END_YEAR, DEFAULT_START_YEAR, PolicyBatch, run_model
from techbloc.model.inputs import prepare_inputs
from techbloc.model.outputs import DEPRECATED_ALIASES, output
from techbloc.model.scenarios import scenario_arrays
from techbloc.params import DOMAINS
from techbloc.policies import Policy
from techbloc.years import check_years

if TYPE_CHECKING:
    import xarray as xr

    from techbloc.world import World

__all__ = [
    "ModelArrays",
    "labelled_variables",
    "scalar_frame",
    "simulate",
    "simulate_arrays",
    "simulate_scalars",
    "to_dataset",
]

#: A variable of the run: its dimension names and its values.
Variable = tuple[tuple[str, ...], NDArray[Any]]


class ModelArrays(NamedTuple):
    """One run of the engine: its arrays (:func:`~techbloc.model.engine.run_model`) and labels.

    What :func:`simulate` labels as a Dataset (``to_dataset(*arrays, seed=...)``);
    :meth:`variables` names them and gives their dims as the Dataset does, and
    :attr:`coords` the labels of each dim.

    Attributes
    ----------
    result : dict of str to ndarray
        The engine's output arrays, by its names (``traj_`` prefix for trajectories).
    scenario_ids : ndarray of int64
    policy_names : list of str
    years : ndarray of int
    codes : list of str
        The countries' ISO3 codes (dimension ``country``).
    """

    result: dict[str, NDArray[np.float64 | np.bool_]]
    scenario_ids: NDArray[np.int64]
    policy_names: list[str]
    years: NDArray[np.int_]
    codes: list[str]

    @property
    def coords(self) -> dict[str, Any]:
        """The labels of each dimension: ``scenario``, ``policy``, ``year``, ``domain``,
        ``country``."""
        return {
            "scenario": np.asarray(self.scenario_ids),
            "policy": list(self.policy_names),
            "year": self.years,
            "domain": [d.name for d in DOMAINS],
            "country": list(self.codes),
        }

    def variables(self) -> dict[str, Variable]:
        """The Dataset's variables, in its order: name to ``(dims, values)``
        (:func:`labelled_variables`)."""
        return labelled_variables(self.result)


def simulate(
    world: World,
    scenarios: pd.DataFrame,
    policies: Sequence[Policy],
    *,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
    seed: int = 0,
    trajectories: bool = True,
    check_ranges: bool = True,
) -> xr.Dataset:
    """Run a batch of scenarios × policies on ``world`` in one vectorized call.

    Parameters
    ----------
    world : World
        Countries and their inputs (:func:`techbloc.world.load_world`).
    scenarios : DataFrame
        One row per scenario; the index holds global integer scenario ids, the columns
        any registered parameters. Missing columns take their defaults, so a bare index
        (``pd.DataFrame(index=range(200))``) runs 200 copies of the default parameters
        that differ only in their seeded random draws (US elections, exits); to draw
        futures over the parameters' ranges, use ``techbloc.sample_futures(n, seed=...)``.
    policies : sequence of Policy
    start_year, end_year : int
        First and last simulated year (inclusive). Any start year from 2010
        (:data:`techbloc.years.EARLIEST_START_YEAR`) runs on observed history: GERD and GDP
        observed up to each country's data year (NCSES SRD-1), the US administrations as
        they were, the status-quo export controls by year, China's semiconductor
        self-sufficiency of that year (:mod:`techbloc.model.history`). An earlier start year
        raises :class:`~techbloc.errors.InputError`.
    seed : int
        Root seed; scenario ``i`` draws from ``SeedSequence([seed, i])``.
    trajectories : bool
        Also return yearly values (dimension ``year``).
    check_ranges : bool
        Reject parameter values outside their registered ranges.

    Returns
    -------
    xarray.Dataset
        Dimensions ``scenario``, ``policy``, ``year``, ``domain``, ``country``.
        End-of-horizon scalar outcomes have dims exactly ``(scenario, policy)``;
        scenario descriptors ``(scenario,)``; trajectories carry ``year``.

    Notes
    -----
    **Hindcast.** Run from 2010 to the last observed year and compare the trajectories
    with what happened; give the groups that existed as coalitions with no pool (pool
    share 0) so that exits can be counted::

        from techbloc import Coalition, Policy, load_world, sample_futures, simulate
        from techbloc.bundle import read_bundle
        from techbloc.countries import candidates

        table = read_bundle()["memberships"]  # group, iso3, joined_year
        def members(group, year=2010):  # candidates in the group that year (Wassenaar:
            # no accession years recorded, every participating state counted)
            rows = table[(table.group == group) & (table.joined_year.fillna(0) <= year)]
            codes = [c for c in rows.iso3 if c in candidates()]
            return Coalition(tuple(codes), name=group)  # the USA is always a member
        groups = [Policy(members(g), pool_share=0.0)
                  for g in ("NATO", "EU", "FIVE_EYES", "WASSENAAR")]
        ds = simulate(load_world(), sample_futures(500, seed=1), groups,
                      start_year=2010, end_year=2023)

    A group's ``control_stringency`` (default 0.5) applies from the start year; the dated
    status-quo path (0.15 until 2018, ...) applies to the status-quo reference policy and to
    a policy before its ``start_year`` (so a US-only policy whose ``start_year`` is after
    ``end_year`` is the observed status quo throughout).

    By year (dimension ``year``): ``china_knowledge_share_trajectory`` (China's share of
    the modelled countries' knowledge stocks), ``china_rd_share_trajectory`` (China's
    share of world GERD), ``rd_ratio_china_us_trajectory``,
    ``china_self_sufficiency_by_domain_trajectory`` (semiconductors first),
    ``credibility`` and ``institutional_credibility`` (per scenario), ``engaged``, and
    ``members_remaining_trajectory`` (members left in each group after exits; the
    start-year count minus it is the number lost).

    Examples
    --------
    >>> import pandas as pd
    >>> from techbloc import load_world, Coalition, Policy, simulate
    >>> world = load_world()
    >>> policy = Policy(Coalition.from_preset("forging_core"))
    >>> ds = simulate(world, pd.DataFrame(index=range(4)), [policy], end_year=2030)
    >>> float(ds.alliance_rd_share.sel(policy=policy.label).median()) > 0.3
    True
    """

    run = simulate_arrays(
        world,
        scenarios,
        policies,
        start_year=start_year,
        end_year=end_year,
        seed=seed,
        trajectories=trajectories,
        check_ranges=check_ranges,
    )
    return to_dataset(*run, seed=seed)


def simulate_arrays(
    world: World,
    scenarios: pd.DataFrame,
    policies: Sequence[Policy],
    *,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
    seed: int = 0,
    trajectories: bool = True,
    check_ranges: bool = True,
) -> ModelArrays:
    """Run :func:`simulate`'s batch and return the engine's arrays with their labels.

    Parameters as in :func:`simulate`, which labels what this returns as a Dataset
    (``to_dataset(*arrays, seed=seed)``). No xarray: for callers that turn the arrays into
    tables themselves (the runner's chunks).

    Returns
    -------
    ModelArrays
    """
    check_years(start_year, end_year)
    if not policies:
        raise InputError("at least one policy is needed")
    names = [p.label for p in policies]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"policy names must be unique; repeated: {', '.join(duplicated)}")
    inputs = prepare_inputs(world)
    years = np.arange(start_year, end_year + 1)
    batch = PolicyBatch.from_policies(world, policies, inputs, start_year)
    arrays = scenario_arrays(
        scenarios, seed=seed, n_years=len(years), n_countries=inputs.n, check_ranges=check_ranges
    )
    result = run_model(inputs, arrays, batch, years, trajectories=trajectories)
    return ModelArrays(result, arrays.ids, list(batch.names), years, list(inputs.codes))


def simulate_scalars(
    world: World,
    scenarios: pd.DataFrame,
    policies: Sequence[Policy],
    *,
    start_year: int = DEFAULT_START_YEAR,
    end_year: int = DEFAULT_END_YEAR,
    seed: int = 0,
    check_ranges: bool = True,
) -> pd.DataFrame:
    """The scalar outcomes of :func:`simulate`, as a table, without xarray.

    Parameters as in :func:`simulate` (no trajectories).

    Returns
    -------
    pandas.DataFrame
        What ``outcome_table(simulate(..., trajectories=False))`` returns: index
        ``(scenario, policy)``, sorted; one column per scalar outcome (deprecated aliases
        included), in the dataset's order.
    """
    run = simulate_arrays(
        world,
        scenarios,
        policies,
        start_year=start_year,
        end_year=end_year,
        seed=seed,
        trajectories=False,
        check_ranges=check_ranges,
    )
    return scalar_frame(run.result, run.scenario_ids, run.policy_names)


def scalar_frame(
    result: dict[str, NDArray[np.float64 | np.bool_]],
    scenario_ids: NDArray[np.int64],
    policy_names: Sequence[str],
) -> pd.DataFrame:
    """The ``(S, P)`` arrays of :func:`~techbloc.model.engine.run_model` as a wide table.

    Index ``(scenario, policy)``, sorted; columns in the order :func:`to_dataset` gives the
    variables, deprecated aliases last (as :func:`techbloc.analysis.outcome_table` of the
    dataset).
    """
    columns = {
        name: value
        for name, value in result.items()
        if not name.startswith("traj_") and value.ndim == 2
    }
    for alias, target in DEPRECATED_ALIASES.items():
        if target in columns:
            columns[alias] = columns[target]
    index = pd.MultiIndex.from_product(
        [np.asarray(scenario_ids), list(policy_names)], names=["scenario", "policy"]
    )
    frame = pd.DataFrame({name: value.reshape(-1) for name, value in columns.items()}, index=index)
    return frame.sort_index()


def labelled_variables(
    result: dict[str, NDArray[np.float64 | np.bool_]],
) -> dict[str, Variable]:
    """Name the arrays of :func:`~techbloc.model.engine.run_model` and give their dims.

    The one naming of the engine's arrays, shared by :func:`to_dataset` and the runner's
    chunks: ``traj_x`` is ``x_trajectory`` with dims ``(scenario, policy, year[, domain])``,
    or ``x`` with dims ``(scenario, year)`` for a per-scenario trajectory; other arrays are
    scenario descriptors ``(scenario,)``, scalar outcomes ``(scenario, policy)``, or per
    domain (``_by_domain``) or per country. The deprecated aliases
    (:data:`~techbloc.model.outputs.DEPRECATED_ALIASES`) come last, each repeating its
    target's values.

    Returns
    -------
    dict of str to (dims, ndarray)
        In the engine's order, then the aliases.
    """
    data: dict[str, Variable] = {}
    for name, value in result.items():
        if name.startswith("traj_"):
            base = name[len("traj_") :]
            if value.ndim == 2:  # (S, T) scenario trajectories
                data[base] = (("scenario", "year"), value)
                continue
            dims = ("scenario", "policy", "year", "domain")[: value.ndim]
            data[f"{base}_trajectory"] = (dims, value)
        elif value.ndim == 1:
            data[name] = (("scenario",), value)
        elif value.ndim == 2:
            data[name] = (("scenario", "policy"), value)
        elif name.endswith("_by_domain"):
            data[name] = (("scenario", "policy", "domain"), value)
        else:
            data[name] = (("scenario", "policy", "country"), value)
    for alias, target in DEPRECATED_ALIASES.items():
        if target in data:
            data[alias] = data[target]
    return data


def to_dataset(
    result: dict[str, NDArray[np.float64 | np.bool_]],
    scenario_ids: NDArray[np.int64],
    policy_names: Sequence[str],
    years: NDArray[np.int_],
    codes: Sequence[str],
    *,
    seed: int | None = None,
    study_hash: str | None = None,
) -> xr.Dataset:
    """Label the arrays of :func:`~techbloc.model.engine.run_model` as an :class:`xarray.Dataset`.

    Variables as :func:`labelled_variables` names them. Every variable carries ``units`` and
    ``description`` from :data:`~techbloc.model.outputs.OUTPUTS`; ``ds.attrs`` holds the
    root seed, the techbloc version, the study hash (when run from a study) and the first
    and last year.
    """
    import xarray as xr

    from techbloc import __version__

    run = ModelArrays(result, scenario_ids, list(policy_names), years, list(codes))
    data: dict[str, tuple[tuple[str, ...], NDArray[Any], dict[str, str]]] = {}
    for name, (dims, value) in run.variables().items():
        target = DEPRECATED_ALIASES.get(name)
        if target is not None and target in data:
            meta = data[target][2]
            attrs = {
                "units": meta["units"],
                "description": f"Deprecated alias of {target}; " + meta["description"],
            }
        else:
            base = name.removesuffix("_trajectory")
            info = output(base)
            yearly = " (each year)" if name != base else ""
            attrs = {"units": info.unit, "description": info.description + yearly}
        data[name] = (dims, value, attrs)
    ds = xr.Dataset(data, coords=run.coords)
    ds.attrs.update(
        techbloc_version=__version__,
        seed=-1 if seed is None else int(seed),
        study_hash=study_hash or "",
        start_year=int(years[0]),
        end_year=int(years[-1]),
    )
    return ds
