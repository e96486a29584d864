"""A bot that runs for months: garbage the collector alone can free does not wait for days.

The bot collects young objects rarely (``bot.services.GC_THRESHOLD``), so reference cycles left
by a cycle's work could stay for days; each pruning pass, hourly, collects them."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock
from bot.jobs import prune
from tests.ops.conftest import MakeServices

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: reference counting alone never frees it


@pytest.fixture
def collector_waiting() -> Iterator[None]:
    """As in the bot between its rare collections: only an explicit collection runs."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.asyncio
@pytest.mark.usefixtures("collector_waiting")
async def test_a_pruning_pass_frees_the_garbage_in_reference_cycles(
    make_services: MakeServices,
) -> None:
    services = make_services({}, clock=FixedClock(NOW))
    garbage = _Node()
    alive = weakref.ref(garbage)
    del garbage
    assert alive() is not None

    await prune(services)

    assert alive() is None
