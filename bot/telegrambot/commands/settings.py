"""/settings on inline buttons, and /lang en|ru."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.reads import ChatRecord
from bot.render.telegram_html import esc
from bot.subscriptions import (
    change_setting,
    chosen_threshold,
    follow_ups,
    managed_chat,
    threshold,
    zone_choices,
)
from bot.telegrambot.context import BotContext
from bot.telegrambot.keyboards import LANGUAGE_NAMES, PREFIX, VIEWS, parse, settings_keyboard
from bot.telegrambot.replies import answer_callback, command_args, reply
from bot.telegrambot.schedule import schedule_chat
from bot.telegrambot.schedule_text import schedule_text
from bot.texts import normalize_lang


def settings_text(context: BotContext, chat: ChatRecord, *, other_chat: bool) -> str:
    lang = context.lang
    title = esc(chat.title or str(chat.id))
    text = context.t(
        "settings.header",
        target=context.t("settings.target", title=title) if other_chat else "",
        schedule=schedule_text(lang, chat),
        tz=esc(chat.timezone),
        threshold=_threshold_text(context, chat),
        only_new=context.t("settings.only_new_yes" if chat.only_new else "settings.only_new_no"),
        lang=LANGUAGE_NAMES.get(chat.lang or lang, lang),
        follow_ups=context.t(f"settings.follow_{_follow_ups(context, chat)}"),
    )
    if not chat.subscribed:
        text += context.t("settings.not_subscribed_note")
    return text


def _threshold_text(context: BotContext, chat: ChatRecord) -> str:
    """The chosen minimum relevance, and what votes made of it when they moved it."""
    configured = context.settings.file.thresholds.relevance
    chosen, in_force = chosen_threshold(chat, configured), threshold(chat, configured)
    if in_force == chosen:
        return f"{chosen:.2f}"
    return context.t("settings.threshold_adjusted", chosen=f"{chosen:.2f}", now=f"{in_force:.2f}")


def _follow_ups(context: BotContext, chat: ChatRecord) -> str:
    return follow_ups(chat, context.settings.file.digest.follow_ups).value


def _keyboard(context: BotContext, chat: ChatRecord, view: str) -> InlineKeyboardMarkup:
    return settings_keyboard(
        chat,
        view,
        context.lang,
        zone_choices(context.services.settings.topic),
        _follow_ups(context, chat),
        threshold(chat, context.settings.file.thresholds.relevance),
    )


async def _target(update: Update, context: BotContext, chat_id: int) -> ChatRecord | None:
    """The chat these settings change: this one, or a channel this person manages."""
    here = context.chat_record
    if here is not None and chat_id == here.id:
        return here
    user = update.effective_user
    return await managed_chat(context.store, chat_id, user.id) if user else None


async def settings_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and context.chat_record is not None
    arg = command_args(message.text)
    chat: ChatRecord | None = context.chat_record
    if arg:
        chat = await _target(update, context, int(arg)) if arg.lstrip("-").isdigit() else None
        if chat is None:
            await reply(update, context.t("settings.no_channel", channel=esc(arg)))
            return
    assert chat is not None
    other = chat.id != context.chat_record.id
    await reply(
        update,
        settings_text(context, chat, other_chat=other),
        _keyboard(context, chat, "main"),
    )


async def settings_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.job_queue is not None
    parsed = parse(query.data)
    chat = await _target(update, context, parsed.chat_id) if parsed else None
    if parsed is None or chat is None:
        await answer_callback(update, context.t("admin.group_only"), alert=True)
        return
    view = "main"
    if parsed.key == "view" and parsed.value in VIEWS:
        view = parsed.value
    elif parsed.key == "done":
        await answer_callback(update)
        await _edit(
            update, settings_text(context, chat, other_chat=chat.id != _here(context)), None
        )
        return
    elif parsed.value is not None:
        changed = await change_setting(
            context.store, chat, parsed.key, parsed.value, now=context.now()
        )
        if changed is None:
            await answer_callback(
                update, context.t("errors.bad_argument", detail=parsed.value), alert=True
            )
            return
        chat = changed
        if parsed.key == "lang" and chat.id == _here(context):
            context.lang = normalize_lang(chat.lang)
        schedule_chat(context.job_queue, chat)
    await answer_callback(update, context.t("settings.saved") if parsed.key != "view" else None)
    await _edit(
        update,
        settings_text(context, chat, other_chat=chat.id != _here(context)),
        _keyboard(context, chat, view),
    )


def _here(context: BotContext) -> int | None:
    return context.chat_record.id if context.chat_record else None


async def _edit(update: Update, text: str, markup: object) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def lang_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, context.chat_record
    assert message is not None and chat is not None
    arg = command_args(message.text).lower()
    changed = (
        await change_setting(context.store, chat, "lang", arg, now=context.now()) if arg else None
    )
    if changed is None:
        await reply(update, context.t("lang.usage"))
        return
    context.lang = normalize_lang(changed.lang)
    await reply(update, context.t("lang.set"))


HANDLERS: list[BaseHandler[Update, BotContext, None]] = [
    CommandHandler("settings", settings_command),
    CommandHandler("lang", lang_command),
    CallbackQueryHandler(settings_button, pattern=f"^{PREFIX}:"),
]
