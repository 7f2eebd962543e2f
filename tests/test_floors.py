"""The floors stand: no import reaches up a floor, and no import circle, hidden or not.

Data flows one way (README, Architecture), so imports do too: a package may import only
from packages on a lower floor. Every import counts, also those inside functions (the
usual way to hide a circle); only `if TYPE_CHECKING:` blocks, which never run, are skipped.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower number = lower floor. Packages on one floor do not import each other.
FLOORS = {
    "core": 0,  # config, settings schemas, errors, logging, loop helper: imports no stage
    "store": 1,
    "ingest": 2,
    "nlp": 2,
    "clustering": 3,
    "models": 4,
    "drafts": 4,
    "review": 5,
    "storyloom": 6,  # the top: CLI, daemon, pipeline, demo
}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str) -> set[str]:
    """Every module named by an import that can run, at any depth of the file."""
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def import_graph(root: Path, packages: list[str]) -> dict[str, set[str]]:
    """module -> the modules of `packages` it imports (migrations scripts excluded)."""
    files = {
        _module_name(f, root): f
        for pkg in packages
        for f in (root / pkg).rglob("*.py")
        if "migrations" not in f.parts
    }
    graph: dict[str, set[str]] = defaultdict(set)
    for name, f in files.items():
        package = name if f.name == "__init__.py" else name.rpartition(".")[0]
        for target in _imports(ast.parse(f.read_text(encoding="utf-8")), package):
            if target in files and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in list(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
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
    return found


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a package on the same or a higher floor than the importer's."""
    bad = []
    for src, targets in graph.items():
        a = src.split(".")[0]
        for dst in targets:
            b = dst.split(".")[0]
            if a != b and FLOORS[b] >= FLOORS[a]:
                bad.append(f"{src} (floor {FLOORS[a]}) imports {dst} (floor {FLOORS[b]})")
    return sorted(bad)


def test_every_package_has_a_floor() -> None:
    on_disk = {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "bench")
    }
    assert on_disk == set(FLOORS), "give each top-level package a floor in FLOORS"


def test_no_import_reaches_up_a_floor() -> None:
    assert upward(import_graph(ROOT, list(FLOORS))) == []


def test_core_imports_no_stage_and_no_stage_imports_the_top() -> None:
    graph = import_graph(ROOT, list(FLOORS))
    core_out = {d for s, ds in graph.items() if s.split(".")[0] == "core" for d in ds}
    assert {d.split(".")[0] for d in core_out} <= {"core"}
    to_top = sorted(
        f"{s} -> {d}"
        for s, ds in graph.items()
        if s.split(".")[0] != "storyloom"
        for d in ds
        if d.split(".")[0] == "storyloom"
    )
    assert to_top == []


def test_no_import_circles() -> None:
    assert cycles(import_graph(ROOT, list(FLOORS))) == []


def test_the_checker_sees_a_circle_hidden_in_a_function(tmp_path: Path) -> None:
    """The checks above can fail: a circle through a function-level import is found, and
    an import under TYPE_CHECKING is not one."""
    pkg = tmp_path / "low"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from low.b import g\n\ndef f():\n    return g()\n")
    (pkg / "b.py").write_text("def g():\n    from low.a import f\n    return f\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from low.a import f\n"
    )
    (pkg / "d.py").write_text("from . import c\n")
    graph = import_graph(tmp_path, ["low"])
    assert cycles(graph) == [["low.a", "low.b"]]
    assert "low.a" not in graph.get("low.c", set())
    assert "low.c" in graph["low.d"]
