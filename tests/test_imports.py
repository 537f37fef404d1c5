"""The import graph of ``techbloc``, every import counted, has no circle and never climbs a layer.

The graph is built from the source with :mod:`ast`: an edge ``a -> b`` for every import of
``b`` anywhere in ``a`` (module body, class and function bodies, ``if TYPE_CHECKING:``
blocks too: a type-only or deferred import is still a dependency). ``from techbloc.x import
y`` points at ``techbloc.x.y`` when that is a module, else at ``techbloc.x``. The layers
below follow the data flow (ARCHITECTURE.md): a module may import its own layer or lower
ones, never a higher one.
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


def _every_import(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of a module, wherever it stands."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def imports_of(name: str, source: str, modules: Mapping[str, object], is_package: bool) -> set[str]:
    """Modules of ``modules`` that module ``name`` imports (anywhere in its source)."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _every_import(ast.parse(source)):
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
    """Module -> modules of ``package`` it imports."""
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


def test_imports_of_counts_every_import() -> None:
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
    assert imports_of("p.a", source, modules, is_package=False) == {"p.b", "p.c", "p.d", "p.e"}


def test_the_graph_sees_the_modules() -> None:
    graph = import_graph()
    assert "techbloc.world" in graph
    assert "techbloc.errors" in graph["techbloc.coalitions"]


def test_no_import_cycle_inside_techbloc() -> None:
    cycle = find_cycle(import_graph())
    if cycle:
        pytest.fail("import cycle: " + " -> ".join(cycle))


#: Layers from the bottom up (ARCHITECTURE.md's data flow). A module belongs to the layer
#: of its top-level name under ``techbloc`` (``techbloc.model.engine`` -> ``model``); the
#: package root (``techbloc``, a lazy stub holding the version) is at the bottom.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names.split())
    for names in (
        "techbloc errors years protocols display yamlio",
        "schema countries params",
        "bundle derivation pairs overrides world",
        "coalitions policies",
        "model",
        "experiments analysis calibration",
        "evaluation",
        "report",
        "service",
        "cli",
    )
)


def layer_of(module: str, package: str = PACKAGE) -> int:
    """The layer index of ``module`` (a dotted name under ``package``)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else package
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise KeyError(f"{module}: its top-level name {top!r} is in no layer of LAYERS")


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Edges ``a -> b`` where ``b`` sits in a higher layer than ``a``."""
    return sorted(
        f"{a} -> {b}" for a, targets in graph.items() for b in targets if layer_of(b) > layer_of(a)
    )


def test_layer_of_on_names() -> None:
    assert layer_of("techbloc") == 0
    assert layer_of("techbloc.model.engine") < layer_of("techbloc.experiments.runner")
    assert upward_imports({"techbloc.model.engine": {"techbloc.report.html"}}) == [
        "techbloc.model.engine -> techbloc.report.html"
    ]
    with pytest.raises(KeyError):
        layer_of("techbloc.nowhere")


def test_every_module_has_a_layer() -> None:
    for name in import_graph():
        layer_of(name)


def test_no_import_climbs_a_layer() -> None:
    upward = upward_imports(import_graph())
    if upward:
        pytest.fail("imports from a lower layer up to a higher one:\n" + "\n".join(upward))


def test_country_codes_and_schema_import_without_pandas() -> None:
    code = (
        "import sys, techbloc.countries, techbloc.schema; "
        "print([m for m in ('pandas', 'numpy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
