"""What a new user tripped over (issue 24), through the emulator as they met it: votes that
rewrote a chosen threshold, periods the README names, story IDs where item IDs go, word forms
in /search, and seeds without a title."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.config import SHIPPED
from tests.support.summary_data import dev_items, fill_week, store_item
from tests.support.telegram_emulator import BotMessage, TelegramEmulator
from tests.support.tjwatch_bot import BotRig, eventually, rig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture


async def _vote(rig: BotRig, digest: BotMessage, vote: str, entry: int = 0) -> None:
    before = len(rig.user.calls("answerCallbackQuery"))
    data = [d for d in digest.callback_data if d.startswith(f"fb:{vote}:")][entry]
    rig.user.press_button(data, digest)

    async def answered() -> bool:
        return len(rig.user.calls("answerCallbackQuery")) > before

    await eventually(answered)


@pytest.mark.parametrize(
    ("lang", "adjusted", "reset"),
    [
        ("en", "Minimum relevance: 0.70, adjusted to 0.68 by your votes", "Undo the votes"),
        (
            "ru",
            "Порог релевантности: 0.70, по вашим оценкам скорректирован до 0.68",
            "Сбросить поправку",
        ),
    ],
)
async def test_votes_adjust_around_the_chosen_threshold_which_stands(
    rig: BotRig, lang: str, adjusted: str, reset: str
) -> None:
    fill_week(rig.services.store, datetime.now(UTC))
    chat_id = rig.user.chat["id"]
    async with rig.running():
        rig.user.send_command(f"/lang {lang}")
        await rig.user.wait_for_messages_async()
        rig.user.send_command("/settings")
        [menu] = await rig.user.wait_for_messages_async()
        for data in ("view:score", "score:0.7"):
            rig.user.press_button(f"st:{chat_id}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)
        rig.user.send_command("/digest")
        [digest] = await rig.user.wait_for_messages_async()
        await _vote(rig, digest, "+")
        await _vote(rig, digest, "+")  # the same vote again changes nothing

        rig.user.send_command("/settings")
        [menu] = await rig.user.wait_for_messages_async()
        assert adjusted in menu.text
        assert menu.button(reset) is not None
        rig.user.press_button(f"st:{chat_id}:votes:reset", menu)
        menu = await rig.user.wait_for_edit_async(menu)
        assert adjusted not in menu.text and ": 0.70\n" in menu.text
        assert not any(reset in (b.get("text") or "") for b in menu.buttons)

        await _vote(
            rig, digest, "-", entry=1
        )  # a 👎: up from 0.70, not down to the configured 0.65
        chat = await rig.db(rig.services.store.chats.get, chat_id)
        assert chat is not None and (chat.min_score, chat.vote_shift) == (0.7, 0.02)
        rig.user.send_command("/settings")
        [menu] = await rig.user.wait_for_messages_async()
        for data in ("view:score", "score:0.6"):  # choosing again clears the adjustment
            rig.user.press_button(f"st:{chat_id}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)
        assert ": 0.60\n" in menu.text
    chat = await rig.db(rig.services.store.chats.get, chat_id)
    assert chat is not None and (chat.min_score, chat.vote_shift) == (0.6, 0.0)


@pytest.mark.parametrize(
    ("lang", "earlier", "retry", "too_long"),
    [
        (
            "en",
            "relevant items are stored, the newest published",
            "/summary since 20",
            "longer than the 366 days",
        ),
        (
            "ru",
            "релевантных материалов, самый новый опубликован",
            "/summary 20",
            "больше 366 дн.",
        ),
    ],
)
async def test_summary_takes_the_readmes_periods_and_says_where_items_are(
    rig: BotRig, lang: str, earlier: str, retry: str, too_long: str
) -> None:
    fill_week(rig.services.store, datetime.now(UTC) - timedelta(days=400))
    headline = str(dev_items()["d002"]["title"])
    async with rig.running():
        rig.user.send_command(f"/lang {lang}")
        await rig.user.wait_for_messages_async()
        rig.user.send_command("/summary since 2025-01-01")
        messages = await rig.user.wait_for_messages_async()
        assert headline in messages[0].text
        rig.user.send_command("/summary")
        [empty] = await rig.user.wait_for_messages_async()
        assert earlier in empty.text and retry in empty.text
        rig.user.send_command("/trend 3650d")
        [refused] = await rig.user.wait_for_messages_async()
        assert too_long in refused.text


@pytest.mark.parametrize(
    ("lang", "lead", "missing"),
    [
        ("en", "Story {n}: its first report", "A number is a story"),
        ("ru", "Сюжет {n}: его первый материал", "Число — это номер сюжета"),
    ],
)
async def test_why_takes_the_story_numbers_summary_shows(
    rig: BotRig, lang: str, lead: str, missing: str
) -> None:
    stored = fill_week(rig.services.store, datetime.now(UTC))
    story = stored.visit_story
    async with rig.running():
        rig.user.send_command(f"/lang {lang}")
        await rig.user.wait_for_messages_async()
        for command in (f"/why {story}", f"/why story_{story}"):
            rig.user.send_command(command)
            [answer] = await rig.user.wait_for_messages_async()
            assert answer.text.startswith(lead.format(n=story) + "\n")
            assert str(dev_items()["d019"]["title"]) in answer.text  # the story's first report
        rig.user.send_command("/why 99999")
        [nothing] = await rig.user.wait_for_messages_async()
        assert missing in nothing.text


WORD_FORMS = {
    "ru": [
        "Рахмон прибыл в Москву с визитом",
        "Визит Рахмона в Москву завершён",
        "Путин вручил Рахмону орден",
        "Рахим Масов прибыл в Москву",  # another name
    ],
    "en": [
        "Rahmon holds talks in Moscow",
        "Putin and Rahmon talked in Moscow about labour migrants",
        "Moscow talk: what Rahmon wants",
        "Moscow tallies the votes",  # another word
    ],
}


@pytest.mark.parametrize(
    ("lang", "query", "found", "phrase", "in_phrase"),
    [
        ("ru", "Рахмона", 3, '"визит Рахмона в Москву"', 1),
        ("en", "talks", 3, '"talks in Moscow"', 2),
    ],
)
async def test_search_finds_every_form_of_a_word_and_phrases(
    rig: BotRig, lang: str, query: str, found: int, phrase: str, in_phrase: int
) -> None:
    now = datetime.now(UTC)
    for n, title in enumerate(WORD_FORMS[lang]):
        row = {"id": f"w{n}", "title": title, "summary": "", "source": "Wire", "url": None}
        store_item(rig.services.store, row | {"lang": lang}, at=now, score=0.7)
    async with rig.running():
        rig.user.send_command(f"/lang {lang}")
        await rig.user.wait_for_messages_async()
        rig.user.send_command(f"/search {query}")
        [answer] = await rig.user.wait_for_messages_async()
        shown = [t for t in WORD_FORMS[lang] if t in answer.text]
        assert shown == WORD_FORMS[lang][:found], answer.text
        rig.user.send_command(f"/search {phrase}")
        [answer] = await rig.user.wait_for_messages_async()
        assert sum(t in answer.text for t in WORD_FORMS[lang]) == in_phrase, answer.text


async def test_seeds_without_a_title_are_listed_by_their_first_line(
    tmp_path: Path, telegram_emulator: TelegramEmulator, bot_token: str
) -> None:
    seeds = SHIPPED.parent / "seeds"
    untitled = [
        {"file": str(seeds / name), "date": "2025-03-17"}
        for name in ("000_2d1f3eca5ebde82f.txt", "003_49707a97bcb62aca.txt")
    ]
    rig = BotRig.create(tmp_path, telegram_emulator, bot_token, {}, seeds=untitled)
    try:
        async with rig.running():
            rig.user.send_command("/seeds")
            [answer] = await rig.user.wait_for_messages_async()
    finally:
        await rig.aclose()
    text = answer.plain_text or ""
    assert "1. Russia offers Tajikistan investment projects in energy and mining" in text
    assert (
        "2. The Russian President, Vladimir Putin, has been discussing bilateral relations with "
        "the Tajik President, Emomali Rahmon, in Moscow.\n" in text + "\n"
    )
    assert "000_2d1f3eca5ebde82f" not in text and "49707a97bcb62aca" not in text
