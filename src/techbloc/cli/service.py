"""``techbloc serve``: the JSON API and the dashboard (see ``docs/service.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    store_root: Annotated[
        Path, typer.Option(help="Directory for study runs (one results store per job).")
    ] = Path("out"),
    executor: Annotated[
        str, typer.Option(help="Where study chunks run: local, processes or dask.")
    ] = "local",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes or Dask workers for studies.")
    ] = None,
) -> None:
    """Serve the JSON API (OpenAPI at /openapi.json) and the dashboard (at /)."""
    try:
        import uvicorn

        from techbloc.service.app import create_app
    except ImportError as exc:
        from techbloc.errors import InputError

        raise InputError(
            f"the service needs FastAPI and uvicorn ({exc.name} is missing): "
            "pip install 'techbloc[service]'"
        ) from None
    if executor not in ("local", "processes", "dask"):
        from techbloc.errors import InputError

        raise InputError(f"--executor must be local, processes or dask, got {executor!r}")
    app = create_app(store_root, executor=executor, workers=workers)
    typer.echo(f"techbloc dashboard: http://{host}:{port}/  (API docs: /docs; studies in "
               f"{store_root})")
    uvicorn.run(app, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
