"""/summary, /story and /trend in the real bot against the Telegram Bot API emulator."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image

from bot.digest.trend import HEIGHT_PX, WIDTH_PX
from bot.render.telegram_html import MESSAGE_LIMIT, utf16_len
from tests.support.summary_data import DEPORTATIONS, VISIT, dev_items, fill_week
from tests.support.telegram_emulator import TelegramEmulator
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path, telegram_emulator: TelegramEmulator, bot_token: str,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotRig]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    rig = BotRig.create(tmp_path, telegram_emulator, bot_token, {})
    yield rig
    await rig.aclose()
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


async def test_summary_of_the_week(rig: BotRig) -> None:
    stored = fill_week(rig.services.store, datetime.now(UTC))
    async with rig.running():
        rig.user.send_command("/summary")
        messages = await rig.user.wait_for_messages_async()
        text = "\n".join(m.plain_text or "" for m in messages)  # as people read it
        for m in messages:
            assert m.text is not None and utf16_len(m.text) <= MESSAGE_LIMIT
            assert_telegram_html(m.text)
        assert "Summary · last 7 days" in text
        assert "14 relevant items in 6 stories" in text
        assert dev_items()["d002"]["title"] in text
        assert f"/story {stored.visit_story}" in text
        assert "the seeds' story" in text and "new development" in text
        assert "Themes" in text and "migration and remittances: " in text

        rig.user.send_command("/summary 24h")
        [empty] = await rig.user.wait_for_messages_async()
        assert empty.text.startswith("Nothing relevant was stored in this period (last 24 h).")

        rig.user.send_command("/summary fortnight")
        [usage] = await rig.user.wait_for_messages_async()
        assert usage.text.startswith("Usage: /summary [24h|7d|30d|since YYYY-MM-DD]")


async def test_story_lists_every_report_by_time(rig: BotRig) -> None:
    stored = fill_week(rig.services.store, datetime.now(UTC))
    async with rig.running():
        rig.user.send_command(f"/story {stored.deportation_story}")
        messages = await rig.user.wait_for_messages_async()
        text = "\n".join(m.plain_text or "" for m in messages)
        assert f"Story {stored.deportation_story}:" in text
        assert "4 reports" in text
        positions = [text.index(f"ID {key}") for key in DEPORTATIONS]
        assert positions == sorted(positions)  # oldest first
        # An item's own ID finds its story too.
        rig.user.send_command(f"/story {VISIT[0]}")
        messages = await rig.user.wait_for_messages_async()
        assert f"Story {stored.visit_story}:" in messages[0].text

        rig.user.send_command("/story nothing-like-this")
        [missing] = await rig.user.wait_for_messages_async()
        assert missing.text.startswith("No story or item nothing-like-this is stored.")


async def test_trend_is_a_photo_with_a_caption(
    rig: BotRig, telegram_emulator: TelegramEmulator
) -> None:
    fill_week(rig.services.store, datetime.now(UTC))
    async with rig.running():
        rig.user.send_command("/trend")
        [photo] = await rig.user.wait_for_messages_async(timeout=15)
        assert photo.photo is not None
        assert photo.caption is not None
        assert photo.caption.startswith("Relevant items per day, last 30 days: 14 in all")
        png = telegram_emulator.file_bytes(photo.photo["file_id"])
        assert Image.open(io.BytesIO(png)).size == (WIDTH_PX, HEIGHT_PX)

        rig.user.send_command("/trend 5x")
        [usage] = await rig.user.wait_for_messages_async()
        assert usage.text.startswith("Usage: /trend")
