"""Stories over time in the outbox (issue 22): a story delivered to a chat is never an entry of
that chat's digests again; its later reports are follow-ups, through the same delivery records.

Real parts: a store on a real file, the console channel, labelled reports from tests/data/eval.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.clock import FixedClock
from bot.delivery.channel import Sent
from bot.delivery.console_channel import ConsoleChannel
from bot.delivery.outbox import Outbox
from bot.models import FollowUpMode
from bot.subscriptions import threshold
from storage import ChatRecord, Store, open_store
from storage.migrations import migrations
from tests.support.summary_data import dev_items, store_item

DAY1 = datetime(2025, 3, 17, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.asyncio


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "tjwatch.db")
    yield store
    store.close()


def rows() -> list[dict[str, str | None]]:
    return [r for r in dev_items().values() if r["label"] == "relevant"]


def chat(store: Store, chat_id: int = 1, **settings: object) -> ChatRecord:
    store.chats.ensure(chat_id, channel="console", kind="private", now=DAY1)
    record = store.chats.update(chat_id, DAY1, subscribed=True, **settings)
    assert record is not None
    return record


def outbox(store: Store, at: datetime) -> Outbox:
    return Outbox(
        store,
        clock=FixedClock(at),
        threshold=functools.partial(threshold, default=0.5),
        follow_ups=lambda c: FollowUpMode(c.follow_ups or "thread"),
    )


async def test_a_delivered_story_comes_back_as_follow_ups_not_entries(store: Store) -> None:
    r = rows()
    story = store.stories.create(str(r[0]["title"]), str(r[0]["id"]), DAY1)
    other = store.stories.create(str(r[2]["title"]), str(r[2]["id"]), DAY1)
    store_item(store, r[0], at=DAY1, score=0.9, story_id=story)
    store_item(store, r[2], at=DAY1, score=0.8, story_id=other)
    me = chat(store)
    first = await outbox(store, DAY1).deliver(ConsoleChannel(io.StringIO()), me)
    assert [e.story_id for e in first.digest.entries] == [story, other]
    assert not first.digest.follow_ups

    # Day 2: a later report of the first story, and a new development of the second.
    day2 = DAY1 + timedelta(days=1)
    store_item(store, r[1], at=day2, score=0.7, story_id=story, story="same_story")
    store_item(
        store, r[3], at=day2, score=0.7, story_id=other, story="new_development", whats_new="x"
    )
    printed = io.StringIO()
    second = await outbox(store, day2).deliver(ConsoleChannel(printed), me)
    assert isinstance(second.outcome, Sent)
    assert [e.item_ids for e in second.digest.entries] == [(r[3]["id"],)]
    [follow_up] = second.digest.follow_ups
    assert follow_up.story_id == story and follow_up.item_ids == (r[1]["id"],)
    assert f"update to story {story}" in printed.getvalue()
    assert str(r[1]["title"]) in printed.getvalue()

    # Nothing is sent twice, across a restart (a new outbox on the same file).
    again = await outbox(store, day2).deliver(ConsoleChannel(io.StringIO()), me)
    assert again.outcome is None and again.digest.is_empty and not again.digest.follow_ups

    # Another chat never saw the stories: its first digest groups each one's reports, as before.
    fresh = await outbox(store, day2).build_digest("console", chat(store, 2))
    assert not fresh.follow_ups
    assert [(e.story_id, len(e.item_ids)) for e in fresh.entries] == [(story, 2), (other, 2)]


@pytest.mark.parametrize("mode", ["digest", "off"])
async def test_follow_up_modes_digest_and_off(store: Store, mode: str) -> None:
    r = rows()
    story = store.stories.create(str(r[0]["title"]), str(r[0]["id"]), DAY1)
    store_item(store, r[0], at=DAY1, score=0.9, story_id=story)
    me = chat(store, follow_ups=mode)
    await outbox(store, DAY1).deliver(ConsoleChannel(io.StringIO()), me)
    day2 = DAY1 + timedelta(days=1)
    store_item(store, r[1], at=day2, score=0.7, story_id=story)
    other = store.stories.create(str(r[2]["title"]), str(r[2]["id"]), day2)
    store_item(store, r[2], at=day2, score=0.8, story_id=other)
    printed = io.StringIO()
    report = await outbox(store, day2).deliver(ConsoleChannel(printed), me)
    text = printed.getvalue()
    assert [e.story_id for e in report.digest.entries] == [other]
    assert not report.digest.follow_ups
    if mode == "digest":
        assert "Updates to stories you have seen" in text
        assert f"story {story}: {r[1]['title']}" in text
    else:
        assert "Updates" not in text and str(r[1]["title"]) not in text
    # Either way the report is delivered: it never comes back.
    assert store.deliveries.sent_ids("console", me.id) >= {str(r[1]["id"])}
    again = await outbox(store, day2).deliver(ConsoleChannel(io.StringIO()), me)
    assert again.outcome is None


async def test_stories_delivered_before_the_upgrade_are_not_sent_again(tmp_path: Path) -> None:
    """A database from before m011: its delivered stories count as seen, with their messages."""
    path = tmp_path / "old.db"
    old_db = Database(path)
    migrations.apply(old_db, stop_before="m011_story_messages")
    old = Store(old_db, path)
    r = rows()
    story = old.stories.create(str(r[0]["title"]), str(r[0]["id"]), DAY1)
    store_item(old, r[0], at=DAY1, score=0.9, story_id=story)
    old.chats.ensure(1, channel="telegram", kind="private", now=DAY1)
    old.deliveries.mark_sent("telegram", 1, [str(r[0]["id"])], DAY1, 77)
    old.close()

    store = open_store(path)
    try:
        day2 = DAY1 + timedelta(days=1)
        store_item(store, r[1], at=day2, score=0.7, story_id=story)
        me = store.chats.update(1, day2, subscribed=True)
        assert me is not None and me.follow_ups is None
        digest = await outbox(store, day2).build_digest("telegram", me)
        assert digest.entries == ()
        [follow_up] = digest.follow_ups
        assert (follow_up.story_id, follow_up.reply_to) == (story, "77")
    finally:
        store.close()


async def test_chats_share_a_composition_but_reply_to_their_own_messages(store: Store) -> None:
    r = rows()
    story = store.stories.create(str(r[0]["title"]), str(r[0]["id"]), DAY1)
    store_item(store, r[0], at=DAY1, score=0.9, story_id=story)
    chats = [chat(store, 1), chat(store, 2)]
    for me, message in zip(chats, ("10", "20"), strict=True):
        store.deliveries.mark_sent(
            "telegram", me.id, [str(r[0]["id"])], DAY1, int(message), stories=[story],
            message_ref=message,
        )  # fmt: skip
    store_item(store, r[1], at=DAY1 + timedelta(hours=3), score=0.8, story_id=story)
    box = outbox(store, DAY1 + timedelta(hours=4))
    first, second = [await box.build_digest("telegram", me) for me in chats]
    assert [f.reply_to for f in first.follow_ups] == ["10"]
    assert [f.reply_to for f in second.follow_ups] == ["20"]
    assert first.follow_ups[0].reports is second.follow_ups[0].reports  # composed once
