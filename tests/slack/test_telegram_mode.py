"""Telegram mode with Slack configured: the scheduled poll delivers to a Telegram chat and to
Slack, each recorded on its own (real bot against the emulator, real loopback Slack receiver)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import Services
from bot.settings import load_settings
from tests.support.config import write_config
from tests.support.feed_server import FeedServer
from tests.support.slack_receiver import SlackReceiver
from tests.support.telegram_emulator import TelegramEmulator
from tests.support.telegram_emulator.fixtures import bot_token, telegram_emulator
from tests.support.tjwatch_bot import ADMIN_ID, BotRig, eventually, texts

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["bot_token", "telegram_emulator"]  # fixtures


async def test_scheduled_poll_delivers_to_telegram_and_slack(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    feed_server: FeedServer,
    receiver: SlackReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    config = write_config(tmp_path, {"topic-en": feed_server.url("topic-en-rss.xml")})
    settings = load_settings(
        config,
        {
            "TELEGRAM_BOT_TOKEN": bot_token,
            "TELEGRAM_API_BASE_URL": telegram_emulator.api_root,
            "TJWATCH_ADMIN_IDS": str(ADMIN_ID),
            "SLACK_WEBHOOK_URL": receiver.webhook_url,
        },
        dotenv=False,
    )
    services = Services.build(settings)
    user = telegram_emulator.user(bot_token, first_name="Alice")
    rig = BotRig(
        emulator=telegram_emulator,
        token=bot_token,
        settings=settings,
        services=services,
        user=user,
        admin=user,
    )
    now = datetime.now(UTC)
    services.store.chats.ensure(user.chat["id"], channel="telegram", kind="private", now=now)
    services.store.chats.update(user.chat["id"], now, subscribed=True, frequency="instant")
    try:
        async with rig.running(first_poll_s=0.2):
            messages = await user.wait_for_messages_async(timeout=15)
            assert "Russia starts military exercises in Tajikistan" in texts(messages)
            posted = await asyncio.to_thread(receiver.wait_for, 1, "/services/", 15)
            sections = [
                b["text"]["text"] for m in posted for b in m.blocks if b["type"] == "section"
            ]
            assert any("Russia starts military exercises in Tajikistan" in s for s in sections)

            async def both_recorded() -> bool:
                counts = [
                    await rig.db(services.store.deliveries.count_sent, c)
                    for c in ("telegram", "slack")
                ]
                return counts[0] == counts[1] > 0

            await eventually(both_recorded, timeout=10)
    finally:
        await rig.aclose()
