"""What a new user met in a first conversation with the bot (issue 24), through the emulator, in
English and in Russian: /help's paragraphs, the menus marking what is chosen, an answer to plain
text, the digest's words and counts."""

from __future__ import annotations

import pytest

from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig, rig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture


@pytest.mark.parametrize(
    ("lang", "admin", "channels"),
    [
        ("en", "<b>Admin</b>: ", "<b>Channels</b>: "),
        ("ru", "<b>Администратор</b>: ", "<b>Каналы</b>: "),
    ],
)
async def test_help_keeps_its_sections_apart(
    rig: BotRig, lang: str, admin: str, channels: str
) -> None:
    async with rig.running():
        rig.admin.send_command(f"/lang {lang}")
        await rig.admin.wait_for_messages_async()
        rig.admin.send_command("/help")
        [answer] = await rig.admin.wait_for_messages_async()
    assert answer.text is not None
    assert_telegram_html(answer.text)
    commands, admin_part, channel_part = answer.text.split("\n\n")
    assert commands.endswith("/trend — " + ("summaries" if lang == "en" else "сводки"))
    assert admin_part.startswith(admin) and channel_part.startswith(channels)
