"""Answering the person: a reply in the same chat (and forum topic), split under 4,096."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.render.telegram_html import render_items


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Reply where the update came from; a callback query gets a new message in its chat."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup, do_quote=False)


async def reply_lines(update: Update, header: str, lines: list[str]) -> None:
    """A list (already escaped HTML lines) under a header, as many messages as it needs."""
    for text in render_items(lines, header):
        await reply(update, text)


async def answer_callback(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    query = update.callback_query
    if query is None:
        return
    # An expired query (older than ~15 s) cannot be answered; the message edit still shows.
    with contextlib.suppress(TelegramError):
        await query.answer(text, show_alert=alert)


async def required_args(update: Update, usage: str) -> str | None:
    """The command's arguments; None, after answering with ``usage``, when it has none."""
    message = update.effective_message
    args = command_args(message.text if message is not None else None)
    if not args:
        await reply(update, usage)
        return None
    return args


def command_args(text: str | None) -> str:
    """Everything after the command word ("/search a b" → "a b")."""
    if not text:
        return ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
