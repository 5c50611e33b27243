"""No import cycles among the library's modules (provenance/ and callbacks/, imported as provenance.callbacks).

Every ``import`` / ``from ... import`` of a provenance module counts, at module level and inside functions alike: an
import placed in a function to dodge a cycle still ties the two modules together. Imports under ``if
TYPE_CHECKING:`` are left out (they never run; annotations only). ``from pkg import name`` points at the submodule
``pkg.name`` when that is a module, else at ``pkg`` itself (its ``__init__``).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"provenance": "provenance", "callbacks": "provenance.callbacks"}   # folder -> import name


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Import name -> file of every module under the library's folders."""
    out = {}
    for folder, name in PACKAGES.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([name] + parts)] = path
    return out


def _canonical(name: str) -> str:
    """``callbacks.x`` (the folder's own name) is the same module as ``provenance.callbacks.x``."""
    head = name.split(".")[0]
    return PACKAGES[head] + name[len(head):] if head in PACKAGES else name


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
                    (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
                skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def imports_of(module: str, source: str, modules: set[str], is_package: bool) -> dict[str, int]:
    """The provenance modules ``module`` imports (each with the line of its first import)."""
    tree = ast.parse(source)
    skip = _type_checking_nodes(tree)
    package = module if is_package else module.rpartition(".")[0]
    found: dict[str, int] = {}

    def add(name: str, line: int) -> None:
        while name and name not in modules:   # `import provenance.store.reader as r` counts as the module
            name = name.rpartition(".")[0]
        if name and name != module:
            found.setdefault(name, line)

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_canonical(alias.name), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = _canonical(node.module or "")
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                add(sub if sub in modules else target, node.lineno)
    return {m: line for m, line in found.items() if m.split(".")[0] == "provenance"}


def import_graph(root: Path = ROOT) -> dict[str, dict[str, int]]:
    """Module -> {imported module: line} over every library module."""
    files = module_files(root)
    names = set(files)
    return {m: imports_of(m, p.read_text(encoding="utf-8"), names, p.name == "__init__.py") for m, p in files.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:   # Tarjan's algorithm, iterative (no recursion limit on deep graphs)
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        while work:
            node, edges = work[-1]
            for w in edges:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == node:
                            break
                    if len(group) > 1 or node in graph.get(node, ()):
                        groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_cycle_through(graph, g) for g in groups]


def _cycle_through(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest import path from the group's first module back to itself, inside the group."""
    members, start = set(group), group[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ())):
                if w == start:
                    return paths[v] + [start]
                if w in members and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle through {group}")


def describe(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"


def test_the_library_has_no_import_cycle():
    graph = import_graph()
    assert "provenance.attribution.attributor" in graph and "provenance.callbacks.hf" in graph
    # callbacks/__init__.py imports its adapters inside a function, as provenance.callbacks.*: both are read
    assert "provenance.callbacks.hf" in graph["provenance.callbacks"]
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(describe(graph, c) for c in found)


def test_a_constructed_cycle_is_found_and_printed():
    graph = {"a": {"b": 3}, "b": {"c": 7}, "c": {"a": 1, "d": 2}, "d": {}, "e": {"e": 5}, "f": {"a": 9}}
    found = cycles(graph)
    assert sorted(found) == [["a", "b", "c", "a"], ["e", "e"]]
    assert describe(graph, ["a", "b", "c", "a"]) == "a (line 3) -> b (line 7) -> c (line 1) -> a"
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {}}) == []


def test_imports_are_read_at_every_level_and_resolved_to_modules():
    modules = {"provenance", "provenance.x", "provenance.x.y", "provenance.x.z", "provenance.callbacks",
               "provenance.callbacks.hf", "provenance.w"}
    source = '''
from typing import TYPE_CHECKING
import numpy
from provenance.x import y, helper
from . import z
import callbacks.hf

def f():
    from provenance.w import thing   # a function-level import counts

if TYPE_CHECKING:
    from provenance import w as never_run
'''
    got = imports_of("provenance.x.mod", source, modules, is_package=False)
    assert got == {"provenance.x.y": 4, "provenance.x": 4, "provenance.x.z": 5, "provenance.callbacks.hf": 6,
                   "provenance.w": 9}


def test_introducing_a_cycle_in_a_copy_of_the_library_fails(tmp_path):
    """A real module made to import back from one of its importers is caught, with the path printed."""
    import shutil

    for folder in PACKAGES:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    assert cycles(import_graph(tmp_path)) == []
    signatures = tmp_path / "provenance" / "attribution" / "signatures.py"
    signatures.write_text(signatures.read_text() + "\n\ndef _late():\n    from provenance.attribution import topk_index\n")
    graph = import_graph(tmp_path)
    found = cycles(graph)
    assert len(found) == 1
    message = describe(graph, found[0])
    assert "provenance.attribution.signatures" in message and "provenance.attribution.topk_index" in message
    assert found[0][0] == found[0][-1]
