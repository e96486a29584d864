"""Fixtures for the operations tests: Services on a real database file, built from a real config."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.clock import FixedClock, SystemClock
from bot.services import Services
from bot.settings import load_settings
from tests.support.config import write_config

MakeServices = Callable[..., Services]


@pytest_asyncio.fixture
async def make_services(tmp_path: Path) -> AsyncIterator[MakeServices]:
    """``make(feeds, clock=None, env={}, **config_overrides)`` → Services on tmp_path/tjwatch.db."""
    built: list[Services] = []

    def make(
        feeds: dict[str, str],
        *,
        clock: FixedClock | None = None,
        env: dict[str, str] | None = None,
        **overrides: Any,
    ) -> Services:
        path = write_config(tmp_path, feeds, **overrides)
        services = Services.build(load_settings(path, env=env or {}), clock=clock or SystemClock())
        built.append(services)
        return services

    yield make
    for services in built:
        await services.aclose()


def days_ago(days: float) -> FixedClock:
    from datetime import timedelta

    return FixedClock(datetime.now(UTC) - timedelta(days=days))
