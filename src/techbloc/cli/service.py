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
    token: Annotated[
        str | None,
        typer.Option(
            envvar="TECHBLOC_TOKEN",
            help="Access token required on every request (default: none on loopback; generated "
            "and printed when --host is beyond loopback).",
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="Host header name to serve (repeatable; '*' for any). Default: loopback names, "
            "or any host when a token is required."
        ),
    ] = None,
) -> None:
    """Serve the JSON API (OpenAPI at /openapi.json) and the dashboard (at /).

    Listening beyond loopback (e.g. --host 0.0.0.0) requires an access token: one is
    generated and printed in the dashboard's URL unless --token (or TECHBLOC_TOKEN) gives it.
    """
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
    from techbloc.experiments.executors import check_workers
    from techbloc.service.access import is_loopback, new_token

    check_workers(workers)
    if store_root.exists() and not store_root.is_dir():
        from techbloc.errors import InputError

        raise InputError(
            f"--store-root {store_root}: exists and is not a directory; give a directory "
            "for the study runs"
        )

    if token is not None and not token.strip():
        from techbloc.errors import InputError

        raise InputError("--token is empty: give a token, or leave it out to have one made")
    if token is None and not is_loopback(host):
        token = new_token()
    app = create_app(
        store_root,
        executor=executor,
        workers=workers,
        token=token,
        allowed_hosts=allowed_host or None,
        prestart=True,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"techbloc dashboard: {url}")
    typer.echo(
        f"  API docs: /docs; studies in {store_root}"
        + ("; every request needs the token (Authorization: Bearer TOKEN)" if token else "")
    )
    from techbloc.service.access import header_timeout_protocol

    uvicorn.run(app, host=host, port=port, log_level="info", http=header_timeout_protocol())


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
