"""Interfaces that lower modules need from higher ones, without importing them.

:mod:`techbloc.overrides` applies a user's override file to a World, and
:class:`techbloc.world.World` reads override files: to keep the imports one way (every
import counted, ``TYPE_CHECKING`` ones too), the overrides module knows the World only by
this protocol. :class:`techbloc.world.World` satisfies it (checked by mypy where a World is
passed, and by ``tests/test_protocols.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:  # pandas is a third-party import, not a techbloc module
    import pandas as pd

__all__ = ["WorldTables"]


class WorldTables(Protocol):
    """What an override file needs of a World: its tables, the model inputs derived from them
    and a way to replace them."""

    @property
    def origin(self) -> str:
        """Where the data came from."""
        ...

    @property
    def indicators(self) -> pd.DataFrame:
        """Long indicator table ``iso3, indicator, value, unit, year, source, note``."""
        ...

    @property
    def indicator_names(self) -> list[str]:
        """Indicator names, in table order."""
        ...

    @property
    def input_overrides(self) -> dict[tuple[str, str], tuple[float, str]]:
        """Model inputs set by the user: ``(iso3, input) -> (value, origin)``."""
        ...

    def frictions(self) -> pd.DataFrame:
        """The friction table (one row per pair)."""
        ...

    def model_inputs(self) -> pd.DataFrame:
        """The model's inputs derived from the tables, indexed by iso3."""
        ...

    def replace(
        self,
        *,
        indicators: pd.DataFrame | None = None,
        frictions: pd.DataFrame | None = None,
        input_overrides: Mapping[tuple[str, str], tuple[float, str]] | None = None,
        origin: str | None = None,
    ) -> Self:
        """A new World with some of its tables replaced."""
        ...
