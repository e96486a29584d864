"""Bad input from people: every bot command, with every kind of argument a person (or a script
posing as one) can send, through the emulator to the real bot.

Each command gets: no argument, 100 KB of digits, 100 KB of words, control and odd Unicode
characters, HTML, and injection-looking text (SQL, FTS5 syntax, format placeholders, paths).
What a person must see each time is one clear answer in the chat's language: a usage line, a
"not found", a refusal or the command's normal answer, never silence and never the generic
"something went wrong" (which means an exception reached the error handler). Every answer is
valid Telegram HTML under 4,096 characters (the emulator enforces both), nothing is logged as an
error (the ``rig`` fixture checks), and the database is whole afterwards.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.ext import CommandHandler

from bot.telegrambot.app import collect_handlers
from bot.telegrambot.guards import ADMIN_COMMANDS, MAX_ARGUMENT, MAX_ARGUMENT_FOR
from bot.texts import t
from storage.maintenance import check_database
from tests.support.telegram_emulator import BotMessage, TelegramUser
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig, rig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture

COMMANDS = sorted(
    c for h in collect_handlers() if isinstance(h, CommandHandler) for c in h.commands
)
HUGE = 100_000  # characters; the emulator's JSON body limit is 100 KiB
ARGUMENTS = {
    "missing": "",
    "huge digits": "9" * HUGE,
    "int64 overflow": "-" + "9" * 30,
    "huge words": ("Tajikistan & <x> " * (HUGE // 17))[:HUGE],
    "binary": bytes(range(1, 256)).decode("latin-1") + "\u200b\u202e\ufeff\ufffd\U0001f600",
    "html": '<b>bold</b> <script>alert(1)</script> &amp; <a href="javascript:alert(1)">x</a></i>',
    "injection": "1; DROP TABLE items; -- ' OR '1'='1 \" NEAR(a b) * ^x {lang} %s %(x)s "
    "../../etc/passwd $(id) `id` -1",
}
GENERIC = {t(lang, "errors.generic") for lang in ("en", "ru")}
# After our reply Telegram needs no further time; a straggler would show up in the next wait.
SETTLE_S = 0.15


async def answers(person: TelegramUser, text: str) -> list[BotMessage]:
    """Send ``text`` and return what the bot answered (at least one message, or a failure)."""
    person.send_command(text)
    first = await person.wait_for_messages_async(timeout=20)
    await asyncio.sleep(SETTLE_S)
    return first + person.get_messages()


def problems_with(replies: list[BotMessage], *, expect: str | None = None) -> list[str]:
    found = []
    if not replies:
        found.append("no answer")
    for message in replies:
        text = message.text or message.caption or ""
        if text in GENERIC:
            found.append("the generic error (an exception reached the error handler)")
        if expect is not None and text != expect:
            found.append(f"expected {expect!r}, got {text[:120]!r}")
        if message.text:
            try:
                assert_telegram_html(message.text)
            except AssertionError as exc:
                found.append(f"bad HTML: {exc}")
    return found


@pytest.mark.parametrize("kind", list(ARGUMENTS))
async def test_every_command_answers_bad_arguments_clearly(rig: BotRig, kind: str) -> None:
    argument = ARGUMENTS[kind]
    store = rig.services.store
    items_before = store.items.count()
    started = time.monotonic()
    report: dict[str, list[str]] = {}
    async with rig.running():
        for command in COMMANDS:
            text = f"/{command} {argument}".rstrip()
            # The administrator reaches every handler; anyone else is refused the admin ones.
            replies = await answers(rig.admin, text)
            too_long = t(
                "en",
                "errors.too_long",
                command=f"/{command}",
                length=f"{len(argument.strip()):,}",
                limit=f"{MAX_ARGUMENT_FOR.get(command, MAX_ARGUMENT):,}",
            )
            report[f"/{command}"] = problems_with(
                replies, expect=too_long if kind.startswith("huge") else None
            )
            if command in ADMIN_COMMANDS:
                refusal = t("en", "admin.only", command=f"/{command}")
                refused = await answers(rig.user, text)
                report[f"/{command} (not an admin)"] = problems_with(refused, expect=refusal)
        if argument:
            # An unknown command as long as the argument, and a command word full of it.
            word = "".join(argument.split()).replace("@", "")[: HUGE - 2]  # "@": another bot's
            report["/unknown"] = problems_with(await answers(rig.user, f"/x{word}"))
    failing = {where: found for where, found in report.items() if found}
    print(
        f"\nbad input {kind!r}: {len(report)} answers checked in "
        f"{time.monotonic() - started:.1f} s, {len(failing)} failing"
    )
    assert not failing, "\n".join(f"{at}: {'; '.join(found)}" for at, found in failing.items())
    assert store.items.count() == items_before
    assert check_database(rig.settings.database_path).ok
