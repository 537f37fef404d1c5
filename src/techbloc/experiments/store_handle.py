"""What the store's helper modules need of an open store, without importing it.

:mod:`~techbloc.experiments.chunks` (writing a chunk), :mod:`~techbloc.experiments.export`
(reading arrays, exporting) and :mod:`~techbloc.experiments.integrity` (verifying,
repairing) work on a :class:`~techbloc.experiments.store.ResultsStore`, which imports them.
They know the store by this protocol, so that the imports go one way (every import counted,
type-only ones too). The underscored members are the store's internals those modules share
with it; they are not public API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

__all__ = ["StoreHandle"]


class StoreHandle(Protocol):
    """An open results store, as its helper modules use it."""

    directory: Path
    _con: Any
    _writable: bool
    _seal_state: Any  # the writer's SealState (chunks.py), None until its first commit

    @property
    def manifest(self) -> dict[str, Any]: ...

    @property
    def study(self) -> Any: ...

    @property
    def policies(self) -> list[str]: ...

    def done_ranges(self) -> list[tuple[int, int]]: ...

    def array_variables(self) -> dict[str, list[str]]: ...

    def _has_table(self, name: str) -> bool: ...

    def _manifest_value(self, key: str) -> Any: ...

    def _group_files(self, group: str) -> list[str]: ...

    def _remove_orphans(self) -> None: ...
