"""Shared fixtures: a loopback feed server, config files in tmp_path, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.config import write_config
from tests.support.feed_server import FeedServer

DATA = Path(__file__).parent / "data"


@pytest.fixture
def feed_root(tmp_path: Path) -> Path:
    """A private copy of the feed fixtures that a test may add files to."""
    root = tmp_path / "served"
    root.mkdir()
    for folder in ("feeds", "topic"):
        for file in (DATA / folder).iterdir():
            if file.is_file() and file.suffix in {".xml", ".gz", ".opml"}:
                shutil.copy(file, root / file.name)
    return root


@pytest.fixture
def feed_server(feed_root: Path) -> Iterator[FeedServer]:
    with FeedServer(feed_root) as server:
        yield server


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run ``tjwatch`` in-process with a clean environment; returns exit code, stdout, stderr."""
    from bot.cli import main

    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TJWATCH_CONFIG",
        "TJWATCH_DB",
        "SLACK_WEBHOOK_URL",
        "SLACK_BOT_TOKEN",
        "TJWATCH_ADMIN_IDS",
        "TELEGRAM_API_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def config_for(tmp_path: Path):
    """Write a config in tmp_path for the given feed URLs (name → url), shipped rules and seeds."""

    def make(feeds: dict[str, str], **overrides: object) -> Path:
        return write_config(tmp_path, feeds, **overrides)

    return make
