"""The layering rule of docs/architecture.md ("Layout and layers"), checked on the source.

Every ``import`` of every module under ``airlib/`` is read with :mod:`ast`, including imports
inside functions (lazy imports) and under ``if TYPE_CHECKING:``, and three rules are checked:

1. **Imports go down only**: core < standards < io < tracking < analysis < engine < report <
   demo < cli. *core* is every top-level module ``airlib/*.py`` except ``cli*``; ``cli`` is
   ``airlib/cli.py`` and ``airlib/cli_commands.py``; the others are the subpackages of those
   names. A module may import its own layer and any layer below.
2. **No cycles between modules** (lazy imports count: a lazy import hides a cycle, it does
   not remove it). A package's ``__init__`` importing its own submodules is not a cycle with
   those submodules importing each other; edges to an enclosing package are ignored, since
   Python imports a package before its submodules anyway.
3. **No private name crosses a subpackage**: ``from airlib.x.y import _name`` or a module
   named ``_m`` imported from another top-level subpackage (or between core and a subpackage).
   Within one subpackage private helpers may be shared.

Every failure message lists the offending edges (``importer -> imported``) with the line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

LAYERS: tuple[str, ...] = ("core", "standards", "io", "tracking", "analysis", "engine", "report", "demo", "cli")
PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "airlib"

#: Known violations in files owned by other work in progress on issue #11, each with the
#: reason. Remove an entry when it is fixed (a test fails while a listed edge is gone).
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
}
ALLOWED_CYCLES: set[frozenset[str]] = set()
ALLOWED_PRIVATE: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    names: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.source} -> {self.target}{names}  [line {self.line}]"


def module_name(path: Path, package_root: Path) -> str:
    rel = path.relative_to(package_root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules(package_root: Path) -> dict[str, Path]:
    return {module_name(p, package_root): p for p in sorted(package_root.rglob("*.py"))}


def layer(module: str, package_root: Path) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    if (package_root / parts[1]).is_dir():
        return parts[1]
    return "cli" if parts[1].startswith("cli") else "core"


def subpackage(module: str, package_root: Path) -> str:
    """The top-level subpackage of a module (``core`` for top-level modules, ``cli`` for the CLI)."""
    return layer(module, package_root)


def import_edges(package_root: Path) -> list[Edge]:
    """Every import of the package by one of its modules, lazy ones included."""
    top = package_root.name
    known = modules(package_root)
    edges: list[Edge] = []
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == top or alias.name.startswith(top + "."):
                        edges.append(Edge(name, _existing(alias.name, known), (), node.lineno))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                if not (target == top or target.startswith(top + ".")):
                    continue
                plain: list[str] = []
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in known:  # ``from airlib.x import module``
                        edges.append(Edge(name, sub, (), node.lineno))
                    else:
                        plain.append(alias.name)
                if plain:
                    edges.append(Edge(name, _existing(target, known), tuple(plain), node.lineno))
    return edges


def _existing(target: str, known: dict[str, Path]) -> str:
    while target not in known and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def upward_edges(edges: list[Edge], package_root: Path) -> list[Edge]:
    return [
        e for e in edges
        if LAYERS.index(layer(e.target, package_root)) > LAYERS.index(layer(e.source, package_root))
    ]


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        if e.source == e.target or e.source.startswith(e.target + "."):
            continue  # a module and its enclosing package: imported first by Python anyway
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # graph of ~70 modules: recursion depth is no concern
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def private_crossings(edges: list[Edge], package_root: Path) -> list[Edge]:
    out = []
    for e in edges:
        if subpackage(e.source, package_root) == subpackage(e.target, package_root):
            continue
        private_module = any(p.startswith("_") and not p.startswith("__") for p in e.target.split("."))
        private_names = tuple(n for n in e.names if n.startswith("_") and not n.startswith("__"))
        if private_module or private_names:
            out.append(Edge(e.source, e.target, private_names, e.line))
    return out


def _listing(title: str, items) -> str:
    return title + "\n  " + "\n  ".join(str(i) for i in items)


# --- the rules on airlib -------------------------------------------------------------------

EDGES = import_edges(PACKAGE_ROOT)


def test_the_import_graph_is_read():
    assert len(modules(PACKAGE_ROOT)) > 50
    lazy = [e for e in EDGES if e.source == "airlib.engine.backends" and e.target == "airlib.io.store"]
    assert lazy, "lazy imports inside functions must be seen"


def test_imports_go_down_the_layers_only():
    bad = [e for e in upward_edges(EDGES, PACKAGE_ROOT) if (e.source, e.target) not in ALLOWED_UPWARD]
    assert not bad, _listing(f"imports of a higher layer (order: {' < '.join(LAYERS)}):", bad)


def test_no_import_cycles_between_modules():
    bad = [c for c in cycles(EDGES) if frozenset(c) not in ALLOWED_CYCLES]
    assert not bad, _listing("import cycles (each a set of modules importing each other):", bad)


def test_no_private_name_imported_from_another_subpackage():
    bad = [e for e in private_crossings(EDGES, PACKAGE_ROOT) if (e.source, e.target) not in ALLOWED_PRIVATE]
    assert not bad, _listing("private names imported across subpackages (make them public or move the code):", bad)


def test_allow_lists_hold_only_current_violations():
    upward = {(e.source, e.target) for e in upward_edges(EDGES, PACKAGE_ROOT)}
    stale = sorted(set(ALLOWED_UPWARD) - upward)
    private = {(e.source, e.target) for e in private_crossings(EDGES, PACKAGE_ROOT)}
    stale += sorted(ALLOWED_PRIVATE - private)
    assert not stale, _listing("fixed: remove these from the allow-lists of tests/test_layering.py:", stale)


# --- the checker itself finds each kind of violation -----------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / "pkg" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root / "pkg"


@pytest.fixture
def toy(tmp_path):
    return _write(tmp_path, {
        "__init__.py": "",
        "errors.py": "",
        "cli.py": "from pkg.report import run\n",
        "standards/__init__.py": "",
        "standards/aqi.py": "def f():\n    from pkg.tracking.ranking import rank  # lazy, upward\n",
        "standards/_k.py": "",
        "tracking/__init__.py": "",
        "tracking/ranking.py": "from pkg.standards import aqi\nfrom pkg.standards._k import x\nfrom pkg.errors import _hidden\n",
        "report/__init__.py": "from . import a\n",
        "report/a.py": "from .b import y\n",
        "report/b.py": "def g():\n    from pkg.report.a import z\n",
    })


def test_checker_finds_upward_lazy_imports(toy):
    edges = import_edges(toy)
    up = {(e.source, e.target) for e in upward_edges(edges, toy)}
    assert up == {("pkg.standards.aqi", "pkg.tracking.ranking")}


def test_checker_finds_cycles_through_lazy_and_relative_imports(toy):
    found = cycles(import_edges(toy))
    assert ["pkg.report.a", "pkg.report.b"] in found
    assert ["pkg.standards.aqi", "pkg.tracking.ranking"] in found
    assert not any("pkg.report" in c for c in found)  # the package __init__ importing its own module


def test_checker_finds_private_names_across_subpackages(toy):
    found = {(e.source, e.target, e.names) for e in private_crossings(import_edges(toy), toy)}
    assert found == {
        ("pkg.tracking.ranking", "pkg.standards._k", ()),
        ("pkg.tracking.ranking", "pkg.errors", ("_hidden",)),
    }


def test_checker_layers_of_top_level_modules(toy):
    assert layer("pkg.cli", toy) == "cli"
    assert layer("pkg.errors", toy) == "core"
    assert layer("pkg", toy) == "core"
    assert layer("pkg.report.a", toy) == "report"
