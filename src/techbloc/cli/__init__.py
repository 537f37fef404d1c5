"""The ``techbloc`` command line.

Each command group lives in its own module with a ``register(app)`` function, so the
command line stays one Typer application while the modules stay small:

- :mod:`techbloc.cli.data`: ``techbloc data ...`` (countries, indicators, presets, overrides)
- :mod:`techbloc.cli.model`: ``techbloc params``, ``techbloc evaluate``, ``techbloc run``
- :mod:`techbloc.cli.studies`: ``techbloc explore / results / export``
- :mod:`techbloc.cli.analysis`: ``techbloc robustness / discover / sensitivity`` (of a store)
- :mod:`techbloc.cli.coalition_analysis`: ``techbloc optimize / stability / shapley``
- :mod:`techbloc.cli.report`: ``techbloc report``
- :mod:`techbloc.cli.service`: ``techbloc serve`` (JSON API and dashboard)
- :mod:`techbloc.cli.calibration`: ``techbloc hindcast / calibrate`` (history matching)
"""

from __future__ import annotations

import importlib

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="techbloc",
    help="Design and stress-test technology alliances under deep uncertainty.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_COMMAND_MODULES = (
    "data",
    "model",
    "studies",
    "analysis",
    "coalition_analysis",
    "report",
    "service",
    "calibration",
)
_registered = False


def _register() -> None:
    global _registered
    if _registered:
        return
    for name in _COMMAND_MODULES:
        importlib.import_module(f"techbloc.cli.{name}").register(app)
    _registered = True


def main() -> None:
    """Console-script entry point: run the CLI, turning techbloc errors into messages."""
    from rich.console import Console

    from techbloc.errors import Error

    _register()
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # typer.Exit(code) is returned, not raised
            raise SystemExit(code)
    except Error as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        raise SystemExit(2) from None
    except OSError as exc:  # the machine, not the program: disk full, permissions, ...
        where = f"{exc.filename}: " if exc.filename else ""
        Console(stderr=True).print(
            f"[bold red]error:[/] {where}{exc.strerror or exc}", highlight=False
        )
        raise SystemExit(1) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        raise SystemExit(1) from None
    except Exception as exc:
        # usage errors (bad option values, missing arguments): click's ClickException, or
        # its copy inside newer typer; both know how to show themselves
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            raise SystemExit(code) from None
        raise
