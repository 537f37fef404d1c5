"""A study's problems as a user reads them: file, line, key path and reason.

A problem is a key path (``("policies", 1, "pool_share")``) and a message; the line numbers
come from the YAML loader (:func:`techbloc.yamlio.load_yaml`), one per key path.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from techbloc.experiments.design_base import Problem

__all__ = ["Loc", "Problem", "format_problems", "pydantic_problems"]

#: A key path in a study: keys and list positions.
Loc = tuple[str | int, ...]


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    """The problems of a pydantic validation error, one per key (union alternatives joined)."""
    problems: list[Problem] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'" if loc else "unknown key"
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if "input" in error and kind not in ("value_error",):
                message += f" (got {error['input']!r})"
        # pydantic adds the union member's type name to the loc: drop it
        loc = tuple(p for p in loc if not (isinstance(p, str) and p in _UNION_TAGS))
        if problems and problems[-1][0] == loc:  # alternatives of a union: one message
            problems[-1] = (loc, f"{problems[-1][1]}; or {message}")
        else:
            problems.append((loc, message))
    return problems


_UNION_TAGS = {"float", "int", "str", "bool", "dict[str,float]", "list[str]", "function-after"}


def format_problems(problems: list[Problem], source: str, lines: Mapping[Loc, int]) -> str:
    """One line per problem: ``source:line: key.path: message`` (the line when known).

    The line of a key path is that of the path itself, else of its nearest parent.
    """
    out = []
    for loc, message in problems:
        key = ".".join(str(p) for p in loc) if loc else "(top level)"
        line = None
        probe = tuple(loc)
        while probe and line is None:
            line = lines.get(probe)
            probe = probe[:-1]
        where = f"{source}:{line}" if line is not None else source
        out.append(f"{where}: {key}: {message}")
    if len(out) == 1:
        return out[0]
    return f"{len(out)} problems:\n" + "\n".join(out)
