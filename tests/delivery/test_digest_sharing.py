"""Chats due together with the same new items share one composed digest, and only while fresh."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.clock import FixedClock
from bot.delivery.console_channel import ConsoleChannel
from bot.services import Services
from bot.settings import load_settings
from storage import ChatRecord
from tests.support.config import write_config
from tests.support.summary_data import dev_items, store_item

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    config = write_config(tmp_path, {})
    async with Services.build(load_settings(config, env={}), clock=FixedClock(NOW)) as built:
        rows = [r for r in dev_items().values() if r["label"] == "relevant"][:6]
        for n, row in enumerate(rows):
            store_item(built.store, row, at=NOW - timedelta(hours=n + 1), score=0.9 - n * 0.05)
        yield built


def chat(services: Services, chat_id: int, **settings: object) -> ChatRecord:
    store = services.store
    store.chats.ensure(chat_id, channel="console", kind="private", now=NOW)
    record = store.chats.update(chat_id, NOW, subscribed=True, **settings)
    assert record is not None
    return record


@pytest.mark.asyncio
async def test_chats_with_the_same_new_items_share_one_digest(services: Services) -> None:
    first, second = chat(services, 1), chat(services, 2)
    a = await services.outbox.build_digest("console", first)
    b = await services.outbox.build_digest("console", second)
    assert len(a.entries) == 6
    assert b is a  # composed once

    # A chat with its own threshold gets its own digest.
    picky = await services.outbox.build_digest("console", chat(services, 3, min_score=0.8))
    assert picky is not a and len(picky.entries) == 3

    # Once the first chat has its digest, its next one holds nothing; the second's is unchanged.
    report = await services.outbox.deliver(ConsoleChannel(io.StringIO()), first)
    assert report.outcome is not None
    assert (await services.outbox.build_digest("console", first)).entries == ()
    assert (await services.outbox.build_digest("console", second)).entries == a.entries


@pytest.mark.asyncio
async def test_a_shared_digest_is_composed_again_after_a_minute(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    first = await services.outbox.build_digest("console", chat(services, 1))
    clock.advance(seconds=61)
    later = await services.outbox.build_digest("console", chat(services, 2))
    assert later is not first and later.entries == first.entries
    assert later.generated_at == NOW + timedelta(seconds=61)
