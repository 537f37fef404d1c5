"""The web service: a JSON API with an OpenAPI spec, background study runs, a dashboard.

Nothing is imported until used: ``import techbloc.service`` does not import FastAPI.

- :func:`create_app`: the FastAPI application (:mod:`techbloc.service.app`).
- :class:`JobManager`: the background jobs, studies and evaluations (:mod:`techbloc.service.jobs`).

Serve it with ``techbloc serve`` or ``uvicorn --factory techbloc.service.app:create_app``;
see ``docs/service.md``.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
