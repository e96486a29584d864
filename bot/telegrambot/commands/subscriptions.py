"""/subscribe and /unsubscribe: this chat, this forum topic, or a channel managed from here."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot.render.telegram_html import esc
from bot.subscriptions import get_chat, managed_chat, record_chat, subscribe, unsubscribe
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import command_args, reply
from bot.telegrambot.schedule import schedule_chat
from bot.telegrambot.schedule_text import schedule_text

log = logging.getLogger(__name__)


async def subscribe_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, context.chat_record
    assert message is not None and chat is not None and context.job_queue is not None
    target = command_args(message.text)
    if target and message.chat.type == ChatType.PRIVATE:
        await _subscribe_channel(update, context, target)
        return
    thread = message.message_thread_id if message.is_topic_message else None
    result = await subscribe(context.store, chat, now=context.now(), thread_id=thread)
    schedule_chat(context.job_queue, result.chat)
    when = schedule_text(context.lang, result.chat)
    if result.already:
        await reply(update, context.t("subscribe.already", schedule=when))
    else:
        await reply(
            update, context.t("subscribe.topic" if thread else "subscribe.done", schedule=when)
        )


async def _subscribe_channel(update: Update, context: BotContext, target: str) -> None:
    """Subscribe a channel where the bot posts as an admin; this person manages it from here."""
    user = update.effective_user
    assert user is not None and context.job_queue is not None
    shown = esc(target)
    chat_ref: int | str = int(target) if target.lstrip("-").isdigit() else target
    try:
        channel = await context.bot.get_chat(chat_ref)
        member = await context.bot.get_chat_member(channel.id, user.id)
        allowed = member.status in {"administrator", "creator"}
    except TelegramError as exc:
        log.info("cannot use channel %r for user %s: %s", target, user.id, exc)
        await reply(update, context.t("subscribe.channel_not_admin", channel=shown))
        return
    if not allowed:
        await reply(update, context.t("admin.group_only"))
        return
    record = await record_chat(
        context.store,
        channel.id,
        kind="channel",
        title=channel.title,
        lang=context.lang,
        schedule=context.settings.file.schedule,
        now=context.now(),
    )
    result = await subscribe(context.store, record, now=context.now(), managed_by=user.id)
    schedule_chat(context.job_queue, result.chat)
    await reply(
        update,
        context.t(
            "subscribe.channel_done",
            channel=shown,
            schedule=schedule_text(context.lang, result.chat),
        ),
    )


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    message, chat, user = update.effective_message, context.chat_record, update.effective_user
    assert message is not None and chat is not None and context.job_queue is not None
    target = command_args(message.text)
    if target and user is not None and target.lstrip("-").isdigit():
        managed = await managed_chat(context.store, int(target), user.id)
        if managed is None:
            await reply(update, context.t("settings.no_channel", channel=esc(target)))
            return
        chat = managed
    if not await unsubscribe(context.store, chat, now=context.now()):
        await reply(update, context.t("unsubscribe.not_subscribed"))
        return
    updated = await get_chat(context.store, chat.id)
    if updated is not None:
        schedule_chat(context.job_queue, updated)
    await reply(update, context.t("unsubscribe.done"))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("subscribe", subscribe_command),
    CommandHandler("unsubscribe", unsubscribe_command),
]
