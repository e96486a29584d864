"""/start (what the bot does, subscribe in one tap) and /help."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.subscriptions import subscribe
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import answer_callback, reply
from bot.telegrambot.schedule import schedule_chat
from bot.telegrambot.schedule_text import schedule_text

SUBSCRIBE_DATA = "sub"


async def start(update: Update, context: BotContext) -> None:
    schedule = context.settings.file.schedule
    button = InlineKeyboardButton(context.t("start.button"), callback_data=SUBSCRIBE_DATA)
    await reply(
        update,
        context.t(
            "start.text",
            hour=f"{schedule.digest_time.hour:02d}",
            tz=schedule.timezone,
            topic=context.services.settings.topic.subject_in(context.lang),
        ),
        InlineKeyboardMarkup([[button]]),
    )


async def subscribe_button(update: Update, context: BotContext) -> None:
    query, chat = update.callback_query, context.chat_record
    assert query is not None and chat is not None
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    result = await subscribe(context.store, chat, now=context.now(), thread_id=thread)
    assert context.job_queue is not None
    schedule_chat(context.job_queue, result.chat)
    await answer_callback(update, context.t("start.button_done"))
    done = InlineKeyboardButton(context.t("start.button_done"), callback_data="noop")
    if message is not None:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([[done]]))
    key = (
        "subscribe.already"
        if result.already
        else ("subscribe.topic" if thread is not None else "subscribe.done")
    )
    await reply(update, context.t(key, schedule=schedule_text(context.lang, result.chat)))


async def noop(update: Update, context: BotContext) -> None:
    await answer_callback(update)


async def help_command(update: Update, context: BotContext) -> None:
    """The command list, then (for whom they apply) the admin's and the channels' paragraphs."""
    sections = [context.t("help.text")]
    user, chat = update.effective_user, update.effective_chat
    if user is not None and user.id in context.settings.admin_ids:
        sections.append(context.t("help.admin"))
    if chat is not None and chat.type == ChatType.PRIVATE:
        sections.append(context.t("help.channel"))
    await reply(update, "\n\n".join(sections))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("start", start),
    CommandHandler("help", help_command),
    CallbackQueryHandler(subscribe_button, pattern=f"^{SUBSCRIBE_DATA}$"),
    CallbackQueryHandler(noop, pattern="^noop$"),
]
