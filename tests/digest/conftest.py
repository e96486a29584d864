"""A real SQLite store in tmp_path, a fixed 'now', and the shipped themes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.digest.themes import Theme, ThemeMatcher
from bot.topic_file import label_table
from storage import Store, open_store
from tests.support.config import shipped_config

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "tjwatch.db")
    yield store
    store.close()


@pytest.fixture
def matcher() -> ThemeMatcher:
    return ThemeMatcher(
        [Theme(label_table(t["name"])["en"], tuple(t["terms"])) for t in shipped_config()["themes"]]
    )
