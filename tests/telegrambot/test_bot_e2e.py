"""The real bot (build_application) against the Telegram Bot API emulator, acting as people.

Each test has its own bot token, config and SQLite file; the emulator process is shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.jobs import poll_job
from bot.render.telegram_html import MESSAGE_LIMIT, utf16_len
from bot.scheduler import job_name
from tests.support.feed_server import FeedServer
from tests.support.telegram_emulator import TelegramEmulator, group_chat, make_user
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig, hostile_feed

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path, telegram_emulator: TelegramEmulator, bot_token: str, feed_server: FeedServer
) -> AsyncIterator[BotRig]:
    rig = BotRig.create(tmp_path, telegram_emulator, bot_token,
                        {"topic-en": feed_server.url("topic-en-rss.xml")})
    yield rig
    await rig.aclose()


def texts(messages: list) -> str:
    return "\n".join(m.text or "" for m in messages)


async def test_start_then_subscribe(rig: BotRig) -> None:
    async with rig.running() as app:
        rig.user.send_command("/start")
        [welcome] = await rig.user.wait_for_messages_async()
        assert "Russia–Tajikistan" in welcome.text
        assert_telegram_html(welcome.text)
        rig.user.press_button("sub", welcome)
        [done] = await rig.user.wait_for_messages_async()
        assert done.text.startswith("✅ Subscribed")
        assert "daily at 08:00" in done.text
        chat = rig.services.store.chats.get(rig.user.chat["id"])
        assert chat is not None and chat.subscribed
        assert app.job_queue.get_jobs_by_name(job_name(chat.id))


async def test_digest_after_poll_shows_matching_items_only(rig: BotRig) -> None:
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command("/digest")
        messages = await rig.user.wait_for_messages_async()
        text = texts(messages)
        assert "Russia starts military exercises in Tajikistan" in text
        assert "SpaceX" not in text and "Myanmar" not in text
        for message in messages:
            assert_telegram_html(message.text)
            assert message.callback_data and all(d.startswith("fb:") for d in message.callback_data)


async def test_empty_digest_is_answered_when_asked(rig: BotRig) -> None:
    async with rig.running():
        rig.user.send_command("/digest")
        [message] = await rig.user.wait_for_messages_async()
        assert message.text == "Nothing new since your last digest."
