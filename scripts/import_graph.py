"""The package's import graph: cycles and function-level imports (a maintenance check).

    python scripts/import_graph.py [polyfold]

Prints the cycles among module-level imports, the groups of modules that import
each other at any level (inside functions too), and how many imports of the
package's own modules sit inside functions. A package's ``__init__``
re-exporting its modules is not counted as a cycle.
"""

from __future__ import annotations

import ast
import os
import sys

import networkx as nx


def modules(root: str) -> dict[str, str]:
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = path[:-3].replace(os.sep, ".")
                out[module.removesuffix(".__init__")] = path
    return out


def targets(mods: dict[str, str], current: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    package = current if mods[current].endswith("__init__.py") else current.rsplit(".", 1)[0]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = package.split(".")
    if node.level:
        base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target for a in node.names]


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else "polyfold"
    mods = modules(root)
    top, every = nx.DiGraph(), nx.DiGraph()
    inner = 0
    for module, path in mods.items():
        stack = [(ast.parse(open(path).read()), 0)]
        while stack:
            node, depth = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in targets(mods, module, child):
                        if target in mods and target != module:
                            every.add_edge(module, target)
                            if depth == 0:
                                top.add_edge(module, target)
                            else:
                                inner += 1
                in_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
                stack.append((child, depth + in_function))
    for graph in (top, every):
        for a, b in list(graph.edges):
            if b == root or a.startswith(b + "."):  # a package re-exporting its modules
                graph.remove_edge(a, b)
    cycles = [c for c in nx.simple_cycles(top) if len(c) > 1]
    groups = [sorted(g) for g in nx.strongly_connected_components(every) if len(g) > 1]
    print("module-level cycles:", cycles or "none")
    print("modules importing each other (any level):", groups or "none")
    print("imports of the package's modules inside functions:", inner)


if __name__ == "__main__":
    main()
