"""👍/👎 under digest entries: stored, counted in /stats, nudging the chat's threshold."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.feedback import record_feedback
from bot.render.telegram_html import FEEDBACK_PREFIX, parse_feedback_data
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import answer_callback


async def feedback_button(update: Update, context: BotContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, context.chat_record
    assert query is not None and query.data is not None
    parsed = parse_feedback_data(query.data)
    if parsed is None or user is None or chat is None:
        await answer_callback(update)
        return
    vote, item_id = parsed
    await record_feedback(
        context.store,
        chat,
        item_id,
        user.id,
        vote,
        base=context.settings.file.thresholds.relevance,
        now=context.now(),
    )
    await answer_callback(update, context.t("feedback.up" if vote > 0 else "feedback.down"))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CallbackQueryHandler(feedback_button, pattern=f"^{FEEDBACK_PREFIX}:"),
]
