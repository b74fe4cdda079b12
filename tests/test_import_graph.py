"""verify's modules import each other without cycles.

A cycle means two modules each need the other to be defined first; Python copes only when
one of the imports is hidden in a function, and then the order in which modules happen to
be imported decides whether a name exists yet. So every import counts here, at the top of a
module or inside a function, except those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

VERIFY = Path(__file__).resolve().parent.parent / "verify"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted name -> file of every module under the package folder ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: anywhere, but not under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(
    name: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]
) -> set[str]:
    """The modules of ``modules`` that ``node`` in module ``name`` imports."""
    if isinstance(node, ast.Import):
        found = {alias.name for alias in node.names}
    else:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            imported = base + ("." + node.module if node.module else "")
        else:
            imported = node.module or ""
        # "from package import module" imports the module; "from module import name" the module
        found = {
            f"{imported}.{alias.name}" if f"{imported}.{alias.name}" in modules else imported
            for alias in node.names
        }
    return {target for target in found if target in modules and target != name}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules it imports, for every module of the package at ``root``."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            graph[name] |= _targets(name, path, node, modules)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _describe(graph: dict[str, set[str]], component: list[str]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "; ".join(edges)


def test_verify_has_no_import_cycles() -> None:
    graph = import_graph(VERIFY)
    assert len(graph) > 100  # every module was found
    found = cycles(graph)
    assert found == [], "\n".join(_describe(graph, component) for component in found)


def test_a_cycle_is_found_through_functions_but_not_through_type_checking(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def later():\n    from pkg.sub.c import name\n")
    (package / "sub" / "c.py").write_text("from ..a import thing\nname = 1\n")
    (package / "d.py").write_text(
        "from typing import TYPE_CHECKING\nimport pkg.a\n"
        "if TYPE_CHECKING:\n    from pkg import d2\n"
    )
    (package / "d2.py").write_text("from pkg import d\n")
    graph = import_graph(package)
    assert graph["pkg.d"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
