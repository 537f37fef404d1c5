"""The registry of parameters: every declaration in MODEL.md §6's order, looked up by name.

:data:`PARAMETERS` joins the declarations of :mod:`techbloc.params.knowledge`,
:mod:`~techbloc.params.china`, :mod:`~techbloc.params.alliance` and
:mod:`~techbloc.params.growth`; the functions here find, list, default and check them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from techbloc.errors import InputError
from techbloc.params.alliance import ALLIANCE
from techbloc.params.china import CHINA
from techbloc.params.growth import GROWTH
from techbloc.params.knowledge import KNOWLEDGE
from techbloc.params.parameter import Parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PARAMETERS",
    "defaults",
    "get_parameter",
    "parameter_names",
    "parameter_table",
    "validate_values",
]

#: Every uncertain parameter of the model, in the order of MODEL.md §6.
PARAMETERS: tuple[Parameter, ...] = KNOWLEDGE + CHINA + ALLIANCE + GROWTH

_BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


def get_parameter(name: str) -> Parameter:
    """Return the registered parameter called ``name``.

    Raises
    ------
    InputError
        If no parameter has that name; the message lists close matches.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, _BY_NAME, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `techbloc params`"
        raise InputError(f"unknown parameter '{name}'{hint}") from None


def parameter_names(uncertain_only: bool = False) -> list[str]:
    """Names of all registered parameters.

    With ``uncertain_only``, only those a design varies by default: uncertain parameters
    that are not opt-in switches (see :attr:`Parameter.sampled_by_default`).
    """
    return [
        p.name
        for p in PARAMETERS
        if not uncertain_only or (p.is_uncertain and p.sampled_by_default)
    ]


def defaults() -> dict[str, float]:
    """Default value of every parameter."""
    return {p.name: p.default for p in PARAMETERS}


def validate_values(values: Mapping[str, float | str], where: str = "") -> dict[str, float]:
    """Check parameter overrides against the registry.

    Parameters
    ----------
    values : mapping
        Parameter name to value (a number, or text that reads as one).
    where : str
        Where the values came from (file and key), used in error messages.

    Returns
    -------
    dict
        The values as floats.

    Raises
    ------
    InputError
        For an unknown name, a non-number, NaN/inf or a value outside the range.
    """
    return {name: get_parameter(name).check(v, where) for name, v in values.items()}


def parameter_table(names: Iterable[str] | None = None) -> pd.DataFrame:
    """The registry as a :class:`pandas.DataFrame` (one row per parameter)."""
    import pandas as pd

    chosen = PARAMETERS if names is None else [get_parameter(n) for n in names]
    return pd.DataFrame(
        [
            {
                "name": p.name,
                "default": p.default,
                "low": p.low,
                "high": p.high,
                "distribution": p.distribution,
                "unit": p.unit,
                "mechanism": p.mechanism,
                "source": p.source,
                "description": p.description,
            }
            for p in chosen
        ]
    ).set_index("name")
