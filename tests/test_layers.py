"""The layering holds: storage imports nothing from bot; Telegram handlers and the CLI never touch
SQL."""

from __future__ import annotations

import ast
from pathlib import Path

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


@pytest.mark.parametrize("path", _modules("storage"), ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_imports_nothing_from_bot(path: Path) -> None:
    assert not {n for n in _imports(path) if n == "bot" or n.startswith("bot.")}


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
