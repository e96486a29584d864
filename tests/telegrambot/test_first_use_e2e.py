"""What a new user met in a first conversation with the bot (issue 24), through the emulator, in
English and in Russian: /help's paragraphs, the menus marking what is chosen, an answer to plain
text, the digest's words and counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.lines import summary_line
from bot.ingest.item_files import LabelledItem, read_items
from tests.support.summary_data import DEV, dev_items, store_item
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


# Relevant items of tests/data/eval/dev.jsonl whose "what is new" sentence, as the real scorer
# picks it, is their headline.
HEADLINE_NEWS = ("d013", "d026", "d032", "d045")


async def test_digest_lines_show_the_lede_never_the_headline_again(rig: BotRig) -> None:
    rows = dev_items()
    scored = {
        row.item.id: rig.services.scorer.score(row.item)
        for row in read_items(DEV)
        if isinstance(row, LabelledItem) and row.item.id in HEADLINE_NEWS
    }
    now = datetime.now(UTC)
    for n, key in enumerate(HEADLINE_NEWS):
        assert scored[key].whats_new == rows[key]["title"]  # what the digest used to repeat
        store_item(
            rig.services.store,
            rows[key],
            at=now - timedelta(hours=n + 1),
            score=0.8 - n / 100,
            story="new_development",
            whats_new=scored[key].whats_new,
        )
    async with rig.running():
        rig.user.send_command("/digest")
        [digest] = await rig.user.wait_for_messages_async()
    text = digest.plain_text or ""
    for key in HEADLINE_NEWS:
        title, summary = str(rows[key]["title"]), str(rows[key]["summary"])
        assert text.count(title) == 1, title
        # The same line as the console digest: the summary's first sentence.
        assert f"\n{summary_line(summary, title)}\n" in text + "\n"
