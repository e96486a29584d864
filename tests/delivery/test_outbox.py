"""The outbox on its own parts: a store on a real file, a clock, a threshold, an observer."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.delivery.channel import SendOutcome, Sent
from bot.delivery.console_channel import ConsoleChannel
from bot.delivery.outbox import Outbox
from bot.subscriptions import threshold
from storage import ChatRecord, Store, open_store
from tests.support.summary_data import dev_items, store_item

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "tjwatch.db")
    rows = [r for r in dev_items().values() if r["label"] == "relevant"][:4]
    for n, row in enumerate(rows):
        store_item(store, row, at=NOW - timedelta(hours=n + 1), score=0.9 - n * 0.1)
    yield store
    store.close()


def chat(store: Store, chat_id: int, **settings: object) -> ChatRecord:
    store.chats.ensure(chat_id, channel="console", kind="private", now=NOW)
    record = store.chats.update(chat_id, NOW, subscribed=True, **settings)
    assert record is not None
    return record


@pytest.mark.asyncio
async def test_delivers_once_and_tells_the_observer(store: Store) -> None:
    seen: list[tuple[str, SendOutcome]] = []
    outbox = Outbox(
        store,
        clock=FixedClock(NOW),
        threshold=functools.partial(threshold, default=0.75),
        observe=lambda c, o: seen.append((c, o)),
    )
    default, own = chat(store, 1), chat(store, 2, min_score=0.55)
    printed = io.StringIO()
    report = await outbox.deliver(ConsoleChannel(printed), default)
    assert isinstance(report.outcome, Sent) and len(report.digest.entries) == 2  # 0.9, 0.8
    assert seen == [("console", report.outcome)] and printed.getvalue()
    # The chat's own threshold replaces the configured one.
    assert len((await outbox.build_digest("console", own)).entries) == 4
    # Delivered items are not sent again: nothing new, nothing sent, nothing observed.
    again = await outbox.deliver(ConsoleChannel(io.StringIO()), default)
    assert again.outcome is None and again.digest.entries == () and len(seen) == 1
