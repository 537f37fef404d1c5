"""The web service: a JSON API with an OpenAPI spec, background study runs, a dashboard.

Nothing is imported until used: ``import techbloc.service`` does not import FastAPI.

- :func:`create_app`: the FastAPI application (:mod:`techbloc.service.app`).
- :class:`JobManager`: background study runs (:mod:`techbloc.service.jobs`).

Serve it with ``techbloc serve`` or ``uvicorn --factory techbloc.service.app:create_app``;
see ``docs/service.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "create_app": "techbloc.service.app",
    "JobManager": "techbloc.service.jobs",
}

__all__ = ["JobManager", "create_app"]

if TYPE_CHECKING:  # pragma: no cover
    from techbloc.service.app import create_app
    from techbloc.service.jobs import JobManager


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
