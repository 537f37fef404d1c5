"""The parts of a study file: world, policies, design, years and outputs (pydantic models).

Each model checks what it can alone (types, ranges, keys); checks across keys and against
the parameter registry are in :mod:`techbloc.experiments.study_checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from techbloc.errors import InputError
from techbloc.experiments.design_base import DesignMethod
from techbloc.experiments.design_methods import DESIGN_METHODS, design_method
from techbloc.params import LEVERS
from techbloc.years import DEFAULT_END_YEAR, DEFAULT_START_YEAR, EARLIEST_START_YEAR, LAST_YEAR

if TYPE_CHECKING:
    from techbloc.policies import Policy

__all__ = ["DesignSpec", "OutputsSpec", "PolicySpec", "WorldSpec", "YearsSpec"]

_LEVER = {lever.name: lever for lever in LEVERS}


class _Spec(BaseModel):
    """Study keys: unknown ones refused, types strict, values frozen."""

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
    """How scenarios are drawn: a method of the registry and its settings.

    ``method`` names one of :data:`techbloc.experiments.design_methods.DESIGN_METHODS`
    (see :mod:`techbloc.experiments.design`).
    """

    method: str = Field(default="lhs", json_schema_extra={"enum": list(DESIGN_METHODS)})
    levels: int = Field(default=3, ge=1, le=1000)
    second_order: bool = False
    table: str | None = None
    calibrated_set: str | None = Field(default=None, alias="set")

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        try:
            return design_method(value).name
        except InputError as exc:
            raise ValueError(str(exc)) from None

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
    def _file_iff_method(self) -> DesignSpec:
        # each method that reads a file names its key: given with it, and only with it
        given = {"table": self.table is not None, "set": self.calibrated_set is not None}
        for method in DESIGN_METHODS.values():
            if method.file_key is not None and (method is self.kind) != given[method.file_key]:
                raise ValueError(
                    f"'{method.file_key}' ({method.file_hint}) is needed with, and only with, "
                    f"method: {method.name}"
                )
        return self

    @property
    def kind(self) -> DesignMethod:
        """The design method object that ``method`` names."""
        return design_method(self.method)


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
