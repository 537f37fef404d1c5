"""The parameter registry as API schemas, and how the dashboard groups it.

The response models of ``GET /api/parameters`` are built from the registry's own dataclasses
(:class:`techbloc.params.Parameter`, :class:`~techbloc.params.Lever` and
:class:`~techbloc.params.Domain`) with :func:`pydantic.create_model`, field by field from
their type annotations, so a field added to the registry appears in the API and its spec
without an edit here.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from techbloc import params

__all__ = [
    "COMMON_PARAMETERS",
    "MECHANISMS",
    "DomainInfo",
    "LeverInfo",
    "ParameterInfo",
    "ParametersResponse",
    "parameters_response",
]

#: Titles of the model's mechanisms (MODEL.md §4), by the E-number the registry names.
MECHANISMS: dict[str, str] = {
    "E1": "R&D by domain",
    "E2": "Joint pool",
    "E3": "Knowledge accumulation",
    "E4": "Export controls and China's access",
    "E4.0": "Baseline",
    "E5": "Leakage",
    "E6": "Absorption",
    "E7": "China's knowledge: denial and indigenization",
    "E8": "China's R&D and self-sufficiency",
    "E9": "Integration know-how",
    "E10": "Partner protection: capability × will",
    "E11": "US regime and credibility",
    "E12": "Payoffs, stability and exits",
    "E13": "Output and power",
}

#: Parameters an analyst changes most often: shown first, above the groups by mechanism.
COMMON_PARAMETERS: tuple[str, ...] = (
    "denial",
    "indigenization",
    "base_leak_rate",
    "max_conversion",
    "friction_scale",
    "exit_probability",
    "veto_tolerance",
    "capacity_gain",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _schema_of(cls: type, name: str, doc: str) -> type[BaseModel]:
    """A pydantic model with the fields (names, types, defaults) of a registry dataclass."""
    hints = typing.get_type_hints(cls)  # resolved in the module that declares cls
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        default = item.default if item.default is not dataclasses.MISSING else ...
        fields[item.name] = (hints[item.name], default)
    model = create_model(name, __base__=_Model, __doc__=doc, **fields)
    model.__module__ = __name__
    return model


ParameterInfo = _schema_of(
    params.Parameter, "ParameterInfo", "One uncertain model parameter of the registry."
)
LeverInfo = _schema_of(params.Lever, "LeverInfo", "One policy lever of the registry.")
DomainInfo = _schema_of(
    params.Domain, "DomainInfo", "One technology domain and its fixed characteristics."
)


class ParametersResponse(_Model):
    """The whole registry: parameters, levers and domains, and how to group them."""

    parameters: list[ParameterInfo]  # type: ignore[valid-type]
    levers: list[LeverInfo]  # type: ignore[valid-type]
    domains: list[DomainInfo]  # type: ignore[valid-type]
    mechanisms: dict[str, str] = Field(description="Mechanism (E-number) -> title (MODEL.md §4)")
    common: list[str] = Field(description="Parameters shown first (most often changed)")
    history_futures: int = Field(
        description="Futures in the calibrated set 'history': the most an evaluation with "
        "prior 'history' runs"
    )


def parameters_response() -> ParametersResponse:
    """The registry as served by ``GET /api/parameters``."""
    from techbloc.experiments.calibrated_sets import bundled_set_size

    return ParametersResponse(
        parameters=[ParameterInfo(**dataclasses.asdict(p)) for p in params.PARAMETERS],
        levers=[LeverInfo(**dataclasses.asdict(lever)) for lever in params.LEVERS],
        domains=[DomainInfo(**dataclasses.asdict(d)) for d in params.DOMAINS],
        mechanisms=MECHANISMS,
        common=[n for n in COMMON_PARAMETERS if n in params.parameter_names()],
        history_futures=bundled_set_size(),
    )
