"""Each follow-up mode end to end against the Telegram emulator (issue 22), and the fallback when
the message that carried a story is gone.

Labelled real reports (tests/data/eval) are stored as one story; the real bot delivers the chat's
digest, then a later report of the story, as the chat's follow-up mode says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.jobs import digest_job
from bot.telegrambot.context import make_channel
from tests.support.summary_data import dev_items, store_item
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig, rig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture

DAY1 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def reports() -> list[dict[str, str | None]]:
    return [r for r in dev_items().values() if r["label"] == "relevant"]


async def setup(rig: BotRig, mode: str) -> tuple[int, list[dict[str, str | None]], int]:
    """A subscribed chat in ``mode``, and a story whose first report it has been sent."""
    store, chat_id, rows = rig.services.store, int(rig.user.chat["id"]), reports()

    def prepare() -> int:
        store.chats.ensure(chat_id, channel="telegram", kind="private", now=DAY1)
        store.chats.update(chat_id, DAY1, subscribed=True, follow_ups=mode, timezone="UTC")
        story = store.stories.create(str(rows[0]["title"]), str(rows[0]["id"]), DAY1)
        store_item(store, rows[0], at=DAY1, score=0.9, story_id=story)
        return story

    story = await rig.db(prepare)
    await deliver(rig, chat_id)
    return chat_id, rows, story


async def deliver(rig: BotRig, chat_id: int) -> None:
    chat = await rig.db(rig.services.store.chats.get, chat_id)
    assert chat is not None
    await digest_job(rig.services, make_channel(rig.apps[-1].bot), chat)


async def later_reports(rig: BotRig, rows: list[dict[str, str | None]], story: int) -> int:
    """Day 2: a later report of the story, whose scorer found what is new, and a new story."""
    store, day2 = rig.services.store, DAY1 + timedelta(days=1)

    def add() -> int:
        store_item(
            store, rows[1], at=day2, score=0.8, story_id=story, whats_new="Talks <moved> to May"
        )
        other = store.stories.create(str(rows[2]["title"]), str(rows[2]["id"]), day2)
        store_item(store, rows[2], at=day2, score=0.7, story_id=other)
        return other

    return await rig.db(add)


async def test_thread_mode_replies_to_the_message_that_carried_the_story(rig: BotRig) -> None:
    async with rig.running():
        chat_id, rows, story = await setup(rig, "thread")
        [original] = rig.user.bot_messages()
        assert f"/story_{story}" in original.text
        other = await later_reports(rig, rows, story)
        await deliver(rig, chat_id)
        digest, follow_up = rig.user.bot_messages()[1:]
        assert f"/story_{other}" in digest.text and str(rows[1]["title"]) not in digest.text
        assert follow_up.sent["reply_to_message"]["message_id"] == original.message_id
        assert follow_up.plain_text.startswith(f"🔄 Update to story {story} · /story_{story}")
        assert str(rows[1]["title"]) in follow_up.plain_text
        assert "What is new: Talks <moved> to May" in follow_up.plain_text
        assert_telegram_html(follow_up.text)
        # Nothing comes twice: the next digest has nothing to say.
        await deliver(rig, chat_id)
        assert len(rig.user.bot_messages()) == 3


async def test_a_follow_up_to_a_deleted_message_says_which_story_it_updates(
    rig: BotRig,
) -> None:
    async with rig.running():
        chat_id, rows, story = await setup(rig, "thread")
        [original] = rig.user.bot_messages()
        gone = rig.emulator.bot_api(
            rig.token, "deleteMessage", chat_id=chat_id, message_id=original.message_id
        )
        assert gone["ok"]
        await later_reports(rig, rows, story)
        await deliver(rig, chat_id)
        follow_up = rig.user.bot_messages()[-1]
        assert "reply_to_message" not in follow_up.sent
        assert follow_up.plain_text.startswith(f"🔄 Update to story {story}")
        assert str(rows[1]["title"]) in follow_up.plain_text
        sent = await rig.db(rig.services.store.deliveries.sent_ids, "telegram", chat_id)
        assert {str(rows[0]["id"]), str(rows[1]["id"]), str(rows[2]["id"])} <= sent
        # That follow-up now carries the story: the next report replies to it.
        day3 = DAY1 + timedelta(days=2)
        await rig.db(store_item, rig.services.store, rows[3], at=day3, score=0.8, story_id=story)
        await deliver(rig, chat_id)
        next_one = rig.user.bot_messages()[-1]
        assert next_one.sent["reply_to_message"]["message_id"] == follow_up.message_id
        assert str(rows[3]["title"]) in next_one.plain_text


async def test_digest_mode_gathers_updates_at_the_end_of_the_next_digest(rig: BotRig) -> None:
    async with rig.running():
        chat_id, rows, story = await setup(rig, "digest")
        other = await later_reports(rig, rows, story)
        await deliver(rig, chat_id)
        [_, digest] = rig.user.bot_messages()
        assert "reply_to_message" not in digest.sent
        text = digest.plain_text
        assert text.startswith("tjwatch digest · 1 story\n") and f"/story_{other}" in text
        updates = text.index("Updates to stories you have seen")
        assert text.index(str(rows[2]["title"])) < updates
        assert f"• /story_{story} {rows[1]['title']}" in text[updates:]
        assert_telegram_html(digest.text)


async def test_off_mode_shows_nothing_and_story_still_lists_it(rig: BotRig) -> None:
    async with rig.running():
        chat_id, rows, story = await setup(rig, "off")
        await later_reports(rig, rows, story)
        await deliver(rig, chat_id)
        [_, digest] = rig.user.bot_messages()
        assert str(rows[1]["title"]) not in digest.plain_text
        assert "Update" not in digest.plain_text
        await rig.user.wait_for_messages_async()  # the digests, read
        rig.user.send_command(f"/story_{story}")
        [timeline] = await rig.user.wait_for_messages_async()
        assert f"Story {story}:" in timeline.plain_text
        assert str(rows[0]["title"]) in timeline.plain_text
        assert str(rows[1]["title"]) in timeline.plain_text


async def test_the_settings_button_switches_follow_ups(rig: BotRig) -> None:
    chat_id = int(rig.user.chat["id"])
    async with rig.running():
        rig.user.send_command("/subscribe")
        await rig.user.wait_for_messages_async()
        rig.user.send_command("/settings")
        [menu] = await rig.user.wait_for_messages_async()
        assert "Follow-ups: as replies" in menu.plain_text  # the configured default
        rig.user.press_button(f"st:{chat_id}:view:follow", menu)
        menu = await rig.user.wait_for_edit_async(menu)
        assert "• as replies •" in [b["text"] for b in menu.buttons]
        rig.user.press_button(f"st:{chat_id}:follow:digest", menu)
        menu = await rig.user.wait_for_edit_async(menu)
        assert "Follow-ups: in the next digest" in menu.plain_text
        chat = await rig.db(rig.services.store.chats.get, chat_id)
        assert chat is not None and chat.follow_ups == "digest"
