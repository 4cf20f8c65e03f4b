"""The package's layers: imports run one way (from the commands down to the world) and no
module imports itself back through others. Read from the source with ``ast``, so an import
inside a function (a lazy import) or under ``TYPE_CHECKING`` counts like any other: a loop
cannot hide in one. The layers and their order are in ``sim/__init__.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim

PACKAGE = Path(sim.__file__).resolve().parent

#: Rank of each top-level part of ``sim``: a module may import only its own rank or lower.
LAYERS = {
    "paths": 0,
    "data": 0,
    "world": 1,
    "engine": 2,
    "mesa": 3,
    "model": 3,  # ``sim.model``: the documented path of CyberBlocModel, re-exported
    "inputs": 4,
    "studies": 5,
    "history": 6,
    "present": 7,
    "cli": 8,
    "__main__": 8,
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in its body)."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                candidates = [source] + [f"{source}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets.update(c for c in candidates if c in files and c != name)
        graph[name] = targets
    return graph


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # the package's own __init__: imports nothing
        return -1
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module}: top-level part '{parts[1]}' has no layer in LAYERS")
    return LAYERS[parts[1]]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} (layer {layer(source)}) imports {target} (layer {layer(target)})"
        for source, targets in graph.items()
        for target in targets
        if layer(target) > layer(source)
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan), each a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
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
    return found


def test_every_import_runs_down_the_layers():
    graph = import_graph(PACKAGE)
    assert len(graph) > 80  # the walk saw the package, not an empty folder
    assert upward_imports(graph) == []


def test_no_import_loops():
    assert cycles(import_graph(PACKAGE)) == []


def test_the_checks_catch_an_upward_import_and_a_loop(tmp_path):
    """The two checks on a tiny package: an engine module importing the command line, and two
    modules of one layer importing each other inside functions."""
    root = tmp_path / "sim"
    for folder in ("engine", "cli", "world"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "engine" / "kernel.py").write_text("def f():\n    from sim.cli import app\n")
    (root / "cli" / "app.py").write_text("from sim.engine import kernel\n")
    (root / "world" / "a.py").write_text("def f():\n    from sim.world import b\n")
    (root / "world" / "b.py").write_text("from . import a\n")
    graph = import_graph(root)
    assert upward_imports(graph) == [
        "sim.engine.kernel (layer 2) imports sim.cli (layer 8)",
        "sim.engine.kernel (layer 2) imports sim.cli.app (layer 8)",
    ]
    assert sorted(cycles(graph)) == [
        ["sim.cli.app", "sim.engine.kernel"],
        ["sim.world.a", "sim.world.b"],
    ]


@pytest.mark.parametrize("part", sorted(p.name for p in PACKAGE.iterdir() if p.is_dir()))
def test_every_stage_package_says_what_it_owns_and_may_import(part):
    if part.startswith("__"):
        pytest.skip("not a package")
    init = PACKAGE / part / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text())) or ""
    assert part in LAYERS
    assert len(doc) > 150, f"sim/{part}/__init__.py needs a docstring: what it owns and imports"
