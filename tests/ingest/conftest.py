"""Fixtures for the ingest tests: Services built from a real config, store and process pool."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.clock import FixedClock
from bot.services import Services
from bot.settings import load_settings
from tests.support.config import write_config

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOSTILE = Path(__file__).parents[1] / "data" / "hostile"

MakeServices = Callable[..., Services]


@pytest_asyncio.fixture
async def make_services(tmp_path: Path) -> AsyncIterator[MakeServices]:
    """``make(feeds, clock=..., **config_overrides)`` → Services on tmp_path/tjwatch.db.

    Building again with the same tmp_path reopens the same database (a restart).
    """
    built: list[Services] = []

    def make(
        feeds: dict[str, str], *, clock: FixedClock | None = None, **overrides: Any
    ) -> Services:
        path = write_config(tmp_path, feeds, **overrides)
        services = Services.build(load_settings(path, env={}), clock=clock or FixedClock(NOW))
        built.append(services)
        return services

    yield make
    for services in built:
        await services.aclose()


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()
