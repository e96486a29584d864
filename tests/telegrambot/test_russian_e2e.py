"""Every command in Russian, through the emulator: no English left in a Russian chat.

An admin whose Telegram speaks Russian walks the whole menu (and the admin commands, the settings
menus, an unknown command and plain text) over a week of stored reports. Each answer must come
from the Russian catalogs: no fixed part of an English catalog text may appear, and once the
reports' own words are set aside (headlines, quotes, outlets, addresses, commands, codes, time
zones, seed titles) no Latin-script word may remain but a few names (tjwatch, ID, URL...).
"""

from __future__ import annotations

import asyncio
import html
import re
import string
import tomllib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.relevance.reasons import ENGLISH
from bot.render.telegram_html import clip
from bot.telegrambot.app import MENU
from bot.telegrambot.keyboards import VIEWS
from tests.support.summary_data import D019_TEXT, WHATS_NEW, dev_items, fill_week
from tests.support.telegram_emulator import BotMessage, TelegramEmulator, TelegramUser, make_user
from tests.support.tjwatch_bot import ADMIN_ID, BotRig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]

BOT = Path(__file__).resolve().parents[2] / "bot"
# Latin words a Russian text may hold: names and abbreviations, the languages' own names.
ALLOWED = {"tjwatch", "ID", "URL", "UTC", "English", "http", "https", "en", "ru"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotRig]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    # Private addresses refused, as in production: /addfeed's refusal is part of the walk.
    rig = BotRig.create(
        tmp_path, telegram_emulator, bot_token, {}, fetch={"allow_private_addresses": False}
    )
    yield rig
    await rig.aclose()


def _english_fragments() -> set[str]:
    """The fixed parts (between placeholders and tags) of every English catalog text that has
    two Latin words or more, where the Russian text differs."""

    def texts(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for v in value.values():
                yield from texts(v)
        elif isinstance(value, str):
            yield value

    catalogs = [
        tomllib.loads((BOT / "locales/en.toml").read_text("utf-8")),
        tomllib.loads((BOT / "render/summary_texts.toml").read_text("utf-8"))["en"],
        {"reasons": ENGLISH},
    ]
    fragments = set()
    for text in (t for c in catalogs for t in texts(c)):
        for literal, *_ in string.Formatter().parse(text):
            for part in re.split(r"<[^>]+>|/\w+", literal):
                part = part.strip(" .,:;()·—–-")
                if len(LATIN_WORD.findall(part)) >= 2:
                    fragments.add(part)
    return fragments


def _data_phrases(rig: BotRig, asked: list[str]) -> list[str]:
    """What the reports, feeds and seeds say themselves, and what the person typed: shown as
    they are, in any chat."""
    phrases = [D019_TEXT, WHATS_NEW, *(a.split(maxsplit=1)[1] for a in asked if " " in a)]
    for row in dev_items().values():
        phrases += [str(row[k]) for k in ("title", "summary", "source", "url") if row.get(k)]
        phrases += re.split(r"(?<=[.!?])\s+", str(row["summary"]))
    for seed in rig.settings.file.seeds:
        phrases += [p for p in (seed.title, seed.source) if p]
    phrases += [clip(p, n) for p in list(phrases) for n in (60, 80, 200)]
    return sorted(set(phrases), key=len, reverse=True)


def _prose(text: str, phrases: list[str]) -> str:
    """The bot's own words of a message: markup, codes, links, quotes and data taken out."""
    text = re.sub(r"<code>.*?</code>|<a [^>]*>.*?</a>", " ", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"«[^»]*»", " ", text)  # quoted from the reports
    text = re.sub(r"https?://\S+", " ", text)
    for phrase in phrases:
        text = text.replace(phrase, " ")
    text = re.sub(r"\b[A-Z][a-z]+/[A-Za-z_]+\b", " ", text)  # time zones: Europe/Moscow
    text = re.sub(r"/\w+(@\w+)?|\b[\w.-]+\.(?:com|org|ru|by|tv|net|info)\b", " ", text)
    return text


def _latin_words(prose: str, data_words: set[str]) -> list[str]:
    """Latin words of the bot's own prose; a capitalised word the reports use (a name, a quoted
    term such as "Tajikistan") may stand in it."""
    return [
        w
        for w in LATIN_WORD.findall(prose)
        if w not in ALLOWED and not (w[0].isupper() and w in data_words)
    ]


async def _ask(user: TelegramUser, text: str, *, command: bool = True) -> list[BotMessage]:
    if command:
        user.send_command(text)
    else:
        user.send_message(text)
    messages = await user.wait_for_messages_async(timeout=15)
    await asyncio.sleep(0.3)  # a long answer comes in parts
    return messages + user.get_messages()


def _shown(message: BotMessage) -> str:
    buttons = " ".join(b.get("text", "") for b in message.buttons)
    return "\n".join(x for x in (message.text, message.caption, buttons) if x)


async def test_every_command_answers_in_russian(rig: BotRig) -> None:
    stored = fill_week(rig.services.store, datetime.now(UTC))
    admin = rig.emulator.user(
        rig.token, user=make_user(ADMIN_ID, first_name="Админ", language_code="ru")
    )
    chat = admin.chat["id"]
    walk = [
        "/start",
        "/help",
        "/subscribe",
        "/digest",
        "/latest 3",
        "/search Рахмон",
        "/search nothing-like-it",
        "/why d013",
        "/why d002",
        "/why d014",
        "/why nothing",
        "/seeds",
        "/sources",
        "/stats",
        "/summary",
        "/summary 24h",
        f"/story {stored.visit_story}",
        "/story d031",
        "/trend",
        "/lang",
        "/addfeed http://127.0.0.1/feed.xml",
        "/addfeed ftp://example.org/feed.xml",
        "/addfeed",
        "/removefeed nothing",
        "/addseed short text",
        "/pause",
        "/resume",
        "/settings",
        "/unsubscribe",
        "/nosuch",
    ]
    assert {w.split()[0].lstrip("/") for w in walk} >= set(MENU)
    answers: dict[str, list[BotMessage]] = {}
    async with rig.running():
        for command in walk:
            answers[command] = await _ask(admin, command)
        answers["plain text"] = await _ask(admin, "Привет", command=False)
        menu = answers["/settings"][0]
        for view in VIEWS[1:]:  # each menu, and back to the main one
            admin.press_button(f"st:{chat}:view:{view}", menu)
            menu = await admin.wait_for_edit_async(menu)
            answers[f"settings {view}"] = [menu]
            admin.press_button(f"st:{chat}:view:main", menu)
            menu = await admin.wait_for_edit_async(menu)

    phrases = _data_phrases(rig, walk)
    data_words = set(LATIN_WORD.findall(" ".join(phrases)))
    fragments = _english_fragments()
    problems = []
    for asked, messages in answers.items():
        assert messages, f"{asked}: no answer"
        for message in messages:
            shown = _shown(message)
            prose = _prose(shown, phrases)
            english = sorted(f for f in fragments if f in prose)
            latin = _latin_words(prose, data_words)
            if english or latin:
                problems.append(f"{asked}: English {english} Latin words {latin}\n{shown}")
    assert not problems, "\n\n".join(problems)
