"""The layering holds: no import cycles among bot/ and storage/ (imports under TYPE_CHECKING
count); the Telegram handlers, the Slack bot and the CLI never touch SQL; nothing reads outside
the repository.

Which layer may import which is import-linter's (``lint-imports``, contracts in pyproject.toml);
this test checks what a layers contract cannot: that no set of modules imports itself round.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each cycle of the graph, as one chain of modules that imports its own first module: one
    per strongly connected component (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return [_cycle_through(graph, component) for component in components]


def _cycle_through(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """The shortest way from the component's first module back to itself."""
    first = component[0]
    best: list[str] | None = None
    for step in sorted(graph.find_modules_directly_imported_by(first)):
        if step not in component:
            continue
        back = graph.find_shortest_chain(importer=step, imported=first)
        if back is not None and (best is None or len(back) + 1 < len(best)):
            best = [first, *back]
    assert best is not None
    return best


def test_no_import_cycles_in_bot_and_storage() -> None:
    graph = grimp.build_graph("bot", "storage", exclude_type_checking_imports=False, cache_dir=None)
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_a_cycle_is_found_and_named() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "e.x")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize(
    "path",
    [p for folder in ("bot/telegrambot", "bot/cli", "bot/slackbot") for p in _modules(folder)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_handlers_and_cli_write_no_sql(path: Path) -> None:
    imported = _imports(path)
    assert "sqlite3" not in imported and "sqlite_utils" not in imported
    source = path.read_text("utf-8")
    for keyword in ("INSERT INTO", "UPDATE ", "DELETE FROM", "SELECT "):
        assert keyword not in source, f"{keyword.strip()} in {path.name}: SQL belongs in storage/"


def test_no_module_reads_shared_at_run_time() -> None:
    outside = "/".join(("..", "shared"))  # spelt apart, so that this file does not name it
    for folder in ("bot", "storage", "tests", "benchmarks"):
        for path in _modules(folder):
            assert outside not in path.read_text("utf-8"), path
