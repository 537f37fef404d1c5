"""What the report reads from a results store, and the role each policy plays in it.

:func:`read_store` loads the scalar outcomes, scenario inputs and descriptors, and the
arrays the per-question sections need (per-country outputs, China-vs-status-quo paths,
per-domain gaps, credibility paths), which are read a slice or a statistic at a time.
:func:`policy_roles` finds, in any study, the policies each question compares: the
coalition presets, the core coalition and its South Korea variant, capacity building off/on
pairs, and the control-stringency ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from techbloc.errors import DataError, StoreError
from techbloc.report.arrays import StoredArrays

if TYPE_CHECKING:
    import pandas as pd

    from techbloc.experiments.study import PolicySpec, Study

__all__ = ["Roles", "StoreData", "policy_roles", "read_store"]

#: The coalition the per-question experiments are built on, when the study has it.
CORE = "forging_core"
#: Per-country outputs read for the policies the questions look at.
COUNTRY_ARRAYS = (
    "will",
    "protection",
    "leakage_to_china_by_country",
    "accepted",
    "joining_gain",
    "member",
)


@dataclass(frozen=True)
class Roles:
    """The policies each question compares (labels; ``None`` or empty when absent).

    Attributes
    ----------
    presets : list of str
        Policies that are a shipped preset at default levers.
    core : str
        The core coalition (``forging_core`` if present, else the first policy).
    kor : str or None
        The core plus South Korea, at the core's levers.
    capacity : list of (partner, off, on)
        The core plus one partner, capacity building for it off and on.
    ladder : list of (stringency, policy)
        The core's members at several uniform control stringencies, ascending.
    widest : str
        The policy with the most members.
    members : dict
        Members of every policy.
    """

    presets: list[str]
    core: str
    kor: str | None
    capacity: list[tuple[str, str, str]]
    ladder: list[tuple[float, str]]
    widest: str
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _members(spec: PolicySpec, study: Study) -> tuple[str, ...]:
    try:
        return tuple(spec.to_policy(study.world.presets).coalition.members)
    except Exception:  # a presets file gone missing must not stop the report
        return tuple(spec.members or [])


def _levers(spec: PolicySpec) -> tuple[Any, ...]:
    stringency = spec.control_stringency
    return (
        spec.pool_share,
        tuple(sorted(stringency.items())) if isinstance(stringency, dict) else stringency,
        tuple(sorted(spec.capacity_building.items())),
        spec.start_year,
    )


def policy_roles(study: Study, policies: list[str]) -> Roles:
    """The role of each policy of ``study`` (only labels in ``policies`` count).

    Parameters
    ----------
    study : Study
    policies : list of str
        Policies with results, in display order.

    Returns
    -------
    Roles
    """
    from techbloc.params import LEVERS

    default_pool, default_stringency = (lever.default for lever in LEVERS[:2])
    specs = {s.label: s for s in study.policies if s.label in policies}
    members = {label: _members(spec, study) for label, spec in specs.items()}
    plain = (default_pool, default_stringency, (), None)
    presets = [p for p in policies if specs[p].preset and _levers(specs[p]) == plain]
    core = CORE if CORE in specs else policies[0]
    core_set = set(members[core])
    core_levers = _levers(specs[core])
    kor = next(
        (
            p
            for p in policies
            if set(members[p]) == core_set | {"KOR"}
            and "KOR" not in core_set
            and _levers(specs[p]) == core_levers
        ),
        None,
    )
    capacity = []
    for label, spec in specs.items():
        if len(spec.capacity_building) != 1:
            continue
        (partner,) = spec.capacity_building
        twin = next(
            (
                p
                for p, s in specs.items()
                if not s.capacity_building
                and set(members[p]) == set(members[label])
                and (s.pool_share, s.control_stringency)
                == (spec.pool_share, spec.control_stringency)
            ),
            None,
        )
        if twin is not None:
            capacity.append((partner, twin, label))
    ladder = sorted(
        (float(s.control_stringency), p)
        for p, s in specs.items()
        if set(members[p]) == core_set
        and not s.capacity_building
        and isinstance(s.control_stringency, float)
        and s.pool_share == specs[core].pool_share
        and s.start_year == specs[core].start_year
    )
    widest = max(policies, key=lambda p: len(members[p]))
    return Roles(
        presets or list(policies),
        core,
        kor,
        capacity,
        ladder if len(ladder) > 1 else [],
        widest,
        members,
    )


@dataclass(frozen=True)
class StoreData:
    """Everything the report reads from a store.

    Attributes
    ----------
    manifest, study, scenarios, outcomes
        As in :class:`techbloc.experiments.ResultsStore`.
    policies : list of str
        Policies with results, in study order.
    roles : Roles
    credibility : StoredArrays or None
        ``credibility`` by scenario and year, when trajectories were stored.
    countries : StoredArrays or None
        The per-country outputs (:data:`COUNTRY_ARRAYS`) of the questions' policies.
    china_paths : StoredArrays or None
        ``china_knowledge_vs_status_quo_trajectory`` by scenario, policy and year.
    domain_gap : StoredArrays or None
        ``gap_capability_by_domain`` by scenario, policy and domain.

    The arrays are read a slice or a statistic at a time (:class:`StoredArrays`): a large
    study's would not fit in memory whole.
    seconds : float
        Engine time of the finished chunks.
    directory : Path, optional
        The store's directory (sections that read beside it, e.g. the history match).
    sampled_from : int
        When this is a sample of the study's futures (:meth:`sample`), how many futures the
        study has; 0 otherwise.
    """

    manifest: dict[str, Any]
    study: Study
    scenarios: pd.DataFrame
    outcomes: pd.DataFrame
    policies: list[str]
    roles: Roles
    credibility: StoredArrays | None
    countries: StoredArrays | None
    china_paths: StoredArrays | None
    domain_gap: StoredArrays | None
    seconds: float
    directory: Path | None = None
    sampled_from: int = 0

    @property
    def seed(self) -> int:
        """The study's root seed (0 when the manifest has none): the report's bootstraps
        are seeded with it."""
        return int(self.manifest.get("seed") or 0)

    def sample(self, size: int) -> StoreData:
        """A random ``size`` of the futures, drawn with the study's seed: their scenarios,
        outcomes and arrays alone. ``self`` when ``size`` is 0 or not fewer than the study's
        futures."""
        import numpy as np

        n = len(self.scenarios)
        if size <= 0 or size >= n:
            return self
        rng = np.random.default_rng(self.seed)
        ids = np.sort(rng.choice(self.scenarios.index.to_numpy(), size=size, replace=False))

        def only(arrays: StoredArrays | None) -> StoredArrays | None:
            return None if arrays is None else arrays.restricted(ids.tolist())

        return replace(
            self,
            scenarios=self.scenarios.loc[ids],
            outcomes=self.outcomes[self.outcomes["scenario"].isin(ids)],
            credibility=only(self.credibility),
            countries=only(self.countries),
            china_paths=only(self.china_paths),
            domain_gap=only(self.domain_gap),
            sampled_from=n,
        )

    def country(self, policy: str, country: str, column: str) -> pd.Series:
        """One country's per-country output ``column`` under ``policy``, a float per future
        indexed by scenario (:meth:`StoredArrays.series`).

        Raises
        ------
        DataError
            If the store holds no per-country outputs.
        """
        if self.countries is None:
            raise DataError("the store holds no per-country outputs")
        return self.countries.series(policy, country, column)


def _fan_policies(roles: Roles) -> list[str]:
    wanted = [roles.core, roles.kor, roles.widest, *(p for _, p in roles.ladder)]
    return list(dict.fromkeys(p for p in wanted if p))


def read_store(store_dir: Path) -> StoreData:
    """Read a results store for the report.

    Raises
    ------
    StoreError
        If the store holds no results.
    """
    from techbloc.experiments.store import ResultsStore

    with ResultsStore.open(store_dir) as store:
        manifest = store.manifest
        study = store.study
        scenarios = store.scenarios()
        outcomes = store.outcomes()
        if outcomes.empty:
            raise StoreError(
                f"{store_dir}: the store holds no results yet; run the study "
                "first (`techbloc explore`)"
            )
        have = set(outcomes["policy"])
        policies = [p for p in manifest.get("policies", []) if p in have] or list(
            dict.fromkeys(outcomes["policy"])
        )
        roles = policy_roles(study, policies)
        arrays = store.array_variables()

        def read(names: Sequence[str], dims: list[str], policies: Sequence[str | None] = ()):
            if any(arrays.get(n) != dims for n in names):
                return None
            wanted = [p for p in dict.fromkeys(policies) if p]
            return StoredArrays(store.array_files(dims), dims, names, wanted)

        credibility = read(["credibility"], ["scenario", "year"])
        countries = read(
            COUNTRY_ARRAYS,
            ["scenario", "policy", "country"],
            [roles.core, roles.kor, roles.widest, *(p for c in roles.capacity for p in c[1:])],
        )
        china_paths = read(
            ["china_knowledge_vs_status_quo_trajectory"],
            ["scenario", "policy", "year"],
            _fan_policies(roles),
        )
        domain_gap = read(
            ["gap_capability_by_domain"], ["scenario", "policy", "domain"], roles.presets
        )
        seconds = float(
            store._con.execute("SELECT coalesce(sum(seconds), 0) FROM chunks").fetchone()[0]
        )
    return StoreData(
        manifest,
        study,
        scenarios,
        outcomes,
        policies,
        roles,
        credibility,
        countries,
        china_paths,
        domain_gap,
        seconds,
        store_dir,
    )
