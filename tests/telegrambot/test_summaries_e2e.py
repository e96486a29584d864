"""/summary, /story and /trend in the real bot against the Telegram Bot API emulator."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image

from bot.digest.trend import HEIGHT_PX, WIDTH_PX
from bot.render.telegram_html import MESSAGE_LIMIT, utf16_len
from bot.services import Services
from bot.settings import load_settings
from tests.support.llm_server import LlmServer
from tests.support.summary_data import DEPORTATIONS, VISIT, dev_items, fill_week
from tests.support.telegram_emulator import TelegramEmulator, make_user
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
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
        assert empty.text.startswith("Nothing relevant was published in this period (last 24 h).")
        assert "14 relevant items are stored, the newest published " in empty.text

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


async def test_summary_since_a_date(rig: BotRig) -> None:
    now = datetime.now(UTC)
    fill_week(rig.services.store, now)
    day = (now - timedelta(days=10)).date().isoformat()
    async with rig.running():
        rig.user.send_command(f"/summary since {day}")
        messages = await rig.user.wait_for_messages_async()
    text = "\n".join(m.plain_text or "" for m in messages)
    assert text.startswith(f"Summary · since {day}")
    assert "14 relevant items in 6 stories" in text


async def test_a_language_model_writes_the_summary_without_holding_up_other_chats(
    rig: BotRig,
) -> None:
    """With LLM_BASE_URL set, /summary waits for the model while other commands are answered;
    the model's text is labelled as such, and a failing model leaves the quoted summary."""
    fill_week(rig.services.store, datetime.now(UTC))
    with LlmServer() as llm:
        env = {
            "TELEGRAM_BOT_TOKEN": rig.token,
            "TELEGRAM_API_BASE_URL": rig.emulator.api_root,
            "LLM_BASE_URL": llm.base_url,
        }
        await rig.services.aclose()
        rig.settings = load_settings(rig.settings.config_path, env, dotenv=False)
        rig.services = Services.build(rig.settings)
        llm.mode = "slow"  # answers when released
        async with rig.running():
            rig.user.send_command("/summary")
            other = rig.emulator.user(rig.token, user=make_user(first_name="Bob"))
            other.send_command("/help")
            [help_text] = await other.wait_for_messages_async()
            assert help_text.text.startswith("<b>Commands</b>")
            assert rig.user.get_messages() == []  # still waiting for the model
            llm._release.set()  # the model answers
            [brief] = await rig.user.wait_for_messages_async(timeout=10)
            assert f"<i>{llm.answer}</i>" in brief.text
            assert "(summary written by a language model from the reports)" in brief.text
            assert_telegram_html(brief.text)

            llm.mode = "error"
            rig.user.send_command("/summary")
            [quoted] = await rig.user.wait_for_messages_async(timeout=10)
            assert llm.answer not in quoted.text and "language model" not in quoted.text
            assert "«" in quoted.text  # the extractive summary, quoted from the reports
