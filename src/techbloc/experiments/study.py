"""A study: which world, which policies, which futures, which outputs.

A study is written in YAML and loaded with :meth:`Study.from_yaml`, or built in Python
(``Study(policies=[...], scenarios=1000)``). Either way it is validated completely before
anything runs: unknown keys, bad types, unknown parameters, out-of-range values, unknown
presets and impossible sizes are reported with the file, the key, the line (for YAML) and
the reason, as a :class:`techbloc.errors.InputError`.

The keys are pydantic models (:mod:`techbloc.experiments.study_specs`), the checks across
keys are in :mod:`techbloc.experiments.study_checks` and the design's in its method's
object (:mod:`techbloc.experiments.design_methods`); errors are formatted with their YAML
line by :mod:`techbloc.experiments.study_errors`.

Example
-------
.. code-block:: yaml

    name: core-vs-korea
    world:
      overrides: [my_countries.csv]      # paths relative to this file
    policies:
      - preset: forging_core
      - preset: forging_core+KOR
        pool_share: 0.1
      - name: chips
        members: [USA, JPN, KOR, TWN]
        control_stringency: {semiconductors: 0.9}
        capacity_building: {KOR: 0.5}
        start_year: 2026
    design: lhs                          # or {method: sobol, second_order: true} ...
    scenarios: 1000
    vary: [denial, indigenization]       # default: every uncertain parameter
    set: {exit_probability: 0.1}         # held fixed
    years: {start: 2024, end: 2050}
    seed: 42
    outputs: {trajectories: false}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, PrivateAttr, ValidationError, field_validator

from techbloc.errors import InputError
from techbloc.experiments.design_base import DesignRequest, DesignSampler
from techbloc.experiments.study_checks import study_problems
from techbloc.experiments.study_errors import Loc, Problem, format_problems, pydantic_problems
from techbloc.experiments.study_specs import (
    DesignSpec,
    OutputsSpec,
    PolicySpec,
    WorldSpec,
    YearsSpec,
    _Spec,
)

if TYPE_CHECKING:
    import pandas as pd

    from techbloc import world as world_module
    from techbloc.policies import Policy

    World = world_module.World

__all__ = ["DesignSpec", "OutputsSpec", "PolicySpec", "Study", "WorldSpec", "YearsSpec"]

# Set while a study is loaded from a file: its name, line numbers and base directory.
_LOADING: ContextVar[dict[str, Any] | None] = ContextVar("techbloc_study_loading", default=None)


class Study(_Spec):
    """A study: world, policies, uncertainty design, years, seed and outputs.

    Parameters
    ----------
    name : str
        Label used in reports (does not affect results or the study hash).
    world : WorldSpec
        Override files for :func:`techbloc.world.load_world`.
    policies : list of PolicySpec
        At least one; labels must be unique.
    design : DesignSpec or str
        ``"lhs"``, ``"sobol"``, ``"morris"``, ``"factorial"`` or ``"table"`` (or the full
        mapping).
    scenarios : int, optional
        LHS: rows; Sobol: base sample (a power of two); Morris: trajectories (``levels``
        even); table: expected rows (optional);
        factorial: must be omitted or equal ``levels ** len(vary)``.
    vary : list of str, optional
        Parameters to vary; default every uncertain parameter of the registry not in ``set``.
    set : mapping of str to float
        Parameters held at one value.
    years : YearsSpec
    seed : int
        Root seed (non-negative).
    outputs : OutputsSpec

    Raises
    ------
    InputError
        If anything is invalid (raised by the constructor and by :meth:`from_yaml`).
    """

    name: str = "study"
    world: WorldSpec = Field(default_factory=WorldSpec)
    policies: list[PolicySpec] = Field(min_length=1)
    design: DesignSpec = Field(default_factory=DesignSpec)
    scenarios: int | None = Field(default=None, ge=1)
    vary: list[str] | None = None
    fixed: dict[str, float] = Field(default_factory=dict, alias="set")
    years: YearsSpec = Field(default_factory=YearsSpec)
    seed: int = Field(default=0, ge=0, lt=2**63)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)

    _source: str | None = PrivateAttr(default=None)
    _lines: dict[Loc, int] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        state = _LOADING.get() or {}
        source = state.get("source", "Study")
        lines = state.get("lines", {})
        try:
            self.__pydantic_validator__.validate_python(
                data, self_instance=self, context={"base_dir": state.get("base_dir")}
            )
        except ValidationError as exc:
            raise InputError(format_problems(pydantic_problems(exc), source, lines)) from None
        problems = self._problems()
        if problems:
            raise InputError(format_problems(problems, source, lines))
        self._source = source
        self._lines = dict(lines)

    @field_validator("design", mode="before")
    @classmethod
    def _design_shorthand(cls, value: Any) -> Any:
        return {"method": value} if isinstance(value, str) else value

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls,
        data: Any,
        *,
        source: str = "study",
        base_dir: str | Path | None = None,
        lines: Mapping[Loc, int] | None = None,
    ) -> Study:
        """Validate a plain mapping (as read from YAML) into a study.

        Parameters
        ----------
        data : mapping
        source : str
            Where the data came from, named in error messages.
        base_dir : path, optional
            Directory that relative paths are resolved against (default: the working directory).
        lines : mapping, optional
            Line number of each key path, for error messages.
        """
        lines = dict(lines or {})
        if not isinstance(data, Mapping):
            raise InputError(
                f"{source}: a study must be a mapping of keys, got {type(data).__name__}"
            )
        bad = [k for k in data if not isinstance(k, str)]
        if bad:
            raise InputError(f"{source}: keys must be text, got {bad[0]!r}")
        token = _LOADING.set(
            {"source": source, "lines": lines, "base_dir": str(base_dir) if base_dir else None}
        )
        try:
            return cls(**data)
        finally:
            _LOADING.reset(token)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Study:
        """Read and validate a study file.

        Raises
        ------
        InputError
            Naming the file, the key, its line and the reason, for every problem found.
        """
        from techbloc.yamlio import load_yaml

        path = Path(path)
        document = load_yaml(path, "study file")
        data, lines = document.data, document.lines
        return cls.from_dict(data, source=str(path), base_dir=path.parent.resolve(), lines=lines)

    # -- checks --------------------------------------------------------------------------

    def _problems(self) -> list[Problem]:
        """Checks that need the registry and more than one field (:mod:`.study_checks`)."""
        return study_problems(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Study):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = _Spec.__hash__

    # -- display ---------------------------------------------------------------------------

    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        from techbloc.display import shorten

        request = self.design_request()
        design = self.design.kind.describe(request)
        try:
            size = f"{self.n_scenarios:,}"
            varied = self.varied()
        except (InputError, OSError) as exc:  # a table design whose file is gone
            size, varied = f"unknown ({exc})", []
        facts = [
            ("policies", shorten([p.label for p in self.policies])),
            ("design", design),
            (
                "scenarios",
                size + self.design.kind.size_note(request),
            ),
            ("parameters varied", f"{len(varied)}: {shorten(varied, 6)}" if varied else "none"),
            ("parameters set", ", ".join(f"{k}={v:g}" for k, v in self.fixed.items()) or "none"),
            ("years", f"{self.years.start}–{self.years.end}"),
            ("seed", str(self.seed)),
            ("trajectories", "kept" if self.outputs.trajectories else "not kept"),
        ]
        if self.world.overrides:
            facts.append(("world overrides", ", ".join(map(str, self.world.overrides))))
        if self._source:
            facts.append(("file", self._source))
        return f"Study {self.name}", facts

    def __repr__(self) -> str:
        from techbloc.display import text_repr

        return text_repr(*self._describe())

    def _repr_html_(self) -> str:
        from techbloc.display import html_repr

        return html_repr(*self._describe())

    # -- derived ---------------------------------------------------------------------------

    def design_request(self) -> DesignRequest:
        """What the study asks of its design method (size, seed, vary, set, settings)."""
        return DesignRequest(
            n=self.scenarios,
            seed=self.seed,
            vary=None if self.vary is None else tuple(self.vary),
            fixed=tuple(self.fixed.items()),
            levels=self.design.levels,
            second_order=self.design.second_order,
            table=self.design.table,
            calibrated_set=self.design.calibrated_set,
        )

    def varied(self) -> list[str]:
        """Parameters the design varies (for a table or calibrated design: its columns)."""
        return self.design.kind.varied(self.design_request())

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios the design has."""
        return self.design.kind.size(self.design_request(), len(self.varied()))

    def sampler(self) -> DesignSampler:
        """The design by row range: ``sampler().rows(start, stop)`` are scenarios
        ``start..stop-1``, the rows of :meth:`design_table` whatever the ranges.

        A Latin hypercube or factorial design is drawn range by range (memory does not grow
        with the number of scenarios); Sobol and Morris designs are drawn whole on first use
        and tables read once, by each sampler.
        """
        return self.design.kind.sampler(self.design_request())

    def design_table(self) -> pd.DataFrame:
        """The whole design: index ``scenario`` (0..S-1), one column per varied/fixed parameter.

        A function of the study and its seed only.
        """
        return self.sampler().table()

    def build_policies(self) -> list[Policy]:
        """The study's policies as :class:`techbloc.policies.Policy` objects."""
        out = []
        for i, spec in enumerate(self.policies):
            try:
                out.append(spec.to_policy(self.world.presets))
            except InputError as exc:
                raise InputError(self.where(("policies", i), str(exc))) from None
        return out

    def load_world(self) -> World:
        """Load the world with the study's overrides."""
        from techbloc import world as world_module

        world = world_module.load_world()
        for i, path in enumerate(self.world.overrides):
            try:
                world = world.with_overrides(path)
            except InputError as exc:
                raise InputError(self.where(("world", "overrides", i), str(exc))) from None
        return world

    def check_world(self, world: World) -> list[Policy]:
        """Build the policies and check them against ``world`` (countries must exist).

        Returns
        -------
        list of Policy
        """
        policies = self.build_policies()
        codes = set(world.codes)
        for i, policy in enumerate(policies):
            missing = [c for c in policy.coalition.members if c not in codes]
            if missing:
                raise InputError(
                    self.where(("policies", i), f"countries not in the world: {', '.join(missing)}")
                )
            try:
                policy.coalition.mask(world)
            except InputError as exc:
                raise InputError(self.where(("policies", i), str(exc))) from None
        return policies

    def where(self, loc: Loc, message: str) -> str:
        """Prefix ``message`` with the study's source, key path and line."""
        return format_problems([(loc, message)], self._source or "study", self._lines)

    def to_dict(self) -> dict[str, Any]:
        """The normalized study as plain data (paths absolute; unset policy keys left out)."""
        data = self.model_dump(mode="json", by_alias=True)
        for policy in data["policies"]:
            for key in ("name", "preset", "members"):
                if policy.get(key) is None:
                    policy.pop(key, None)
        return data

    def to_yaml(self) -> str:
        """The normalized study as YAML."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def fingerprint(self) -> str:
        """A hash of everything that affects results (not the name, not the chunking).

        Includes the contents of override, preset and design-table files, the parameters
        varied and the registry's defaults and ranges (a registry change makes a new study).
        """
        data = self.model_dump(mode="json", by_alias=True)  # the shape hashes were made of
        data.pop("name", None)
        request = self.design_request()
        files = [
            *self.world.overrides,
            *([self.world.presets] if self.world.presets else []),
            *self.design.kind.files(request),
        ]
        contents = {}
        for f in files:
            try:
                contents[f] = hashlib.sha256(Path(f).read_bytes()).hexdigest()
            except OSError:
                contents[f] = "missing"
        from techbloc.params import PARAMETERS

        registry = [[p.name, p.default, p.low, p.high, p.distribution] for p in PARAMETERS]
        hashed: dict[str, Any] = {
            "study": data,
            "files": contents,
            "varied": self.varied(),
            "registry": registry,
        }
        draw = self.design.kind.fingerprint(request)
        if draw:  # only when it decides the rows (the hashes of designs made before stay)
            hashed["design_draw"] = draw
        blob = json.dumps(hashed, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()
