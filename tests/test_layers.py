"""The layering holds: no import cycles among bot/ and storage/ (imports under TYPE_CHECKING
count); the Telegram handlers, the Slack bot and the CLI never touch SQL; nothing reads outside
the repository.

Which layer may import which, and that no package's modules import each other round, are
import-linter's contracts in pyproject.toml (``lint-imports``, which .ci/run runs whole); these
tests run the cycle contract from the suite too, and show it catches a cycle that exists only
under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


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


def _lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_import_cycles_in_bot_and_storage() -> None:
    run = _lint_imports(ROOT, "--contract", "acyclic")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No import cycles in bot/ and storage/" in run.stdout and "KEPT" in run.stdout


def test_a_cycle_through_a_type_only_import_is_caught(tmp_path: Path) -> None:
    """The same contract, on a package whose only cycle is an import under TYPE_CHECKING."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text("from pkg.services import Services\n")
    (package / "services.py").write_text(
        textwrap.dedent(
            """\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from pkg.jobs import Job
            """
        )
    )
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.importlinter]
            root_packages = ["pkg"]
            exclude_type_checking_imports = false

            [[tool.importlinter.contracts]]
            id = "acyclic"
            name = "no cycles"
            type = "acyclic_siblings"
            ancestors = ["pkg"]
            """
        )
    )
    run = _lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "No cycles are allowed in pkg." in run.stdout
    assert "- .services -> .jobs (1 import)" in run.stdout


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
