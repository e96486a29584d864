"""TelegramChannel + outbox against the emulator's injected Telegram errors.

Each error becomes an outcome the outbox acts on; a multi-message digest is recorded message by
message, so a failure part-way never resends what already arrived nor loses the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from telegram import Bot

from bot.delivery.channel import Blocked, RetryLater, Sent
from bot.subscriptions import record_chat
from bot.telegrambot.context import make_channel
from storage import ChatRecord
from tests.support.telegram_emulator import TelegramEmulator, supergroup_chat
from tests.support.tjwatch_bot import BotRig, store_relevant_items

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path, telegram_emulator: TelegramEmulator, bot_token: str
) -> AsyncIterator[BotRig]:
    rig = BotRig.create(tmp_path, telegram_emulator, bot_token, {})
    store_relevant_items(rig.services, 40)
    yield rig
    await rig.aclose()


@pytest_asyncio.fixture
async def bot(rig: BotRig, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as run_telegram does
    async with Bot(rig.token, base_url=rig.emulator.base_url_for_ptb) as bot:
        yield bot


def subscribed(rig: BotRig, chat_id: int) -> ChatRecord:
    store, now = rig.services.store, datetime.now(UTC)
    store.chats.ensure(chat_id, channel="telegram", kind="private", now=now)
    chat = store.chats.update(chat_id, now, subscribed=True)
    assert chat is not None
    return chat


async def test_blocked_bot_marks_the_chat_inactive(rig: BotRig, bot: Bot) -> None:
    chat = subscribed(rig, rig.user.chat["id"])
    rig.user.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    report = await rig.services.outbox.deliver(make_channel(bot), chat)
    assert isinstance(report.outcome, Blocked)
    stored = rig.services.store.chats.get(chat.id)
    assert stored is not None and not stored.active
    assert rig.services.store.deliveries.sent_ids("telegram", chat.id) == set()
    # The person unblocks the bot and writes to it: the chat is reachable again.
    again = await record_chat(
        rig.services.store,
        chat.id,
        kind="private",
        title=None,
        lang=None,
        schedule=rig.settings.file.schedule,
        now=datetime.now(UTC),
    )
    assert again.active and again.subscribed


async def test_failure_part_way_keeps_only_the_unsent_part_pending(rig: BotRig, bot: Bot) -> None:
    chat = subscribed(rig, rig.user.chat["id"])
    store = rig.services.store
    rig.user.emulator.delay_next("sendMessage", 0.01, times=1, token=rig.token)  # message 1 passes
    rig.user.fail_next("sendMessage", 429, parameters={"retry_after": 30}, times=5)
    report = await rig.services.outbox.deliver(make_channel(bot), chat)
    assert isinstance(report.outcome, RetryLater)
    [first] = rig.user.get_messages()
    sent_first = store.deliveries.sent_ids("telegram", chat.id)
    assert sent_first and len(sent_first) < len(report.digest.item_ids)
    rig.emulator.clear_faults(token=rig.token)

    report = await rig.services.outbox.deliver(make_channel(bot), chat)
    assert isinstance(report.outcome, Sent)
    rest = rig.user.get_messages()
    assert rest and not set(report.digest.item_ids) & sent_first  # nothing sent twice
    everything = store.deliveries.sent_ids("telegram", chat.id)
    assert everything == sent_first | set(report.digest.item_ids)
    assert (
        first.text.count("agreement number") + sum(m.text.count("agreement number") for m in rest)
        == 40
    )


async def test_migrated_group_gets_the_digest_under_its_new_id(rig: BotRig, bot: Bot) -> None:
    new_group = supergroup_chat()
    member = rig.user.in_chat(new_group)
    member.send_message("hello")  # the emulator learns the supergroup
    old_id = -4242
    chat = subscribed(rig, old_id)
    upgraded = "Bad Request: group chat was upgraded to a supergroup chat"
    rig.user.fail_next(
        "sendMessage",
        400,
        upgraded,
        chat_id=old_id,
        parameters={"migrate_to_chat_id": new_group["id"]},
    )
    report = await rig.services.outbox.deliver(make_channel(bot), chat)
    assert isinstance(report.outcome, Sent)
    assert rig.services.store.chats.get(old_id) is None
    moved = rig.services.store.chats.get(new_group["id"])
    assert moved is not None and moved.subscribed
    assert member.get_messages()


async def test_rejected_markup_is_resent_as_plain_text(rig: BotRig, bot: Bot) -> None:
    chat = subscribed(rig, rig.user.chat["id"])
    rig.user.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unexpected end tag")
    channel = make_channel(bot)
    digest = await rig.services.outbox.build_digest("telegram", chat)
    [message, *_] = channel.render(chat, digest)
    outcome = await channel.send_message(chat, message)
    assert isinstance(outcome, Sent)
    [received] = rig.user.get_messages()
    assert received.parse_mode is None
    assert "<b>" not in received.text and "agreement number" in received.text
