"""No import cycle inside ``techbloc``: the module-level import graph is acyclic.

The graph is built from the source with :mod:`ast`: an edge ``a -> b`` for every import of
``b`` that runs when ``a`` is imported (module body, class bodies, ``if``/``try``/``with``
blocks; not function bodies, not ``if TYPE_CHECKING:``). ``from techbloc.x import y``
points at ``techbloc.x.y`` when that is a module, else at ``techbloc.x``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "techbloc"


def module_names(src: Path = SRC, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``src``."""
    out = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run at import time (not in functions, not TYPE_CHECKING)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level_imports(block)
            for handler in node.handlers:
                yield from _module_level_imports(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level_imports(node.body)


def imports_of(name: str, source: str, modules: Mapping[str, object], is_package: bool) -> set[str]:
    """Modules of ``modules`` that module ``name`` imports at module level."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _module_level_imports(ast.parse(source).body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            targets = [
                f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                for alias in node.names
            ]
        found.update(t for t in targets if t in modules and t != name)
    return found


def import_graph(src: Path = SRC, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> modules of ``package`` it imports at module level."""
    modules = module_names(src, package)
    return {
        name: imports_of(
            name, path.read_text(encoding="utf-8"), modules, path.name == "__init__.py"
        )
        for name, path in modules.items()
    }


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None if the graph is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_find_cycle_on_a_synthetic_graph() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_imports_of_counts_module_level_imports_only() -> None:
    modules = {"p": 0, "p.a": 0, "p.b": 0, "p.c": 0, "p.d": 0, "p.e": 0}
    source = """
from typing import TYPE_CHECKING
import p.b
from p import c
from .d import thing
if TYPE_CHECKING:
    from p import e
def f():
    import p.e
"""
    assert imports_of("p.a", source, modules, is_package=False) == {"p.b", "p.c", "p.d"}


def test_the_graph_sees_the_modules() -> None:
    graph = import_graph()
    assert "techbloc.world" in graph
    assert "techbloc.errors" in graph["techbloc.coalitions"]


def test_no_import_cycle_inside_techbloc() -> None:
    cycle = find_cycle(import_graph())
    if cycle:
        pytest.fail("import cycle: " + " -> ".join(cycle))


def test_country_codes_and_schema_import_without_pandas() -> None:
    code = (
        "import sys, techbloc.countries, techbloc.schema; "
        "print([m for m in ('pandas', 'numpy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
