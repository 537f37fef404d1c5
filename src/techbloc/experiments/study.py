"""A study: which world, which policies, which futures, which outputs.

A study is written in YAML and loaded with :meth:`Study.from_yaml`, or built in Python
(``Study(policies=[...], scenarios=1000)``). Either way it is validated completely before
anything runs: unknown keys, bad types, unknown parameters, out-of-range values, unknown
presets and impossible sizes are reported with the file, the key, the line (for YAML) and
the reason, as a :class:`techbloc.errors.InputError`.

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
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from techbloc.errors import InputError
from techbloc.experiments.design import MAX_SCENARIOS, design_size, sample_design
from techbloc.params import DOMAINS, LEVERS, get_parameter, parameter_names
from techbloc.years import (
    DEFAULT_END_YEAR,
    DEFAULT_START_YEAR,
    EARLIEST_START_YEAR,
    LAST_YEAR,
)

if TYPE_CHECKING:
    import pandas as pd

    from techbloc import world as world_module
    from techbloc.policies import Policy

    World = world_module.World

__all__ = ["DesignSpec", "OutputsSpec", "PolicySpec", "Study", "WorldSpec", "YearsSpec"]

_LEVER = {lever.name: lever for lever in LEVERS}
_DOMAIN_NAMES = [d.name for d in DOMAINS]

Loc = tuple[str | int, ...]

# Set while a study is loaded from a file: its name, line numbers and base directory.
_LOADING: ContextVar[dict[str, Any] | None] = ContextVar("techbloc_study_loading", default=None)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


def _resolve(path: str, info: ValidationInfo) -> str:
    base = (info.context or {}).get("base_dir")
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path(base or ".") / p
    return str(p.resolve())


class WorldSpec(_Spec):
    """The world: override files applied in order to the bundled world, and a presets file.

    Attributes
    ----------
    overrides : list of str
        CSV or YAML files for :meth:`techbloc.world.World.with_overrides`.
    presets : str, optional
        A YAML file of user-defined coalition presets.
    """

    overrides: list[str] = Field(default_factory=list)
    presets: str | None = None

    @field_validator("overrides")
    @classmethod
    def _paths(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return [_resolve(v, info) for v in value]

    @field_validator("presets")
    @classmethod
    def _presets_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _resolve(value, info)


class PolicySpec(_Spec):
    """One policy: a coalition (a preset or explicit members) and its levers."""

    # JSON Schema: exactly one of preset / members, neither null (as the validators check)
    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["preset"]}, {"required": ["members"]}]}
    )

    name: str | SkipJsonSchema[None] = None
    preset: str | SkipJsonSchema[None] = None
    members: list[str] | SkipJsonSchema[None] = None
    pool_share: float = _LEVER["pool_share"].default
    control_stringency: float | dict[str, float] = _LEVER["control_stringency"].default
    capacity_building: dict[str, float] = Field(default_factory=dict)
    start_year: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            empty = [k for k in ("name", "preset", "members") if k in data and data[k] is None]
            if empty:
                raise ValueError(f"'{empty[0]}' is empty: give a value or leave the key out")
        return data

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError(
                "members is empty: give ISO3 codes such as [USA, JPN] (the USA "
                "is added if absent), or use 'preset'"
            )
        from techbloc.countries import parse_members

        try:  # the one parser of member lists (codes checked later, with the world)
            parse_members(value, known=False)
        except InputError as exc:
            raise ValueError(str(exc).removeprefix("members: ")) from None
        return value

    @field_validator("capacity_building")
    @classmethod
    def _building_keys(cls, value: dict[str, float]) -> dict[str, float]:
        from techbloc.countries import parse_code_keys

        try:
            return parse_code_keys(value, known=False)
        except InputError as exc:
            raise ValueError(str(exc).removeprefix("capacity_building: ")) from None

    @model_validator(mode="after")
    def _one_coalition(self) -> PolicySpec:
        if (self.preset is None) == (self.members is None):
            raise ValueError("give exactly one of 'preset' or 'members'")
        return self

    @property
    def label(self) -> str:
        """Name in results: ``name``, else the preset, else the members joined by '+'."""
        return self.name or self.preset or "+".join(self.members or [])

    def to_policy(self, presets: str | None = None) -> Policy:
        """Build the :class:`techbloc.policies.Policy` (checks presets, countries, levers).

        Parameters
        ----------
        presets : str, optional
            A file of user-defined presets (:func:`techbloc.coalitions.load_presets`).
        """
        from techbloc import coalitions
        from techbloc.policies import Policy

        if self.preset is not None:
            extra = coalitions.load_presets(presets) if presets else None
            coalition = coalitions.Coalition.from_preset(self.preset, extra)
        else:
            coalition = coalitions.Coalition(tuple(self.members or ()), name=self.label)
        return Policy(
            coalition=coalition,
            pool_share=self.pool_share,
            control_stringency=self.control_stringency,
            capacity_building=dict(self.capacity_building),
            start_year=self.start_year,
            name=self.label,
        )


class DesignSpec(_Spec):
    """How scenarios are drawn (see :mod:`techbloc.experiments.design`)."""

    method: Literal["lhs", "sobol", "morris", "factorial", "table", "calibrated"] = "lhs"
    levels: int = Field(default=3, ge=1, le=1000)
    second_order: bool = False
    table: str | None = None
    calibrated_set: str | None = Field(default=None, alias="set")

    @field_validator("table")
    @classmethod
    def _path(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _resolve(value, info)

    @field_validator("calibrated_set")
    @classmethod
    def _set_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        from techbloc.experiments.calibrated_sets import BUNDLED_SET

        if value is None or value == BUNDLED_SET:
            return value
        return _resolve(value, info)

    @model_validator(mode="after")
    def _table_iff_method(self) -> DesignSpec:
        if (self.method == "table") != (self.table is not None):
            raise ValueError("'table' (a CSV path) is needed with, and only with, method: table")
        if (self.method == "calibrated") != (self.calibrated_set is not None):
            raise ValueError(
                "'set' (a calibrated set: 'history' or the directory `techbloc calibrate` "
                "wrote) is needed with, and only with, method: calibrated"
            )
        return self


class YearsSpec(_Spec):
    """Simulated years, inclusive."""

    start: int = Field(default=DEFAULT_START_YEAR, ge=EARLIEST_START_YEAR, le=LAST_YEAR)
    end: int = Field(default=DEFAULT_END_YEAR, ge=EARLIEST_START_YEAR, le=LAST_YEAR)

    @model_validator(mode="after")
    def _order(self) -> YearsSpec:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class OutputsSpec(_Spec):
    """What to keep besides the scalar outcomes (always kept)."""

    trajectories: bool = False


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
            raise InputError(_format_errors(_pydantic_problems(exc), source, lines)) from None
        problems = self._problems()
        if problems:
            raise InputError(_format_errors(problems, source, lines))
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

    def _problems(self) -> list[tuple[Loc, str]]:
        """Checks that need the registry and more than one field."""
        problems: list[tuple[Loc, str]] = []
        for key, value in self.fixed.items():
            try:
                get_parameter(key).check(value)
            except InputError as exc:
                problems.append((("set", key), str(exc)))
        if self.vary is not None:
            seen: set[str] = set()
            for i, name in enumerate(self.vary):
                try:
                    parameter = get_parameter(name)
                except InputError as exc:
                    problems.append((("vary", i), str(exc)))
                    continue
                if not parameter.is_uncertain:
                    problems.append((("vary", i), f"parameter '{name}' is fixed and cannot vary"))
                if name in self.fixed:
                    problems.append((("vary", i), f"'{name}' is both varied and set"))
                if name in seen:
                    problems.append((("vary", i), f"'{name}' is listed twice"))
                seen.add(name)
        labels: dict[str, int] = {}
        for i, policy in enumerate(self.policies):
            problems.extend(_policy_problems(policy, i, self.years, self.world.presets))
            if policy.label in labels:
                problems.append(
                    (
                        ("policies", i),
                        f"policy label '{policy.label}' is used twice "
                        f"(policies {labels[policy.label]} and {i}); give one a 'name'",
                    )
                )
            labels.setdefault(policy.label, i)
        method = self.design.method
        if method == "calibrated":
            try:
                from techbloc.experiments.calibrated_sets import load_calibrated

                size = len(load_calibrated(str(self.design.calibrated_set)).futures)
            except InputError as exc:
                problems.append((("design", "set"), str(exc)))
            else:
                if self.scenarios is not None and self.scenarios > size:
                    problems.append(
                        (
                            ("scenarios",),
                            f"{self.scenarios} scenarios asked for, "
                            f"but the calibrated set has {size} futures",
                        )
                    )
            if self.vary is not None:
                problems.append(
                    (("vary",), "a calibrated design varies the set's columns; remove 'vary'")
                )
            return problems
        if method == "table":
            if self.design.table is not None:
                try:
                    from techbloc.experiments.design import read_design_table

                    table = read_design_table(self.design.table)
                except InputError as exc:
                    problems.append((("design", "table"), str(exc)))
                else:
                    if self.scenarios is not None and self.scenarios != len(table):
                        problems.append(
                            (
                                ("scenarios",),
                                f"{self.scenarios} scenarios asked for, "
                                f"but the design table has {len(table)} rows",
                            )
                        )
                    if self.vary is not None:
                        problems.append(
                            (("vary",), "a table design varies its own columns; remove 'vary'")
                        )
            return problems
        if method == "morris" and (self.design.levels < 2 or self.design.levels % 2):
            problems.append(
                (
                    ("design", "levels"),
                    "a Morris design needs an even number of "
                    f"levels (e.g. levels: 4), got {self.design.levels}",
                )
            )
            return problems
        if method in ("lhs", "sobol", "morris") and self.scenarios is None:
            problems.append((("scenarios",), f"a {method} design needs 'scenarios'"))
            return problems
        if (
            method == "sobol"
            and self.scenarios is not None
            and self.scenarios & (self.scenarios - 1)
        ):
            problems.append(
                (
                    ("scenarios",),
                    f"a Sobol design needs a base sample that is a power "
                    f"of two, got {self.scenarios}",
                )
            )
        n_vary = len(self.varied())
        if n_vary == 0 and method != "table":
            problems.append((("vary",), "no parameter left to vary"))
        size = design_size(
            method,
            self.scenarios,
            n_vary,
            levels=self.design.levels,
            second_order=self.design.second_order,
        )
        if method == "factorial" and self.scenarios is not None and self.scenarios != size:
            problems.append(
                (
                    ("scenarios",),
                    f"a factorial design of {self.design.levels} levels "
                    f"over {n_vary} parameters has {size} scenarios, not "
                    f"{self.scenarios}; omit 'scenarios'",
                )
            )
        if size > MAX_SCENARIOS:
            shown = f"{size:,}" if size < 10**30 else f"about 10^{len(str(size)) - 1}"
            problems.append(
                (
                    ("design",),
                    f"the {method} design would have {shown} scenarios "
                    f"(limit {MAX_SCENARIOS:,}); vary fewer parameters or use fewer "
                    "levels/scenarios",
                )
            )
        return problems

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Study):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = _Spec.__hash__

    # -- display ---------------------------------------------------------------------------

    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        from techbloc.display import shorten

        design: str = self.design.method
        if design == "sobol":
            design += " (second order)" if self.design.second_order else ""
        elif design in ("factorial", "morris"):
            design += f", {self.design.levels} levels"
        elif design == "table":
            design += f" ({self.design.table})"
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
                size
                + (f" (base sample {self.scenarios})" if self.design.method == "sobol" else ""),
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

    def varied(self) -> list[str]:
        """Parameters the design varies (for a table design: its columns)."""
        if self.design.method == "table" and self.design.table is not None:
            import pandas as pd

            columns = pd.read_csv(self.design.table, nrows=0).columns
            return [c for c in columns if c != "scenario" and c not in self.fixed]
        if self.design.method == "calibrated" and self.design.calibrated_set is not None:
            from techbloc.experiments.calibrated_sets import load_calibrated

            futures = load_calibrated(self.design.calibrated_set).futures
            return [c for c in futures.columns if c not in self.fixed]
        if self.vary is not None:
            return list(self.vary)
        return [n for n in parameter_names(uncertain_only=True) if n not in self.fixed]

    @property
    def n_scenarios(self) -> int:
        """Number of scenarios the design has."""
        if self.design.method in ("table", "calibrated"):
            return len(self.design_table())
        return design_size(
            self.design.method,
            self.scenarios,
            len(self.varied()),
            levels=self.design.levels,
            second_order=self.design.second_order,
        )

    def design_table(self) -> pd.DataFrame:
        """The whole design: index ``scenario`` (0..S-1), one column per varied/fixed parameter.

        A function of the study and its seed only.
        """
        return sample_design(
            self.design.method,
            self.varied(),
            self.scenarios,
            self.seed,
            levels=self.design.levels,
            second_order=self.design.second_order,
            table=self.design.table,
            fixed=self.fixed,
            calibrated_set=self.design.calibrated_set,
        )

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
        return _format_errors([(loc, message)], self._source or "study", self._lines)

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
        files = [
            *self.world.overrides,
            *([self.world.presets] if self.world.presets else []),
            *([self.design.table] if self.design.table else []),
        ]
        if self.design.calibrated_set is not None:
            from techbloc.experiments.calibrated_sets import calibrated_set_path

            files.append(str(calibrated_set_path(self.design.calibrated_set) / "futures.csv"))
        contents = {}
        for f in files:
            try:
                contents[f] = hashlib.sha256(Path(f).read_bytes()).hexdigest()
            except OSError:
                contents[f] = "missing"
        from techbloc.params import PARAMETERS

        registry = [[p.name, p.default, p.low, p.high, p.distribution] for p in PARAMETERS]
        blob = json.dumps(
            {"study": data, "files": contents, "varied": self.varied(), "registry": registry},
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def _policy_problems(
    policy: PolicySpec, i: int, years: YearsSpec, presets: str | None
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    base: Loc = ("policies", i)
    lever = _LEVER["pool_share"]
    if not lever.low <= policy.pool_share <= lever.high:
        problems.append(
            ((*base, "pool_share"), f"{policy.pool_share} is outside [{lever.low}, {lever.high}]")
        )
    lever = _LEVER["control_stringency"]
    stringency = policy.control_stringency
    items = stringency.items() if isinstance(stringency, dict) else [(None, stringency)]
    for domain, value in items:
        loc = (*base, "control_stringency") + ((domain,) if domain is not None else ())
        if domain is not None and domain not in _DOMAIN_NAMES:
            problems.append((loc, f"unknown domain '{domain}'; known: {', '.join(_DOMAIN_NAMES)}"))
        elif not lever.low <= value <= lever.high:
            problems.append((loc, f"{value} is outside [{lever.low}, {lever.high}]"))
    lever = _LEVER["capacity_building"]
    for code, value in policy.capacity_building.items():
        if not lever.low <= value <= lever.high:
            problems.append(
                (
                    (*base, "capacity_building", code),
                    f"{value} is outside [{lever.low}, {lever.high}]",
                )
            )
    if policy.start_year is not None and not years.start <= policy.start_year <= years.end:
        problems.append(
            (
                (*base, "start_year"),
                f"{policy.start_year} is outside the study's years {years.start}-{years.end}",
            )
        )
    if not problems:
        try:
            policy.to_policy(presets)
        except InputError as exc:
            key = "preset" if policy.preset is not None else "members"
            problems.append(((*base, key), str(exc)))
        except ImportError:  # coalitions not available: checked again before running
            pass
    return problems


def _pydantic_problems(exc: ValidationError) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'" if loc else "unknown key"
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if "input" in error and kind not in ("value_error",):
                message += f" (got {error['input']!r})"
        # pydantic adds the union member's type name to the loc: drop it
        loc = tuple(p for p in loc if not (isinstance(p, str) and p in _UNION_TAGS))
        if problems and problems[-1][0] == loc:  # alternatives of a union: one message
            problems[-1] = (loc, f"{problems[-1][1]}; or {message}")
        else:
            problems.append((loc, message))
    return problems


_UNION_TAGS = {"float", "int", "str", "bool", "dict[str,float]", "list[str]", "function-after"}


def _format_errors(problems: list[tuple[Loc, str]], source: str, lines: Mapping[Loc, int]) -> str:
    out = []
    for loc, message in problems:
        key = ".".join(str(p) for p in loc) if loc else "(top level)"
        line = None
        probe = tuple(loc)
        while probe and line is None:
            line = lines.get(probe)
            probe = probe[:-1]
        where = f"{source}:{line}" if line is not None else source
        out.append(f"{where}: {key}: {message}")
    if len(out) == 1:
        return out[0]
    return f"{len(out)} problems:\n" + "\n".join(out)
