"""What a new user met in a first conversation with the bot (issue 24), through the emulator, in
English and in Russian: /help's paragraphs, the menus marking what is chosen, an answer to plain
text, the digest's words and counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.lines import summary_line
from bot.ingest.item_files import LabelledItem, read_items
from tests.support.summary_data import DEV, dev_items, fill_week, store_item
from tests.support.telegram_emulator import TelegramUser, make_user
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig, rig, store_relevant_items

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


def person(rig: BotRig, lang: str) -> TelegramUser:
    """A new person whose Telegram speaks ``lang``: the bot answers in it without /lang."""
    return rig.emulator.user(rig.token, user=make_user(first_name="Dilnoza", language_code=lang))


@pytest.mark.parametrize(
    ("lang", "score", "language"),
    [("en", "• 0.5 •", "• English •"), ("ru", "• 0.5 •", "• Русский •")],
)
async def test_the_threshold_and_language_menus_mark_the_value_in_force(
    rig: BotRig, lang: str, score: str, language: str
) -> None:
    user = person(rig, lang)
    chat_id = user.chat["id"]
    async with rig.running():
        user.send_command("/settings")  # nothing chosen yet: the defaults are in force
        [menu] = await user.wait_for_messages_async()
        user.press_button(f"st:{chat_id}:view:score", menu)
        menu = await user.wait_for_edit_async(menu)
        assert [b["text"] for b in menu.buttons].count(score) == 1
        user.press_button(f"st:{chat_id}:view:main", menu)
        menu = await user.wait_for_edit_async(menu)
        user.press_button(f"st:{chat_id}:view:lang", menu)
        menu = await user.wait_for_edit_async(menu)
        assert language in [b["text"] for b in menu.buttons]


@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("en", "I answer commands only: /help lists them."),
        ("ru", "Я отвечаю только на команды: их список — /help."),
    ],
)
async def test_plain_text_in_a_private_chat_gets_a_hint(rig: BotRig, lang: str, hint: str) -> None:
    user = person(rig, lang)
    async with rig.running():
        user.send_message("Hello, what is new about Rogun?")
        [answer] = await user.wait_for_messages_async()
    assert answer.text == hint


@pytest.mark.parametrize(
    ("lang", "one_story", "one_more", "one_report", "counts"),
    [
        ("en", "1 story", "+1 more source", "1 report, ", "2 relevant items in 1 story"),
        ("ru", "1 сюжет", "+ещё 1 источник", "1 материал, ", "2 релевантных материала, 1 сюжет"),
    ],
)
async def test_counts_take_the_plural_form_of_their_number(
    rig: BotRig, lang: str, one_story: str, one_more: str, one_report: str, counts: str
) -> None:
    rows, store, now = dev_items(), rig.services.store, datetime.now(UTC)
    story = store.stories.create(str(rows["d013"]["title"]), "d013", now - timedelta(days=1))
    for n, key in enumerate(("d013", "d022")):  # one story, two outlets
        store_item(store, rows[key], at=now - timedelta(hours=5 - n), score=0.7, story_id=story)
    user = person(rig, lang)
    async with rig.running():
        user.send_command("/digest")
        [digest] = await user.wait_for_messages_async()
        user.send_command("/summary 24h")
        summary = "\n".join(m.plain_text or "" for m in await user.wait_for_messages_async())
        await rig.db(store_item, store, rows["d014"], at=now - timedelta(hours=1), score=0.6)
        user.send_command("/story d014")  # a lone item: a story of one report
        [lone] = await user.wait_for_messages_async()
    assert f"· {one_story}" in (digest.plain_text or "")
    assert one_more in (digest.plain_text or "")
    assert f"\n{counts}\n" in summary
    assert f"\n{one_report}" in (lone.plain_text or "")


async def test_a_story_is_headed_by_the_headline_the_summary_showed(rig: BotRig) -> None:
    stored = fill_week(rig.services.store, datetime.now(UTC))
    async with rig.running():
        rig.user.send_command("/summary")
        summary = "\n".join(m.plain_text or "" for m in await rig.user.wait_for_messages_async())
        rig.user.send_command(f"/story {stored.visit_story}")
        [story] = await rig.user.wait_for_messages_async()
    first = summary.split("\n1. ", 1)[1].split("\n", 1)[0]
    assert first == dev_items()["d002"]["title"]  # the best-scored report leads
    assert (story.plain_text or "").startswith(f"Story {stored.visit_story}: {first}\n")


async def test_what_is_new_is_not_the_quoted_summary_again(rig: BotRig) -> None:
    rows, now = dev_items(), datetime.now(UTC)
    row = rows["d013"]
    first_sentence = str(row["summary"]).split(". ")[0] + "."
    store_item(
        rig.services.store,
        row,
        at=now - timedelta(hours=2),
        score=0.8,
        story="new_development",
        whats_new=first_sentence,
    )
    async with rig.running():
        rig.user.send_command("/summary 24h")
        text = "\n".join(m.plain_text or "" for m in await rig.user.wait_for_messages_async())
    assert f"«{first_sentence}" in text  # quoted...
    assert "What is new" not in text  # ...and not said twice


@pytest.mark.parametrize(
    ("lang", "part", "old"),
    [("en", "part 1/", "continued 1/"), ("ru", "часть 1/", "продолжение 1/")],
)
async def test_a_split_digest_numbers_its_parts(
    rig: BotRig, lang: str, part: str, old: str
) -> None:
    store_relevant_items(rig.services, 40)
    user = person(rig, lang)
    async with rig.running():
        user.send_command("/digest")
        messages = await user.wait_for_messages_async(at_least=3, timeout=15)
    first = messages[0].plain_text or ""
    assert part in first.split("\n", 1)[0] and old not in first


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "2 undated items are not drawn."),
        ("ru", "2 материала без даты публикации не показаны."),
    ],
)
async def test_the_trend_leaves_undated_items_off_today(rig: BotRig, lang: str, note: str) -> None:
    rows, store, now = dev_items(), rig.services.store, datetime.now(UTC)
    for n, key in enumerate(("d013", "d014", "d018", "d031")):
        store_item(store, rows[key], at=now - timedelta(hours=n + 1), score=0.6, dated=n < 2)
    user = person(rig, lang)
    async with rig.running():
        user.send_command("/trend 7d")
        [photo] = await user.wait_for_messages_async(timeout=15)
    assert photo.caption is not None and photo.caption.endswith(note)
    assert (" 2 in all" if lang == "en" else "всего 2,") in photo.caption
