"""Run the model over 2010–2023 and read the targets' model values.

The interface history matching needs is small: a function that takes a table of futures
(one row per future, one column per parameter) and returns one column per target, the
model's value after the target's transformation (:data:`Evaluate`). Two implementations:

- :class:`InProcessHistory`: :func:`techbloc.simulate` over the futures, in-process (used by
  ``techbloc hindcast`` and by tests);
- :class:`StudyHistory`: each wave a study (table design) on the study runner, so it is
  chunked, resumable and can use local processes or a Dask cluster (``techbloc calibrate``).

Both run the same policies: ``status_quo`` (US-only controls at the default stringency, no
pool: the policy the record was made under) and, for membership targets, each group as a
coalition with no pool (``group:<NAME>``), from :data:`HISTORY_START` to :data:`HISTORY_END`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from techbloc.calibration.targets import HISTORY_END, HISTORY_START, output_spec
from techbloc.errors import InputError

if TYPE_CHECKING:
    import xarray as xr

    from techbloc.experiments.study import Study
    from techbloc.world import World

__all__ = [
    "Evaluate",
    "InProcessHistory",
    "StudyHistory",
    "history_policy_specs",
    "target_values",
]

#: ``evaluate(futures, wave) -> predictions``: one row per future (same index), one column
#: per target (the transformed model value).
Evaluate = Callable[[pd.DataFrame, int], pd.DataFrame]


def history_policy_specs(targets: pd.DataFrame) -> list[dict]:
    """The policies the targets read, as study policy mappings (``status_quo`` first).

    ``status_quo`` is the USA alone with no pool, starting in the last year at today's
    status-quo stringency: before its start the engine applies the status quo of each year
    (``techbloc.model.history.status_quo_stringency_path``: the Entity List, the foreign
    direct product rule and the October 2022 rules), so the whole run follows the controls
    the record was made under. A ``group:<NAME>`` policy is the group's members from 2010
    with no pool, at the status quo's 2010 stringency (the level before 2019's rules, in
    force for most of 2010–2023): a policy has one stringency, not a path.
    """
    from techbloc.model.history import STATUS_QUO_STRINGENCY, status_quo_stringency_path

    start_level = float(status_quo_stringency_path(np.array([HISTORY_START]))[0])
    specs = [
        dict(
            name="status_quo",
            members=["USA"],
            pool_share=0.0,
            control_stringency=STATUS_QUO_STRINGENCY,
            start_year=HISTORY_END,
        )
    ]
    seen = {"status_quo"}
    for policy, members in zip(targets["policy"], targets["members"], strict=True):
        if not policy.startswith("group:") or policy in seen:
            continue
        seen.add(policy)
        specs.append(
            dict(
                name=policy,
                members=[m for m in members.split(";") if m],
                pool_share=0.0,
                control_stringency=start_level,
            )
        )
    return specs


def _series(data: Mapping[str, xr.DataArray], row: pd.Series) -> xr.DataArray:
    spec = output_spec(row)
    name = spec.output if spec.per_scenario else f"{spec.output}_trajectory"
    if name not in data:
        raise InputError(f"target {row.name}: the model run has no {name}")
    values = data[name]
    if not spec.per_scenario:
        values = values.sel(policy=spec.policy)
    if spec.domain:
        values = values.sel(domain=spec.domain)
    return values


def target_values(data: Mapping[str, xr.DataArray], targets: pd.DataFrame) -> pd.DataFrame:
    """Apply each target's transformation to a run's yearly outputs.

    Parameters
    ----------
    data : mapping of name to xarray.DataArray
        ``<output>_trajectory`` arrays with dims ``scenario, policy, year[, domain]`` and the
        per-scenario ``credibility`` (``scenario, year``), as :func:`techbloc.simulate`
        returns them with ``trajectories=True``.
    targets : DataFrame
        From :func:`~techbloc.calibration.targets.load_targets`.

    Returns
    -------
    pandas.DataFrame
        Index ``scenario``, one column per target.
    """
    columns = {}
    for name, row in targets.iterrows():
        values = _series(data, row)
        now = values.sel(year=int(row["year"])).to_numpy().astype(float)
        transform = row["transform"]
        if transform != "level":
            base = values.sel(year=int(row["base_year"])).to_numpy().astype(float)
        if transform == "level":
            value = now
        elif transform == "log_ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.log(now / base)
        elif transform == "ratio":
            with np.errstate(divide="ignore", invalid="ignore"):
                value = now / base
        else:  # loss
            value = base - now
        columns[name] = value
    index = pd.Index(np.asarray(next(iter(data.values()))["scenario"]), name="scenario")
    return pd.DataFrame(columns, index=index)


class InProcessHistory:
    """Run the model over 2010–2023 in this process (:data:`Evaluate`).

    Parameters
    ----------
    world : World
    targets : DataFrame
    seed : int
        Root seed; wave ``w`` runs with seed ``seed + w`` (its futures' random streams).
    batch : int
        Futures per :func:`techbloc.simulate` call (bounds memory).
    """

    def __init__(self, world: World, targets: pd.DataFrame, seed: int = 0, batch: int = 500):
        from techbloc.experiments.study import PolicySpec

        self.world, self.targets, self.seed, self.batch = world, targets, seed, batch
        self.policies = [PolicySpec(**s).to_policy() for s in history_policy_specs(targets)]
        self.last_run: xr.Dataset | None = None

    def run(self, futures: pd.DataFrame, wave: int = 0) -> xr.Dataset:
        """The model's yearly outputs for ``futures`` (an :class:`xarray.Dataset`)."""
        import xarray as xr

        from techbloc.model.dataset import simulate

        parts = []
        for start in range(0, len(futures), self.batch):
            parts.append(
                simulate(
                    self.world,
                    futures.iloc[start : start + self.batch],
                    self.policies,
                    start_year=HISTORY_START,
                    end_year=HISTORY_END,
                    seed=self.seed + wave,
                    trajectories=True,
                )
            )
        return parts[0] if len(parts) == 1 else xr.concat(parts, dim="scenario")

    def __call__(self, futures: pd.DataFrame, wave: int = 0) -> pd.DataFrame:
        ds = self.run(futures, wave)
        self.last_run = ds
        data = {str(k): ds[k] for k in ds.data_vars}
        return target_values(data, self.targets)


class StudyHistory:
    """Run each wave as a study on the study runner (:data:`Evaluate`).

    Wave ``w`` writes its design to ``out/wave-<w>/design.csv`` and its results store to
    ``out/wave-<w>/store``; running again resumes it (finished chunks are skipped).

    Parameters
    ----------
    out : path
        Directory of the calibration run.
    targets : DataFrame
    seed : int
        Root seed; wave ``w``'s study has seed ``seed + w``.
    executor, workers, scheduler, chunk_size
        As :func:`techbloc.experiments.run_study`.
    progress : bool
        Show the runner's progress bar.
    """

    def __init__(
        self,
        out: str | Path,
        targets: pd.DataFrame,
        seed: int = 0,
        *,
        executor: str = "local",
        workers: int | None = None,
        scheduler: str | None = None,
        chunk_size: int | None = None,
        progress: bool = False,
    ) -> None:
        self.out, self.targets, self.seed = Path(out), targets, seed
        self.options = dict(
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            chunk_size=chunk_size,
            progress=progress,
        )

    def study(self, futures: pd.DataFrame, wave: int) -> Study:
        """The study of one wave (its design table written next to its store)."""
        from techbloc.experiments.study import Study

        folder = self.out / f"wave-{wave}"
        folder.mkdir(parents=True, exist_ok=True)
        table = folder / "design.csv"
        frame = futures.reset_index(drop=True)
        frame.index.name = "scenario"
        text = frame.to_csv(lineterminator="\n", float_format="%.17g")
        if not table.exists() or table.read_text() != text:
            table.write_text(text)
        return Study(
            name=f"calibration wave {wave}",
            policies=history_policy_specs(self.targets),
            design={"method": "table", "table": str(table)},
            years={"start": HISTORY_START, "end": HISTORY_END},
            seed=self.seed + wave,
            outputs={"trajectories": True},
        )

    def __call__(self, futures: pd.DataFrame, wave: int = 0) -> pd.DataFrame:
        from techbloc.experiments.runner import run_study
        from techbloc.experiments.store import ResultsStore

        study = self.study(futures, wave)
        store_dir = self.out / f"wave-{wave}" / "store"
        run_study(study, store_dir, echo=lambda _: None, **self.options)  # type: ignore[arg-type]
        with ResultsStore.open(store_dir) as store:
            data = _store_arrays(store, self.targets)
        values = target_values(data, self.targets)
        values.index = futures.index
        return values


def _store_arrays(store, targets: pd.DataFrame) -> dict[str, xr.DataArray]:
    """The arrays the targets read, from a results store, as labelled arrays."""
    wanted: dict[str, str] = {}
    known = store.array_variables()
    for _, row in targets.iterrows():
        spec = output_spec(row)
        name = spec.output if spec.per_scenario else f"{spec.output}_trajectory"
        if name not in known:
            raise InputError(f"target {row.name}: the store has no {name}")
        wanted[name] = "-".join(known[name])
    data: dict[str, xr.DataArray] = {}
    for dims in sorted(set(wanted.values())):
        names = sorted(n for n, d in wanted.items() if d == dims)
        table = store.trajectories(names)
        keys = dims.split("-")
        indexed = table.set_index(keys)
        for name in names:
            data[name] = indexed[name].to_xarray()
    return data
