"""Follow-ups in Slack threads when the message that carried the story is gone (issue 22).

Against the loopback Slack receiver, which answers as Slack does: a reply whose thread's parent
was deleted is posted at the channel's root, with no ``thread_ts`` in the answer's ``message``
(slack-go/slack#1571, langchain-ai/open-swe#2753). Labelled real reports (tests/data/eval) are
one story; the bot token posts with ``chat.postMessage``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest

from bot.channels import configured_channels
from bot.services import Services
from tests.slack.conftest import NOW, FixedClock, MakeServices
from tests.support.slack_receiver import Received, SlackReceiver
from tests.support.summary_data import dev_items, store_item

pytestmark = pytest.mark.asyncio


def reports() -> list[dict[str, str | None]]:
    return [r for r in dev_items().values() if r["label"] == "relevant"]


async def bot_token(receiver: SlackReceiver, make_services: MakeServices) -> Services:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-follow-ups",
        "SLACK_CHANNEL": "C0STORIES",
        "SLACK_API_BASE_URL": receiver.api_url,
    }
    return await make_services(env)


async def deliver(services: Services, days: int) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.at = NOW + timedelta(days=days)
    [target] = await configured_channels(services.settings, services.store, now=clock.at)
    await services.outbox.deliver(target.channel, target.chat)


def text(post: Received) -> str:
    return json.dumps(post.blocks, ensure_ascii=False) + str(post.body.get("text", ""))


def undelivered(services: Services) -> int:
    with sqlite3.connect(services.settings.database_path) as db:
        [(count,)] = db.execute("SELECT count(*) FROM deliveries WHERE status != 'sent'")
        return int(count)


async def story_of_one_report(services: Services) -> tuple[int, list[dict[str, str | None]]]:
    rows = reports()
    story = services.store.stories.create(str(rows[0]["title"]), str(rows[0]["id"]), NOW)
    store_item(services.store, rows[0], at=NOW, score=0.9, story_id=story)
    await deliver(services, 0)
    return story, rows


def later_report(services: Services, row: dict[str, str | None], story: int, day: int) -> None:
    at = NOW + timedelta(days=day)
    store_item(services.store, row, at=at, score=0.8, story_id=story, story="same_story")


async def test_a_deleted_parent_makes_the_update_a_message_that_carries_the_story(
    receiver: SlackReceiver, make_services: MakeServices
) -> None:
    services = await bot_token(receiver, make_services)
    story, rows = await story_of_one_report(services)
    [digest] = receiver.accepted("/api/chat.postMessage")
    assert digest.ts is not None and f"/story {story}" in text(digest)
    receiver.delete(digest.ts)  # someone deletes the digest in the channel

    later_report(services, rows[1], story, day=1)
    await deliver(services, 1)
    [update] = receiver.accepted("/api/chat.postMessage")[1:]
    # Slack took it with the dead thread_ts and posted it at the channel's root: a message of
    # its own, which says which story it updates.
    assert update.body.get("thread_ts") == digest.ts and update.thread is None
    assert f"Update to story {story}" in text(update) and str(rows[1]["title"]) in text(update)

    # The next report of the story goes in the thread of that update, not to the dead parent.
    later_report(services, rows[2], story, day=2)
    await deliver(services, 2)
    [next_update] = receiver.accepted("/api/chat.postMessage")[2:]
    assert next_update.thread == update.ts
    assert str(rows[2]["title"]) in text(next_update)

    # Nothing lost, nothing twice.
    await deliver(services, 3)
    assert len(receiver.accepted("/api/chat.postMessage")) == 3
    assert undelivered(services) == 0


async def test_a_refused_thread_is_posted_again_as_its_own_message(
    receiver: SlackReceiver, make_services: MakeServices
) -> None:
    services = await bot_token(receiver, make_services)
    story, rows = await story_of_one_report(services)
    [digest] = receiver.accepted("/api/chat.postMessage")
    later_report(services, rows[1], story, day=1)
    receiver.script(200, json.dumps({"ok": False, "error": "thread_not_found"}))
    await deliver(services, 1)

    refused, update = [r for r in receiver.requests if r.path == "/api/chat.postMessage"][1:]
    assert not refused.accepted and refused.body.get("thread_ts") == digest.ts
    assert update.accepted and "thread_ts" not in update.body and update.thread is None
    assert f"Update to story {story}" in text(update) and str(rows[1]["title"]) in text(update)
    await deliver(services, 2)
    assert len(receiver.accepted("/api/chat.postMessage")) == 2
    assert undelivered(services) == 0
