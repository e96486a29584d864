"""The one error handler: log with the update's context, never the token; a short reply.

The token cannot reach the log through us: we log ids and the command word, not URLs, and the
CLI's ``RedactingFilter`` (``bot.logs``) removes anything token-shaped from every record anyway.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import reply

log = logging.getLogger(__name__)


def describe(update: object) -> str:
    if not isinstance(update, Update):
        return "no update (a job or the updater)"
    chat = update.effective_chat
    user = update.effective_user
    what = "callback" if update.callback_query else "message"
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        what = f"command {message.text.split(maxsplit=1)[0][:40]}"
    return (
        f"update {update.update_id} ({what}) in chat {chat.id if chat else None} "
        f"from user {user.id if user else None}"
    )


async def on_error(update: object, context: BotContext) -> None:
    log.error(
        "error while handling %s: %r", describe(update), context.error, exc_info=context.error
    )
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await reply(update, context.t("errors.generic"))
        except TelegramError:
            log.warning(
                "could not tell chat %s about the error",
                update.effective_chat.id if update.effective_chat else None,
            )
